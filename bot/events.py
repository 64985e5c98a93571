"""Platform-neutral events and the internal units that flow through the pipeline.

Adapters translate a platform's objects into these at the edge; nothing past the edge
imports a platform library. Times are seconds on the session timeline (DESIGN §2.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar, Literal

import numpy as np

Lang = Literal["vi", "zh", "en"]
LANGS: tuple[Lang, ...] = ("vi", "zh", "en")


@dataclass(frozen=True, slots=True)
class Viewer:
    """A person in the room, as the platform names them."""

    id: str
    unique_id: str = ""
    nickname: str = ""
    is_moderator: bool = False
    is_follower: bool = False
    masked: bool = False  # the platform hid who this is (Douyin: id 111111, nickname "二***")

    @property
    def display_name(self) -> str:
        """The name to show or say; empty for a masked viewer (a masked name is not a name)."""
        if self.masked:
            return ""
        return self.nickname or self.unique_id or self.id

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "unique_id": self.unique_id, "nickname": self.nickname}
        if self.is_moderator:
            out["is_moderator"] = True
        if self.is_follower:
            out["is_follower"] = True
        if self.masked:
            out["masked"] = True
        return out


@dataclass(kw_only=True, slots=True)
class LiveEvent:
    """Base of every room event. `type` is the event-log name (DESIGN §2.3)."""

    type: ClassVar[str] = "event"
    t: float
    msg_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True, slots=True)
class Comment(LiveEvent):
    """A viewer's comment. `msg_id` is the platform's message id (a later deletion names it).

    `sticker`: a sticker-only message (chatter, never a question). `pinned` / `selected`: the
    seller pinned it or picked it from the Q&A panel, so it is answered first.
    """

    type: ClassVar[str] = "comment"
    user: Viewer
    text: str
    sticker: bool = False
    pinned: bool = False
    selected: bool = False

    @property
    def sellers_choice(self) -> bool:
        return self.pinned or self.selected


@dataclass(kw_only=True, slots=True)
class CommentDeleted(LiveEvent):
    """The platform's moderation removed comments: by message id, or every comment of `user_id`."""

    type: ClassVar[str] = "comment_deleted"
    message_ids: tuple[str, ...] = ()
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class GiftInfo:
    name: str
    count: int = 1
    diamonds: int = 0


@dataclass(kw_only=True, slots=True)
class Gift(LiveEvent):
    """One step of a gift streak: `gift.count` is the running total (DESIGN §2.3)."""

    type: ClassVar[str] = "gift"
    user: Viewer
    gift: GiftInfo
    streak_end: bool | None = None


@dataclass(kw_only=True, slots=True)
class Join(LiveEvent):
    type: ClassVar[str] = "join"
    user: Viewer


@dataclass(kw_only=True, slots=True)
class Like(LiveEvent):
    type: ClassVar[str] = "like"
    user: Viewer
    count: int = 1


@dataclass(kw_only=True, slots=True)
class Follow(LiveEvent):
    type: ClassVar[str] = "follow"
    user: Viewer


@dataclass(kw_only=True, slots=True)
class Share(LiveEvent):
    type: ClassVar[str] = "share"
    user: Viewer


@dataclass(kw_only=True, slots=True)
class Purchase(LiveEvent):
    type: ClassVar[str] = "purchase"
    user: Viewer | None = None
    sku: str
    quantity: int = 1
    amount: float | None = None
    currency: str | None = None


@dataclass(kw_only=True, slots=True)
class ProductPinned(LiveEvent):
    type: ClassVar[str] = "product_pinned"
    sku: str


@dataclass(kw_only=True, slots=True)
class ViewerCount(LiveEvent):
    type: ClassVar[str] = "viewers"
    count: int


@dataclass(kw_only=True, slots=True)
class LiveEnded(LiveEvent):
    type: ClassVar[str] = "live_end"


@dataclass(kw_only=True, slots=True)
class LivePaused(LiveEvent):
    """The seller paused the live on the platform; the host pauses as a moderator's pause would."""

    type: ClassVar[str] = "live_paused"


@dataclass(kw_only=True, slots=True)
class LiveResumed(LiveEvent):
    type: ClassVar[str] = "live_resumed"


class HealthState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RETRYING = "retrying"
    RATE_LIMITED = "rate_limited"
    ENDED = "ended"


@dataclass(kw_only=True, slots=True)
class ConnectionHealth(LiveEvent):
    """The source's connection state; the director, store and status line all see it."""

    type: ClassVar[str] = "connection"
    state: HealthState
    detail: str = ""
    retry_in: float | None = None


EVENT_TYPES: dict[str, type[LiveEvent]] = {
    cls.type: cls
    for cls in (
        Comment, Gift, Join, Like, Follow, Share, Purchase, ProductPinned, ViewerCount, LiveEnded,
        ConnectionHealth, CommentDeleted, LivePaused, LiveResumed,
    )
}

# ---------------------------------------------------------------------------------------------
# Internal units: what the director decides, what the agent says, what speech and avatar make.
# ---------------------------------------------------------------------------------------------

ReplyKind = Literal["answer", "thanks", "greeting", "script", "filler", "disclosure", "moderator"]


@dataclass(kw_only=True, slots=True)
class ReplyPlan:
    """A line the director decided to say: why (trigger), what kind, in which language.

    `triggers` lists every event the line answers, oldest first (DESIGN §2.7); `trigger` is the
    first of them. `yieldable` lines (run-of-show) give way at a sentence end when a question waits.
    """

    id: int
    kind: ReplyKind
    lang: Lang
    t_received: float
    trigger: LiveEvent | None = None
    triggers: list[LiveEvent] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    merged: int = 0  # how many other events this line also answers (merged joins, clustered questions)
    variant: str | None = None
    llm: str = "offline"
    yieldable: bool = False

    def __post_init__(self) -> None:
        if self.trigger is not None and not self.triggers:
            self.triggers = [self.trigger]
        elif self.trigger is None and self.triggers:
            self.trigger = self.triggers[0]


@dataclass(kw_only=True, slots=True)
class Sentence:
    """One sentence of a reply, in written form (digits, symbols), ready for TTS."""

    reply_id: int
    index: int
    text: str
    lang: Lang
    last: bool = False
    skus: list[str] = field(default_factory=list)
    expression: str = "neutral"
    # How much faster than the configured rate to speak (the director raises it while questions
    # wait); the speaker clamps it to voices.yaml's rate.busy_max and never goes below 1.
    pace: float = 1.0
    filler: bool = False  # "để em xem nha" while the model thinks: reported as its own line (§2.7)
    answers: tuple[str, ...] = ()  # keys of the waiting questions this sentence answers (the board hides them)


@dataclass(frozen=True, slots=True)
class PhonemeTiming:
    """One phoneme (IPA) with its span in seconds from the start of its audio."""

    phoneme: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class WordTiming:
    word: str
    start: float
    end: float


@dataclass(kw_only=True, slots=True)
class SpeechSegment:
    """Audio for one sentence (mono int16 at `sample_rate`) with its mouth timing."""

    sentence: Sentence
    pcm: np.ndarray
    sample_rate: int
    phonemes: list[PhonemeTiming] = field(default_factory=list)
    words: list[WordTiming] = field(default_factory=list)
    engine: str = "espeak"
    voice: str = ""
    synth_ms: float = 0.0
    speed: float = 1.0  # the engine speed used: rate(engine, lang) × clamped pace

    @property
    def duration(self) -> float:
        return len(self.pcm) / self.sample_rate


@dataclass(kw_only=True, slots=True)
class StageFrame:
    """One video frame with exactly the audio samples of its own time slice."""

    index: int
    t: float
    image: np.ndarray  # H×W×3 uint8, RGB
    audio: np.ndarray  # int16 mono, sample_rate/fps samples
    sample_rate: int
    speaking: bool = False
    viseme: str = "X"


@dataclass(kw_only=True, slots=True)
class SpokenReply:
    """A reply after it was said: what the store logs and the report lists (DESIGN §2.5)."""

    plan: ReplyPlan
    text: str  # written form, as captions show it
    sentences: list[str] = field(default_factory=list)
    skus: list[str] = field(default_factory=list)
    t_first_audio: float | None = None
    t_done: float | None = None
    compute_ms: float | None = None  # wall time from decision to first audio ready
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (sentence, reason) the guard stopped
    cut: bool = False  # stopped early (moderator skip, live ended)
    heard: dict[int, float] = field(default_factory=dict)  # id(trigger) -> when the voice reached that viewer

    @property
    def latency_ms(self) -> float | None:
        if self.t_first_audio is None or self.plan.trigger is None:
            return None
        return round((self.t_first_audio - self.plan.t_received) * 1000.0, 1)


@dataclass(kw_only=True, slots=True)
class ScreenAnswer:
    """A short answer shown on the on-screen board (DESIGN §2.7 `screen`), not spoken.

    The board shows it within a second of the question and hides it when the voice reaches
    the question (or the question is forgotten); the store logs it when hidden.
    """

    key: str
    triggers: list[Comment]
    text: str
    skus: list[str] = field(default_factory=list)
    t_shown: float = 0.0
    t_hidden: float | None = None


@dataclass(kw_only=True, slots=True)
class Dropped:
    """An event the host will not answer, with the reason (the report counts these)."""

    event: LiveEvent
    reason: str  # e.g. duplicate, flood, rate_limited, stale, spam, blocked_viewer, merged, deleted
