"""What the guard decides about one sentence, the facts it checks against, and the rule protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.events import Lang
from bot.frames import TurnFacts


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """ok, or blocked with a human reason and the name of the rule that blocked; a rule that can fix the
    sentence (e.g. 最好 -> 很好) offers the fixed text as `replacement`, which the guard checks again."""

    ok: bool
    reason: str | None = None
    rule: str | None = None
    replacement: str | None = None


PASS = GuardVerdict(True, None, None)


@runtime_checkable
class GuardRule(Protocol):
    """One rule set. Returns None when it has nothing against the sentence, else a blocking verdict."""

    name: str

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict | None: ...
