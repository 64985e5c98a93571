"""Questions waiting for an answer: clustered, scored, forgotten when stale, bounded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.agent.responder import Question

# Base priority per intent: buying and "are you real?" first, chatter last.
INTENT_SCORE: dict[str, float] = {
    "buy": 90, "human_check": 70, "price": 60, "stock": 55, "promo": 55, "spec": 50,
    "other": 25, "greeting": 15,
}
# How long a question stays worth answering, seconds.
# A live viewer who asked a minute ago has often scrolled on; a buyer waits longer.
FORGET_S: dict[str, float] = {"buy": 90, "price": 60, "stock": 60, "promo": 60, "spec": 60,
                              "human_check": 45, "other": 30, "greeting": 20}


@dataclass(slots=True)
class PendingQuestion:
    key: str
    question: Question
    score: float
    t_first: float
    t_last: float
    count: int = 1
    viewer_ids: set[str] = field(default_factory=set)

    def priority(self, now: float) -> float:
        # Older questions sink slowly; a crowd asking the same thing rises.
        return self.score + min(30.0, 5.0 * (self.count - 1)) - 0.5 * (now - self.t_first)


def cluster_key(q: Question, folded_text: str) -> str:
    """Questions about the same products with the same intent, in one language, are one."""
    if q.products and q.intent in ("price", "stock", "promo", "spec", "buy"):
        return f"{q.intent}|{q.lang}|{','.join(sorted(p.sku for p in q.products))}"
    return f"text|{folded_text}"


class QuestionBoard:
    def __init__(self, max_entries: int = 256) -> None:
        self.max_entries = max_entries
        self._items: dict[str, PendingQuestion] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def merge(self, key: str, viewer_id: str, t: float) -> bool:
        """Count one more asker for an existing cluster; False if there is none."""
        item = self._items.get(key)
        if item is None:
            return False
        item.count += 1
        item.t_last = t
        if len(item.viewer_ids) < 50:
            item.viewer_ids.add(viewer_id)
        return True

    def add(self, key: str, question: Question, score: float, t: float) -> PendingQuestion | None:
        """Add a new cluster; returns the entry evicted to make room (lowest priority), if any."""
        evicted = None
        if len(self._items) >= self.max_entries:
            worst = min(self._items.values(), key=lambda p: p.priority(t))
            if worst.priority(t) >= score:
                return PendingQuestion(key, question, score, t, t)  # the newcomer is the one dropped
            evicted = self._items.pop(worst.key)
        self._items[key] = PendingQuestion(key, question, score, t, t, 1, {question.comment.user.id})
        return evicted

    def expire(self, now: float) -> list[PendingQuestion]:
        stale = [p for p in self._items.values()
                 if now - p.t_last > FORGET_S.get(p.question.intent, 60.0)]
        for p in stale:
            del self._items[p.key]
        return stale

    def take_best(self, now: float) -> PendingQuestion | None:
        if not self._items:
            return None
        best = max(self._items.values(), key=lambda p: p.priority(now))
        del self._items[best.key]
        best.question.others = best.count - 1
        return best

    def remove_where(self, gone: Callable[[PendingQuestion], bool]) -> list[PendingQuestion]:
        """Remove and return the entries `gone` picks (a platform deleted their comment)."""
        hits = [p for p in self._items.values() if gone(p)]
        for p in hits:
            del self._items[p.key]
        return hits

    def pop(self, key: str) -> PendingQuestion | None:
        return self._items.pop(key, None)

    def remove_viewer(self, viewer_id: str) -> int:
        gone = [k for k, p in self._items.items() if p.question.comment.user.id == viewer_id]
        for k in gone:
            del self._items[k]
        return len(gone)

    def snapshot(self, now: float, limit: int = 20) -> list[PendingQuestion]:
        return sorted(self._items.values(), key=lambda p: -p.priority(now))[:limit]
