"""What the model may look up or do in the catalog, as plain functions over a Catalog.

Each look-up adds the products it returned to the turn's facts, so the guard lets the model quote
them. Results are small JSON-able dicts with prices already in written form ("249.000đ").
The langchain wrappers live in the adapter (bot.agent.llm.agent); nothing here imports a vendor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.catalog.matching import ProductMatcher
from bot.catalog.model import Catalog, Product
from bot.events import Lang
from bot.frames import TurnFacts
from bot.language.money import format_money

log = logging.getLogger(__name__)


def product_facts(product: Product, full: bool = False) -> dict[str, Any]:
    """A product as the model sees it: selling price, list price and discount when on promotion."""
    out: dict[str, Any] = {"sku": product.sku, "name": product.name,
                           "price": format_money(product.selling_price, product.currency)}
    if product.promo_price is not None and product.promo_price < product.price:
        out["list_price"] = format_money(product.price, product.currency)
        off = (product.price - product.promo_price) / product.price * 100
        out["discount"] = f"{off.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"
    out["stock"] = product.stock if product.stock is not None else "unknown"
    if product.voucher:
        out["voucher"] = product.voucher
    if full:
        if product.category:
            out["category"] = product.category
        if product.description:
            out["description"] = product.description
        for key, value in product.extra.items():
            if key.startswith(("variant", "size", "color", "colour", "material")):
                out[key] = value
    return out


class CatalogTools:
    """search_products, product_details, current_promotions and pin_product over one catalog."""

    def __init__(self, catalog: Catalog, matcher: ProductMatcher | None = None,
                 on_pin: Callable[[str], None] | None = None) -> None:
        self.catalog = catalog
        self.matcher = matcher or ProductMatcher(catalog)
        self.on_pin = on_pin
        self.pinned: list[str] = []

    def search_products(self, query: str, lang: Lang | None, facts: TurnFacts, limit: int = 5) -> dict[str, Any]:
        found = [p for p, _score in self.matcher.match(query[:200], lang, limit)]
        for p in found:
            facts.add_product(p)
        return {"products": [product_facts(p) for p in found]} if found else {
            "products": [], "note": "no product matches; say you will check, never guess"}

    def product_details(self, sku: str, facts: TurnFacts) -> dict[str, Any]:
        product = self.catalog.get(sku.strip())
        if product is None:
            return {"error": f"unknown sku {sku!r}; use search_products"}
        facts.add_product(product)
        return product_facts(product, full=True)

    def current_promotions(self, facts: TurnFacts) -> dict[str, Any]:
        deals = [p for p in self.catalog if p.voucher or (p.promo_price is not None and p.promo_price < p.price)]
        for p in deals[:10]:
            facts.add_product(p)
        return {"promotions": [product_facts(p) for p in deals[:10]]}

    def pin_product(self, sku: str, facts: TurnFacts) -> dict[str, Any]:
        product = self.catalog.get(sku.strip())
        if product is None:
            return {"ok": False, "error": f"unknown sku {sku!r}; only catalog products can be pinned"}
        facts.add_product(product)
        if self.on_pin is not None:
            try:
                self.on_pin(product.sku)
            except Exception:  # the caller's pin hook failing must not break the reply
                log.exception("on_pin failed for %s", product.sku)
                return {"ok": False, "error": "pinning failed", **product_facts(product)}
        self.pinned.append(product.sku)
        return {"ok": True, "pinned": product.sku, **product_facts(product)}
