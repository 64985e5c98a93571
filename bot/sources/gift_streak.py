"""Gift streaks (combos): the platform sends one message per step; we emit one Gift per streak."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from bot.events import Gift

log = logging.getLogger(__name__)

StreakProgress = Callable[[Gift], None]


@dataclass(slots=True)
class _OpenStreak:
    step: Gift
    last_seen: float


class GiftStreakTracker:
    """Folds streak steps into one finished `Gift` (final count, `streak_end=True`).

    A streak whose end message never comes (dropped socket, lost frame) is closed by
    `flush_stale(now)` after `idle_s` without a step, so a viewer is still thanked.
    """

    def __init__(self, idle_s: float = 6.0, on_progress: StreakProgress | None = None) -> None:
        self.idle_s = idle_s
        self.on_progress = on_progress
        self._open: dict[tuple[str, str], _OpenStreak] = {}

    def fold(self, step: Gift) -> list[Gift]:
        """Record one streak step (`streak_end` True on the last); returns the streaks it finished."""
        key = (step.user.id, step.gift.name)
        finished: list[Gift] = []
        prev = self._open.get(key)
        if prev is not None and step.gift.count < prev.step.gift.count:
            # The count went back down: a new streak began and the old one ended unseen.
            log.debug("gift streak %s/%s restarted at %d", step.user.id, step.gift.name, step.gift.count)
            finished.append(self._close(key))
        if step.streak_end:
            self._open.pop(key, None)
            finished.append(step)
            return finished
        self._open[key] = _OpenStreak(step=step, last_seen=step.t)
        if self.on_progress is not None:
            self.on_progress(step)
        return finished

    def flush_stale(self, now: float) -> list[Gift]:
        """Close streaks idle for `idle_s` seconds; each comes back as a finished Gift."""
        done = [k for k, s in self._open.items() if now - s.last_seen >= self.idle_s]
        return [self._close(k) for k in done]

    def flush_all(self) -> list[Gift]:
        """Close every open streak (the connection ended)."""
        return [self._close(k) for k in list(self._open)]

    def _close(self, key: tuple[str, str]) -> Gift:
        s = self._open.pop(key)
        g = s.step
        return Gift(t=g.t, msg_id=g.msg_id, user=g.user, gift=g.gift, streak_end=True,
                    extra={**g.extra, "streak_closed_by": "idle"})

    @property
    def open_streaks(self) -> int:
        return len(self._open)
