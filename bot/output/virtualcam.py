"""The picture as a virtual camera (OBS Virtual Camera, v4l2loopback, Unity Capture) via pyvirtualcam,
with the voice on a paired sound device and a measured offset between the two paths."""

from __future__ import annotations

import logging
from typing import Any

from bot.events import StageFrame
from bot.output.audio_device import AudioDeviceOutput
from bot.output.av_offset import AvOffsetDelay
from bot.output.sink import OutputError, StreamFormat

log = logging.getLogger(__name__)


class VirtualCamOutput:
    """Sends RGB frames to a virtual camera, paced to its fps, and each audio block to `audio`."""

    realtime = True

    def __init__(self, device: str | None = None, backend: str | None = None,
                 audio: AudioDeviceOutput | None = None, av_offset_ms: float = 0.0) -> None:
        self.device = device
        self.backend = backend
        self.audio = audio
        self.av_offset_ms = av_offset_ms
        self.name = "virtualcam" + (f":{device}" if device else "")
        self._cam: Any = None
        self._delay: AvOffsetDelay | None = None
        self.frames_written = 0

    def open(self, fmt: StreamFormat) -> None:
        """Open the camera (and the sound device); OutputError with the setup hint if missing."""
        if self._cam is not None:
            return
        try:
            import pyvirtualcam
        except ImportError as exc:
            raise OutputError("output virtualcam: pyvirtualcam is not installed "
                              "(pip install 'livebot[virtualcam]')") from exc
        try:
            self._cam = pyvirtualcam.Camera(fmt.width, fmt.height, fmt.fps, fmt=pyvirtualcam.PixelFormat.RGB,
                                            device=self.device, backend=self.backend)
        except (RuntimeError, ValueError) as exc:
            raise OutputError(f"output virtualcam: no virtual camera ({exc}). See docs/going-live.md: "
                              "Linux `sudo modprobe v4l2loopback devices=1 video_nr=10 "
                              "card_label=\"livebot\" exclusive_caps=1`; Windows/macOS: install OBS "
                              "and start its Virtual Camera once") from exc
        if self.audio is not None:
            try:
                self.audio.open(fmt)
            except OutputError:
                self._cam.close()
                self._cam = None
                raise
        self._delay = AvOffsetDelay(self.av_offset_ms, fmt.fps, fmt.sample_rate)
        log.info("virtual camera opened", extra={"output": self.name, "camera": self._cam.device,
                                                 "av_offset_ms": self.av_offset_ms})

    @property
    def camera_device(self) -> str | None:
        return None if self._cam is None else str(self._cam.device)

    def write(self, frame: StageFrame) -> None:
        """Send the (offset-delayed) picture and audio block, then wait out the rest of the frame time."""
        if self._cam is None or self._delay is None:
            raise OutputError(f"output {self.name}: write before open")
        image, block = self._delay.push(frame)
        try:
            self._cam.send(image)
        except (RuntimeError, ValueError) as exc:
            raise OutputError(f"output {self.name}: frame {frame.index} rejected ({exc})") from exc
        if self.audio is not None:
            self.audio.write_block(block)
        self.frames_written += 1
        # Adaptive: sleeps only when this frame came early, so a clock already at 25 fps is not slowed.
        self._cam.sleep_until_next_frame()

    def close(self) -> None:
        """Release the camera and the sound device; safe to call twice."""
        cam, self._cam = self._cam, None
        try:
            if cam is not None:
                cam.close()
        finally:
            if self.audio is not None:
                self.audio.close()
