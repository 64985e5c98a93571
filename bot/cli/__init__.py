"""Command line (`livebot`)."""
