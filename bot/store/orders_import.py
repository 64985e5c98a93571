"""Import a TikTok Shop order export (CSV) into the orders table.

One row per order line (an order with two SKUs has two rows). Columns are matched by name,
case-insensitively; the ones we read are listed in `COLUMNS` and docs/reports.md. Other
columns are kept in `raw`, except the buyer's address and phone, which we never store.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.store.database import StoreError, open_engine
from bot.store.rows import decimal_text
from bot.store.tables import EventRow, LiveSession, OrderRow, ViewerRow

# Our field -> export column names, first found wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "order_id": ("Order ID", "Order Id", "order_id"),
    "sku": ("Seller SKU", "SKU", "sku", "SKU ID"),
    "quantity": ("Quantity", "quantity", "Qty"),
    "amount": ("SKU Subtotal After Discount", "Order Amount", "amount", "Amount"),
    "currency": ("Currency", "currency"),
    "buyer": ("Buyer Username", "Buyer Nickname", "buyer"),
    "created": ("Created Time", "Paid Time", "created", "Created"),
}
# Personal data in the export that the store never keeps.
PRIVATE_COLUMNS = {"recipient", "phone #", "phone", "zipcode", "detail address", "address line 1",
                   "address line 2", "additional address information", "email", "buyer message",
                   "tracking id", "house name or number", "districts", "villages"}
_SYMBOLS = {"₫": "VND", "đ": "VND", "¥": "CNY", "元": "CNY", "$": "USD", "€": "EUR"}
_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M",
                 "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


@dataclass(slots=True)
class OrderRowProblem:
    """One order row that was refused: its line in the file and why."""

    line_no: int
    reason: str


@dataclass(slots=True)
class OrdersImport:
    """What an import did: rows saved, rows refused (with line numbers), sessions they went to."""

    saved: int = 0
    problems: list[OrderRowProblem] = field(default_factory=list)
    sessions: dict[int | None, int] = field(default_factory=dict)


def parse_amount(text: str) -> tuple[str | None, str | None]:
    """'VND 249,000' -> ('249000', 'VND'); '$12.99' -> ('12.99', 'USD'); '' -> (None, None)."""
    s = text.strip()
    if not s:
        return None, None
    currency = None
    code = re.search(r"\b([A-Z]{3})\b", s)
    if code:
        currency = code.group(1)
    else:
        for sym, cur in _SYMBOLS.items():
            if sym in s:
                currency = cur
                break
    num = re.sub(r"[^0-9.,\-]", "", s)
    if not re.search(r"\d", num):
        raise ValueError(f"amount is not a number: {text!r}")
    if "," in num and "." in num:
        mark = "," if num.rfind(",") > num.rfind(".") else "."
        num = num.replace("." if mark == "," else ",", "").replace(",", ".")
    elif "," in num:
        num = num.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+", num) else num.replace(",", ".")
    elif num.count(".") > 1 or (currency == "VND" and re.fullmatch(r"-?\d{1,3}(\.\d{3})+", num)):
        num = num.replace(".", "")
    return decimal_text(num), currency


def parse_time(text: str, default_tz: timezone | None = None) -> datetime | None:
    """An export timestamp as aware UTC; naive times are in `default_tz` (the machine's zone by default)."""
    s = text.strip()
    if not s:
        return None
    try:
        dt = datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        dt = None
        for fmt in _TIME_FORMATS:
            try:
                dt = datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
        if dt is None:
            raise ValueError(f"time not understood: {text!r}") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=default_tz) if default_tz is not None else dt.astimezone()
    return dt.astimezone(UTC)


def _header_map(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    norm = [h.strip().lstrip("\ufeff").lower() for h in header]
    for ours, names in COLUMNS.items():
        for name in names:
            if name.lower() in norm:
                found[ours] = norm.index(name.lower())
                break
    return found


def _resolve_session(conn: Connection, session: str | int | None) -> Any:
    if session is None:
        return None
    if str(session) == "last":
        row = conn.execute(select(LiveSession).order_by(LiveSession.id.desc()).limit(1)).first()
        if row is None:
            raise StoreError("no sessions in the database yet (--session last)")
        return row
    try:
        sid = int(session)
    except ValueError:
        raise StoreError(f"--session must be a number or 'last', not {session!r}") from None
    row = conn.execute(select(LiveSession).where(LiveSession.id == sid)).first()
    if row is None:
        raise StoreError(f"no session {sid} in the database")
    return row


def _session_spans(conn: Connection) -> list[tuple[int, datetime, datetime]]:
    """Each session's wall-clock span: started .. ended (or its last event when it never ended)."""
    spans = []
    last_t = dict(conn.execute(select(EventRow.session_id, func.max(EventRow.t))
                               .group_by(EventRow.session_id)).all())
    for s in conn.execute(select(LiveSession)):
        end = s.ended or s.started + timedelta(seconds=float(last_t.get(s.id) or 0.0))
        spans.append((s.id, s.started, end))
    return spans


def import_orders(url: str, path: Path, session: str | int | None = None,
                  default_currency: str | None = None, default_tz: timezone | None = None) -> OrdersImport:
    """Read the export at `path` and save its rows (insert, or update by order id + SKU)."""
    result = OrdersImport()
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        if not header:
            raise StoreError(f"{path}: empty file, expected a header row")
        cols = _header_map(header)
        missing = [c for c in ("order_id", "sku") if c not in cols]
        if missing:
            wanted = " / ".join(COLUMNS[missing[0]])
            raise StoreError(f"{path}:1: no column for {missing[0]} (expected one of: {wanted})")
        parsed: list[tuple[int, dict[str, Any]]] = []
        for cells in reader:
            line_no = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            try:
                row = _parse_row(header, cells, cols, default_currency, default_tz)
            except ValueError as exc:
                if line_no == 2 and _is_description_row(cells, cols):
                    continue  # TikTok's export repeats a line describing each column under the header
                result.problems.append(OrderRowProblem(line_no, str(exc)))
                continue
            parsed.append((line_no, row))
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            fixed = _resolve_session(conn, session)
            spans = _session_spans(conn) if fixed is None else []
            for _line_no, row in parsed:
                _place_in_session(row, fixed, spans)
                row["viewer_id"] = _viewer_for(conn, row["buyer"])
                _upsert_order(conn, row)
                result.saved += 1
                result.sessions[row["session_id"]] = result.sessions.get(row["session_id"], 0) + 1
    finally:
        engine.dispose()
    return result


def _is_description_row(cells: list[str], cols: dict[str, int]) -> bool:
    q = cells[cols["quantity"]] if "quantity" in cols and cols["quantity"] < len(cells) else ""
    return not q.strip().isdigit()


def _parse_row(header: list[str], cells: list[str], cols: dict[str, int], default_currency: str | None,
               default_tz: timezone | None) -> dict[str, Any]:
    def cell(name: str) -> str:
        i = cols.get(name)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    order_id, sku = cell("order_id"), cell("sku")
    if not order_id:
        raise ValueError("empty Order ID")
    if not sku:
        raise ValueError("empty SKU (Seller SKU / SKU ID)")
    qty_text = cell("quantity") or "1"
    if not qty_text.isdigit() or int(qty_text) < 1:
        raise ValueError(f"Quantity must be a whole number of at least 1, not {qty_text!r}")
    amount, cur_from_amount = parse_amount(cell("amount"))
    currency = (cell("currency") or cur_from_amount or default_currency or "").upper() or None
    ts = parse_time(cell("created"), default_tz)
    used = set(cols.values())
    raw = {h.strip(): v for i, (h, v) in enumerate(zip(header, cells, strict=False))
           if i not in used and h.strip().lower() not in PRIVATE_COLUMNS and v.strip()}
    return {"order_id": order_id, "sku": sku, "quantity": int(qty_text), "amount": amount,
            "currency": currency, "buyer": cell("buyer") or None, "ts": ts, "source": "import",
            "raw": raw or None, "session_id": None, "t": None}


def _place_in_session(row: dict[str, Any], fixed: Any,
                      spans: list[tuple[int, datetime, datetime]]) -> None:
    ts: datetime | None = row["ts"]
    if fixed is not None:
        row["session_id"] = fixed.id
        row["t"] = (ts - fixed.started).total_seconds() if ts is not None else None
        return
    if ts is None:
        return
    for sid, start, end in spans:
        if start <= ts <= end:
            row["session_id"] = sid
            row["t"] = (ts - start).total_seconds()
            return


def _viewer_for(conn: Connection, buyer: str | None) -> int | None:
    if not buyer:
        return None
    return conn.execute(select(ViewerRow.id).where(ViewerRow.unique_id == buyer).limit(1)).scalar()


def _upsert_order(conn: Connection, row: dict[str, Any]) -> None:
    dialect_insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = dialect_insert(OrderRow)
    keep = ("session_id", "viewer_id", "buyer", "quantity", "amount", "currency", "t", "ts", "raw")
    stmt = stmt.on_conflict_do_update(index_elements=["source", "order_id", "sku"],
                                      set_={k: stmt.excluded[k] for k in keep})
    conn.execute(stmt, row)
