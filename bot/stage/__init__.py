"""Stage: the master clock that pairs every video frame with its own audio slice."""
