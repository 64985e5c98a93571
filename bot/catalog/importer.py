"""Load a catalog file (CSV with a header, or JSON) into a Catalog (DESIGN §2.4).

Bad rows are reported with their line number (CSV: the physical line where the row starts;
JSON: the line of the object) and skipped; good rows still load.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bot.catalog.model import Catalog, Product

log = logging.getLogger(__name__)

REQUIRED_FIELDS = ("sku", "name", "price", "currency")
KNOWN_FIELDS = ("sku", "name", "price", "currency", "stock", "category", "description", "aliases",
                "promo_price", "voucher", "image")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class CatalogError(ValueError):
    """The catalog file as a whole cannot be read (missing, wrong format, no header)."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One row that did not load: where it is and why."""

    line: int
    sku: str | None
    reason: str

    def __str__(self) -> str:
        who = f" (sku {self.sku})" if self.sku else ""
        return f"line {self.line}{who}: {self.reason}"


class _RowError(ValueError):
    pass


def _text(raw: dict[str, Any], key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, list):  # JSON aliases may be a list already
        return "|".join(str(v) for v in value)
    return str(value).strip()


def _decimal(raw: dict[str, Any], key: str, required: bool) -> Decimal | None:
    text = _text(raw, key)
    if not text:
        if required:
            raise _RowError(f"missing required field '{key}'")
        return None
    if isinstance(raw.get(key), bool):
        raise _RowError(f"'{key}' is not a number: {text!r}")
    try:
        value = Decimal(text.replace("_", ""))
    except InvalidOperation:
        raise _RowError(f"'{key}' is not a number: {text!r}") from None
    if not value.is_finite():
        raise _RowError(f"'{key}' is not a finite number: {text!r}")
    if value < 0:
        raise _RowError(f"'{key}' must not be negative: {text!r}")
    return value


def _stock(raw: dict[str, Any]) -> int | None:
    text = _text(raw, "stock")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _RowError(f"'stock' is not a whole number: {text!r}") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise _RowError(f"'stock' is not a whole number: {text!r}")
    if value < 0:
        raise _RowError(f"'stock' must not be negative: {text!r}")
    return int(value)


def product_from_row(raw: dict[str, Any]) -> Product:
    """Build one Product from a row's fields; raises ValueError with a plain reason."""
    for key in REQUIRED_FIELDS:
        if not _text(raw, key):
            raise _RowError(f"missing required field '{key}'")
    currency = _text(raw, "currency").upper()
    if not _CURRENCY.match(currency):
        raise _RowError(f"'currency' must be a 3-letter code like VND, CNY, USD: {_text(raw, 'currency')!r}")
    price = _decimal(raw, "price", required=True)
    assert price is not None
    promo = _decimal(raw, "promo_price", required=False)
    if promo is not None and promo >= price:
        raise _RowError(f"'promo_price' {promo} is not below 'price' {price}")
    aliases = tuple(dict.fromkeys(a.strip() for a in _text(raw, "aliases").split("|") if a.strip()))
    extra = {str(k): _text(raw, k) for k in raw if k is not None and k not in KNOWN_FIELDS and _text(raw, k)}
    return Product(
        sku=_text(raw, "sku"), name=_text(raw, "name"), price=price, currency=currency, stock=_stock(raw),
        category=_text(raw, "category"), description=_text(raw, "description"), aliases=aliases,
        promo_price=promo, voucher=_text(raw, "voucher"), image=_text(raw, "image"), extra=extra,
    )


def _collect(rows: list[tuple[int, Any]], problems: list[RowProblem]) -> Catalog:
    products: list[Product] = []
    seen: dict[str, int] = {}
    for line, raw in rows:
        if not isinstance(raw, dict):
            problems.append(RowProblem(line, None, "row is not an object"))
            continue
        sku = _text(raw, "sku") or None
        try:
            product = product_from_row(raw)
        except _RowError as exc:
            problems.append(RowProblem(line, sku, str(exc)))
            continue
        if product.sku in seen:
            reason = f"duplicate sku, first defined on line {seen[product.sku]}"
            problems.append(RowProblem(line, product.sku, reason))
            continue
        seen[product.sku] = line
        products.append(product)
    return Catalog(products)


def _csv_rows(text: str, where: str, problems: list[RowProblem]) -> list[tuple[int, Any]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise CatalogError(f"{where}: empty file, expected a CSV header: {','.join(KNOWN_FIELDS[:10])}")
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        raise CatalogError(f"{where}: the CSV header lacks {', '.join(missing)} (line 1: {','.join(header)})")
    reader.fieldnames = header
    rows: list[tuple[int, Any]] = []
    line = reader.line_num + 1  # physical line where the next row starts (rows may span lines)
    for record in reader:
        if None in record:  # more cells than header columns
            problems.append(RowProblem(line, (record.get("sku") or "").strip() or None,
                                       f"{len(record[None]) + len(header)} cells for {len(header)} columns"))
        elif any((v or "").strip() for v in record.values()):
            rows.append((line, record))
        line = reader.line_num + 1
    return rows


def _json_rows(text: str, where: str) -> list[tuple[int, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(f"{where}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict) and isinstance(data.get("products"), list):
        items = data["products"]
    elif isinstance(data, list):
        items = data
    else:
        raise CatalogError(f"{where}: expected a list of products or an object with a 'products' list")
    lines = _object_lines(text, len(items))
    return [(lines[i] if i < len(lines) else 0, item) for i, item in enumerate(items)]


def _object_lines(text: str, count: int) -> list[int]:
    """Line of each top-level item of the product list, found with the JSON decoder's own scanner."""
    decoder = json.JSONDecoder()
    start = text.find("[", text.find('"products"') if text.lstrip().startswith("{") else 0)
    pos, lines = start + 1, []
    while len(lines) < count and pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        lines.append(text.count("\n", 0, pos) + 1)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
    return lines


def load_catalog_text(text: str, fmt: str, where: str = "<catalog>") -> tuple[Catalog, list[RowProblem]]:
    """Parse catalog text in `fmt` ('csv' or 'json'); returns the good products and the bad rows."""
    problems: list[RowProblem] = []
    text = text.lstrip("\ufeff")  # Excel writes a BOM before the header
    if fmt == "json":
        rows = _json_rows(text, where)
    elif fmt == "csv":
        rows = _csv_rows(text, where, problems)
    else:
        raise CatalogError(f"{where}: unknown catalog format {fmt!r} (use .csv or .json)")
    catalog = _collect(rows, problems)
    problems.sort(key=lambda p: p.line)
    for p in problems:
        log.warning("catalog %s: row skipped: %s", where, p)
    return catalog, problems


def load_catalog_file(path: Path) -> tuple[Catalog, list[RowProblem]]:
    """Load a .csv or .json catalog; raises CatalogError when the file itself is unusable."""
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"catalog file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text (byte {exc.start}); save the catalog as UTF-8") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror}") from None
    suffix = path.suffix.lower()
    fmt = "json" if suffix == ".json" else "csv" if suffix in (".csv", ".txt", "") else ""
    if not fmt:
        fmt = "json" if text.lstrip("\ufeff \n\r\t")[:1] in "[{" else "csv"
    return load_catalog_text(text, fmt, str(path))
