"""The dashboard's first page: every room (its sessions grouped by `room`) and every session without one.

A room's state comes from `fleet_rooms` when a fleet supervises it (a live state whose heartbeat is
older than `stale_after_s` reads "no heartbeat"); a room run by hand (`livebot run --room`) is
"live" while its newest session has not ended, "ended" after.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from bot.report.build import list_sessions
from bot.store.session_figures import aware_utc, session_viewers
from bot.store.tables import FleetRoomRow

# fleet_rooms states that mean the room is not done: only these can lose their heartbeat
SUPERVISED_LIVE = ("starting", "running", "restarting")
NO_HEARTBEAT = "no heartbeat"


@dataclass(slots=True)
class SessionLink:
    """One of a room's sessions, newest first: what the room's page lists as its older runs and restarts."""

    id: int
    attempt: int
    started: str | None
    ended: str | None
    replies: int
    orders: int


@dataclass(slots=True)
class RoomEntry:
    """One row of the rooms page: a room (`room` set) or a session run without a room (`room` None)."""

    room: str | None
    state: str  # running | restarting | starting | ended | failed | stopped | no heartbeat | live
    session_id: int | None  # the newest session: the page the row opens
    source: str
    viewers: int | None
    replies: int
    orders: int
    started: str | None
    ended: str | None
    attempt: int
    restarts: int
    fleet_state: str | None = None  # the supervisor's word, kept when the heartbeat is stale
    heartbeat_age_s: float | None = None
    host: str = ""
    last_error: str | None = None
    sessions: list[SessionLink] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_rooms(conn: Connection, *, now: datetime | None = None, stale_after_s: float = 10.0) -> list[RoomEntry]:
    """Rooms by name (fleet rooms that never started a session included), then room-less sessions, newest first."""
    now = now or datetime.now(UTC)
    sessions = list_sessions(conn)  # newest first, with per-session reply and order counts
    fleet = {r.name: r for r in conn.execute(select(FleetRoomRow.__table__))}  # type: ignore[attr-defined]
    by_room: dict[str, list[dict[str, Any]]] = {}
    for s in sessions:
        if s["room"] is not None:
            by_room.setdefault(s["room"], []).append(s)
    entries = [_room_entry(conn, name, by_room.get(name, []), fleet.get(name), now, stale_after_s)
               for name in sorted(set(by_room) | set(fleet))]
    entries += [_plain_entry(conn, s) for s in sessions if s["room"] is None]
    return entries


def _room_entry(conn: Connection, name: str, runs: list[dict[str, Any]], row: Any, now: datetime,
                stale_after_s: float) -> RoomEntry:
    newest = runs[0] if runs else None
    if row is not None and row.session_id is not None and any(s["id"] == row.session_id for s in runs):
        newest = next(s for s in runs if s["id"] == row.session_id)
    entry = RoomEntry(
        room=name, state=_session_state(newest) if newest else "no session",
        session_id=newest["id"] if newest else None, source=newest["source"] if newest else "",
        viewers=session_viewers(conn, newest["id"]) if newest else None,
        replies=newest["replies"] if newest else 0, orders=newest["orders"] if newest else 0,
        started=newest["started"] if newest else None, ended=newest["ended"] if newest else None,
        attempt=newest["attempt"] if newest else 0, restarts=max(0, len(runs) - 1),
        sessions=[SessionLink(s["id"], s["attempt"], s["started"], s["ended"], s["replies"], s["orders"])
                  for s in runs])
    if row is not None:
        updated = aware_utc(row.updated)
        age = (now - updated).total_seconds() if updated is not None else None
        entry.fleet_state, entry.heartbeat_age_s = row.state, round(age, 1) if age is not None else None
        entry.state = NO_HEARTBEAT if row.state in SUPERVISED_LIVE and age is not None and age > stale_after_s \
            else row.state
        entry.restarts, entry.host, entry.last_error = max(entry.restarts, row.restarts), row.host, row.last_error
    return entry


def _plain_entry(conn: Connection, s: dict[str, Any]) -> RoomEntry:
    return RoomEntry(room=None, state=_session_state(s), session_id=s["id"], source=s["source"],
                     viewers=session_viewers(conn, s["id"]), replies=s["replies"], orders=s["orders"],
                     started=s["started"],
                     ended=s["ended"], attempt=s["attempt"], restarts=0,
                     sessions=[SessionLink(s["id"], s["attempt"], s["started"], s["ended"], s["replies"], s["orders"])])


def _session_state(s: dict[str, Any]) -> str:
    return "live" if s["ended"] is None else "ended"




