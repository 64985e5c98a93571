"""What the guard decides about one sentence, the facts it checks against, and the rule protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from bot.catalog.model import Product
from bot.events import Lang


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """ok, or blocked with a human reason and the name of the rule that blocked; a rule that can fix the
    sentence (e.g. 最好 -> 很好) offers the fixed text as `replacement`, which the guard checks again."""

    ok: bool
    reason: str | None = None
    rule: str | None = None
    replacement: str | None = None


PASS = GuardVerdict(True, None, None)


@dataclass(slots=True)
class TurnFacts:
    """The catalog facts of one turn: products the turn may talk about, plus figures the caller vouches
    for (`extra_numbers`, any written form: "300.000đ", "15", "10%"), voucher codes, and private strings
    (other viewers' phone numbers, addresses) that must never be spoken."""

    products: list[Product] = field(default_factory=list)
    extra_numbers: set[str] = field(default_factory=set)
    vouchers: set[str] = field(default_factory=set)
    private_terms: set[str] = field(default_factory=set)
    # Per-rule caches of what the facts allow, each stored with the `version` it was built from.
    derived: dict[str, tuple[tuple[int, int, int, int], Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def add_product(self, product: Product) -> None:
        """Add a product (e.g. one a tool looked up this turn) unless it is already there."""
        if all(p.sku != product.sku for p in self.products):
            self.products.append(product)

    @property
    def version(self) -> tuple[int, int, int, int]:
        """Changes whenever facts are added; derived allow-lists are cached against it."""
        return (len(self.products), len(self.extra_numbers), len(self.vouchers), len(self.private_terms))


@runtime_checkable
class GuardRule(Protocol):
    """One rule set. Returns None when it has nothing against the sentence, else a blocking verdict."""

    name: str

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict | None: ...
