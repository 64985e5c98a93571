"""Gift streaks (combos), folded once for everyone: the live sources and triage (DESIGN §2.3).

Steps from the same viewer and gift with a growing count, a few seconds apart, are one streak,
thanked once with its final count; a count drop starts a new one.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from bot.events import Gift
from bot.frames import GiftStreak

StreakProgress = Callable[[Gift], None]


class GiftStreaks:
    """Folds streak steps into `GiftStreak`s and says when each one finished.

    A streak finishes on `streak_end`, when no step came for `gap_s`, or when the count drops (a new
    streak started). An end marker repeating the final count belongs to its streak. At most
    `max_open` streaks are tracked; the oldest is finished early rather than letting memory grow.
    """

    def __init__(self, gap_s: float = 3.0, max_open: int = 2000, on_progress: StreakProgress | None = None) -> None:
        self.gap_s = gap_s
        self.max_open = max_open
        self.on_progress = on_progress
        self._open: OrderedDict[tuple[str, str], GiftStreak] = OrderedDict()
        self.steps_merged = 0

    def add(self, ev: Gift) -> list[GiftStreak]:
        """Take one step; return streaks that this step finished (possibly the step's own)."""
        finished: list[GiftStreak] = []
        key = (ev.user.id, ev.gift.name)
        cur = self._open.get(key)
        if cur is not None and ev.t - cur.t_last > self.gap_s:
            finished.append(self._close(key, "gap"))
            cur = None
        elif cur is not None and (ev.gift.count < cur.count or (ev.gift.count == cur.count and not ev.streak_end)):
            finished.append(self._close(key, "restart"))
            cur = None
        if cur is None:
            cur = GiftStreak(ev.user, ev.gift.name, ev.gift.count, ev.gift.diamonds, ev.t, ev.t, last=ev)
            self._open[key] = cur
        else:
            self.steps_merged += 1
            cur.count = ev.gift.count
            cur.t_last = ev.t
            cur.diamonds = max(cur.diamonds, ev.gift.diamonds)
            cur.last = ev
            self._open.move_to_end(key)
        if ev.streak_end:
            finished.append(self._close(key, "end"))
        elif self.on_progress is not None:
            self.on_progress(ev)
        while len(self._open) > self.max_open:
            finished.append(self._close(next(iter(self._open)), "bound"))
        return finished

    def poll(self, now: float) -> list[GiftStreak]:
        """Streaks whose last step is older than the gap: they are over."""
        done = [k for k, s in self._open.items() if now - s.t_last > self.gap_s]
        return [self._close(k, "gap") for k in done]

    def flush(self) -> list[GiftStreak]:
        """Finish every open streak (the live or the connection ended)."""
        return [self._close(k, "flush") for k in list(self._open)]

    def _close(self, key: tuple[str, str], why: str) -> GiftStreak:
        s = self._open.pop(key)
        s.ended = True
        s.closed_by = why
        return s

    def __len__(self) -> int:
        return len(self._open)
