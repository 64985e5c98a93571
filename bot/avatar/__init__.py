"""Avatar: renders the host's frames from mouth timings (sprite by default)."""
