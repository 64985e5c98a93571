"""The sentences answering one understood comment, full or brief, addressed to one or several viewers.

Full is the answer the offline responder always gave (price with the list price, voucher, …) plus
sizes, several intents and sold-out alternatives; brief is a busy room's form: only the facts asked,
one short sentence per product. Every figure is a catalog field, so the guard backs each one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.agent.guard.facts_rule import SMALL_COUNT_MAX
from bot.agent.names import description_in, display_name, short_name
from bot.catalog.model import Catalog, Product
from bot.catalog.sizes import SizeChart, asks_about_size, product_sizes
from bot.events import Lang
from bot.frames import Question
from bot.language.intent import hostility
from bot.language.money import format_money
from bot.language.templates import Templates, placeholders, render_lines

PRODUCT_INTENTS = ("price", "stock", "spec", "promo", "buy", "other")
# The order facts are said in, whatever order the comment asked them: "199.000đ, có size M, còn 12 cái".
_FIRST_PHRASE = re.compile(r"[,.;，。；]\s*")
_SAY_ORDER = ("buy", "price", "promo", "other", "spec", "stock")
_FACT_JOIN = {"vi": ", ", "zh": "，", "en": ", "}
_SIZE_LIST = {"vi": ", ", "zh": "、", "en": ", "}
_SIZE_RANGE = {"vi": "{lo} đến {hi}", "zh": "{lo}到{hi}", "en": "{lo} to {hi}"}


def sizes_text(chart: SizeChart, lang: Lang) -> str:
    """'S, M, L, XL' / 'S、M、L、XL'; a long run of numbers as a range ('26 đến 32', '26到32')."""
    span = chart.span()
    if span is not None:
        return _SIZE_RANGE[lang].format(lo=span[0], hi=span[1])
    return _SIZE_LIST[lang].join(chart.values)


def product_fields(product: Product, lang: Lang) -> Mapping[str, object]:
    """The template fields one product fills: name, list price, promo price, voucher, stock, description."""
    fields: dict[str, object] = {
        "product": display_name(product, lang),
        "price": format_money(product.price, product.currency),
        "voucher": product.voucher,
        "description": description_in(product, lang),
    }
    if product.promo_price is not None:
        fields["promo_price"] = format_money(product.promo_price, product.currency)
    if product.stock is not None:
        fields["stock"] = product.stock
    return fields


def sayable_size(size: str | None, chart: SizeChart) -> str | None:
    """The asked size if it may be said aloud: a size in digits the catalog lacks is not backed."""
    if size is None:
        return None
    if size.replace(".", "", 1).isdigit() and size not in chart.values:
        return None
    return size


class ClauseWriter:
    """Composes one question's answer from the templates; after `compose`, `skus` are the products it names.
    `crowd`: `name` stands for several viewers, so lines saying it once are preferred."""

    def __init__(self, question: Question, catalog: Catalog, templates: Templates, name: str, seed: int,
                 crowd: bool = False) -> None:
        self.q = question
        self.lang: Lang = question.lang
        self.catalog = catalog
        self.templates = templates
        self.name = name
        self.seed = seed
        asked = [i for i in question.asked if i in PRODUCT_INTENTS] or ["other"]
        self.asked = sorted(asked, key=_SAY_ORDER.index)
        self.asks_size = question.size is not None or asks_about_size(question.comment.text)
        self.skus: list[str] = []
        self.crowd = crowd

    # -- rendering ----------------------------------------------------------------------------

    def say(self, section: str, product: Product | None = None, prefer: tuple[str, ...] = (),
            called: str | None = None, **fields: object) -> str:
        """One filled line; lines using the `prefer` fields given win ("{quantity}", "{alternative}"), and for
        a crowd, lines naming it once ("Lan, Tuấn và 2 bạn nữa" twice in a sentence is a mouthful)."""
        values: dict[str, object] = {"name": self.name}
        if product is not None:
            values.update(product_fields(product, self.lang))
            if called:
                values["product"] = called  # the short name a quick answer uses
        values.update(fields)
        templates = self.templates
        given = {k for k, v in values.items() if v is not None and v != ""}
        by_lang = templates.get(section, {})
        lines = (by_lang.get(self.lang) or by_lang.get("vi") or {}).get("", [])
        usable = [line for line in lines if placeholders(line) <= given]
        wanted = given.intersection(prefer)
        chosen = [line for line in usable if wanted <= placeholders(line)] or usable
        if self.crowd:
            chosen = [line for line in chosen if line.count("{name}") <= 1] or chosen
        if chosen and chosen != lines:
            templates = {**templates, section: {self.lang: {"": chosen}}}
        return render_lines(templates, section, self.lang, self.seed, fields=values)

    def frame(self, product: Product, facts: list[str]) -> str:
        """One short sentence stating `facts` about `product` ("Lan ơi, áo đỏ 199.000đ, còn 12 cái nha.")."""
        # A quick answer calls the product what sellers (and the viewers asking) call it: "áo đỏ".
        return self.say("answer_short", product, facts=_FACT_JOIN[self.lang].join(facts),
                        called=short_name(product, self.lang))

    # -- the whole answer ---------------------------------------------------------------------

    def brief_spec(self, p: Product) -> str:
        """A busy room's answer about a product: the first phrase of its description ("vải voan hai lớp")."""
        first = _FIRST_PHRASE.split(description_in(p, self.lang), 1)[0].strip().rstrip(".。")
        return self.say("spec_short", p, called=short_name(p, self.lang), description=first)

    def compose(self, brief: bool, extras: bool) -> list[str]:
        """The lines answering the question; non-product questions are answered the same in both modes."""
        q, lang = self.q, self.lang
        named = q.products[:2]
        self.skus = [p.sku for p in named]
        if q.intent == "human_check":
            return [self.say("human_check_short" if brief else "human_check")]
        if q.hostile:
            reason = hostility(q.comment.text, lang)
            target = named[0] if named else (q.current_product if reason == "bait" else None)
            if target is None:
                return [self.say("deflect")]
            self.skus = [target.sku]
            if brief:  # a busy room: the real price in a few words, and never the baiter's name
                return [self.say("hostile_price_short", target, called=short_name(target, lang))]
            return [self.say("hostile_price", target)]
        if q.intent == "greeting":
            return [self.say("greeting_reply")]
        if not named and q.intent == "promo" and q.current_product is not None:
            # "any discount?" about the shop: the deal on the product being shown.
            named = [q.current_product]
            self.skus = [q.current_product.sku]
        elif not named:
            if q.current_product is None:
                return [self.say("ask_which_no_current")]
            self.skus = [q.current_product.sku]
            return [self.say("ask_which", current=display_name(q.current_product, lang))]
        lines: list[str] = []
        for product in named:
            lines.extend(self.brief_about(product, extras) if brief else self.full_about(product))
        return lines

    # -- one product --------------------------------------------------------------------------

    def full_about(self, p: Product) -> list[str]:
        """Today's full answer for each intent asked, with sizes; a sold-out product is never offered."""
        chart = product_sizes(p)
        sized = self.asks_size and bool(chart)
        sold_out = not p.in_stock
        lines: list[str] = []
        done: set[str] = set()

        def once(key: str, *new: str) -> None:
            if key not in done:
                done.add(key)
                lines.extend(new)

        for intent in self.asked:
            if intent == "buy":
                if not sold_out:
                    once("buy", *self.buy_lines(p, chart))
            elif intent in ("stock", "spec") and sized and "buy" in self.asked:
                continue  # the order's acknowledgement already says whether the size is there
            elif intent in ("stock", "spec") and sized:
                once("size", self.frame(p, self.size_facts(p, chart, "stock" in self.asked)))
            elif intent == "stock":
                if not sold_out:
                    once("stock", self.say("in_stock", p) if p.stock is None else self.say("stock", p))
            elif intent == "spec" or (intent == "other" and p.description):
                once("spec", self.say("spec", p) if description_in(p, self.lang) else self.say("spec_none", p))
            elif intent == "promo" and p.promo_price is None and not p.voucher:
                once("promo", self.say("no_promo", p))
            else:  # price, promo, anything else about a named product: its price, promo and voucher
                price = self.say("price_promo", p) if p.promo_price is not None else self.say("price", p)
                # A voucher reminder invites a checkout: not for a product that cannot be bought.
                voucher = [self.say("voucher", p)] if p.voucher and not sold_out else []
                once("price", price, *voucher)
        if sold_out:
            lines.append(self.sold_out_line(p))
        return lines

    def brief_about(self, p: Product, extras: bool) -> list[str]:
        """Only the facts asked, in one short sentence; sold out is said (with an alternative) even here."""
        if not p.in_stock:
            alternative = self._alternative(p)
            return [self.say("sold_out_short", p, prefer=("alternative",),
                             alternative=display_name(alternative, self.lang) if alternative else None)]
        chart = product_sizes(p)
        if "buy" in self.asked:
            lines = self.buy_lines(p, chart)
            return lines + ([self.say("voucher_short", voucher=p.voucher)] if extras and p.voucher else [])
        sized = self.asks_size and bool(chart)
        facts: list[str] = []
        sentences: list[str] = []
        done: set[str] = set()
        voucher_asked = False
        for intent in self.asked:
            key = "size" if intent in ("stock", "spec") and sized else "price" if intent in (
                "price", "other") or (intent == "promo" and (p.promo_price is not None or p.voucher)) else intent
            if key in done:
                continue
            done.add(key)
            if key == "size":
                facts.extend(self.size_facts(p, chart, "stock" in self.asked))
            elif key == "stock":
                facts.append(self.stock_fact(p))
            elif key == "spec":
                sentences.append(self.brief_spec(p) if description_in(p, self.lang) else self.say("spec_none", p))
            elif key == "promo":
                sentences.append(self.say("no_promo", p))
            else:
                price = format_money(p.selling_price, p.currency)  # what they pay now, no list price
                facts.append(self.say("price_short", price=price))
                voucher_asked = voucher_asked or intent == "promo"
        lines = ([self.frame(p, facts)] if facts else []) + sentences
        if p.voucher and (extras or voucher_asked):
            lines.append(self.say("voucher_short", voucher=p.voucher))
        return lines

    # -- facts --------------------------------------------------------------------------------

    def stock_fact(self, p: Product) -> str:
        return self.say("in_stock_short") if p.stock is None else self.say("stock_short", stock=p.stock)

    def size_facts(self, p: Product, chart: SizeChart, with_stock: bool) -> list[str]:
        """Whether the asked size exists (or which sizes there are), and the stock when it was asked."""
        size = self.q.size
        if size is not None and not chart.has(size):
            return [self.say("no_size_short", prefer=("size",), size=sayable_size(size, chart),
                             sizes=sizes_text(chart, self.lang))]
        if chart.one_size:
            facts = [self.say("one_size_short")]
        elif size is not None:
            facts = [self.say("size_short", size=size)]
        else:
            facts = [self.say("sizes_short", sizes=sizes_text(chart, self.lang))]
        if p.in_stock and (with_stock or size is not None):
            facts.append(self.stock_fact(p) if with_stock else self.say("in_stock_short"))
        return facts

    def buy_lines(self, p: Product, chart: SizeChart) -> list[str]:
        """An order acknowledged with what it asked: the size in stock, or the sizes there are."""
        size = self.q.size
        quantity = self.q.quantity if self.q.quantity and self.q.quantity <= SMALL_COUNT_MAX else None
        if size is None or not chart:
            return [self.say("buy", p)]
        if chart.one_size:
            return [self.frame(p, [self.say("one_size_short")]), self.say("buy", p)]
        if not chart.has(size):
            return [self.frame(p, self.size_facts(p, chart, False))]
        return [self.say("buy_size", p, prefer=("quantity",), called=short_name(p, self.lang), size=size,
                         quantity=quantity)]

    def sold_out_line(self, p: Product) -> str:
        alternative = self._alternative(p)
        if alternative is None:
            return self.say("out_of_stock", p)
        return self.say("sold_out_alternative", p, alternative=display_name(alternative, self.lang))

    def _alternative(self, p: Product) -> Product | None:
        alternative = self.catalog.alternative_for(p)
        if alternative is not None and alternative.sku not in self.skus:
            self.skus.append(alternative.sku)
        return alternative
