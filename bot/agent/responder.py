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
class AnswerClause:
    """One part of an answer line: a question, the viewers who asked it, how to say it.

    A line may hold several clauses (several viewers, several products, several languages);
    each clause is said in its own language, addressed to every viewer in `comments` by name.
    """

    question: Question
    comments: list[Comment]  # every viewer this clause answers by name, oldest first
    others: int = 0  # more viewers who asked the same, counted rather than named
    keys: tuple[str, ...] = ()  # the waiting-question keys it answers (the board hides them when said)
    brief: bool = False  # only the fact asked: others are waiting
    extras: bool = True  # voucher reminder / list price may be added
    late: bool = False  # asked a while ago: "lúc nãy Hoa hỏi…"
    lead: str = ""  # the lead-in the director chose ("Lúc nãy Hoa có hỏi nè."), said before the clause

    @property
    def lang(self) -> Lang:
        return self.question.lang

    @property
    def from_catalog(self) -> bool:
        """A fact the catalog answers at once (price, stock, size, promo, buy), never worth a model's wait."""
        q = self.question
        if not q.products or q.hostile:
            return False
        asked = set(q.asked)
        return asked <= CATALOG_INTENTS or (q.size is not None and asked <= CATALOG_INTENTS | {"spec"})


# Facts the catalog states outright; a spec question ("có khóa kéo không?") is open unless it asks a size.
CATALOG_INTENTS = frozenset({"price", "stock", "promo", "buy"})


class FillerText(str):
    """A filler sentence ("để em xem nha") a responder says while the real answer is not ready yet:
    the show reports it as its own line of kind `filler`, never as the answer."""

    __slots__ = ()


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
