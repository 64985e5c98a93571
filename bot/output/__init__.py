"""Outputs: where frames and audio leave (file, RTMP, virtual camera, window)."""
