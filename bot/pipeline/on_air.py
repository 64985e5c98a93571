"""Lines on the air: each line's draft while the stage says it, what viewers heard, and cuts for deletions."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.director.answer_board import AnswerBoard
from bot.events import CommentDeleted, Dropped, Sentence, SpeechSegment
from bot.frames import LineDraft
from bot.pipeline.ledger import ReplyLedger
from bot.pipeline.moderation import PlatformDeletions

log = logging.getLogger(__name__)


class LinesOnAir:
    """Owns the drafts of lines being said (by reply id) and books what the stage reports into the ledger."""

    def __init__(self, ledger: ReplyLedger, board: AnswerBoard | None, on_dropped: Callable[[Dropped], None],
                 end_after_sentence: Callable[[int], None]) -> None:
        self.ledger = ledger
        self.board = board
        self.on_dropped = on_dropped
        self.end_after_sentence = end_after_sentence  # the stage ends this reply at its next sentence end
        self.deletions = PlatformDeletions()
        self._drafts: dict[int, LineDraft] = {}
        self._cut_for_deletion: set[int] = set()

    def opened(self, draft: LineDraft) -> None:
        self.ledger.open(draft.plan)
        self._drafts[draft.plan.id] = draft

    def done(self, reply_id: int, t: float, cut: bool) -> None:
        self.ledger.done(reply_id, t, cut)
        self._drafts.pop(reply_id, None)

    def segment_started(self, segment: SpeechSegment, t: float) -> None:
        """A sentence starts playing: it joins its reply's text, and the viewers it answers have heard it."""
        # What was said is what played: a line cut or giving way lists only what viewers heard.
        self.ledger.add_sentence(segment.sentence.reply_id, segment.sentence.text, segment.sentence.skus)
        keys = segment.sentence.answers
        if not keys:
            return
        if self.board is not None:
            self.board.voiced(keys, t)
        draft = self._drafts.get(segment.sentence.reply_id)
        if draft is not None:
            for clause in draft.clauses:
                if set(clause.keys) & set(keys):
                    self.ledger.heard(draft.plan.id, clause.comments, t)

    def yieldable(self, reply_id: int) -> bool:
        draft = self._drafts.get(reply_id)
        return draft is not None and draft.plan.yieldable

    def gave_way(self, reply_id: int) -> LineDraft | None:
        """The reply gave way to a question: its draft, for the director to resume the rest later."""
        return self._drafts.pop(reply_id, None)

    def deleted(self, ev: CommentDeleted) -> None:
        """Deleted on the platform: a line answering only deleted comments ends at its sentence end."""
        self.deletions.add(ev)
        if self.board is not None:
            self.board.forget_comments(self.deletions.covers, ev.t)
        for rid in self.ledger.open_ids:
            plan = self.ledger.plan(rid)
            if plan is None or rid in self._cut_for_deletion:
                continue
            gone = [tr for tr in plan.triggers if self.deletions.covers(tr)]
            for tr in gone:
                self.on_dropped(Dropped(event=tr, reason="deleted"))
            if gone and len(gone) == len(plan.triggers):
                self._cut_for_deletion.add(rid)
                log.info("reply %d answers a comment deleted on the platform; it ends at this sentence", rid)
                self.end_after_sentence(rid)

    def unsaid(self, draft: LineDraft, s: Sentence) -> bool:
        """A sentence only for comments the platform deleted (a clause whose askers are all gone)."""
        clauses = [c for c in draft.clauses if set(c.keys) & set(s.answers)]
        if clauses:
            return all(self.deletions.covers(cm) for c in clauses for cm in c.comments)
        triggers = draft.plan.triggers
        return bool(triggers) and all(self.deletions.covers(tr) for tr in triggers)
