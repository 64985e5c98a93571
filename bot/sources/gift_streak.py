"""Gift streaks for a live source: the platform sends one message per step; we emit one Gift per streak."""

from __future__ import annotations

from bot.events import Gift, GiftInfo
from bot.frames import GiftStreak
from bot.gift_streaks import GiftStreaks, StreakProgress


def streak_as_gift(streak: GiftStreak) -> Gift:
    """A finished streak as the one finished `Gift` a source emits: its last step, `streak_end=True`;
    a streak whose end message never came is marked `streak_closed_by: idle`."""
    last = streak.last
    if last is None:  # a streak not folded from steps: say what it holds
        return Gift(t=streak.t_last, user=streak.user, gift=GiftInfo(streak.gift, streak.count, streak.diamonds),
                    streak_end=True)
    if streak.closed_by == "end":
        return last
    return Gift(t=last.t, msg_id=last.msg_id, user=last.user, gift=last.gift, streak_end=True,
                extra={**last.extra, "streak_closed_by": "idle"})


class GiftStreakTracker:
    """`GiftStreaks` with a source's view: steps in, finished Gifts out (final count, `streak_end=True`).

    A streak whose end message never comes (dropped socket, lost frame) is closed by `flush_stale(now)`
    after `idle_s` without a step, so a viewer is still thanked.
    """

    def __init__(self, idle_s: float = 6.0, on_progress: StreakProgress | None = None) -> None:
        self._streaks = GiftStreaks(gap_s=idle_s, on_progress=on_progress)

    def fold(self, step: Gift) -> list[Gift]:
        """Record one streak step (`streak_end` True on the last); returns the streaks it finished."""
        return [streak_as_gift(s) for s in self._streaks.add(step)]

    def flush_stale(self, now: float) -> list[Gift]:
        """Close streaks idle for more than `idle_s` seconds; each comes back as a finished Gift."""
        return [streak_as_gift(s) for s in self._streaks.poll(now)]

    def flush_all(self) -> list[Gift]:
        """Close every open streak (the connection ended)."""
        return [streak_as_gift(s) for s in self._streaks.flush()]

    @property
    def open_streaks(self) -> int:
        return len(self._streaks)
