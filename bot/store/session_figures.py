"""Figures of one stored session that several views show (fleet status, the dashboard's room list)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, func, select
from sqlmodel import col

from bot.store.tables import EventRow


def session_viewers(conn: Connection, sid: int) -> int | None:
    """The newest `viewers` count the platform sent, else how many distinct viewers did something."""
    payload = conn.execute(select(EventRow.payload).where(EventRow.session_id == sid, EventRow.type == "viewers")
                           .order_by(EventRow.t.desc(), EventRow.id.desc()).limit(1)).scalar()
    if isinstance(payload, dict) and isinstance(payload.get("count"), int):
        return int(payload["count"])
    n = conn.execute(select(func.count(func.distinct(EventRow.viewer_id)))
                     .where(EventRow.session_id == sid, col(EventRow.viewer_id).is_not(None))).scalar()
    return int(n) if n else None


def aware_utc(when: datetime | None) -> datetime | None:
    """A stored wall-clock time as aware UTC (SQLite hands back naive datetimes on some paths; the store writes UTC)."""
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when
