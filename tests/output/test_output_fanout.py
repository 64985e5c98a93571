"""Fan-out: a slow live output loses frames (counted) without holding the clock; a file output in
fast mode gets every frame (backpressure); a failing output stops alone."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bot.events import StageFrame
from bot.output.calibration import probe_media
from bot.output.factory import OutputFanout, build_output, open_outputs
from bot.output.null import NullOutput
from bot.output.sink import OutputError, StreamFormat

FMT = StreamFormat(width=160, height=288, fps=25, sample_rate=44100)
SPF = FMT.sample_rate // FMT.fps


def _frames(n: int):
    base = np.zeros((FMT.height, FMT.width, 3), np.uint8)
    for i in range(n):
        img = base.copy()
        img[(i * 5) % FMT.height] = 200
        yield StageFrame(index=i, t=i / FMT.fps, image=img, audio=np.zeros(SPF, np.int16),
                         sample_rate=FMT.sample_rate)


class SlowOutput:
    """An Output (the protocol, not a mock of a library) that takes `delay_s` per frame."""

    def __init__(self, name: str, realtime: bool, delay_s: float) -> None:
        self.name, self.realtime, self.delay_s = name, realtime, delay_s
        self.indices: list[int] = []
        self.closed = False

    def open(self, fmt: StreamFormat) -> None:
        pass

    def write(self, frame: StageFrame) -> None:
        time.sleep(self.delay_s)
        self.indices.append(frame.index)

    def close(self) -> None:
        self.closed = True


class BrokenOutput(SlowOutput):
    def write(self, frame: StageFrame) -> None:
        if frame.index == 3:
            raise OutputError("disk full")
        super().write(frame)


def test_output_fanout_drops_for_slow_live_output_but_not_for_files(tmp_path: Path) -> None:
    slow_live = SlowOutput("slow-live", realtime=True, delay_s=0.02)
    slow_file = SlowOutput("slow-file", realtime=False, delay_s=0.002)
    fan = OutputFanout([slow_live, slow_file], queue_frames=4)
    fan.open(FMT)
    t0 = time.perf_counter()
    for f in _frames(100):
        fan.write(f)
    producer_s = time.perf_counter() - t0
    stats = {s.name: s for s in fan.close()}
    assert slow_file.indices == list(range(100))  # backpressure: nothing lost
    assert stats["slow-file"].written == 100 and stats["slow-file"].dropped == 0
    live = stats["slow-live"]
    assert live.dropped > 0 and live.written + live.dropped == 100
    assert slow_live.indices == sorted(slow_live.indices)  # what it got, it got in order
    assert producer_s < 100 * 0.02  # the live output's 20 ms per frame never held the producer
    assert slow_live.closed and slow_file.closed


def test_output_fanout_one_failure_does_not_stop_the_rest(tmp_path: Path) -> None:
    broken = BrokenOutput("broken", realtime=False, delay_s=0.0)
    null = NullOutput()
    fan = OutputFanout([broken, null])
    fan.open(FMT)
    for f in _frames(20):
        fan.write(f)
    stats = {s.name: s for s in fan.close()}
    assert stats["broken"].failed == "disk full" and stats["broken"].written == 3
    assert stats["none"].written == 20 and null.frames_written == 20
    assert fan.close() == list(stats.values())  # twice is safe


def test_output_fanout_real_mp4_and_none_get_every_frame(tmp_path: Path) -> None:
    path = tmp_path / "fan.mp4"
    fan = open_outputs([str(path), "none"], FMT, queue_frames=2)
    writer = threading.Thread(target=lambda: [fan.write(f) for f in _frames(50)])
    writer.start()
    writer.join(timeout=60)
    stats = fan.close()
    assert [(s.written, s.dropped, s.failed) for s in stats] == [(50, 0, None), (50, 0, None)]
    assert probe_media(path).video_frames == 50


def test_output_fanout_open_failure_closes_the_opened(tmp_path: Path) -> None:
    first = SlowOutput("first", realtime=False, delay_s=0)
    fan = OutputFanout([first, build_output(str(tmp_path / "no" / "x.mp4"))])
    with pytest.raises(OutputError, match="does not exist"):
        fan.open(FMT)
    assert first.closed
