"""The SQL tables: sessions, viewers, events, replies, mentions, pins, drops, products, orders, fleet rooms.

Times named `t` are seconds on the session timeline (DESIGN §2.3); wall-clock datetimes are
timezone-aware and read back in UTC from SQLite and PostgreSQL alike (SQLModel's UTCDateTime).
Schema changes go through Alembic (`bot/store/migrations/`), never `create_all`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel


def _json(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(JSON(none_as_null=True), nullable=nullable))


class LiveSession(SQLModel, table=True):
    __tablename__ = "sessions"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=500)
    started: datetime
    ended: datetime | None = None
    variant: str | None = Field(default=None, max_length=200)
    settings: dict[str, Any] | None = _json()
    room: str | None = Field(default=None, max_length=200, index=True)  # the fleet room's name (DESIGN §2.7)
    attempt: int = 1  # 1 for a room's first start; 2, 3… when the fleet restarted it after a failure


class ViewerRow(SQLModel, table=True):
    __tablename__ = "viewers"

    id: int | None = Field(default=None, primary_key=True)
    platform_id: str = Field(max_length=200, unique=True)
    unique_id: str = Field(default="", max_length=200, index=True)
    nickname: str = Field(default="", max_length=500)
    first_seen: datetime


class EventRow(SQLModel, table=True):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_session_type", "session_id", "type"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    t: float
    type: str = Field(max_length=40)
    viewer_id: int | None = Field(default=None, foreign_key="viewers.id")
    msg_id: str | None = Field(default=None, max_length=200)
    payload: dict[str, Any] | None = _json()


class ReplyRow(SQLModel, table=True):
    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_session_idx", "session_id", "idx"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id")
    idx: int  # order spoken within the session, from 0
    plan_id: int
    kind: str = Field(max_length=40)
    lang: str = Field(default="", max_length=10)
    trigger_event_id: int | None = Field(default=None, foreign_key="events.id")
    trigger_type: str | None = Field(default=None, max_length=40)
    trigger_user: dict[str, Any] | None = _json()
    trigger_text: str | None = None
    trigger_t: float | None = None
    text: str = ""
    sentences: list[str] | None = _json()
    skus: list[str] | None = _json()
    t_received: float
    t_first_audio: float | None = None
    t_done: float | None = None
    latency_ms: float | None = None
    llm: str = Field(default="offline", max_length=100)
    variant: str | None = Field(default=None, max_length=200)
    blocked: list[Any] | None = _json()
    cut: bool = False
    compute_ms: float | None = None
    merged: int = 0
    triggers: list[Any] | None = _json()  # every event the line answers, each shaped like `trigger` (§2.7)


class MentionRow(SQLModel, table=True):
    """One product a reply named: what attribution joins orders against."""

    __tablename__ = "mentions"
    __table_args__ = (Index("ix_mentions_session_sku", "session_id", "sku"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id")
    reply_id: int = Field(foreign_key="replies.id")
    sku: str = Field(max_length=200)
    t: float


class ScreenRow(SQLModel, table=True):
    """An answer shown on the on-screen board (DESIGN §2.7 `screen`): what, to whom, from when to when."""

    __tablename__ = "screen_answers"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    text: str = ""
    triggers: list[Any] | None = _json()
    skus: list[str] | None = _json()
    t_shown: float
    t_hidden: float | None = None


class PinRow(SQLModel, table=True):
    __tablename__ = "pins"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    sku: str = Field(max_length=200)
    t: float


class DropRow(SQLModel, table=True):
    """An event the host chose not to answer, and why."""

    __tablename__ = "drops"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="sessions.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="events.id")
    event_type: str = Field(max_length=40)
    reason: str = Field(max_length=100)
    t: float


class ProductRow(SQLModel, table=True):
    __tablename__ = "products"

    sku: str = Field(primary_key=True, max_length=200)
    name: str
    price: str = Field(max_length=64)  # exact decimal text: money never goes through float
    currency: str = Field(max_length=10)
    stock: int | None = None
    category: str = ""
    description: str = ""
    aliases: list[str] | None = _json()
    promo_price: str | None = Field(default=None, max_length=64)
    voucher: str = ""
    image: str = ""
    extra: dict[str, Any] | None = _json()
    updated: datetime


class OrderRow(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (UniqueConstraint("source", "order_id", "sku", name="uq_orders_source_order_sku"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int | None = Field(default=None, foreign_key="sessions.id", index=True)
    order_id: str | None = Field(default=None, max_length=200)
    viewer_id: int | None = Field(default=None, foreign_key="viewers.id")
    buyer: str | None = Field(default=None, max_length=200)  # the platform's username for the buyer
    sku: str = Field(max_length=200)
    quantity: int = 1
    amount: str | None = Field(default=None, max_length=64)  # exact decimal text
    currency: str | None = Field(default=None, max_length=10)
    t: float | None = None  # seconds on the session timeline, when known
    ts: datetime | None = None  # wall clock (aware, UTC), when known
    source: str = Field(max_length=20)  # purchase_event | import
    raw: dict[str, Any] | None = _json()


ALL_TABLES = [LiveSession, ViewerRow, EventRow, ReplyRow, MentionRow, PinRow, DropRow, ProductRow, OrderRow]


class FleetRoomRow(SQLModel, table=True):
    """One fleet room's latest state, written by the fleet's supervisor so `livebot fleet status`
    works from any machine that reaches the database."""

    __tablename__ = "fleet_rooms"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True, index=True)
    state: str = Field(max_length=40)  # starting | running | restarting | ended | failed | stopped
    host: str = Field(default="", max_length=200)
    engine: str = Field(default="local", max_length=40)
    started: datetime | None = None  # when the current attempt started (aware, UTC)
    updated: datetime
    restarts: int = 0
    last_error: str | None = None
    session_id: int | None = None  # the room's newest session

