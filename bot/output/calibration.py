"""Flash + beep test pattern, and a probe that measures how far the voice trails the picture.

Play `calibration_frames` through any output, record what arrives (an MP4, the RTMP stream, an
OBS recording), and `measure_av_offset` tells the offset to put into `LIVEBOT_AV_OFFSET_MS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from bot.events import StageFrame
from bot.output.factory import open_output
from bot.output.sink import OutputError, StreamFormat

BEEP_HZ = 1000.0
_MIN_GAP_S = 0.3  # onsets closer than this belong to the same flash/beep


def calibration_frames(fmt: StreamFormat, seconds: float, period_s: float = 1.0) -> Iterator[StageFrame]:
    """Frames of a dark moving picture with, once per period (at +half a period), a white flash
    frame whose own audio slice is a 1 kHz beep: in a perfect path flash and beep start together."""
    spf = fmt.sample_rate // fmt.fps
    total = round(seconds * fmt.fps)
    period = max(2, round(period_s * fmt.fps))
    ramp = np.linspace(24, 64, fmt.width, dtype=np.float32).astype(np.uint8)
    dark = np.repeat(np.repeat(ramp[None, :, None], fmt.height, axis=0), 3, axis=2)
    white = np.full((fmt.height, fmt.width, 3), 255, np.uint8)
    t = np.arange(spf) / fmt.sample_rate
    beep = (0.5 * 32767 * np.sin(2 * np.pi * BEEP_HZ * t)).astype(np.int16)
    silence = np.zeros(spf, np.int16)
    bar_h = max(8, fmt.height // 20)
    for i in range(total):
        flash = i % period == period // 2
        if flash:
            image = white
        else:
            # A moving bar keeps the encoder honest (a still picture compresses to nothing).
            image = dark.copy()
            y = (i * 7 * bar_h // 8) % (fmt.height - bar_h)
            image[y:y + bar_h] = 96
        yield StageFrame(index=i, t=i / fmt.fps, image=image, audio=beep if flash else silence,
                         sample_rate=fmt.sample_rate, speaking=flash)


@dataclass(slots=True)
class AvProbe:
    """What the probe found: onset times (s) of flashes and beeps, and stream spans (s)."""

    flashes: list[float]
    beeps: list[float]
    video_start: float
    video_end: float
    audio_start: float
    audio_end: float
    video_frames: int

    def offsets_ms(self) -> list[float]:
        """For each flash, the nearest beep minus the flash (ms); + means the voice trails the picture."""
        out = []
        for f in self.flashes:
            if self.beeps:
                b = min(self.beeps, key=lambda x: abs(x - f))
                if abs(b - f) < _MIN_GAP_S:
                    out.append((b - f) * 1000.0)
        return out

    def offset_ms(self) -> float:
        """The median offset; OutputError when no flash had a matching beep."""
        offs = self.offsets_ms()
        if not offs:
            raise OutputError(f"probe: no flash/beep pair found ({len(self.flashes)} flashes, "
                              f"{len(self.beeps)} beeps)")
        return float(np.median(offs))


def _onsets(times: np.ndarray, level: np.ndarray, threshold: float) -> list[float]:
    above = level >= threshold
    starts = np.flatnonzero(above & ~np.concatenate([[False], above[:-1]]))
    out: list[float] = []
    for s in starts:
        t = float(times[s])
        if not out or t - out[-1] >= _MIN_GAP_S:
            out.append(t)
    return out


def _beeps(chunks: list[tuple[float, np.ndarray]], rate: int) -> list[float]:
    """Beep onsets: 1 ms envelope windows on the decoded timeline, over half the loudest level."""
    if not chunks:
        return []
    win = max(1, rate // 1000)
    times, levels = [], []
    for start, pcm in chunks:
        n = len(pcm) // win
        if n == 0:
            continue
        env = np.abs(pcm[: n * win].astype(np.float32)).reshape(n, win).max(axis=1)
        times.append(start + np.arange(n) * win / rate)
        levels.append(env)
    if not levels:
        return []
    level = np.concatenate(levels)
    peak = float(level.max())
    if peak <= 0:
        return []
    return _onsets(np.concatenate(times), level, 0.5 * peak)


def probe_frames(frames: Iterable[StageFrame], fps: int) -> AvProbe:
    """Probe frames before any encoder: a check of the pattern (and of an offset FIFO) itself."""
    vt, vl, chunks, rate = [], [], [], 44100
    for f in frames:
        vt.append(f.index / fps)
        vl.append(float(f.image[::8, ::8].mean()))
        rate = f.sample_rate
        chunks.append((f.index / fps, f.audio.astype(np.float32)))
    return _build(np.array(vt), np.array(vl), chunks, rate)


def probe_media(source: str | Path, timeout_s: float = 20.0) -> AvProbe:
    """Decode a file or stream URL (MP4, FLV, rtmp://, udp://) and find flash and beep onsets."""
    try:
        container = av.open(str(source), timeout=timeout_s)
    except (OSError, av.FFmpegError) as exc:
        raise OutputError(f"probe: cannot open {source} ({exc})") from exc
    vt: list[float] = []
    vl: list[float] = []
    chunks: list[tuple[float, np.ndarray]] = []
    rate = 44100
    with container:
        streams = [s for s in container.streams if s.type in ("video", "audio")]
        for decoded in container.decode(*streams):
            if decoded.time is None:
                continue
            if isinstance(decoded, av.VideoFrame):
                luma = decoded.to_ndarray(format="gray")
                vt.append(float(decoded.time))
                vl.append(float(luma[::8, ::8].mean()))
            else:
                rate = decoded.sample_rate
                pcm = decoded.to_ndarray()
                mono = pcm.reshape(len(decoded.layout.channels), -1)[0] if pcm.ndim == 2 else pcm
                chunks.append((float(decoded.time), mono.astype(np.float32)))
    return _build(np.array(vt), np.array(vl), chunks, rate)


def _build(vt: np.ndarray, vl: np.ndarray, chunks: list[tuple[float, np.ndarray]], rate: int) -> AvProbe:
    if len(vt) == 0:
        raise OutputError("probe: no video frames decoded")
    order = np.argsort(vt)
    vt, vl = vt[order], vl[order]
    flashes = _onsets(vt, vl, (float(vl.min()) + float(vl.max())) / 2) if vl.max() - vl.min() > 64 else []
    chunks.sort(key=lambda c: c[0])
    audio_start = chunks[0][0] if chunks else 0.0
    audio_end = chunks[-1][0] + len(chunks[-1][1]) / rate if chunks else 0.0
    frame_s = float(np.median(np.diff(vt))) if len(vt) > 1 else 0.0
    return AvProbe(flashes=flashes, beeps=_beeps(chunks, rate), video_start=float(vt[0]),
                   video_end=float(vt[-1]) + frame_s, audio_start=audio_start, audio_end=audio_end,
                   video_frames=len(vt))


def measure_av_offset(source: str | Path | Iterable[StageFrame], fps: int = 25) -> float:
    """Median ms by which the beep trails the flash (+: voice late, -: voice early) in a recording
    or in frames; to compensate a device path, subtract it from `LIVEBOT_AV_OFFSET_MS`."""
    if isinstance(source, (str, Path)):
        return probe_media(source).offset_ms()
    return probe_frames(source, fps).offset_ms()


def play_calibration(spec: str, seconds: float, fmt: StreamFormat, **settings: object) -> int:
    """Send the pattern to an output spec (paced to the wall clock for live outputs); frames sent."""
    import time

    out = open_output(spec, fmt, **settings)
    start = time.monotonic()
    sent = 0
    try:
        for frame in calibration_frames(fmt, seconds):
            if out.realtime:
                wait = start + frame.index / fmt.fps - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            out.write(frame)
            sent += 1
    finally:
        out.close()
    return sent


def main(argv: list[str] | None = None) -> int:
    """`python -m bot.output.calibration play OUT` / `measure FILE`: the calibration round trip."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m bot.output.calibration",
                                 description="Flash+beep pattern out, A/V offset back.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    play = sub.add_parser("play", help="send the pattern to an output (virtualcam, rtmp://…, file.mp4)")
    play.add_argument("output")
    play.add_argument("--seconds", type=float, default=20.0)
    measure = sub.add_parser("measure", help="print the voice-after-picture offset (ms) of a recording")
    measure.add_argument("source")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "play":
            fmt = StreamFormat(width=720, height=1280, fps=25, sample_rate=44100)
            n = play_calibration(args.output, args.seconds, fmt)
            print(f"sent {n} calibration frames to {args.output} (default devices, no offset; "
                  "`livebot calibrate play` uses the LIVEBOT_* output settings)")
        else:
            probe = probe_media(args.source)
            offset = probe.offset_ms()
            verdict = "in sync" if abs(offset) < 5 else ("voice late" if offset > 0 else "voice early")
            print(f"{offset:+.1f} ms ({verdict}; {len(probe.offsets_ms())} flash/beep pairs)")
    except OutputError as exc:
        print(f"error: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
