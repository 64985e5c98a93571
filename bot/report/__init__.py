"""Reports: what was said, to whom, how fast, and what sold."""
