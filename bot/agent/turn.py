"""One turn: the director's draft becomes guarded sentences, streamed as soon as each is ready.

Answers come from the responder (LLM or offline); if it fails, the offline responder answers.
Every sentence, whatever wrote it, passes the guard before it may be spoken; a blocked
answer sentence is replaced by a grounded one, any other blocked line is dropped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from bot.agent.responder import Question, Responder
from bot.director.director import LineDraft
from bot.events import Sentence

log = logging.getLogger(__name__)


@dataclass(slots=True)
class GuardedText:
    text: str
    blocked: tuple[str, str] | None = None  # (original sentence, reason) when it was replaced/dropped


class TurnWriter:
    def __init__(self, responder: Responder, fallback: Responder, guard: object,
                 facts_for: Callable[[LineDraft], object],
                 replacement: Callable[[Question, object], str] | None = None) -> None:
        self.responder = responder
        self.fallback = fallback
        self.guard = guard
        self.facts_for = facts_for
        self.replacement = replacement
        self.failures = 0

    async def sentences(self, draft: LineDraft, on_block: Callable[[str, str], None]) -> AsyncIterator[Sentence]:
        """Yield the draft's sentences, guarded, numbered in order."""
        plan = draft.plan
        facts = self.facts_for(draft)
        index = 0
        seen: set[str] = set()
        async for raw in self._raw(draft):
            text = " ".join(raw.split())
            if not text or text in seen:
                continue
            verdict = self.guard.check(text, plan.lang, facts)  # type: ignore[attr-defined]
            if not verdict.ok:
                reason = f"{verdict.rule}: {verdict.reason}" if verdict.rule else str(verdict.reason)
                on_block(text, reason)
                log.info("guard blocked a sentence of reply %d (%s)", plan.id, reason)
                rephrased = getattr(verdict, "replacement", None)
                if rephrased and rephrased not in seen and self.guard.check(rephrased, plan.lang, facts).ok:  # type: ignore[attr-defined]
                    text = rephrased  # the rule's own fix (e.g. 最好 -> 很好) keeps the line, whoever wrote it
                else:
                    # Only an answer that has said nothing yet gets a grounded replacement; later
                    # blocked sentences are dropped so the host does not repeat the price line.
                    if draft.question is None or self.replacement is None or index > 0:
                        continue
                    text = self.replacement(draft.question, facts)
                    if not text or text in seen or not self.guard.check(text, plan.lang, facts).ok:  # type: ignore[attr-defined]
                        continue
            seen.add(text)
            if draft.max_sentences and index >= draft.max_sentences:
                break
            yield Sentence(reply_id=plan.id, index=index, text=text, lang=plan.lang,
                           skus=list(plan.skus), expression=draft.expression)
            index += 1

    async def _raw(self, draft: LineDraft) -> AsyncIterator[str]:
        for s in draft.sentences:  # fixed lines, or the lead-in of an answer
            yield s
        if draft.question is None:
            return
        said_any = False
        t0 = time.perf_counter()
        draft.plan.llm = self.responder.name
        try:
            async for s in self.responder.respond(draft.question):
                said_any = True
                yield s
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
        async for s in self.fallback.respond(draft.question):
            yield s
