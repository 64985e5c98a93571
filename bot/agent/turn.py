"""One turn: the director's draft becomes guarded sentences, streamed as soon as each is ready.

An answer line is a list of clauses. A clause the catalog answers (price, stock, size, promo,
buy) is composed at once by the offline responder, whatever brain is on: a viewer never waits for
a model to state a fact. An open clause goes to the responder (LLM or offline) within its
deadline; if the model fails, the offline responder answers. Every sentence, whatever wrote it,
passes the guard in its own language; a blocked answer sentence is replaced by a grounded one,
any other blocked line is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from bot.agent.guard.sentence_gate import BlockSink, SentenceGate
from bot.agent.guard.sentence_guard import SentenceGuard
from bot.agent.offline import OfflineResponder, viewer_address
from bot.agent.responder import Responder
from bot.events import Lang, Sentence
from bot.frames import AnswerClause, FillerText, LineDraft, Question, TurnFacts

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Raw:
    text: str
    lang: Lang
    clause: AnswerClause | None = None
    filler: bool = False
    from_responder: bool = False  # the responder wrote it (not a template): it remembers what was heard


NAMED_ALOUD = 4  # a crowd hears four names and "và 5 bạn nữa": twelve names would be a roll call


def clause_names(clause: AnswerClause) -> tuple[list[str], int]:
    """The names a clause says (each asker once, cleaned of emoji and digits) and how many more it counts."""
    names: list[str] = []
    for c in clause.comments:
        name = viewer_address(c, clause.lang)
        if name not in names:
            names.append(name)
    return names[:NAMED_ALOUD], clause.others + max(0, len(names) - NAMED_ALOUD)


class TurnWriter:
    """Writes one line's sentences from its draft and passes each through the line's SentenceGate."""

    def __init__(self, responder: Responder, fallback: Responder, guard: SentenceGuard,
                 facts_for: Callable[[LineDraft], TurnFacts]) -> None:
        self.responder = responder
        self.fallback = fallback
        self.guard = guard
        self.facts_for = facts_for
        self.failures = 0

    async def sentences(self, draft: LineDraft, on_block: BlockSink) -> AsyncIterator[Sentence]:
        """Yield the draft's sentences, guarded once each, numbered in order."""
        plan = draft.plan
        facts = self.facts_for(draft)
        gate = SentenceGate(self.guard, facts, on_block)
        index = 0
        heard: dict[int, tuple[Question, list[str]]] = {}  # per answered clause: what passed the gate
        try:
            async for raw in self._raw(draft, facts):
                question = raw.clause.question if raw.clause is not None else draft.question
                text = gate.admit(raw.text, raw.lang, question, raw.clause)
                if text is None:
                    continue
                if raw.from_responder and question is not None:
                    heard.setdefault(id(raw.clause), (question, []))[1].append(text)
                filler_id = draft.filler_plan.id if raw.filler and draft.filler_plan is not None else None
                yield Sentence(reply_id=filler_id or plan.id, index=index, text=text, lang=raw.lang,
                               skus=list(plan.skus), expression=draft.expression, pace=draft.pace,
                               filler=filler_id is not None,
                               answers=raw.clause.keys if raw.clause is not None else ())
                index += 1
        finally:
            for question, texts in heard.values():
                self.responder.said(question, texts)

    async def _raw(self, draft: LineDraft, facts: TurnFacts) -> AsyncIterator[_Raw]:
        lang = draft.plan.lang
        for s in draft.sentences:  # fixed lines, or the lead-in of an answer
            yield _Raw(s, lang)
        if draft.clauses:
            for clause in draft.clauses:
                if clause.lead:
                    yield _Raw(clause.lead, clause.lang, clause)
                async for raw in self._clause(draft, clause, facts):
                    yield raw
        elif draft.question is not None:
            clause = AnswerClause(question=draft.question, comments=[draft.question.comment],
                                  others=draft.question.others)
            async for raw in self._clause(draft, clause, facts):
                yield raw

    async def _clause(self, draft: LineDraft, clause: AnswerClause, facts: TurnFacts) -> AsyncIterator[_Raw]:
        offline = self.fallback if isinstance(self.fallback, OfflineResponder) else None
        if offline is not None and (clause.from_catalog or self.responder is self.fallback):
            names, others = clause_names(clause)
            for s in offline.clause(clause.question, names, others, brief=clause.brief,
                                    extras=clause.extras).sentences:
                yield _Raw(s, clause.lang, clause)
            return
        async for raw in self._open(draft, clause, offline, facts):
            yield raw

    async def _open(self, draft: LineDraft, clause: AnswerClause, offline: OfflineResponder | None,
                    facts: TurnFacts) -> AsyncIterator[_Raw]:
        """An open question: the responder (the model) within its deadline, the offline answer if it fails."""
        q = clause.question
        said_any = False
        t0 = time.perf_counter()
        draft.plan.llm = self.responder.name
        try:
            async for s in self.responder.respond(q, facts):
                if isinstance(s, FillerText):
                    yield _Raw(str(s), clause.lang, clause, filler=True)
                    continue
                said_any = True
                yield _Raw(s, clause.lang, clause, from_responder=True)
            if getattr(self.responder, "last_fallback_reason", None):
                draft.plan.llm = self.fallback.name  # the model failed this turn; the offline responder spoke
            return
        except Exception as exc:  # the host is never silent because a responder failed
            self.failures += 1
            log.warning("responder %s failed after %.0f ms (%s); offline responder answers",
                        self.responder.name, (time.perf_counter() - t0) * 1000, type(exc).__name__)
            draft.plan.llm = self.fallback.name
        if said_any and self.responder is self.fallback:
            return
        if offline is not None:
            names, others = clause_names(clause)
            for s in offline.clause(q, names, others, brief=clause.brief, extras=clause.extras).sentences:
                yield _Raw(s, clause.lang, clause)
            return
        async for s in self.fallback.respond(q, facts):
            yield _Raw(s, clause.lang, clause)

