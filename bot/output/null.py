"""The `none` output: takes every frame and keeps only a count (dry runs, benchmarks)."""

from __future__ import annotations

from bot.events import StageFrame
from bot.output.sink import OutputError, StreamFormat


class NullOutput:
    """Discards frames; counts them so a dry run still reports what it would have sent."""

    name = "none"
    realtime = False

    def __init__(self) -> None:
        self.frames_written = 0
        self.last_index: int | None = None
        self._open = False

    def open(self, fmt: StreamFormat) -> None:
        """Nothing to prepare."""
        self._open = True

    def write(self, frame: StageFrame) -> None:
        """Count the frame."""
        if not self._open:
            raise OutputError("output none: write before open")
        self.frames_written += 1
        self.last_index = frame.index

    def close(self) -> None:
        """Nothing to release."""
        self._open = False
