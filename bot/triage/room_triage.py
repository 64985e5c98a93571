"""Triage: every room event comes in here; what is worth saying waits, the rest is counted.

Cheap checks run first (blocked viewer, per-viewer rate, exact repeats, flood budget) so a
flooded room costs little; only comments that pass are understood (language, intent,
products) and scored. Memory is bounded whatever the flood.
"""

from __future__ import annotations

import logging
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, replace

from bot.catalog.model import Product
from bot.events import (
    Comment,
    Dropped,
    Follow,
    Gift,
    Join,
    Like,
    LiveEvent,
    Purchase,
    Share,
    Viewer,
)
from bot.frames import GiftStreak, MergedMoment, Question
from bot.gift_streaks import GiftStreaks
from bot.triage.questions import INTENT_SCORE, PendingQuestion, QuestionBoard, cluster_key
from bot.triage.room_moments import MomentBatch
from bot.triage.viewer_book import ViewerBook, ViewerState, quick_fold

log = logging.getLogger(__name__)

Understand = Callable[[Comment, Product | None], Question]
DropSink = Callable[[Dropped], None]
QuestionSink = Callable[[PendingQuestion, Comment], None]

# Intents that, naming no product, ask about the one on screen.
_ABOUT_SCREEN = frozenset({"price", "stock", "spec", "promo", "buy"})


@dataclass(slots=True)
class TriageSettings:
    per_viewer_burst: int = 5  # comments allowed per `per_viewer_window_s`
    per_viewer_window_s: float = 10.0
    repeat_window_s: float = 30.0
    understand_per_s: float = 400.0  # flood budget for the expensive step
    max_viewers: int = 20_000
    max_questions: int = 256
    gift_gap_s: float = 3.0
    understood_cache: int = 4096
    # The same question (same products, intent, language) just answered by voice: a new asker in this
    # window reads the answer on the board instead, so a crowd is answered a few times, not every line.
    answered_again_after_s: float = 40.0
    crowd: int = 4  # this many askers of one question make a crowd


class Triage:
    """Owns the waiting room: questions, gift streaks, joins/follows/shares. Single-threaded."""

    def __init__(self, understand: Understand, on_drop: DropSink | None = None,
                 settings: TriageSettings | None = None) -> None:
        self.understand = understand
        self.on_drop = on_drop
        self.on_question: QuestionSink | None = None  # a question waits (new or one more asker): the board shows it
        self.s = settings or TriageSettings()
        self.questions = QuestionBoard(self.s.max_questions)
        self.streaks = GiftStreaks(self.s.gift_gap_s)
        self.finished_streaks: deque[GiftStreak] = deque(maxlen=200)
        self.joins = MomentBatch("join")
        self.follows = MomentBatch("follow", forget_s=60)
        self.shares = MomentBatch("share", forget_s=60)
        self.viewers = ViewerBook(self.s.max_viewers)
        self.blocked: set[str] = set()
        self.moderators: set[str] = set()
        self.dropped: Counter[str] = Counter()
        self.merged = 0
        self.current_product: Product | None = None
        self.like_total = 0
        self.events_in = 0
        self._budget = self.s.understand_per_s
        self._answered_keys: OrderedDict[str, float] = OrderedDict()  # cluster key -> when a crowd was answered
        self._asked: deque[float] = deque(maxlen=64)  # when recent questions arrived (how busy the room is)
        self._understood: OrderedDict[tuple[str, str], Question] = OrderedDict()
        self.deleted_ids: OrderedDict[str, None] = OrderedDict()  # message ids the platform removed
        self._budget_t = 0.0

    # -- intake ---------------------------------------------------------------------------
    def ingest(self, ev: LiveEvent) -> None:
        self.events_in += 1
        user: Viewer | None = getattr(ev, "user", None)
        if user is not None and user.id in self.blocked:
            self._drop(ev, "blocked_viewer")
            return
        if isinstance(ev, Comment):
            self._comment(ev)
        elif isinstance(ev, Gift):
            self._viewer(ev.user.id).gifted = True
            self.finished_streaks.extend(self.streaks.add(ev))
        elif isinstance(ev, Join):
            if not self.joins.add(ev.user, ev.t):
                self._drop(ev, "duplicate_join")
        elif isinstance(ev, Follow):
            self.follows.add(ev.user, ev.t)
        elif isinstance(ev, Share):
            self.shares.add(ev.user, ev.t)
        elif isinstance(ev, Like):
            self.like_total += ev.count
        elif isinstance(ev, Purchase) and ev.user is not None:
            self._viewer(ev.user.id)

    def _comment(self, ev: Comment) -> None:
        if ev.sticker:  # a sticker on its own is chatter, never a question
            self._drop(ev, "chatter")
            return
        if ev.msg_id is not None and ev.msg_id in self.deleted_ids:
            self._drop(ev, "deleted")  # the platform removed it before it reached us
            return
        choice = ev.sellers_choice  # pinned or picked from Q&A: no repeat/rate/merge/chatter filter
        vs = self._viewer(ev.user.id)
        if ev.user.is_moderator:
            self.moderators.add(ev.user.id)
        vs.comments += 1
        while vs.recent and ev.t - vs.recent[0] > self.s.per_viewer_window_s:
            vs.recent.popleft()
        vs.recent.append(ev.t)
        folded = quick_fold(ev.text)
        if not folded:
            self._drop(ev, "empty")
            return
        if not choice and folded == vs.last_fold and ev.t - vs.last_t < self.s.repeat_window_s:
            self._drop(ev, "repeat")
            return
        vs.last_fold, vs.last_t = folded, ev.t
        if not choice and len(vs.recent) > self.s.per_viewer_burst and not ev.user.is_moderator:
            self._drop(ev, "rate_limited")
            return
        text_key = f"text|{folded}"
        if not choice and self._merge(text_key, ev):
            return
        cache_key = (folded, self.current_product.sku if self.current_product is not None else "")
        cached = self._understood.get(cache_key)
        if cached is not None:
            # The same words mean the same thing whoever types them: a flood of one line costs one parse.
            self._understood.move_to_end(cache_key)
            q = replace(cached, comment=ev, others=0)
        else:
            if not self._spend_budget(ev.t):
                self._drop(ev, "flood")
                return
            try:
                q = self.understand(ev, self.current_product)
            except Exception as exc:  # a bad comment must never stop the show
                log.warning("could not understand comment from event t=%.2f: %s", ev.t, exc)
                self._drop(ev, "unreadable")
                return
            self._understood[cache_key] = q
            if len(self._understood) > self.s.understood_cache:
                self._understood.popitem(last=False)
        vs.lang = q.lang
        if choice:
            self._add_sellers_choice(q, ev, folded, vs)
            return
        if q.intent == "greeting" and not q.products:
            self.joins.add(ev.user, ev.t)  # "chào shop" is answered with the merged greeting
            self._drop(ev, "greeted")
            return
        if q.intent == "other" and not q.products and not q.hostile and "?" not in ev.text and "？" not in ev.text:
            self._drop(ev, "chatter")
            return
        key = cluster_key(q, folded)
        if self._merge(key, ev):
            return
        if ev.t - self._answered_keys.get(key, -1e9) < self.s.answered_again_after_s:
            self._drop(ev, "answered_recently")
            if self.on_question is not None:  # the answer just said stays readable on the board
                self.on_question(PendingQuestion(key, q, 0.0, ev.t, ev.t, 1, {ev.user.id}, [ev]), ev)
            return
        self._asked.append(ev.t)
        evicted = self.questions.add(key, q, self._score(q, ev, vs), ev.t)
        if evicted is not None:
            for c in evicted.comments or [evicted.question.comment]:
                self._drop(c, "overflow")
        if evicted is None or evicted.key != key:
            added = self.questions.get(key)
            if added is not None and self.on_question is not None:
                self.on_question(added, ev)

    def _merge(self, key: str, ev: Comment) -> bool:
        """One more asker of a waiting question: answered by name with the others, or counted when
        the cluster already names enough of them."""
        item = self.questions.merge(key, ev)
        if item is None:
            return False
        self.merged += 1
        if ev not in item.comments:
            self._drop(ev, "merged")
        elif self.on_question is not None:
            self.on_question(item, ev)
        return True

    def _add_sellers_choice(self, q: Question, ev: Comment, folded: str, vs: ViewerState) -> None:
        """The seller pinned or picked this comment: it goes first, and viewers who asked the same
        earlier are answered in the same clause, by name."""
        key = cluster_key(q, folded)
        earlier: list[Comment] = []
        for k in {key, f"text|{folded}"}:
            old = self.questions.take(k)
            if old is not None:
                earlier += old.comments or [old.question.comment]
        evicted = self.questions.add(key, q, self._score(q, ev, vs), ev.t)
        if evicted is not None:
            for c in evicted.comments or [evicted.question.comment]:
                self._drop(c, "overflow")
        for c in earlier:
            self.questions.merge(key, c)
        added = self.questions.get(key)
        if added is not None and self.on_question is not None:
            self.on_question(added, ev)

    def delete(self, message_ids: set[str] | frozenset[str], user_id: str | None) -> list[Comment]:
        """The platform deleted these comments (or every comment of `user_id`): never answer them."""
        for mid in message_ids:
            self.deleted_ids[mid] = None
            if len(self.deleted_ids) > 4096:
                self.deleted_ids.popitem(last=False)

        def gone(c: Comment) -> bool:
            return (c.msg_id is not None and c.msg_id in message_ids) or (user_id is not None and c.user.id == user_id)

        # Only the deleted askers go; others asking the same question are still answered.
        removed = self.questions.remove_comments(gone)
        for c in removed:
            self._drop(c, "deleted")
        return removed

    def _score(self, q: Question, ev: Comment, vs: ViewerState) -> float:
        score = INTENT_SCORE.get(q.intent, 20.0)
        if ev.sellers_choice:
            score += 200  # the seller chose it on the platform: above any viewer's question
        if q.products and q.intent == "other":
            score += 15
        if self.current_product is not None and any(p.sku == self.current_product.sku for p in q.products):
            score += 20
        if vs.comments == 1:
            score += 15
        if vs.gifted:
            score += 15
        if ev.user.is_moderator:
            score += 60
        if ev.t - vs.answered_t < 20:
            score -= 25  # let others speak first
        if q.hostile:
            score -= 10 if q.products else 45  # bait naming a product gets the real price; the rest waits
        return score

    def _spend_budget(self, t: float) -> bool:
        elapsed = max(0.0, t - self._budget_t)
        self._budget_t = max(self._budget_t, t)
        self._budget = min(self.s.understand_per_s, self._budget + elapsed * self.s.understand_per_s)
        if self._budget < 1.0:
            return False
        self._budget -= 1.0
        return True

    def _viewer(self, vid: str) -> ViewerState:
        return self.viewers.touch(vid)

    def _drop(self, ev: LiveEvent, reason: str) -> None:
        self.dropped[reason] += 1
        if self.on_drop is not None:
            self.on_drop(Dropped(event=ev, reason=reason))

    # -- what the director takes ---------------------------------------------------------
    def tick(self, now: float) -> None:
        """Expire stale items and finish gift streaks that went quiet."""
        for p in self.questions.expire(now):
            for c in p.comments or [p.question.comment]:
                self._drop(c, "stale")
        self.finished_streaks.extend(self.streaks.poll(now))
        for batch in (self.joins, self.follows, self.shares):
            batch.expire(now)

    def take_question(self, now: float) -> PendingQuestion | None:
        item = self.questions.take_best(now)
        if item is not None:
            self._answered(item, now)
        return item

    def questions_per_s(self, now: float, window_s: float = 20.0) -> float:
        """How many questions a second the room has been asking lately."""
        return sum(1 for t in self._asked if now - t <= window_s) / window_s

    def waiting_questions(self, now: float, limit: int = 24) -> list[PendingQuestion]:
        """The waiting questions, best first (a read-only view: take them with `take_question_key`)."""
        items = self.questions.snapshot(now, limit)
        for item in items:
            self._about_screen(item.question)
        return items

    def questions_waiting(self) -> int:
        return len(self.questions)

    def joins_waiting(self) -> int:
        return len(self.joins)

    def viewer_lang(self, viewer_id: str) -> str | None:
        """The language a viewer has been writing in, if triage has seen them."""
        vs = self.viewers.get(viewer_id)
        return vs.lang if vs is not None else None

    def show_product(self, product: Product | None) -> None:
        """The product on screen changed: a question that names none is about it."""
        self.current_product = product

    def question_for(self, comment: Comment) -> Question:
        """A comment understood now, outside the queue (a moderator's /answer)."""
        return self._about_screen(self.understand(comment, self.current_product))

    def _about_screen(self, q: Question) -> Question:
        cur = self.current_product
        if cur is not None and not q.products and q.intent in _ABOUT_SCREEN and not q.hostile:
            q.products = [cur]  # "giá bao nhiêu?" in a live room means the product on screen
        if q.current_product is None:
            q.current_product = cur
        return q

    def connect(self, on_drop: DropSink | None, on_question: QuestionSink | None = None) -> None:
        """Who hears what triage counts as dropped, and when a question starts or gains an asker."""
        self.on_drop, self.on_question = on_drop, on_question

    def close_unanswered(self, now: float) -> int:
        """The show ended: every question still waiting is counted `unanswered_at_end`."""
        n = 0
        while (item := self.questions.take_best(now)) is not None:
            n += 1
            self._drop(item.question.comment, "unanswered_at_end")
        return n

    def take_question_key(self, key: str, now: float) -> PendingQuestion | None:
        item = self.questions.take(key)
        if item is not None:
            self._answered(item, now)
        return item

    def _answered(self, item: PendingQuestion, now: float) -> None:
        if item.count >= self.s.crowd and not item.key.startswith("text|"):
            # A crowd was just answered: newcomers asking the same read it on the board for a while.
            self._answered_keys[item.key] = now
            self._answered_keys.move_to_end(item.key)
        while len(self._answered_keys) > self.s.max_questions:
            self._answered_keys.popitem(last=False)
        for c in item.comments or [item.question.comment]:
            vs = self.viewers.get(c.user.id)
            if vs is not None:
                vs.answered_t = now

    def streaks_waiting(self) -> list[GiftStreak]:
        """The finished streaks waiting to be thanked, biggest first (a read-only view)."""
        return sorted(self.finished_streaks, key=lambda s: -s.value)

    def take_streaks(self, limit: int | None = None) -> list[GiftStreak]:
        """The finished streaks, biggest first, at most `limit` (the rest wait for the next line)."""
        out = self.streaks_waiting()
        taken, rest = out[:limit] if limit is not None else out, out[limit:] if limit is not None else []
        self.finished_streaks.clear()
        self.finished_streaks.extend(rest)
        return taken

    def biggest_streak(self) -> GiftStreak | None:
        return max(self.finished_streaks, key=lambda s: s.value, default=None)

    def take_moment(self, kind: str) -> MergedMoment | None:
        batch = {"join": self.joins, "follow": self.follows, "share": self.shares}[kind]
        return batch.take()

    def block(self, viewer_id: str) -> int:
        self.blocked.add(viewer_id)
        return self.questions.remove_viewer(viewer_id)

    def end_of_show(self) -> None:
        self.finished_streaks.extend(self.streaks.flush())

    @property
    def waiting(self) -> dict[str, int]:
        return {"questions": len(self.questions), "gifts": len(self.finished_streaks) + len(self.streaks),
                "joins": len(self.joins), "follows": len(self.follows), "shares": len(self.shares)}
