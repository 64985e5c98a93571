"""Stand-ins for remote services (run for real on 127.0.0.1) and shared test data for the agent tests."""

from __future__ import annotations

from decimal import Decimal

from bot.catalog.model import Catalog, Product


def agent_catalog() -> Catalog:
    """A small trilingual catalog: a VND shirt on promotion, a CNY tea, a USD mug without a promo."""
    return Catalog([
        Product(sku="AO-DO-01", name="Áo thun đỏ", price=Decimal("299000"), currency="VND", stock=12,
                category="áo", description="Cotton 100%, size S M L XL",
                aliases=("áo đỏ", "red shirt", "红色上衣"),
                promo_price=Decimal("249000"), voucher="SALE50"),
        Product(sku="TRA-01", name="奶茶礼盒", price=Decimal("59"), currency="CNY", stock=3, category="茶",
                description="6 bottles, 350ml each", aliases=("milk tea", "trà sữa", "奶茶")),
        Product(sku="MUG-01", name="Coffee mug", price=Decimal("12.99"), currency="USD", stock=None,
                category="home", description="Ceramic, holds 350 ml", aliases=("mug", "cốc", "杯子")),
    ])
