"""Backoff, rate-limit headers, dedupe and gift-streak folding on their own."""

from __future__ import annotations

import random

from bot.events import Gift, GiftInfo, Viewer
from bot.sources.dedupe import MessageIdDeduper
from bot.sources.gift_streak import GiftStreakTracker
from bot.sources.supervisor import BackoffPolicy, retry_after_from_headers


def test_backoff_grows_is_capped_and_jitter_is_seeded() -> None:
    policy = BackoffPolicy(base_s=5, factor=2, cap_s=120, jitter=0.2)
    delays = [policy.delay(n, random.Random(3)) for n in range(8)]
    assert all(4 <= d <= 6 for d in delays[:1]) and all(96 <= d <= 144 for d in delays[5:])
    assert [policy.delay(n, random.Random(3)) for n in range(8)] == delays


def test_rate_limit_headers() -> None:
    assert retry_after_from_headers({"Retry-After": "12"}, now_epoch=1000) == 12
    assert retry_after_from_headers({"RateLimit-Reset": "1700000060"}, now_epoch=1700000000) == 60
    assert retry_after_from_headers({"ratelimit-reset": "30"}, now_epoch=1700000000) == 30
    assert retry_after_from_headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"},
                                    now_epoch=1445412470) == 10
    assert retry_after_from_headers({}, now_epoch=0) is None


def test_dedupe_is_bounded_lru() -> None:
    d = MessageIdDeduper(capacity=2)
    assert [d.seen(x) for x in ("a", "b", "a", "c", "b", "a")] == [False, False, True, False, False, False]
    assert len(d) == 2 and d.duplicates == 1 and not d.seen(None)


def test_gift_streak_folds_steps_and_closes_idle_and_restarted_streaks() -> None:
    progress: list[int] = []
    tracker = GiftStreakTracker(idle_s=6, on_progress=lambda g: progress.append(g.gift.count))
    minh = Viewer(id="7002", nickname="Minh")

    def step(t: float, n: int, end: bool) -> list[Gift]:
        return tracker.fold(Gift(t=t, user=minh, gift=GiftInfo("Rose", n, 1), streak_end=end))

    assert step(0, 1, False) == [] and step(1, 2, False) == []
    restarted = step(2, 1, False)  # count fell: the first streak ended unseen
    assert [(g.gift.count, g.streak_end) for g in restarted] == [(2, True)]
    assert tracker.flush_stale(5) == [] and progress == [1, 2, 1]
    idle = tracker.flush_stale(8.5)
    assert [(g.gift.count, g.extra["streak_closed_by"]) for g in idle] == [(1, "idle")]
    assert [g.gift.count for g in step(9, 3, True)] == [3] and tracker.open_streaks == 0
