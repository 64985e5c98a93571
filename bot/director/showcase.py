"""The showcase: which product the show presents, whoever pinned it (the platform, a moderator, the model)."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

from bot.catalog.model import Catalog
from bot.director.director import Director
from bot.events import ProductPinned

log = logging.getLogger(__name__)

PinResolver = Callable[[ProductPinned], str | None]
PinLog = Callable[[str, float], None]


class Showcase:
    """Turns pins from outside into the director's product switches, each logged once.

    The model's pin tool may run off the event loop's thread, so its pins wait in a deque (appends are
    thread-safe) and are applied between lines, on the loop, as a moderator's switch would be.
    """

    def __init__(self, director: Director, catalog: Catalog, log_pin: PinLog,
                 resolve: PinResolver | None = None) -> None:
        self.director = director
        self.catalog = catalog
        self.log_pin = log_pin
        self.resolve = resolve  # a platform's own product id -> our SKU (by the pinned product's title)
        self._from_model: deque[str] = deque(maxlen=32)

    def platform_pin(self, ev: ProductPinned) -> None:
        """The seller pinned a product in TikTok / Douyin: the card switches to it."""
        sku = ev.sku if ev.sku in self.catalog else (self.resolve(ev) if self.resolve else None)
        if sku is None:
            log.warning("pinned product %s is not in the catalog; the card is not shown", ev.sku)
            return
        self.director.switch_product(sku, ev.t)
        if sku != ev.sku:
            self.log_pin(sku, ev.t)  # the store logged the platform's id with the event; this is our SKU

    def model_pin(self, sku: str) -> None:
        """The model's pin tool chose a product (applied at the next line boundary)."""
        self._from_model.append(sku)

    def apply_model_pins(self, now: float) -> None:
        while self._from_model:
            sku = self._from_model.popleft()
            if sku in self.catalog:
                self.director.switch_product(sku, now)
                self.log_pin(sku, now)
                log.info("agent pinned %s to the showcase", sku)
