"""The guard as one stage: every sentence of a line, whoever wrote it, is checked once on its way to the voice."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.agent.guard.sentence_guard import SentenceGuard
from bot.events import Lang
from bot.frames import Question, TurnFacts

log = logging.getLogger(__name__)

BlockSink = Callable[[str, str], None]  # (the blocked sentence, why) -> the ledger / the report


class SentenceGate:
    """One line's gate: passes good sentences, fixes or replaces a blocked one, drops repeats.

    A blocked sentence keeps its words when the rule that fired has its own fix (最好 -> 很好);
    otherwise the first blocked sentence of each part (an answer clause) is replaced by a grounded
    one from the catalog and later blocked ones are dropped, so a model that keeps inventing does
    not make the host repeat the price line.
    """

    def __init__(self, guard: SentenceGuard, facts: TurnFacts, on_block: BlockSink) -> None:
        self.guard = guard
        self.facts = facts  # shared with the writer: products a model's tool looked up count as facts
        self.on_block = on_block
        self._seen: set[str] = set()
        self._replaced: set[int] = set()  # parts that already got a grounded replacement

    def admit(self, text: str, lang: Lang, question: Question | None, part: object = None) -> str | None:
        """What to say for `text` (itself, its fix, a grounded replacement), or None to say nothing."""
        text = " ".join(text.split())
        if not text or text in self._seen:
            return None
        verdict = self.guard.check(text, lang, self.facts)
        if not verdict.ok:
            reason = f"{verdict.rule}: {verdict.reason}" if verdict.rule else str(verdict.reason)
            self.on_block(text, reason)
            log.info("guard blocked a sentence (%s)", reason)
            fixed = verdict.replacement
            if fixed and fixed not in self._seen and self.guard.check(fixed, lang, self.facts).ok:
                text = fixed
            else:
                if question is None or id(part) in self._replaced:
                    return None
                self._replaced.add(id(part))
                text = self.guard.grounded_replacement(question, self.facts)
                if not text or text in self._seen or not self.guard.check(text, lang, self.facts).ok:
                    return None
        self._seen.add(text)
        return text
