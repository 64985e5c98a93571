"""Gift streaks: one thank-you per streak with its final count, with or without streak_end."""

from __future__ import annotations

from bot.events import Gift, GiftInfo, Viewer
from bot.gift_streaks import GiftStreaks

MINH = Viewer("7002", "minh", "Minh")
LAN = Viewer("7001", "lan", "Lan")


def step(t: float, user: Viewer, count: int, name: str = "Rose", end: bool | None = None) -> Gift:
    return Gift(t=t, user=user, gift=GiftInfo(name, count, 1), streak_end=end)


def test_streak_with_end_marker_finishes_once_with_final_count() -> None:
    s = GiftStreaks(gap_s=3)
    done = []
    for i, c in enumerate([1, 2, 3, 5]):
        done += s.add(step(10 + 0.3 * i, MINH, c, end=(c == 5)))
    assert [(d.user.id, d.count) for d in done] == [("7002", 5)]
    assert s.poll(100) == []


def test_streak_without_marker_finishes_after_gap() -> None:
    s = GiftStreaks(gap_s=3)
    for i, c in enumerate([1, 4, 9]):
        assert s.add(step(1 + i, MINH, c)) == []
    assert s.poll(4.5) == []  # last step at t=3, gap not over yet
    done = s.poll(6.5)
    assert [(d.count, d.gift) for d in done] == [(9, "Rose")]


def test_count_reset_starts_a_new_streak_and_viewers_are_separate() -> None:
    s = GiftStreaks(gap_s=3)
    s.add(step(1, MINH, 1))
    s.add(step(1.2, LAN, 1))
    s.add(step(1.5, MINH, 3))
    done = s.add(step(2.0, MINH, 1))  # count dropped: the first streak is over
    assert [(d.user.id, d.count) for d in done] == [("7002", 3)]
    rest = sorted((d.user.id, d.count) for d in s.flush())
    assert rest == [("7001", 1), ("7002", 1)]


def test_open_streaks_are_bounded() -> None:
    s = GiftStreaks(gap_s=3, max_open=100)
    done = []
    for i in range(1000):
        done += s.add(step(1, Viewer(str(i)), 1))
    assert len(s) == 100 and len(done) == 900


def test_end_marker_repeating_the_final_count_is_the_same_streak() -> None:
    s = GiftStreaks(gap_s=3)
    s.add(step(1, MINH, 1))
    s.add(step(1.5, MINH, 3))
    done = s.add(step(2.0, MINH, 3, end=True))  # the platform's end message repeats the count
    assert [(d.count, d.closed_by) for d in done] == [(3, "end")] and len(s) == 0
    s.add(step(5, MINH, 1))
    done = s.add(step(5.5, MINH, 1))  # the same count again without a marker: another gift
    assert [(d.count, d.closed_by) for d in done] == [(1, "restart")]
