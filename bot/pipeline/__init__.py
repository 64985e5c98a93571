"""Pipeline plumbing: the session clock and the bounded links between stages."""
