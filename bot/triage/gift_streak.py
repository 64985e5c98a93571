"""Gift streaks (combos): one thank-you per streak, with its final count (DESIGN §2.3)."""

from __future__ import annotations

from collections import OrderedDict

from bot.events import Gift
from bot.frames import GiftStreak


class GiftStreaks:
    """Folds streak steps (same viewer, same gift, growing count, a few seconds apart) into one.

    A streak finishes on `streak_end`, when no step came for `gap_s`, or when the count
    drops (a new streak started). At most `max_open` streaks are tracked; the oldest is
    finished early rather than letting memory grow in a gift storm.
    """

    def __init__(self, gap_s: float = 3.0, max_open: int = 2000) -> None:
        self.gap_s = gap_s
        self.max_open = max_open
        self._open: OrderedDict[tuple[str, str], GiftStreak] = OrderedDict()
        self.steps_merged = 0

    def add(self, ev: Gift) -> list[GiftStreak]:
        """Take one step; return streaks that this step finished (possibly the step's own)."""
        finished: list[GiftStreak] = []
        key = (ev.user.id, ev.gift.name)
        cur = self._open.get(key)
        if cur is not None and (ev.gift.count <= cur.count or ev.t - cur.t_last > self.gap_s):
            finished.append(self._close(key))
            cur = None
        if cur is None:
            cur = GiftStreak(ev.user, ev.gift.name, ev.gift.count, ev.gift.diamonds, ev.t, ev.t)
            self._open[key] = cur
        else:
            self.steps_merged += 1
            cur.count = ev.gift.count
            cur.t_last = ev.t
            cur.diamonds = max(cur.diamonds, ev.gift.diamonds)
            self._open.move_to_end(key)
        if ev.streak_end:
            finished.append(self._close(key))
        while len(self._open) > self.max_open:
            oldest = next(iter(self._open))
            finished.append(self._close(oldest))
        return finished

    def poll(self, now: float) -> list[GiftStreak]:
        """Streaks whose last step is older than the gap: they are over."""
        done = [k for k, s in self._open.items() if now - s.t_last > self.gap_s]
        return [self._close(k) for k in done]

    def flush(self) -> list[GiftStreak]:
        return [self._close(k) for k in list(self._open)]

    def _close(self, key: tuple[str, str]) -> GiftStreak:
        s = self._open.pop(key)
        s.ended = True
        return s

    def __len__(self) -> int:
        return len(self._open)
