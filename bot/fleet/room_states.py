"""The `fleet_rooms` table: each room's latest state, written by the supervisor, read by `fleet status`."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from bot.store.database import open_engine
from bot.store.tables import FleetRoomRow, LiveSession

log = logging.getLogger(__name__)

# What a room's row may say (DESIGN §2.7); the first three mean the room is not done yet.
STARTING, RUNNING, RESTARTING, ENDED, FAILED, STOPPED = "starting", "running", "restarting", "ended", "failed", \
    "stopped"
LIVE_STATES = (STARTING, RUNNING, RESTARTING)


@dataclass(frozen=True, slots=True)
class NewestSession:
    """A room's newest session in `sessions`."""

    id: int
    attempt: int
    ended: bool


class RoomStates:
    """Writes the fleet's rooms to the shared database; a failed write is logged and the fleet goes on."""

    def __init__(self, db: str, engine_name: str, engine: Engine | None = None) -> None:
        self.engine = engine if engine is not None else open_engine(db)  # migrates: rooms find the schema ready
        self.engine_name = engine_name
        self.host = socket.gethostname()

    def baseline_session_id(self) -> int:
        """The newest session id before this fleet started: older sessions belong to earlier runs."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.max(LiveSession.id))).scalar() or 0)

    def newest_session(self, room: str) -> NewestSession | None:
        """The room's newest session (any run), or None when it has none."""
        try:
            with self.engine.connect() as conn:
                row = conn.execute(select(LiveSession.id, LiveSession.attempt, LiveSession.ended)
                                   .where(LiveSession.room == room)
                                   .order_by(LiveSession.id.desc()).limit(1)).first()
        except SQLAlchemyError as exc:
            log.warning("fleet: cannot read room %s's sessions: %s", room, exc)
            return None
        return NewestSession(int(row[0]), int(row[1]), row[2] is not None) if row is not None else None

    def write(self, name: str, state: str, *, started: datetime | None, restarts: int,
              last_error: str | None, session_id: int | None) -> None:
        """Insert or replace the room's row (one writer: the supervisor, so read-then-write is safe)."""
        values = {"state": state, "host": self.host, "engine": self.engine_name, "updated": datetime.now(UTC),
                  "started": started, "restarts": restarts, "last_error": last_error}
        if session_id is not None:
            values["session_id"] = session_id
        table = FleetRoomRow.__table__  # type: ignore[attr-defined]
        try:
            with self.engine.begin() as conn:
                found = conn.execute(select(table.c.id).where(table.c.name == name)).scalar()
                if found is None:
                    conn.execute(insert(table).values(name=name, **values))
                else:
                    conn.execute(update(table).where(table.c.id == found).values(**values))
        except SQLAlchemyError as exc:
            log.warning("fleet: cannot write room %s's state %s: %s", name, state, exc)

    def heartbeat(self, names: list[str]) -> None:
        """Mark these rooms alive now: a row whose `updated` goes stale means its supervisor is gone."""
        if not names:
            return
        try:
            with self.engine.begin() as conn:
                table = FleetRoomRow.__table__  # type: ignore[attr-defined]
                conn.execute(update(table).where(table.c.name.in_(names)).values(updated=datetime.now(UTC)))
        except SQLAlchemyError as exc:
            log.warning("fleet: heartbeat not written: %s", exc)

    def close_session(self, session_id: int) -> None:
        """Mark a session ended that its room could not end itself (the process was killed)."""
        table = LiveSession.__table__  # type: ignore[attr-defined]
        try:
            with self.engine.begin() as conn:
                conn.execute(update(table).where(table.c.id == session_id, table.c.ended.is_(None))
                             .values(ended=datetime.now(UTC)))
        except SQLAlchemyError as exc:
            log.warning("fleet: cannot close session %s: %s", session_id, exc)

    def close(self) -> None:
        self.engine.dispose()
