"""Frames: the units that cross from one stage to the next, beside the room events of `bot.events`.

Triage hands the director `WaitingQuestion`s, `GiftStreak`s and `MergedMoment`s; the director hands
the agent a `LineDraft` of `AnswerClause`s, written and guarded against the line's `TurnFacts`; the
agent yields sentences (a `FillerText` when the model is late); the show puts `ReplyEnd` in the
stage's queue; the stage announces `StageSignal`s (`HostFree` when it wants the next line, then
`AudioStarted`, `SentenceStarted`, `ReplyFinished`, `ReplyGaveWay`) and composes each frame's
`OnScreen` (the `ProductCard`, label and answer board); moderators send `ModeratorCommand`s. No stage
imports another stage's module for one of these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.catalog.model import Product
from bot.events import Comment, Gift, Lang, ReplyPlan, SpeechSegment, Viewer


@dataclass(slots=True)
class Question:
    """A comment as triage understood it: language, intent, products it names, size and quantity."""

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
class WaitingQuestion:
    """A question waiting in triage, with every viewer who asked it: what the director plans a line from.

    Triage keeps it (and scores it); the director reads it and takes it by `key` when it answers.
    """

    key: str
    question: Question
    score: float
    t_first: float
    t_last: float
    count: int = 1
    viewer_ids: set[str] = field(default_factory=set)
    comments: list[Comment] = field(default_factory=list)  # every asker's comment, oldest first (bounded)


@dataclass(slots=True)
class LineDraft:
    """The director's decision for one line: its plan, plus either the clauses the agent writes or ready sentences.

    Crosses director -> agent (words) and stays with the show while the line is on the stage, so a
    line that gives way can be resumed and a deleted comment's clause can be skipped.
    """

    plan: ReplyPlan
    question: Question | None = None
    sentences: list[str] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    expression: str = "neutral"
    numbers: set[str] = field(default_factory=set)  # figures this line may state (gift counts, "3 others")
    clauses: list[AnswerClause] = field(default_factory=list)  # an answer line: one clause per question group
    pace: float = 1.0  # speaking-rate factor for this line (a little faster while questions wait)
    filler_plan: ReplyPlan | None = None  # the id a filler line gets if the model is late (its own entry)


@dataclass(slots=True)
class GiftStreak:
    """A gift streak (combo) folded from its steps; triage hands finished ones to the director to thank."""

    user: Viewer
    gift: str
    count: int
    diamonds: int  # per unit
    t_start: float
    t_last: float
    ended: bool = False
    last: Gift | None = None  # the latest step as the platform sent it (msg_id, extra)
    closed_by: str = ""  # end (the platform's marker) | gap | restart | bound | flush

    @property
    def value(self) -> int:
        return self.count * max(self.diamonds, 1)


@dataclass(slots=True)
class MergedMoment:
    """Several viewers who did the same thing: greet or thank them in one line."""

    kind: str  # join | follow | share
    viewers: list[Viewer] = field(default_factory=list)  # the first few, to be named
    total: int = 0
    t_first: float = 0.0
    t_last: float = 0.0

    @property
    def others(self) -> int:
        return max(0, self.total - len(self.viewers))


@dataclass(frozen=True, slots=True)
class ReplyEnd:
    """Marks the end of a reply in the stage's segment queue: the reply is done when the stage reaches it."""

    reply_id: int


@dataclass(frozen=True, slots=True)
class HostFree:
    """The stage's call for work: everything queued will have been said at `t_free`, so the next line is
    decided now (with the look-ahead the stage keeps, the voice never waits on the decision)."""

    t_free: float


@dataclass(frozen=True, slots=True)
class AudioStarted:
    """Reply `reply_id` is heard from session time `t` (its first frame of audio): its latency ends here."""

    reply_id: int
    t: float


@dataclass(frozen=True, slots=True)
class SentenceStarted:
    """A sentence starts playing at `t`; the answer board hides the questions it answers."""

    segment: SpeechSegment
    t: float


@dataclass(frozen=True, slots=True)
class ReplyFinished:
    """Reply `reply_id` ended at `t`: said to its end, or `cut` (skipped, comment deleted, gave way)."""

    reply_id: int
    t: float
    cut: bool


@dataclass(frozen=True, slots=True)
class ReplyGaveWay:
    """At a sentence end the reply gave way to a waiting question before its sentence `next_index`;
    the director may say the rest later. A `ReplyFinished` (cut) follows."""

    reply_id: int
    next_index: int
    t: float


StageSignal = HostFree | AudioStarted | SentenceStarted | ReplyFinished | ReplyGaveWay


@dataclass(frozen=True, slots=True)
class ProductCard:
    """What the on-screen card shows while a product is discussed (facts from the catalog)."""

    sku: str
    name: str
    price_text: str
    promo_text: str = ""
    image: str = ""


@dataclass(frozen=True, slots=True)
class OnScreen:
    """What the screen shows around the avatar in one frame: the product card, the room's label and the
    answer board's lines; the stage asks for it once a frame and hands it to the renderer."""

    card: ProductCard | None = None
    label: str = ""
    board: tuple[str, ...] = ()


CommandKind = Literal["pause", "resume", "skip", "say", "answer", "block", "product"]
COMMAND_KINDS: tuple[str, ...] = ("pause", "resume", "skip", "say", "answer", "block", "product")


@dataclass(slots=True)
class ModeratorCommand:
    """What a moderator asks for from the console, the control API or the dashboard.

    It reaches the show on the event loop's thread (the control API hands it over thread-safely);
    pause/resume/block/product act at once, say/answer queue a line, skip cuts the line being said.
    """

    kind: CommandKind
    t: float = 0.0
    text: str | None = None  # say: the line to say next
    lang: Lang | None = None
    viewer_id: str | None = None  # block
    sku: str | None = None  # product
    comment: Comment | None = None  # answer: the comment to answer now


@dataclass(slots=True)
class TurnFacts:
    """The catalog facts of one turn: products the turn may talk about, plus figures the caller vouches
    for (`extra_numbers`, any written form: "300.000đ", "15", "10%"), voucher codes, and private strings
    (other viewers' phone numbers, addresses) that must never be spoken."""

    products: list[Product] = field(default_factory=list)
    extra_numbers: set[str] = field(default_factory=set)
    vouchers: set[str] = field(default_factory=set)
    private_terms: set[str] = field(default_factory=set)
    # Per-rule caches of what the facts allow, each stored with the `version` it was built from.
    derived: dict[str, tuple[tuple[int, int, int, int], Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def add_product(self, product: Product) -> None:
        """Add a product (e.g. one a tool looked up this turn) unless it is already there."""
        if all(p.sku != product.sku for p in self.products):
            self.products.append(product)

    @property
    def version(self) -> tuple[int, int, int, int]:
        """Changes whenever facts are added; derived allow-lists are cached against it."""
        return (len(self.products), len(self.extra_numbers), len(self.vouchers), len(self.private_terms))
