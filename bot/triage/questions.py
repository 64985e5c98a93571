"""Questions waiting for an answer: clustered, scored, forgotten when stale, bounded."""

from __future__ import annotations

from collections.abc import Callable

from bot.events import Comment
from bot.frames import Question, WaitingQuestion

# Base priority per intent: buying and "are you real?" first, chatter last.
INTENT_SCORE: dict[str, float] = {
    "buy": 90, "human_check": 70, "price": 60, "stock": 55, "promo": 55, "spec": 50,
    "other": 25, "greeting": 15,
}
# How long a question stays worth answering, seconds. A catalog question asked two minutes ago is
# still answered ("lúc nãy Hoa hỏi…"): the viewer is often still there and still wants the price;
# open chatter goes sooner. Past this the question is counted `stale` (it was on the board meanwhile).
FORGET_S: dict[str, float] = {"buy": 180, "price": 120, "stock": 120, "promo": 120, "spec": 120,
                              "human_check": 60, "other": 45, "greeting": 20}
# Bait or an injection that names no product gets only a polite deflection: worth saying in a calm
# moment, never worth a buyer's wait, so it is scored low, never rises and is soon forgotten.
HOSTILE_FORGET_S = 8.0


def forget_after(q: Question) -> float:
    """Seconds a question stays worth answering."""
    if q.hostile and not q.products:
        return HOSTILE_FORGET_S
    return FORGET_S.get(q.intent, 60.0)


# Priority gained per second of waiting: a question that waits rises, so no kind of question starves
# behind a stream of fresher, higher-scored ones (a size question 10 s old beats a new price question).
AGE_GAIN_PER_S = 2.0
# Past this wait the question's answer has been on the board for a while; in a room asking faster
# than the voice can answer, the voice keeps up with the room (fresh questions first, seconds old)
# and comes back to older ones ("lúc nãy Hoa hỏi…") when it catches up, instead of answering
# everyone half a minute late.
FRESH_S = 12.0
AGE_DECLINE_PER_S = 0.5
NAMED_PER_CLUSTER = 12  # askers kept by name in one cluster; the rest are counted


class PendingQuestion(WaitingQuestion):
    """A waiting question as triage scores it."""

    __slots__ = ()

    def priority(self, now: float) -> float:
        # A crowd asking the same thing rises, and so does a question that has waited (not bait: it
        # is said only when nobody else waits, before it is forgotten).
        q = self.question
        age = now - self.t_first
        if q.hostile and not q.products:
            gain = 0.0
        elif age <= FRESH_S:
            gain = AGE_GAIN_PER_S * age
        else:
            gain = AGE_GAIN_PER_S * FRESH_S - AGE_DECLINE_PER_S * (age - FRESH_S)
        return self.score + min(30.0, 5.0 * (self.count - 1)) + gain


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

    def get(self, key: str) -> PendingQuestion | None:
        return self._items.get(key)

    def merge(self, key: str, comment: Comment) -> PendingQuestion | None:
        """Add one more asker to an existing cluster (None if there is none); the same viewer counts once."""
        item = self._items.get(key)
        if item is None:
            return None
        vid = comment.user.id
        if vid in item.viewer_ids:
            return item
        item.count += 1
        item.t_last = comment.t
        if len(item.viewer_ids) < 50:
            item.viewer_ids.add(vid)
        if len(item.comments) < NAMED_PER_CLUSTER:
            item.comments.append(comment)
        return item

    def add(self, key: str, question: Question, score: float, t: float) -> PendingQuestion | None:
        """Add a new cluster; returns the entry evicted to make room (lowest priority), if any."""
        evicted = None
        if len(self._items) >= self.max_entries:
            worst = min(self._items.values(), key=lambda p: p.priority(t))
            if worst.priority(t) >= score:
                return PendingQuestion(key, question, score, t, t)  # the newcomer is the one dropped
            evicted = self._items.pop(worst.key)
        self._items[key] = PendingQuestion(key, question, score, t, t, 1, {question.comment.user.id},
                                           [question.comment])
        return evicted

    def expire(self, now: float) -> list[PendingQuestion]:
        stale = [p for p in self._items.values() if now - p.t_last > forget_after(p.question)]
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

    def take(self, key: str) -> PendingQuestion | None:
        """Take one cluster by key (the director answers it in the line it is planning)."""
        item = self._items.pop(key, None)
        if item is not None:
            item.question.others = item.count - 1
        return item

    def remove_comments(self, pred: Callable[[Comment], bool]) -> list[Comment]:
        """Remove the askers `pred` picks (a blocked viewer, a deleted comment); empty clusters go."""
        removed: list[Comment] = []
        for key in list(self._items):
            item = self._items[key]
            gone = [c for c in item.comments if pred(c)]
            if not gone:
                continue
            removed += gone
            keep = [c for c in item.comments if not pred(c)]
            if not keep:
                del self._items[key]
                continue
            item.comments = keep
            item.count = max(len(keep), item.count - len(gone))
            item.viewer_ids = {c.user.id for c in keep}
            if item.question.comment in gone:
                item.question.comment = keep[0]
        return removed

    def remove_viewer(self, viewer_id: str) -> int:
        return len(self.remove_comments(lambda c: c.user.id == viewer_id))

    def snapshot(self, now: float, limit: int = 20) -> list[PendingQuestion]:
        return sorted(self._items.values(), key=lambda p: -p.priority(now))[:limit]
