"""livebot: an AI host for live selling."""

__version__ = "0.1.0"
