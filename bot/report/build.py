"""build_report: one session of the store as the report JSON of DESIGN §2.5, plus a summary."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, func, select

from bot.report.attribution import DEFAULT_WINDOW_S, OrderFacts, SpokenLine, attribute_order
from bot.report.summary import build_summary
from bot.store.catalog_repo import product_from_db_row
from bot.store.database import StoreError, open_engine
from bot.store.tables import (
    DropRow,
    EventRow,
    LiveSession,
    OrderRow,
    PinRow,
    ProductRow,
    ReplyRow,
    ScreenRow,
    ViewerRow,
)


def build_report(url: str, session: str | int = "last", *,
                 window_s: float = DEFAULT_WINDOW_S) -> dict[str, Any]:
    """The report of one session ("last" = the newest); raises StoreError when there is none."""
    engine = open_engine(url, create=False)
    try:
        with engine.connect() as conn:
            return build_report_from(conn, session, window_s=window_s)
    finally:
        engine.dispose()


def list_sessions_at(url: str) -> list[dict[str, Any]]:
    """`list_sessions` of the store at `url`; raises StoreError when there is no database."""
    engine = open_engine(url, create=False)
    try:
        with engine.connect() as conn:
            return list_sessions(conn)
    finally:
        engine.dispose()


def resolve_session_id(conn: Connection, session: str | int) -> int:
    """A session id from "last", a number, or a room's name (that room's newest session)."""
    given = str(session).strip()
    if given.lower() == "last":
        sid = conn.execute(select(func.max(LiveSession.id))).scalar()
        if sid is None:
            raise StoreError("no sessions in the database yet")
        return int(sid)
    if not given.isdigit():
        sid = conn.execute(select(func.max(LiveSession.id)).where(LiveSession.room == given)).scalar()
        if sid is None:
            raise StoreError(f"session must be a number, 'last' or a room's name; no room {given!r} "
                             "in the database")
        return int(sid)
    sid = int(given)
    if conn.execute(select(LiveSession.id).where(LiveSession.id == sid)).scalar() is None:
        raise StoreError(f"no session {sid} in the database")
    return sid


def list_sessions(conn: Connection) -> list[dict[str, Any]]:
    """Every session, newest first, with its room, restart attempt, and event, reply and order counts."""
    def per_session(table: Any) -> dict[int, int]:
        return dict(conn.execute(select(table.session_id, func.count()).group_by(table.session_id)).all())

    n_events, n_replies, n_orders = per_session(EventRow), per_session(ReplyRow), per_session(OrderRow)
    out = []
    for s in conn.execute(select(LiveSession).order_by(LiveSession.id.desc())):
        out.append({"id": s.id, "room": s.room, "source": s.source, "started": _iso(s.started),
                    "ended": _iso(s.ended), "attempt": s.attempt, "variant": s.variant,
                    "events": n_events.get(s.id, 0), "replies": n_replies.get(s.id, 0),
                    "orders": n_orders.get(s.id, 0)})
    return out


def build_report_from(conn: Connection, session: str | int = "last", *,
                      window_s: float = DEFAULT_WINDOW_S) -> dict[str, Any]:
    sid = resolve_session_id(conn, session)
    s = conn.execute(select(LiveSession).where(LiveSession.id == sid)).one()
    counts = dict(conn.execute(select(EventRow.type, func.count()).where(EventRow.session_id == sid)
                               .group_by(EventRow.type).order_by(EventRow.type)).all())
    replies = _replies(conn, sid)
    dropped = dict(conn.execute(select(DropRow.reason, func.count()).where(DropRow.session_id == sid)
                                .group_by(DropRow.reason).order_by(DropRow.reason)).all())
    # (Row.t is SQLAlchemy's tuple accessor, so rows with a column named t are read as tuples)
    pins = [(sku, t) for sku, t in conn.execute(select(PinRow.sku, PinRow.t).where(PinRow.session_id == sid)
                                                .order_by(PinRow.t))]
    products = {r.sku: product_from_db_row(r) for r in conn.execute(select(ProductRow))}
    conversions = _conversions(conn, sid, replies, pins, products, window_s)
    last_event_t = conn.execute(select(func.max(EventRow.t)).where(EventRow.session_id == sid)).scalar()
    last_t = max([r["t_done"] or r["t_received"] for r in replies] + [last_event_t or 0.0])
    report: dict[str, Any] = {
        "session": {"id": s.id, "room": s.room, "attempt": s.attempt, "source": s.source,
                    "started": _iso(s.started), "ended": _iso(s.ended), "variant": s.variant,
                    "duration_s": round(float(last_t), 3), "counts": counts},
        "replies": replies,
        "screen": _screen(conn, sid),
        "dropped": dropped,
        "conversions": conversions,
        "attribution_window_s": window_s,
    }
    is_comment = (EventRow.session_id == sid) & (EventRow.type == "comment")
    comment_times = list(conn.scalars(select(EventRow.t).where(is_comment).order_by(EventRow.t)))
    viewers = conn.execute(select(func.count(func.distinct(EventRow.viewer_id)))
                           .where(EventRow.session_id == sid, EventRow.viewer_id.is_not(None))).scalar() or 0
    report["summary"] = build_summary(report, comment_times=comment_times, viewers=int(viewers),
                                      products=products, pins=pins)
    return report


def _replies(conn: Connection, sid: int) -> list[dict[str, Any]]:
    out = []
    ordered = (select(ReplyRow, EventRow.payload.label("trigger_payload"))
               .outerjoin(EventRow, ReplyRow.trigger_event_id == EventRow.id)
               .where(ReplyRow.session_id == sid).order_by(ReplyRow.idx, ReplyRow.id))
    rows = conn.execute(ordered)
    for r in rows:
        trigger = None
        if r.trigger_type is not None:
            trigger = {"type": r.trigger_type, "user": r.trigger_user, "text": r.trigger_text,
                       "t": r.trigger_t}
            payload = r.trigger_payload or {}
            for flag in ("pinned", "selected", "sticker"):  # the seller's choice, marked (an extension)
                if payload.get(flag) is True:
                    trigger[flag] = True
        triggers = list(r.triggers) if r.triggers else ([trigger] if trigger is not None else [])
        out.append({
            "trigger": trigger, "triggers": triggers, "kind": r.kind, "text": r.text, "skus": list(r.skus or []),
            "t_received": r.t_received, "t_first_audio": r.t_first_audio, "t_done": r.t_done,
            "latency_ms": r.latency_ms, "llm": r.llm,
            # extensions (DESIGN §2.5 allows adding keys)
            "lang": r.lang, "variant": r.variant, "cut": r.cut, "blocked": list(r.blocked or []),
            "compute_ms": r.compute_ms, "merged": r.merged,
        })
    return out


def _screen(conn: Connection, sid: int) -> list[dict[str, Any]]:
    """On-screen answers (DESIGN §2.7), in the order they appeared."""
    rows = conn.execute(select(ScreenRow).where(ScreenRow.session_id == sid).order_by(ScreenRow.t_shown, ScreenRow.id))
    return [{"triggers": list(r.triggers or []), "text": r.text, "skus": list(r.skus or []),
             "t_shown": r.t_shown, "t_hidden": r.t_hidden} for r in rows]


def _conversions(conn: Connection, sid: int, replies: list[dict[str, Any]], pins: list[tuple[str, float]],
                 products: dict[str, Any], window_s: float) -> list[dict[str, Any]]:
    lines = []
    for i, r in enumerate(replies):
        user = (r["trigger"] or {}).get("user") or {}
        heard = r["t_first_audio"] if r["t_first_audio"] is not None else r["t_received"]
        lines.append(SpokenLine(index=i, t=heard, skus=tuple(r["skus"]), kind=r["kind"],
                                viewer_id=user.get("id"), viewer_unique_id=user.get("unique_id")))
    rows = conn.execute(select(OrderRow, ViewerRow.platform_id.label("v_id"),
                               ViewerRow.unique_id.label("v_uid"), ViewerRow.nickname.label("v_nick"))
                        .outerjoin(ViewerRow, OrderRow.viewer_id == ViewerRow.id)
                        .where(OrderRow.session_id == sid).order_by(OrderRow.t, OrderRow.id)).mappings().all()
    known = set(products) if products else None  # no catalog in the store: nothing is "unknown"
    out = []
    for m in rows:
        order = SimpleNamespace(**m)
        user = ({"id": order.v_id, "unique_id": order.v_uid, "nickname": order.v_nick}
                if order.v_id is not None else ({"unique_id": order.buyer} if order.buyer else None))
        facts = OrderFacts(sku=order.sku, t=order.t, viewer_id=order.v_id, buyer=order.buyer)
        a = attribute_order(facts, lines, pins=pins, known_skus=known, window_s=window_s)
        amount, currency, estimated = _amount(order, products.get(order.sku))
        out.append({
            "user": user, "sku": order.sku, "quantity": order.quantity, "t": order.t,
            "amount": float(amount) if amount is not None else None, "currency": currency,
            "attributed_to": a.attributed_to,
            # extensions
            "order_id": order.order_id, "source": order.source, "amount_estimated": estimated,
            "status": a.status, "first_touch": a.first_touch, "last_touch": a.last_touch,
            "answered_buyer": a.answered_buyer, "pinned_before": a.pinned_before,
            "unknown_sku": a.unknown_sku,
        })
    return out


def _amount(order: Any, product: Any) -> tuple[Decimal | None, str | None, bool]:
    """The order's amount; when the order has none, the catalog price times quantity (estimated)."""
    if order.amount is not None:
        cur = order.currency or (product.currency if product is not None else None)
        return Decimal(order.amount), cur, False
    if product is not None:
        return product.selling_price * order.quantity, product.currency, True
    return None, order.currency, False


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt is not None else None
