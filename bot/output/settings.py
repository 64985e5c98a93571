"""The output stage's knobs (device names, A/V offset, encoder); `bot.config.Settings.output` fills them."""

from __future__ import annotations

from pydantic import BaseModel


class OutputSettings(BaseModel):
    """What `open_output` uses when the caller passes no explicit keyword."""

    audio_device: str | None = None  # sounddevice name or index; "none" = picture only
    camera_device: str | None = None  # e.g. /dev/video10; None = the backend's first free one
    camera_backend: str | None = None  # pyvirtualcam backend: v4l2loopback, obs, unitycapture
    av_offset_ms: float = 0.0  # + delays the voice, - delays the picture (device path only)
    video_preset: str = "superfast"
    video_kbps: int | None = None
    window_max_height: int = 720
