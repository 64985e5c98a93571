"""Every figure a sentence states must be backed by this turn's catalog facts (DESIGN: nothing invents
a fact). Money is compared as an amount in the product's currency; percentages against the real
discount; stock against the stock field; codes against the vouchers and SKUs.

Documented allowance: a plain number of at most `small_count_max` (default 10) with no money, percent
or stock meaning ("2 màu", "3 size", "mua 2") passes; anything larger must be backed too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from bot.agent.guard.verdict import GuardVerdict
from bot.catalog.sizes import product_sizes
from bot.events import Lang
from bot.frames import TurnFacts
from bot.language.figures import WORD_UNIT_HINT, Figure, read_codes, read_figures

_ONE = Decimal(1)
SMALL_COUNT_MAX = 10  # plain numbers up to this need no backing ("2 màu", "mua 2", "2 bạn nữa")


@dataclass(slots=True)
class _Allowed:
    money: set[tuple[str | None, Decimal]] = field(default_factory=set)  # (currency, amount)
    amounts: set[Decimal] = field(default_factory=set)  # money amounts, any currency
    percents: set[Decimal] = field(default_factory=set)
    folds: list[Decimal] = field(default_factory=list)  # selling price / list price × 10 (八折 = 8)
    stock: set[Decimal] = field(default_factory=set)
    numbers: set[Decimal] = field(default_factory=set)  # any backed figure, for plain numbers
    codes: set[str] = field(default_factory=set)


def _norm(value: Decimal) -> Decimal:
    return value.normalize() if value == value.to_integral_value() else value


def _add_money(allowed: _Allowed, currency: str | None, amount: Decimal) -> None:
    amount = _norm(amount)
    allowed.money.add((currency, amount))
    allowed.amounts.add(amount)
    allowed.numbers.add(amount)
    if currency == "VND" and amount >= 1000 and amount % 1000 == 0:
        allowed.numbers.add(_norm(amount / 1000))  # "249 thôi" for 249.000đ


def _add_text_figures(allowed: _Allowed, text: str, currency: str | None) -> None:
    """Figures written in catalog text (description, name): trusted as facts of that product."""
    for fig in read_figures(text):
        if fig.kind == "money":
            _add_money(allowed, fig.currency or currency, fig.value)
        elif fig.kind == "percent":
            allowed.percents.add(_norm(fig.value))
        allowed.numbers.add(_norm(fig.value))
    for code in read_codes(text):
        allowed.codes.add(code.code.upper())


def build_allowed(facts: TurnFacts) -> _Allowed:
    allowed = _Allowed()
    for p in facts.products:
        cur = p.currency.upper()
        _add_money(allowed, cur, p.price)
        if p.promo_price is not None:
            _add_money(allowed, cur, p.promo_price)
            if p.price > p.promo_price:
                _add_money(allowed, cur, p.price - p.promo_price)
                off = (p.price - p.promo_price) / p.price * 100
                for rounding in (ROUND_FLOOR, ROUND_HALF_UP, ROUND_CEILING):
                    allowed.percents.add(off.quantize(_ONE, rounding=rounding))
                allowed.percents.add(_norm(off.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)))
                allowed.folds.append(p.promo_price / p.price * 10)
        if p.stock is not None:
            allowed.stock.add(Decimal(p.stock))
            allowed.numbers.add(Decimal(p.stock))
        if p.voucher:
            allowed.codes.add(p.voucher.upper())
        allowed.codes.add(p.sku.upper())
        _add_text_figures(allowed, p.description, cur)
        _add_text_figures(allowed, p.name, cur)
        # "size 26 đến 32" backs "size 30": every size the product comes in is one of its facts.
        allowed.numbers.update(_norm(Decimal(size)) for size in product_sizes(p).numbers())
        for value in p.extra.values():
            _add_text_figures(allowed, str(value), cur)
    allowed.numbers.update(allowed.percents)
    for raw in facts.extra_numbers:
        figures = read_figures(raw)
        for fig in figures:
            if fig.kind == "money":
                _add_money(allowed, fig.currency, fig.value)
                _add_money(allowed, None, fig.value)
            value = _norm(fig.value)
            allowed.percents.add(value)
            allowed.stock.add(value)
            allowed.numbers.add(value)
            allowed.amounts.add(value)
    allowed.codes.update(code.upper() for code in facts.vouchers)
    return allowed


class BackedFiguresRule:
    """Blocks a sentence that states a price, discount, stock figure, number or code the facts lack."""

    name = "unbacked_figure"

    def __init__(self, small_count_max: int = SMALL_COUNT_MAX) -> None:
        self.small_count_max = Decimal(small_count_max)

    def allowed(self, facts: TurnFacts) -> _Allowed:
        cached = facts.derived.get(self.name)
        if cached is not None and cached[0] == facts.version:
            return cached[1]
        allowed = build_allowed(facts)
        facts.derived[self.name] = (facts.version, allowed)
        return allowed

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict | None:
        if not any(ch.isdigit() for ch in sentence) and not _may_hold_words(sentence):
            return None
        allowed = self.allowed(facts)
        for fig in read_figures(sentence, lang):
            problem = self._problem(fig, allowed)
            if problem:
                return GuardVerdict(False, problem, self.name)
        for code in read_codes(sentence):
            if code.code.upper() not in allowed.codes:
                return GuardVerdict(False, f"code {code.code!r} is not a voucher of this turn", self.name)
        return None

    def _problem(self, fig: Figure, allowed: _Allowed) -> str | None:
        value = _norm(fig.value)
        if fig.kind == "money":
            ok = (fig.currency, value) in allowed.money if fig.currency else value in allowed.amounts
            return None if ok else f"price {fig.text!r} is not in the catalog facts of this turn"
        if fig.kind == "percent":
            return None if value in allowed.percents else f"percentage {fig.text!r} is not a real discount"
        if fig.kind == "fold":
            ok = any(abs(value - real) <= Decimal("0.05") for real in allowed.folds)
            return None if ok else f"discount {fig.text!r} is not a real discount"
        if fig.kind == "stock":
            return None if value in allowed.stock else f"stock figure {fig.text!r} does not match the stock"
        if value <= self.small_count_max or value in allowed.numbers:
            return None
        return f"number {fig.text!r} is not backed by the catalog facts"


_ZH_FIGURE_HINTS = set("零〇一二两三四五六七八九十百千万亿")


def _may_hold_words(sentence: str) -> bool:
    """Cheap pre-check: figures without ASCII digits need Chinese numerals, an uppercase code or a unit
    word after number words ("năm mươi phần trăm")."""
    return (any(ch in _ZH_FIGURE_HINTS for ch in sentence) or any(ch.isupper() for ch in sentence[1:])
            or WORD_UNIT_HINT.search(sentence) is not None)
