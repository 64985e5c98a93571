"""The interface every output implements: frames in (each with its own audio), nothing back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.events import StageFrame


@dataclass(frozen=True, slots=True)
class StreamFormat:
    width: int
    height: int
    fps: int
    sample_rate: int


class OutputError(RuntimeError):
    """An output could not open or write (bad URL, device missing, disk full)."""


@runtime_checkable
class Output(Protocol):
    name: str
    realtime: bool  # True when the output itself paces to the wall clock (virtual camera, RTMP)

    def open(self, fmt: StreamFormat) -> None:
        """Prepare the output; raise OutputError with a clear reason if it cannot."""
        ...

    def write(self, frame: StageFrame) -> None:
        """Send one frame and its audio slice; blocking, called from the output's own thread."""
        ...

    def close(self) -> None:
        """Flush and release; safe to call twice."""
        ...
