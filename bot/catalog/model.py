"""Products as the rest of the host sees them (immutable facts from the catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    price: Decimal
    currency: str
    stock: int | None = None
    category: str = ""
    description: str = ""
    aliases: tuple[str, ...] = ()
    promo_price: Decimal | None = None
    voucher: str = ""
    image: str = ""
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def selling_price(self) -> Decimal:
        """The price a viewer pays now: the promo price when there is one."""
        return self.promo_price if self.promo_price is not None else self.price

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0


class Catalog:
    """An ordered, read-only set of products looked up by SKU."""

    def __init__(self, products: list[Product] | None = None) -> None:
        self._by_sku: dict[str, Product] = {}
        for p in products or []:
            self._by_sku[p.sku] = p

    def __iter__(self) -> Iterator[Product]:
        return iter(self._by_sku.values())

    def __len__(self) -> int:
        return len(self._by_sku)

    def __contains__(self, sku: object) -> bool:
        return sku in self._by_sku

    def get(self, sku: str) -> Product | None:
        return self._by_sku.get(sku)

    @property
    def skus(self) -> list[str]:
        return list(self._by_sku)

    def alternative_for(self, product: Product) -> Product | None:
        """An in-stock product of the same category to offer instead of `product`, closest in price."""
        category = product.category.strip().casefold()
        if not category:
            return None
        options = [p for p in self if p.sku != product.sku and p.in_stock
                   and p.category.strip().casefold() == category]
        return min(options, key=lambda p: abs(p.selling_price - product.selling_price), default=None)
