"""The interface of the part that turns an understood comment into sentences to say."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.catalog.model import Product
from bot.events import Comment, Lang


@dataclass(slots=True)
class Question:
    """A comment as the director understood it: language, intent, products it names."""

    comment: Comment
    lang: Lang
    intent: str  # price | stock | spec | promo | greeting | buy | human_check | other
    products: list[Product] = field(default_factory=list)
    current_product: Product | None = None
    hostile: bool = False
    others: int = 0  # how many similar questions this one stands for ("nhiều bạn hỏi…")
    intents: list[str] = field(default_factory=list)  # every intent asked, main first; empty -> [intent]
    size: str | None = None  # the size the comment names ("sz M" -> "M", "size 38" -> "38")
    quantity: int | None = None  # how many the viewer wants ("chốt 2 cái" -> 2)

    @property
    def asked(self) -> list[str]:
        """The intents asked, main first (old call sites set only `intent`)."""
        return self.intents or [self.intent]


@dataclass(slots=True)
class Reply:
    """Sentences in written form plus the SKUs they talk about."""

    sentences: list[str]
    skus: list[str] = field(default_factory=list)
    expression: str = "neutral"


@runtime_checkable
class Responder(Protocol):
    name: str

    def respond(self, question: Question) -> AsyncIterator[str]:
        """Yield the reply sentence by sentence, as soon as each is ready."""
        ...
