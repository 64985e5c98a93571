"""One muxed H.264 + AAC stream through PyAV: `.mp4`/`.flv` files, `rtmp(s)://` (FLV), `udp://` (MPEG-TS).

Both streams get explicit timestamps from the frame index (video PTS = index in 1/fps, audio PTS =
index × samples-per-frame), so audio and video cannot drift however long the show runs.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

from bot.events import StageFrame
from bot.output.sink import OutputError, StreamFormat

log = logging.getLogger(__name__)

AAC_RATE = 44100  # what TikTok and most RTMP ingest expect
_NETWORK_TIMEOUT_S = (5.0, 10.0)  # connect, then per-I/O timeout for network targets: fail fast, clearly


@dataclass(frozen=True, slots=True)
class EncoderSettings:
    """x264/AAC knobs; the defaults hold 25 fps at 720×1280 on two cores (bench/bench_outputs.py)."""

    preset: str = "superfast"
    video_kbps: int | None = None  # None: scaled from 3000 kbps at 720×1280
    audio_kbps: int = 128
    gop_seconds: float = 2.0  # a keyframe every 2 s, what live platforms ask for
    threads: int = 0  # 0: let x264 choose


@dataclass(slots=True)
class _Target:
    url: str
    container_format: str | None
    realtime: bool
    label: str


def redact(url: str) -> str:
    """The URL with its last path part (an RTMP stream key) and any credentials hidden, for logs."""
    url = re.sub(r"//[^/@]*@", "//***@", url)
    if url.startswith(("rtmp://", "rtmps://")):
        head, _, _key = url.rpartition("/")
        if head.count("/") >= 3:
            return head + "/***"
    return url


def _classify(target: str) -> _Target:
    lower = target.lower()
    if lower.startswith(("rtmp://", "rtmps://")):
        return _Target(target, "flv", True, redact(target))
    if lower.startswith("udp://"):
        return _Target(target, "mpegts", True, target)
    if lower.endswith(".mp4"):
        return _Target(target, "mp4", False, target)
    if lower.endswith(".flv"):
        return _Target(target, "flv", False, target)
    raise OutputError(
        f"output {target!r}: not a stream target PyAV writes here "
        "(expected a path ending .mp4 or .flv, rtmp://, rtmps:// or udp://)"
    )


def default_video_kbps(width: int, height: int) -> int:
    """3000 kbps for 720×1280 (TikTok's advice for 720p), scaled by pixel count, at least 800."""
    return max(800, round(3000 * (width * height) / (720 * 1280)))


class AvStreamOutput:
    """Writes frames to a file or a live URL as H.264 + AAC with index-derived timestamps."""

    def __init__(self, target: str, *, encoder: EncoderSettings | None = None) -> None:
        self._target = _classify(target)
        self.name = self._target.label
        self.realtime = self._target.realtime
        self.encoder = encoder or EncoderSettings()
        self._container: Any = None
        self._video: Any = None
        self._audio: Any = None
        self._resampler: Any = None
        self._fmt: StreamFormat | None = None
        self._next_index = 0  # the index the audio stream has reached (silence fills skipped frames)
        self._audio_samples_out = 0  # AAC-rate samples sent to the encoder so far
        self.frames_written = 0
        self.frames_skipped = 0  # indices the clock dropped (video gap, audio silence)

    # -- open ---------------------------------------------------------------------------------
    def open(self, fmt: StreamFormat) -> None:
        """Open the container and both encoders; OutputError for an unwritable path or dead server."""
        if self._container is not None:
            return
        if fmt.sample_rate % fmt.fps or AAC_RATE % fmt.fps:
            raise OutputError(f"output {self.name}: {fmt.sample_rate} Hz does not split into {fmt.fps} fps")
        if not self.realtime:
            parent = Path(self._target.url).expanduser().resolve().parent
            if not parent.is_dir():
                raise OutputError(f"output {self.name}: folder {parent} does not exist")
        try:
            self._container = av.open(
                self._target.url, mode="w", format=self._target.container_format,
                timeout=_NETWORK_TIMEOUT_S if self.realtime else None,
            )
        except (OSError, av.FFmpegError) as exc:
            raise OutputError(f"output {self.name}: cannot open ({_reason(exc)}){self._hint()}") from exc
        try:
            self._add_streams(fmt)
        except (OSError, ValueError, av.FFmpegError) as exc:
            self._abort()
            raise OutputError(f"output {self.name}: encoder setup failed ({_reason(exc)})") from exc
        try:
            # PyAV connects / creates the file lazily at the first packet; do it now so a dead
            # server or unwritable path is reported at start, not minutes into the show.
            self._container.start_encoding()
        except (OSError, av.FFmpegError) as exc:
            self._abort()
            raise OutputError(f"output {self.name}: cannot open ({_reason(exc)}){self._hint()}") from exc
        self._fmt = fmt
        log.info("output opened", extra={"output": self.name, "width": fmt.width, "height": fmt.height,
                                         "fps": fmt.fps, "preset": self.encoder.preset})

    def _hint(self) -> str:
        if self.realtime:
            return "; check the server address, that it is running and that it accepts this stream key"
        return ""

    def _add_streams(self, fmt: StreamFormat) -> None:
        enc = self.encoder
        v = self._container.add_stream("libx264", rate=fmt.fps)
        v.width, v.height = fmt.width, fmt.height
        v.pix_fmt = "yuv420p"
        v.time_base = Fraction(1, fmt.fps)
        kbps = enc.video_kbps or default_video_kbps(fmt.width, fmt.height)
        v.bit_rate = kbps * 1000
        v.gop_size = max(1, round(enc.gop_seconds * fmt.fps))
        v.codec_context.thread_count = enc.threads
        # zerolatency: no frame look-ahead, so a live frame leaves the encoder at once; bf=0 keeps
        # decode order = presentation order, which FLV/RTMP players handle best.
        v.options = {
            "preset": enc.preset, "tune": "zerolatency", "bf": "0",
            "maxrate": f"{kbps}k", "bufsize": f"{2 * kbps}k",
            "x264-params": f"keyint={v.gop_size}:min-keyint={v.gop_size}:scenecut=0",
        }
        a = self._container.add_stream("aac", rate=AAC_RATE)
        a.layout = "mono"
        a.bit_rate = enc.audio_kbps * 1000
        a.time_base = Fraction(1, AAC_RATE)
        self._video, self._audio = v, a
        if fmt.sample_rate != AAC_RATE:
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=AAC_RATE)

    # -- write --------------------------------------------------------------------------------
    def write(self, frame: StageFrame) -> None:
        """Encode one frame and its audio slice; a skipped index becomes a video gap + audio silence."""
        if self._container is None or self._fmt is None:
            raise OutputError(f"output {self.name}: write before open")
        fmt = self._fmt
        if frame.index < self._next_index:
            log.warning("frame out of order skipped",
                        extra={"output": self.name, "index": frame.index, "expected": self._next_index})
            return
        h, w = frame.image.shape[:2]
        if (w, h) != (fmt.width, fmt.height) or frame.image.dtype != np.uint8:
            raise OutputError(f"output {self.name}: frame {frame.index} is {w}×{h} {frame.image.dtype}, "
                              f"expected {fmt.width}×{fmt.height} uint8")
        if frame.sample_rate != fmt.sample_rate:
            raise OutputError(f"output {self.name}: frame {frame.index} audio is {frame.sample_rate} Hz, "
                              f"the stream was opened at {fmt.sample_rate} Hz")
        spf = fmt.sample_rate // fmt.fps
        audio = frame.audio
        if len(audio) != spf:
            # A slice of the wrong length would shift every later sound; fit it, keep the show going.
            log.warning("frame audio length fixed", extra={"output": self.name, "index": frame.index,
                                                           "samples": len(audio), "expected": spf})
            audio = np.pad(audio[:spf], (0, max(0, spf - len(audio))))
        try:
            if frame.index > self._next_index:
                gap = frame.index - self._next_index
                self.frames_skipped += gap
                self._write_audio(np.zeros(gap * spf, np.int16), fmt.sample_rate)
            self._write_video(frame)
            self._write_audio(audio, fmt.sample_rate)
        except (OSError, av.FFmpegError) as exc:
            raise OutputError(f"output {self.name}: write failed at frame {frame.index} "
                              f"({_reason(exc)})") from exc
        self._next_index = frame.index + 1
        self.frames_written += 1

    def _write_video(self, frame: StageFrame) -> None:
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame.image), format="rgb24")
        vf.pts = frame.index
        vf.time_base = Fraction(1, self._fmt.fps)  # type: ignore[union-attr]
        self._container.mux(self._video.encode(vf))

    def _write_audio(self, pcm: np.ndarray, rate: int) -> None:
        if pcm.size == 0:
            return
        pcm = np.ascontiguousarray(pcm, dtype=np.int16).reshape(1, -1)
        af = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        af.sample_rate = rate
        frames = self._resampler.resample(af) if self._resampler is not None else [af]
        for out in frames:
            # Contiguous audio from sample 0: PTS = samples so far = index × samples-per-frame.
            out.pts = self._audio_samples_out
            out.time_base = Fraction(1, AAC_RATE)
            self._audio_samples_out += out.samples
            self._container.mux(self._audio.encode(out))

    # -- close --------------------------------------------------------------------------------
    def close(self) -> None:
        """Flush both encoders and finish the container; safe to call twice."""
        if self._container is None:
            return
        try:
            if self._resampler is not None:
                for out in self._resampler.resample(None):
                    out.pts = self._audio_samples_out
                    self._audio_samples_out += out.samples
                    self._container.mux(self._audio.encode(out))
            self._container.mux(self._video.encode(None))
            self._container.mux(self._audio.encode(None))
        except (OSError, av.FFmpegError) as exc:
            log.error("output flush failed", extra={"output": self.name, "reason": _reason(exc)})
        finally:
            self._abort()
        log.info("output closed", extra={"output": self.name, "frames": self.frames_written,
                                         "skipped": self.frames_skipped})

    def _abort(self) -> None:
        container, self._container = self._container, None
        if container is not None:
            try:
                container.close()
            except (OSError, av.FFmpegError) as exc:
                log.error("output close failed", extra={"output": self.name, "reason": _reason(exc)})


def _reason(exc: BaseException) -> str:
    text = str(exc)
    # FFmpeg errors repeat the URL, which for RTMP carries the stream key.
    return re.sub(r"rtmps?://\S+", lambda m: redact(m.group(0).rstrip("'\",;:")), text)
