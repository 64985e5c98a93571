"""The session clock: seconds on the session timeline, either following the wall clock (live,
`--realtime`) or advanced by the stage frame by frame (`--fast`, replays as fast as we can)."""

from __future__ import annotations

import asyncio
import time


class SessionClock:
    """`now()` in session seconds. In fast mode only the stage moves it, via `advance_to`."""

    def __init__(self, realtime: bool) -> None:
        self.realtime = realtime
        self._t0 = time.monotonic()
        self._now = 0.0

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._now = 0.0

    def now(self) -> float:
        if self.realtime:
            return time.monotonic() - self._t0
        return self._now

    def wall_deadline(self, t: float) -> float:
        """The monotonic wall time at which session time `t` falls (realtime only)."""
        return self._t0 + t

    def advance_to(self, t: float) -> None:
        if not self.realtime and t > self._now:
            self._now = t

    async def sleep_until(self, t: float) -> None:
        """Realtime: sleep until session time `t`. Fast mode returns at once (the stage paces)."""
        if self.realtime:
            delay = self.wall_deadline(t) - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
