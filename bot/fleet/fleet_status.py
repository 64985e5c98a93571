"""`livebot fleet status`: each room's state and figures, read from the database alone (any machine that reaches it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from rich.table import Table
from sqlalchemy import Connection, func, select
from sqlmodel import col

from bot.fleet.room_states import LIVE_STATES
from bot.report.percentile import percentile
from bot.store.database import open_engine
from bot.store.session_figures import aware_utc, session_viewers
from bot.store.tables import FleetRoomRow, LiveSession, OrderRow, ReplyRow


@dataclass(slots=True)
class RoomStatus:
    """One room as `fleet status` shows it."""

    name: str
    state: str
    stale: bool
    host: str
    engine: str
    uptime_s: float | None
    restarts: int
    session_id: int | None
    viewers: int | None
    replies: int
    latency_p50_ms: float | None
    orders: int
    last_error: str | None
    updated: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)






def _room_status(conn: Connection, row: FleetRoomRow, now: datetime, stale_after_s: float) -> RoomStatus:
    sid = row.session_id
    if sid is None:  # a fleet row written before its session started: the room's newest session, if any
        sid = conn.execute(select(func.max(LiveSession.id)).where(LiveSession.room == row.name)).scalar()
    viewers, replies, p50, orders = None, 0, None, 0
    if sid is not None:
        viewers = session_viewers(conn, sid)
        replies = int(conn.execute(select(func.count()).select_from(ReplyRow)
                                   .where(ReplyRow.session_id == sid)).scalar() or 0)
        lat = list(conn.execute(select(ReplyRow.latency_ms).where(
            ReplyRow.session_id == sid, ReplyRow.kind == "answer", col(ReplyRow.latency_ms).is_not(None))).scalars())
        p50 = percentile(lat, 50)
        orders = int(conn.execute(select(func.count()).select_from(OrderRow)
                                  .where(OrderRow.session_id == sid)).scalar() or 0)
    updated, started = aware_utc(row.updated), aware_utc(row.started)
    live = row.state in LIVE_STATES
    stale = live and updated is not None and (now - updated).total_seconds() > stale_after_s
    uptime = None
    if started is not None:
        uptime = round(((now if live and not stale else updated or now) - started).total_seconds(), 1)
    return RoomStatus(row.name, row.state, stale, row.host, row.engine, uptime, row.restarts, sid, viewers, replies,
                      p50, orders, row.last_error, updated.isoformat() if updated else "")


def read_fleet_status(db: str, stale_after_s: float) -> list[RoomStatus]:
    """Every room in `fleet_rooms`, by name; raises StoreError when there is no database."""
    engine = open_engine(db, create=False)
    now = datetime.now(UTC)
    try:
        with engine.connect() as conn:
            found = conn.execute(select(*FleetRoomRow.__table__.columns).order_by(FleetRoomRow.name))  # type: ignore[attr-defined]
            rows = [FleetRoomRow.model_validate(r._mapping) for r in found]
            return [_room_status(conn, r, now, stale_after_s) for r in rows]
    finally:
        engine.dispose()


def _duration(s: float | None) -> str:
    if s is None:
        return "–"
    m, sec = divmod(int(s), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def status_table(rooms: list[RoomStatus]) -> Table:
    """The rooms as a table; a stale live room says its supervisor stopped writing."""
    table = Table(title=f"{len(rooms)} fleet rooms")
    for name in ("room", "state", "host", "uptime", "restarts", "viewers", "replies", "p50 ms", "orders"):
        table.add_column(name, no_wrap=True, justify="left" if name in ("room", "state", "host", "uptime")
                         else "right")
    table.add_column("last error", overflow="fold")
    colours = {"running": "green", "ended": "green", "stopped": "green", "failed": "red", "restarting": "yellow"}
    for r in rooms:
        state = f"[{colours.get(r.state, 'default')}]{r.state}[/]"
        if r.stale:
            state = f"[red]{r.state}? no heartbeat since {r.updated[11:19]} UTC[/]"
        table.add_row(r.name, state, r.host, _duration(r.uptime_s), str(r.restarts),
                      "–" if r.viewers is None else str(r.viewers), str(r.replies),
                      "–" if r.latency_p50_ms is None else f"{r.latency_p50_ms:.0f}", str(r.orders),
                      r.last_error or "")
    return table
