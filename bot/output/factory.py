"""Turn an `--output` spec into an opened Output.

Specs (DESIGN §2.2): virtualcam, rtmp://…, rtmps://…, udp://…, *.mp4, *.flv, window, none.
"""

from __future__ import annotations

from typing import Any

from bot.output.av_stream import AvStreamOutput, EncoderSettings
from bot.output.fanout import OutputFanout, OutputStats
from bot.output.settings import OutputSettings
from bot.output.sink import Output, OutputError, StreamFormat

__all__ = ["OutputFanout", "OutputStats", "open_output", "open_outputs"]

_SPECS = "virtualcam, rtmp://…, rtmps://…, udp://…, a path ending .mp4 or .flv, window, none"


def _settings(overrides: dict[str, Any]) -> OutputSettings:
    unknown = sorted(set(overrides) - set(OutputSettings.model_fields))
    if unknown:
        raise OutputError(f"unknown output setting(s) {', '.join(unknown)}; "
                          f"known: {', '.join(OutputSettings.model_fields)}")
    return OutputSettings(**{k: v for k, v in overrides.items() if v is not None})


def build_output(spec: str, **settings: Any) -> Output:
    """The Output a spec names, not yet opened; OutputError for a spec nobody handles."""
    cfg = _settings(settings)
    text = spec.strip()
    lower = text.lower()
    if lower == "none":
        from bot.output.null import NullOutput

        return NullOutput()
    if lower == "window":
        from bot.output.window import WindowOutput

        return WindowOutput(max_height=cfg.window_max_height)
    if lower == "virtualcam":
        from bot.output.audio_device import AudioDeviceOutput
        from bot.output.virtualcam import VirtualCamOutput

        audio = None
        if (cfg.audio_device or "").lower() != "none":
            audio = AudioDeviceOutput(device=cfg.audio_device)
        return VirtualCamOutput(device=cfg.camera_device, backend=cfg.camera_backend, audio=audio,
                                av_offset_ms=cfg.av_offset_ms)
    if lower.startswith(("rtmp://", "rtmps://", "udp://")) or lower.endswith((".mp4", ".flv")):
        encoder = EncoderSettings(preset=cfg.video_preset, video_kbps=cfg.video_kbps)
        return AvStreamOutput(text, encoder=encoder)
    raise OutputError(f"output {spec!r} is not known; use one of: {_SPECS}")


def open_output(spec: str, fmt: StreamFormat, **settings: Any) -> Output:
    """Build and open the output a spec names; OutputError with the reason when it cannot."""
    out = build_output(spec, **settings)
    out.open(fmt)
    return out


def open_outputs(specs: list[str], fmt: StreamFormat, queue_frames: int = 8, **settings: Any) -> OutputFanout:
    """Open every spec and put them behind one fan-out; closes the opened ones if any fails."""
    fanout = OutputFanout([build_output(s, **settings) for s in specs], queue_frames=queue_frames)
    fanout.open(fmt)
    return fanout
