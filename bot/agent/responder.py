"""The interface of the part that turns an understood comment into sentences to say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.frames import Question, TurnFacts


@dataclass(slots=True)
class Reply:
    """Sentences in written form plus the SKUs they talk about."""

    sentences: list[str]
    skus: list[str] = field(default_factory=list)
    expression: str = "neutral"


@runtime_checkable
class Responder(Protocol):
    name: str

    def respond(self, question: Question, facts: TurnFacts | None = None) -> AsyncIterator[str]:
        """Yield the reply sentence by sentence, as soon as each is ready; products looked up go into `facts`."""
        ...

    def said(self, question: Question, sentences: list[str]) -> None:
        """What the viewer heard of this answer, after the guard: a responder with memory keeps it."""
        ...
