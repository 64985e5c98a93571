"""Turning queued items (events, replies, drops, pins) into rows, in one transaction per batch."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.events import Comment, Dropped, Gift, LiveEvent, ProductPinned, Purchase, ScreenAnswer, SpokenReply, Viewer
from bot.sources.eventlog import event_to_json
from bot.store.tables import DropRow, EventRow, MentionRow, OrderRow, PinRow, ReplyRow, ScreenRow, ViewerRow

_EVENT_CACHE = 50_000  # recent events kept so a reply's trigger finds its row id


class RowBuilder:
    """Keeps the id caches (viewers, recent events) and writes one batch of items."""

    def __init__(self, engine: Engine) -> None:
        self._dialect = engine.dialect.name
        self._viewer_ids: dict[str, int] = {}
        self._event_ids: OrderedDict[int, tuple[LiveEvent, int]] = OrderedDict()
        self._msg_ids: OrderedDict[str, int] = OrderedDict()
        self._pending_viewers: dict[str, int] = {}
        self._pending_events: list[tuple[LiveEvent, int]] = []

    def forget_session(self) -> None:
        self._event_ids.clear()
        self._msg_ids.clear()

    def commit(self) -> None:
        """The transaction committed: keep the ids it created."""
        self._viewer_ids.update(self._pending_viewers)
        for ev, rid in self._pending_events:
            self._event_ids[id(ev)] = (ev, rid)  # holding `ev` keeps id(ev) from being reused
            if ev.msg_id:
                self._msg_ids[ev.msg_id] = rid
        while len(self._event_ids) > _EVENT_CACHE:
            self._event_ids.popitem(last=False)
        while len(self._msg_ids) > _EVENT_CACHE:
            self._msg_ids.popitem(last=False)
        self.rollback()

    def rollback(self) -> None:
        """The transaction failed: forget ids it would have created."""
        self._pending_viewers = {}
        self._pending_events = []

    # ---- one batch -------------------------------------------------------------------------

    def write(self, conn: Connection, batch: list[tuple[Any, ...]]) -> None:
        events = [(it[1], it[2]) for it in batch if it[0] == "event"]
        viewers = [ev.user for _, ev in events if isinstance(getattr(ev, "user", None), Viewer)]
        viewers += [tr.user for it in batch if it[0] == "reply" for tr in it[2].plan.triggers
                    if isinstance(getattr(tr, "user", None), Viewer)]
        self._ensure_viewers(conn, viewers)
        self._write_events(conn, events)
        drops, pins, screens = [], [], []
        for it in batch:
            kind = it[0]
            if kind == "screen":
                e: ScreenAnswer = it[2]
                screens.append({"session_id": it[1], "text": e.text, "triggers": [trigger_json(c) for c in e.triggers],
                                "skus": list(e.skus), "t_shown": float(e.t_shown),
                                "t_hidden": float(e.t_hidden) if e.t_hidden is not None else None})
            elif kind == "reply":
                self._write_reply(conn, it[1], it[2], it[3])
            elif kind == "drop":
                d: Dropped = it[2]
                drops.append({"session_id": it[1], "event_id": self._event_id(d.event),
                              "event_type": d.event.type, "reason": d.reason, "t": d.event.t})
            elif kind == "pin":
                pins.append({"session_id": it[1], "sku": it[2], "t": float(it[3])})
        if drops:
            conn.execute(insert(DropRow), drops)
        if pins:
            conn.execute(insert(PinRow), pins)
        if screens:
            conn.execute(insert(ScreenRow), screens)

    def _viewer_id(self, v: Viewer | None) -> int | None:
        if v is None:
            return None
        return self._pending_viewers.get(v.id) or self._viewer_ids.get(v.id)

    def _event_id(self, ev: LiveEvent | None) -> int | None:
        if ev is None:
            return None
        for pev, rid in self._pending_events:
            if pev is ev:
                return rid
        hit = self._event_ids.get(id(ev))
        if hit is not None and hit[0] is ev:
            return hit[1]
        return self._msg_ids.get(ev.msg_id) if ev.msg_id else None

    def _ensure_viewers(self, conn: Connection, viewers: list[Viewer]) -> None:
        new: dict[str, Viewer] = {}
        for v in viewers:
            if v.id not in self._viewer_ids and v.id not in self._pending_viewers:
                new.setdefault(v.id, v)
        if not new:
            return
        now = datetime.now(UTC)
        rows = [{"platform_id": v.id, "unique_id": v.unique_id[:200], "nickname": v.nickname[:500],
                 "first_seen": now} for v in new.values()]
        dialect_insert = postgresql.insert if self._dialect == "postgresql" else sqlite.insert
        if self._dialect in ("postgresql", "sqlite"):
            stmt = dialect_insert(ViewerRow).on_conflict_do_nothing(index_elements=["platform_id"])
            conn.execute(stmt, rows)
        else:  # other databases: insert only what a select did not find
            found = select(ViewerRow.platform_id).where(ViewerRow.platform_id.in_(list(new)))
            have = set(conn.scalars(found))
            rows = [r for r in rows if r["platform_id"] not in have]
            if rows:
                conn.execute(insert(ViewerRow), rows)
        ids = list(new)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for pid, rid in conn.execute(select(ViewerRow.platform_id, ViewerRow.id)
                                         .where(ViewerRow.platform_id.in_(chunk))):
                self._pending_viewers[pid] = rid

    def _write_events(self, conn: Connection, events: list[tuple[int, LiveEvent]]) -> None:
        if not events:
            return
        rows = [{"session_id": sid, "t": float(ev.t), "type": ev.type,
                 "viewer_id": self._viewer_id(getattr(ev, "user", None)),
                 "msg_id": ev.msg_id[:200] if ev.msg_id else None, "payload": event_to_json(ev)}
                for sid, ev in events]
        ids = conn.scalars(insert(EventRow).returning(EventRow.id, sort_by_parameter_order=True), rows).all()
        orders, pins = [], []
        for (sid, ev), rid in zip(events, ids, strict=True):
            self._pending_events.append((ev, rid))
            if isinstance(ev, Purchase):
                orders.append(_order_from_purchase(sid, ev, self._viewer_id(ev.user)))
            elif isinstance(ev, ProductPinned):
                pins.append({"session_id": sid, "sku": ev.sku, "t": float(ev.t)})
        if orders:
            conn.execute(insert(OrderRow), orders)
        if pins:
            conn.execute(insert(PinRow), pins)

    def _write_reply(self, conn: Connection, sid: int, reply: SpokenReply, idx: int) -> None:
        plan = reply.plan
        trig = plan.trigger
        user = getattr(trig, "user", None)
        skus = list(dict.fromkeys(reply.skus or plan.skus))
        row = {
            "session_id": sid, "idx": idx, "plan_id": plan.id, "kind": plan.kind, "lang": plan.lang,
            "trigger_event_id": self._event_id(trig),
            "trigger_type": trig.type if trig is not None else None,
            "trigger_user": user.to_json() if isinstance(user, Viewer) else None,
            "trigger_text": _storable(_trigger_text(trig)), "trigger_t": trig.t if trig is not None else None,
            "text": _storable(reply.text), "sentences": list(reply.sentences), "skus": skus,
            "t_received": plan.t_received, "t_first_audio": reply.t_first_audio, "t_done": reply.t_done,
            "latency_ms": reply.latency_ms, "llm": plan.llm, "variant": plan.variant,
            "blocked": [list(b) for b in reply.blocked], "cut": reply.cut, "compute_ms": reply.compute_ms,
            "merged": plan.merged, "triggers": [_answered_json(tr, reply) for tr in plan.triggers],
        }
        rid = conn.execute(insert(ReplyRow).returning(ReplyRow.id), row).scalar_one()
        t = reply.t_first_audio if reply.t_first_audio is not None else plan.t_received
        if skus:
            mentions = [{"session_id": sid, "reply_id": rid, "sku": s, "t": t} for s in skus]
            conn.execute(insert(MentionRow), mentions)


def _storable(text: str | None) -> str | None:
    """A lone surrogate (JSON "\\ud800" in a replayed comment) cannot be encoded as UTF-8 and
    would stop the writer thread for the rest of the show: it is stored as "?"."""
    return text.encode("utf-8", "replace").decode("utf-8") if text is not None else None


def trigger_json(ev: LiveEvent) -> dict[str, Any]:
    """An answered event as the report shows it: {"type", "user", "text", "t"} (DESIGN §2.5)."""
    user = getattr(ev, "user", None)
    out: dict[str, Any] = {"type": ev.type, "user": user.to_json() if isinstance(user, Viewer) else None,
                           "text": _storable(_trigger_text(ev)), "t": ev.t}
    for flag in ("pinned", "selected", "sticker"):  # the seller's own choice, marked (an extension)
        if getattr(ev, flag, False) is True:
            out[flag] = True
    return out


def _answered_json(ev: LiveEvent, reply: SpokenReply) -> dict[str, Any]:
    """A trigger plus, when known, when the voice reached that viewer (`t_heard`) and their wait."""
    out = trigger_json(ev)
    heard = reply.heard.get(id(ev))
    single = reply.plan.kind == "answer" and len(reply.plan.triggers) == 1
    if heard is None and single and reply.t_first_audio is not None:
        heard = reply.t_first_audio
    if heard is not None:
        out["t_heard"] = heard
        out["latency_ms"] = round((heard - ev.t) * 1000.0, 1)
    return out


def _trigger_text(trig: LiveEvent | None) -> str | None:
    if isinstance(trig, Comment):
        return trig.text
    if isinstance(trig, Gift):
        return f"{trig.gift.name} x{trig.gift.count}"
    return None


def decimal_text(value: Any) -> str | None:
    """Exact decimal text for money (None stays None); raises ValueError on junk."""
    if value is None or value == "":
        return None
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None
    if not d.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return format(d.normalize(), "f")


def _order_from_purchase(sid: int, ev: Purchase, viewer_id: int | None) -> dict[str, Any]:
    buyer = (ev.user.unique_id or ev.user.id) if ev.user is not None else None
    return {"session_id": sid, "order_id": ev.msg_id, "viewer_id": viewer_id, "buyer": buyer, "sku": ev.sku,
            "quantity": ev.quantity, "amount": decimal_text(ev.amount), "currency": ev.currency,
            "t": float(ev.t), "ts": None, "source": "purchase_event", "raw": ev.extra or None}
