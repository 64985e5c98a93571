"""Prompt files that moderators edit while the show runs: hot reload, last good version kept
(book), YAML with line numbers (lined_yaml), and the schemas their owners register (check)."""
