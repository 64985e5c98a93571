"""Send every frame to several outputs at once, each on its own thread behind a small bounded queue.

A live output (virtual camera, RTMP, window) that falls behind loses frames, counted, so it never
holds up the stage clock; a file output in fast mode gets backpressure instead, so nothing is lost.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from bot.events import StageFrame
from bot.output.sink import Output, OutputError, StreamFormat

log = logging.getLogger(__name__)

_STOP = object()


@dataclass(slots=True)
class OutputStats:
    """What happened to one output over a run."""

    name: str
    written: int = 0
    dropped: int = 0  # frames a realtime output could not take in time
    failed: str | None = None  # the error that stopped this output, if any


class _Lane:
    """One output, its queue and the thread that drains it."""

    def __init__(self, output: Output, queue_frames: int) -> None:
        self.output = output
        self.stats = OutputStats(name=output.name)
        self.queue: queue.Queue[object] = queue.Queue(maxsize=queue_frames)
        self.thread = threading.Thread(target=self._run, name=f"output:{output.name}", daemon=True)

    def offer(self, frame: StageFrame) -> None:
        if self.stats.failed is not None:
            return
        if self.output.realtime:
            try:
                self.queue.put_nowait(frame)
            except queue.Full:
                self.stats.dropped += 1
        else:
            self.queue.put(frame)  # backpressure: a file in fast mode must get every frame

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            if self.stats.failed is not None:
                continue  # keep draining so the producer never blocks on a dead output
            try:
                self.output.write(item)  # type: ignore[arg-type]
                self.stats.written += 1
            except Exception as exc:  # noqa: BLE001 - any failure stops this output, never the show
                self.stats.failed = str(exc) or type(exc).__name__
                log.error("output failed, the others go on",
                          extra={"output": self.output.name, "reason": self.stats.failed})

    def stop(self) -> None:
        self.queue.put(_STOP)
        self.thread.join()


class OutputFanout:
    """An Output that copies each frame to many; `close()` flushes all and returns their stats."""

    name = "fanout"

    def __init__(self, outputs: Sequence[Output], queue_frames: int = 8) -> None:
        if not outputs:
            raise OutputError("no outputs given")
        self._lanes = [_Lane(o, queue_frames) for o in outputs]
        self.realtime = any(o.realtime for o in outputs)
        self._opened = False
        self._closed = False

    @property
    def outputs(self) -> list[Output]:
        return [lane.output for lane in self._lanes]

    def open(self, fmt: StreamFormat) -> None:
        """Open every output; if one fails, close those already open and raise its OutputError."""
        opened: list[Output] = []
        for lane in self._lanes:
            try:
                lane.output.open(fmt)
            except Exception:
                for o in opened:
                    o.close()
                raise
            opened.append(lane.output)
        for lane in self._lanes:
            lane.thread.start()
        self._opened = True

    def write(self, frame: StageFrame) -> None:
        """Queue the frame for every output; blocks only while a non-realtime output's queue is full."""
        if not self._opened or self._closed:
            raise OutputError("fanout: write outside open/close")
        for lane in self._lanes:
            lane.offer(frame)

    def stats(self) -> list[OutputStats]:
        return [lane.stats for lane in self._lanes]

    def close(self) -> list[OutputStats]:
        """Let every output finish its queue, close them all, and report written/dropped per output."""
        if self._closed or not self._opened:
            self._closed = True
            return self.stats()
        self._closed = True
        for lane in self._lanes:
            lane.stop()
        for lane in self._lanes:
            try:
                lane.output.close()
            except Exception as exc:  # noqa: BLE001 - closing one must not stop closing the rest
                lane.stats.failed = lane.stats.failed or f"close: {exc}"
                log.error("output close failed", extra={"output": lane.output.name, "reason": str(exc)})
        for s in self.stats():
            log.info("output done", extra={"output": s.name, "written": s.written, "dropped": s.dropped,
                                           "failed": s.failed})
        return self.stats()
