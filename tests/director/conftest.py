"""A director over the bundled catalog and prompts, with real understanding (no test doubles)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.agent.offline import OfflineResponder, build_question
from bot.catalog.importer import load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.director.director import Director, DirectorSettings
from bot.director.lines import LineWriter
from bot.paths import PROMPTS_DIR, SAMPLE_CATALOG
from bot.prompts.book import PromptBook
from bot.triage.room_triage import Triage, TriageSettings


class Room:
    def __init__(self, prompts: Path = PROMPTS_DIR, **director_kw: object) -> None:
        self.catalog, _ = load_catalog_file(SAMPLE_CATALOG)
        self.prompts = PromptBook(prompts)
        matcher = ProductMatcher(self.catalog)
        self.triage = Triage(lambda c, cur: build_question(c, matcher, cur), settings=TriageSettings())
        settings = DirectorSettings(**director_kw)  # type: ignore[arg-type]
        self.director = Director(self.triage, self.catalog, self.prompts, LineWriter(self.prompts), settings)
        self.responder = OfflineResponder(self.catalog, self.prompts)

    def text(self, draft) -> str:  # noqa: ANN001
        """What the line says, as the turn writer composes it (every clause, every name)."""
        from bot.agent.turn import clause_names

        parts = list(draft.sentences)
        for c in draft.clauses:
            parts += [c.lead] if c.lead else []
            names, others = clause_names(c)
            parts += self.responder.clause(c.question, names, others, brief=c.brief, extras=c.extras).sentences
        if not draft.clauses and draft.question is not None:
            parts += self.responder.answer(draft.question).sentences
        return " ".join(parts)


@pytest.fixture()
def room() -> Room:
    return Room(disclosure_interval_s=0)
