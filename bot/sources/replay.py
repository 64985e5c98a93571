"""Replay source: a recorded event log (DESIGN §2.3) played back on its own timeline."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from bot.events import LiveEvent
from bot.session_clock import SessionClock
from bot.sources.base import SourceError
from bot.sources.eventlog import LineProblem, read_event_log


class ReplaySource:
    """Yields the log's events in time order; realtime mode waits for each event's `t`.

    The whole log is read up front (a session log is small), so bad lines are reported
    before the show starts and events out of order in the file are sorted by `t`.
    """

    def __init__(self, path: Path, clock: SessionClock | None = None) -> None:
        if not path.exists():
            raise SourceError(f"replay file not found: {path}")
        if not path.is_file():
            raise SourceError(f"replay source is not a file: {path}")
        self.name = f"replay:{path}"
        self.path = path
        self.clock = clock
        self.problems: list[LineProblem] = []
        self._events = sorted(read_event_log(path, self.problems), key=lambda e: e.t)
        self._closed = False

    @property
    def pending(self) -> list[LiveEvent]:
        return list(self._events)

    @property
    def duration(self) -> float:
        return self._events[-1].t if self._events else 0.0

    async def events(self) -> AsyncIterator[LiveEvent]:
        for ev in self._events:
            if self._closed:
                return
            if self.clock is not None and self.clock.realtime:
                await self.clock.sleep_until(ev.t)
            else:
                await asyncio.sleep(0)
            yield ev

    async def close(self) -> None:
        self._closed = True
