"""Product cards: the price a viewer pays now, big; the list price as a badge, in the room's words."""

from __future__ import annotations

from bot.catalog.model import Catalog
from bot.events import Lang
from bot.frames import ProductCard
from bot.language.money import format_money
from bot.language.templates import render_template
from bot.prompts.book import PromptBook


class ProductCards:
    """Builds each product's card once per show (the stage asks every frame); words from templates.yaml."""

    def __init__(self, catalog: Catalog, book: PromptBook, lang: Lang, images: dict[str, str] | None = None) -> None:
        self.catalog = catalog
        self.book = book
        self.lang = lang
        self.images = images or {}  # sku -> product image file that exists
        self._cards: dict[str, ProductCard | None] = {}

    def card(self, sku: str | None) -> ProductCard | None:
        if sku is None:
            return None
        if sku not in self._cards:
            self._cards[sku] = self._make(sku)
        return self._cards[sku]

    def _make(self, sku: str) -> ProductCard | None:
        p = self.catalog.get(sku)
        if p is None:
            return None
        price = format_money(p.price, p.currency)
        image = self.images.get(p.sku, "")
        if p.promo_price is None:
            return ProductCard(p.sku, p.name, price, "", image)
        was = render_template(self.book, "card_was", self.lang, 0, price=price)
        return ProductCard(p.sku, p.name, format_money(p.promo_price, p.currency), was, image)
