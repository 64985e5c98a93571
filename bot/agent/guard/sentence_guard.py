"""The gate every spoken sentence passes: rule sets in order, the first objection blocks the sentence."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Protocol

from bot.agent.guard.facts_rule import BackedFiguresRule
from bot.agent.guard.text_rules import BannedPhraseRule, PrivateDataRule, PromptLeakRule
from bot.agent.guard.verdict import PASS, GuardRule, GuardVerdict
from bot.agent.responder import Reply
from bot.catalog.model import Product
from bot.events import Lang
from bot.frames import Question, TurnFacts
from bot.language.money import format_money
from bot.prompts.book import PromptBook

log = logging.getLogger(__name__)


class OfflineAnswerer(Protocol):
    """The part of the offline responder the guard uses for grounded replacements."""

    def answer(self, question: Question) -> Reply: ...


# Fact lines by construction: every figure comes from the product itself.
_PRICE_LINE = {
    "vi": "Dạ {name} đang có giá {price} ạ.",
    "zh": "{name}的价格是{price}哦。",
    "en": "{name} is {price}.",
}
_PROMO_LINE = {
    "vi": "Dạ {name} đang giảm còn {promo}, giá gốc {price} ạ.",
    "zh": "{name}现在只要{promo}，原价{price}哦。",
    "en": "{name} is {promo} right now, down from {price}.",
}
_STOCK_LINE = {
    "vi": "Dạ {name} còn {stock} cái ạ.",
    "zh": "{name}还剩{stock}件哦。",
    "en": "{name}: only {stock} left.",
}
_HOLD_LINE = {
    "vi": "Dạ bạn chờ shop xíu, shop kiểm tra rồi báo bạn ngay nha.",
    "zh": "稍等一下，我马上帮你确认哦。",
    "en": "Give me a second, I'll check that for you.",
}


class SentenceGuard:
    """Checks sentences against the turn's facts and the moderators' files; more rule sets plug in."""

    def __init__(self, prompts: PromptBook, rules: Iterable[GuardRule] = (),
                 offline: OfflineAnswerer | None = None, small_count_max: int = 10) -> None:
        self.prompts = prompts
        self.offline = offline
        self.rules: list[GuardRule] = [
            PrivateDataRule(), BannedPhraseRule(prompts), PromptLeakRule(prompts),
            BackedFiguresRule(small_count_max), *rules,
        ]

    def add_rule(self, rule: GuardRule) -> None:
        """Plug in another rule set (e.g. a market's advertising-law rules); it runs after the built-ins."""
        self.rules.append(rule)

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict:
        """Pass, or the first rule's objection with its reason."""
        if not sentence.strip():
            return PASS
        for rule in self.rules:
            try:
                verdict = rule.check(sentence, lang, facts)
            except Exception:  # a plugged-in rule's bug must not silence the host; it just cannot block
                log.exception("guard rule %s failed", getattr(rule, "name", rule))
                continue
            if verdict is not None and not verdict.ok:
                return verdict
        return PASS

    def grounded_replacement(self, question: Question, facts: TurnFacts) -> str:
        """A safe sentence to say instead of a blocked one: the offline answer, else a catalog fact line."""
        if self.offline is not None:
            try:
                reply = self.offline.answer(question)
            except Exception:
                log.exception("offline responder failed while replacing a blocked sentence")
            else:
                for product in _products_of(question):
                    facts.add_product(product)
                for sentence in reply.sentences:
                    if self.check(sentence, question.lang, facts).ok:
                        return sentence
        product = next(iter(_products_of(question)), None) or next(iter(facts.products), None)
        lang = question.lang if question.lang in _HOLD_LINE else "en"
        if product is not None:
            facts.add_product(product)
            line = self._fact_line(product, question.intent, lang)
            if self.check(line, lang, facts).ok:
                return line
        return _HOLD_LINE[lang]

    @staticmethod
    def _fact_line(product: Product, intent: str, lang: str) -> str:
        price = format_money(product.price, product.currency)
        if intent == "stock" and product.stock is not None and product.stock > 0:
            return _STOCK_LINE[lang].format(name=product.name, stock=product.stock)
        if product.promo_price is not None and product.promo_price < product.price:
            promo = format_money(product.promo_price, product.currency)
            return _PROMO_LINE[lang].format(name=product.name, promo=promo, price=price)
        return _PRICE_LINE[lang].format(name=product.name, price=price)


def _products_of(question: Question) -> list[Product]:
    products = list(question.products)
    if question.current_product is not None and question.current_product not in products:
        products.append(question.current_product)
    return products


def facts_for(question: Question, extra: Iterable[Product] = ()) -> TurnFacts:
    """The facts of a turn: the question's products, the current product and any others given."""
    facts = TurnFacts()
    for product in (*_products_of(question), *extra):
        facts.add_product(product)
    return facts
