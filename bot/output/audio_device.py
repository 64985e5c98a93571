"""The voice to a sound device (VB-Audio Cable, BlackHole, a PulseAudio null sink) via sounddevice.

One 40 ms block per frame. Only this module imports sounddevice, and only when it opens.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from bot.events import StageFrame
from bot.output.sink import OutputError, StreamFormat

log = logging.getLogger(__name__)


def _device_arg(device: str | int | None) -> str | int | None:
    if isinstance(device, str) and device.strip().isdigit():
        return int(device)
    return device or None


class AudioDeviceOutput:
    """Plays each frame's audio slice on a named (or numbered) output device, blocking per block."""

    realtime = True

    def __init__(self, device: str | int | None = None, latency: str | float = "low") -> None:
        self.device = _device_arg(device)
        self.name = f"audio:{self.device if self.device is not None else 'default'}"
        self.latency = latency
        self._stream: Any = None
        self.blocks_written = 0
        self.underflows = 0

    def open(self, fmt: StreamFormat) -> None:
        """Open the device as mono int16 at the stage rate; OutputError naming the device if not."""
        if self._stream is not None:
            return
        try:
            import sounddevice
        except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
            raise OutputError(f"output {self.name}: sounddevice/PortAudio unavailable ({exc}); "
                              "install the 'virtualcam' extra and libportaudio2") from exc
        try:
            stream = sounddevice.OutputStream(
                samplerate=fmt.sample_rate, channels=1, dtype="int16", device=self.device,
                blocksize=fmt.sample_rate // fmt.fps, latency=self.latency,
            )
            stream.start()
        except (sounddevice.PortAudioError, ValueError) as exc:
            raise OutputError(f"output {self.name}: cannot open audio device ({exc}); "
                              "list devices with `python -m sounddevice`") from exc
        self._stream = stream
        log.info("audio device opened", extra={"output": self.name, "latency_s": stream.latency})

    @property
    def latency_s(self) -> float | None:
        """The device's own output latency, as PortAudio reports it."""
        return None if self._stream is None else float(self._stream.latency)

    def write(self, frame: StageFrame) -> None:
        """Play the frame's audio slice."""
        self.write_block(frame.audio)

    def write_block(self, block: np.ndarray) -> None:
        """Queue one block on the device; blocks while the device buffer is full."""
        if self._stream is None:
            raise OutputError(f"output {self.name}: write before open")
        try:
            underflowed = self._stream.write(np.ascontiguousarray(block, np.int16).reshape(-1, 1))
        except Exception as exc:  # noqa: BLE001 - PortAudio raises its own error type
            raise OutputError(f"output {self.name}: write failed ({exc})") from exc
        self.blocks_written += 1
        if underflowed:
            self.underflows += 1

    def close(self) -> None:
        """Let the queued audio play out, then release the device; safe to call twice."""
        stream, self._stream = self._stream, None
        if stream is None:
            return
        try:
            stream.stop()
        finally:
            stream.close()
