"""The JSON Lines event log (DESIGN §2.3): `record` writes it, `replay:` reads it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.events import (
    EVENT_TYPES,
    Comment,
    CommentDeleted,
    ConnectionHealth,
    Gift,
    GiftInfo,
    HealthState,
    Join,
    LiveEnded,
    LiveEvent,
    LivePaused,
    LiveResumed,
    Purchase,
    Viewer,
)
from bot.sources.bounds import MAX_DELETED_IDS, bounded

log = logging.getLogger(__name__)

# Keys each event type owns; everything else on a line is kept in `extra` and ignored.
_KNOWN_KEYS = {"t", "type", "user", "text", "gift", "count", "sku", "quantity", "amount", "currency",
               "streak_end", "msg_id", "id", "state", "detail", "retry_in", "message_ids", "user_id",
               "sticker", "pinned", "selected"}
_COMMENT_FLAGS = ("sticker", "pinned", "selected")


class EventLogError(ValueError):
    """A line of an event log that cannot become an event; carries where it came from."""

    def __init__(self, where: str, line_no: int, reason: str) -> None:
        super().__init__(f"{where}:{line_no}: {reason}")
        self.where = where
        self.line_no = line_no
        self.reason = reason


@dataclass(slots=True)
class LineProblem:
    line_no: int
    reason: str


def viewer_from_json(raw: Any) -> Viewer:
    if not isinstance(raw, dict):
        raise ValueError("'user' must be an object")
    vid = raw.get("id") or raw.get("unique_id")
    if vid is None or str(vid).strip() == "":
        raise ValueError("'user' has no id")
    return Viewer(
        id=str(vid),
        unique_id=str(raw.get("unique_id") or ""),
        nickname=str(raw.get("nickname") or ""),
        is_moderator=bool(raw.get("is_moderator", False)),
        is_follower=bool(raw.get("is_follower", False)),
        masked=bool(raw.get("masked", False)),
    )


def event_from_json(obj: Any) -> LiveEvent:
    """Build a typed event from one decoded line (values bounded); raises ValueError with a plain reason."""
    return bounded(_event_from_json(obj))


def _event_from_json(obj: Any) -> LiveEvent:
    if not isinstance(obj, dict):
        raise ValueError("line is not a JSON object")
    if "t" not in obj or "type" not in obj:
        raise ValueError("missing 't' or 'type'")
    try:
        t = float(obj["t"])
    except (TypeError, ValueError):
        raise ValueError(f"'t' is not a number: {obj['t']!r}") from None
    if t != t or t < 0:  # NaN or negative
        raise ValueError(f"'t' must be a non-negative number: {obj['t']!r}")
    kind = obj["type"]
    cls = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise ValueError(f"unknown event type {kind!r}")
    extra = {k: v for k, v in obj.items() if k not in _KNOWN_KEYS}
    common: dict[str, Any] = {"t": t, "extra": extra}
    raw_id = obj.get("msg_id") if obj.get("msg_id") is not None else obj.get("id")
    if raw_id is not None:  # "id" is accepted too: the platform's message id under its plain name
        if not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
            raise ValueError(f"'msg_id' must be a string or a number: {raw_id!r}")
        common["msg_id"] = str(raw_id)
    if cls in (LiveEnded, LivePaused, LiveResumed):
        return cls(**common)
    if cls is CommentDeleted:
        return _deletion(obj, common)
    if cls is ConnectionHealth:
        return ConnectionHealth(state=HealthState(obj.get("state", "connected")),
                                detail=str(obj.get("detail", "")), retry_in=obj.get("retry_in"), **common)
    if cls.__name__ == "ProductPinned":
        return cls(sku=_required_str(obj, "sku"), **common)  # type: ignore[call-arg]
    if cls.__name__ == "ViewerCount":
        return cls(count=_int(obj, "count", 0), **common)  # type: ignore[call-arg]
    if cls is Purchase:
        user = viewer_from_json(obj["user"]) if obj.get("user") is not None else None
        amount = obj.get("amount")
        return Purchase(user=user, sku=_required_str(obj, "sku"), quantity=max(1, _int(obj, "quantity", 1)),
                        amount=float(amount) if amount is not None else None,
                        currency=str(obj["currency"]) if obj.get("currency") else None, **common)
    if "user" not in obj:
        raise ValueError(f"{kind} event has no 'user'")
    user = viewer_from_json(obj["user"])
    if cls is Comment:
        text = obj.get("text")
        if not isinstance(text, str):
            raise ValueError("comment has no 'text' string")
        flags = {k: True for k in _COMMENT_FLAGS if obj.get(k) is True}
        return Comment(user=user, text=text, **flags, **common)
    if cls is Gift:
        g = obj.get("gift")
        if not isinstance(g, dict) or not g.get("name"):
            raise ValueError("gift has no 'gift.name'")
        info = GiftInfo(name=str(g["name"]), count=max(1, _int(g, "count", 1)), diamonds=max(0, _int(g, "diamonds", 0)))
        se = obj.get("streak_end")
        return Gift(user=user, gift=info, streak_end=bool(se) if se is not None else None, **common)
    if cls.__name__ == "Like":
        return cls(user=user, count=max(1, _int(obj, "count", 1)), **common)  # type: ignore[call-arg]
    if cls is Join or cls.__name__ in ("Follow", "Share"):
        return cls(user=user, **common)  # type: ignore[call-arg]
    raise ValueError(f"unsupported event type {kind!r}")  # pragma: no cover - table is exhaustive


def _deletion(obj: dict[str, Any], common: dict[str, Any]) -> CommentDeleted:
    ids = obj.get("message_ids", [])
    if not isinstance(ids, list) or not all(isinstance(i, str | int) and not isinstance(i, bool) for i in ids):
        raise ValueError("'message_ids' must be a list of ids")
    user_id = obj.get("user_id")
    if user_id is not None and (not isinstance(user_id, str | int) or isinstance(user_id, bool)):
        raise ValueError(f"'user_id' must be a string or a number: {user_id!r}")
    if not ids and user_id in (None, ""):
        raise ValueError("comment_deleted names no 'message_ids' and no 'user_id'")
    return CommentDeleted(message_ids=tuple(str(i) for i in ids[:MAX_DELETED_IDS]),
                          user_id=str(user_id) if user_id not in (None, "") else None, **common)


def event_to_json(ev: LiveEvent) -> dict[str, Any]:
    """The event-log form of an event (round-trips through `event_from_json`)."""
    out: dict[str, Any] = {"t": round(ev.t, 3), "type": ev.type}
    for name in ("user",):
        v = getattr(ev, name, None)
        if isinstance(v, Viewer):
            out["user"] = v.to_json()
    if isinstance(ev, Comment):
        out["text"] = ev.text
        for flag in _COMMENT_FLAGS:
            if getattr(ev, flag):
                out[flag] = True
    elif isinstance(ev, CommentDeleted):
        out["message_ids"] = list(ev.message_ids)
        if ev.user_id is not None:
            out["user_id"] = ev.user_id
    elif isinstance(ev, Gift):
        out["gift"] = {"name": ev.gift.name, "count": ev.gift.count, "diamonds": ev.gift.diamonds}
        if ev.streak_end is not None:
            out["streak_end"] = ev.streak_end
    elif isinstance(ev, ConnectionHealth):
        out["state"] = str(ev.state)
        if ev.detail:
            out["detail"] = ev.detail
    for name in ("count", "sku", "quantity", "amount", "currency"):
        if hasattr(ev, name) and getattr(ev, name) is not None and name not in out:
            out[name] = getattr(ev, name)
    if ev.msg_id is not None:
        out["msg_id"] = ev.msg_id
    for k, v in ev.extra.items():
        out.setdefault(k, v)
    return out


def _required_str(obj: dict[str, Any], key: str) -> str:
    v = obj.get(key)
    if v is None or str(v).strip() == "":
        raise ValueError(f"missing '{key}'")
    return str(v).strip()


def _int(obj: dict[str, Any], key: str, default: int) -> int:
    v = obj.get(key, default)
    if isinstance(v, bool):
        raise ValueError(f"'{key}' is not a number: {v!r}")
    try:
        return int(v)
    except (TypeError, ValueError):
        raise ValueError(f"'{key}' is not a number: {v!r}") from None


def read_event_log(path: Path, problems: list[LineProblem] | None = None) -> Iterator[LiveEvent]:
    """Yield events from a JSONL file; bad lines are logged with their line number and skipped."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        yield from parse_event_lines(fh, str(path), problems)


def parse_event_lines(lines: IO[str] | list[str], where: str,
                      problems: list[LineProblem] | None = None) -> Iterator[LiveEvent]:
    for line_no, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
            yield event_from_json(obj)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:  # JSONDecodeError is a ValueError
            reason = _reason(exc)
            log.warning("event log %s line %d skipped: %s", where, line_no, reason)
            if problems is not None:
                problems.append(LineProblem(line_no, reason))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg})"
    if isinstance(exc, RecursionError):  # json.loads recurses per nesting level
        return "JSON nested too deep"
    return str(exc)[:200]


class EventLogWriter:
    """Appends events as JSON Lines, flushed per event so a crash loses at most the last one."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.count = 0

    def write(self, ev: LiveEvent) -> None:
        self._fh.write(json.dumps(event_to_json(ev), ensure_ascii=False) + "\n")
        self._fh.flush()
        self.count += 1

    def close(self) -> None:
        self._fh.close()
