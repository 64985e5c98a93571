"""Prompt files that moderators edit while the show runs: hot reload, last good version kept."""
