"""Products in the store: save a Catalog (insert or update by SKU) and load it back."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.catalog.model import Catalog, Product
from bot.store.database import open_engine
from bot.store.tables import ProductRow

_FIELDS = ("name", "price", "currency", "stock", "category", "description", "aliases", "promo_price",
           "voucher", "image", "extra", "updated")


def product_row(p: Product, now: datetime) -> dict[str, Any]:
    return {
        "sku": p.sku, "name": p.name, "price": format(p.price, "f"), "currency": p.currency.upper(),
        "stock": p.stock, "category": p.category, "description": p.description, "aliases": list(p.aliases),
        "promo_price": format(p.promo_price, "f") if p.promo_price is not None else None,
        "voucher": p.voucher, "image": p.image, "extra": dict(p.extra) or None, "updated": now,
    }


def product_from_db_row(r: Any) -> Product:
    """A Product from a stored `ProductRow` (already validated when it was saved)."""
    return Product(
        sku=r.sku, name=r.name, price=Decimal(r.price), currency=r.currency, stock=r.stock,
        category=r.category or "", description=r.description or "", aliases=tuple(r.aliases or ()),
        promo_price=Decimal(r.promo_price) if r.promo_price is not None else None,
        voucher=r.voucher or "", image=r.image or "", extra=dict(r.extra or {}),
    )


def upsert_products(conn: Connection, catalog: Catalog) -> int:
    """Insert or update every product of `catalog` by SKU inside an open transaction."""
    now = datetime.now(UTC)
    rows = [product_row(p, now) for p in catalog]
    if not rows:
        return 0
    dialect = conn.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise ValueError(f"products upsert is written for SQLite and PostgreSQL, not {dialect}")
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = dialect_insert(ProductRow)
    stmt = stmt.on_conflict_do_update(index_elements=["sku"], set_={f: stmt.excluded[f] for f in _FIELDS})
    conn.execute(stmt, rows)
    return len(rows)


def save_products(url: str, catalog: Catalog) -> int:
    """Insert or update the catalog's products by SKU; returns how many were saved."""
    engine = open_engine(url)
    try:
        with engine.begin() as conn:
            return upsert_products(conn, catalog)
    finally:
        engine.dispose()


def load_catalog(url: str) -> Catalog:
    """Every product in the store, ordered by SKU."""
    engine = open_engine(url, create=False)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(ProductRow).order_by(ProductRow.sku)).all()
        return Catalog([product_from_db_row(r) for r in rows])
    finally:
        engine.dispose()
