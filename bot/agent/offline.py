"""The offline responder: answers from the catalog with per-language templates, no LLM.

Every figure it says is a catalog field (price, promo price, stock, voucher code, description),
so its answers are verifiable by construction; it is the default brain and the LLM's fallback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping

from bot.agent.responder import Question, Reply
from bot.catalog.matching import ProductMatcher
from bot.catalog.model import Catalog, Product
from bot.events import Comment, Lang
from bot.language.detect import VI_WORDS, detect_language
from bot.language.intent import detect_intent, hostility
from bot.language.money import format_money
from bot.language.templates import TemplateError, Templates, bundled_templates, load_templates, render_lines
from bot.language.text import clean_comment, fold, is_cjk, words
from bot.prompts.book import PromptBook

log = logging.getLogger(__name__)

# "this one", "cái này", "这个": the viewer means the product on screen.
_DEICTIC = re.compile(
    r"(?<![^\W_])(cai nay|mau nay|sp nay|san pham nay|em nay|bo nay|this one|that one|this item)"
    r"(?![^\W_])|这个|这款|这件|那个")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])")
_NAME_DROP = re.compile(r"[\d#@]+")
# An e-mail address or a web address in a nickname is personal data or an ad: never said aloud.
_NAME_CONTACT = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b", re.I)
_GENERIC_NAME = {"vi": "bạn", "zh": "亲", "en": "friend"}
_MASKED = re.compile(r"\*{2,}")  # how platforms mask a hidden nickname
_MASKED_ADDRESS = {"vi": "bạn", "zh": "朋友", "en": "friend"}
_HAPPY = {"greeting", "buy"}
_Say = Callable[..., str]  # say(section, product=None, **fields) -> one filled template line


def display_name(product: Product, lang: Lang) -> str:
    """The product's name in `lang`: name_<lang> column, else an alias in that language, else the name."""
    named = product.extra.get(f"name_{lang}", "").strip()
    if named:
        return _mid_sentence(named)
    if lang == "zh":
        return next((a for a in product.aliases if any(is_cjk(ch) for ch in a)), product.name)
    if lang == "en":
        for alias in product.aliases:
            tokens = words(fold(alias))
            if alias.isascii() and tokens and not all(t in VI_WORDS for t in tokens):
                return alias
    return _mid_sentence(product.name)


def _mid_sentence(name: str) -> str:
    """'Áo thun đỏ' reads 'áo thun đỏ' inside a sentence; 'iPhone', 'SKU' and 'Jean' brands stay."""
    if len(name) > 1 and name[0].isupper() and name[1].islower() and " " in name:
        return name[0].lower() + name[1:]
    return name


def description_in(product: Product, lang: Lang) -> str:
    """The product's description in `lang` (description_<lang> column, else the main one if it is in `lang`)."""
    localized = product.extra.get(f"description_{lang}", "").strip()
    if localized:
        return localized
    main = product.description.strip()
    return main if main and detect_language(main) == lang else ""


def viewer_address(comment: Comment, lang: Lang) -> str:
    """How to address the viewer: their nickname without emoji, digits or controls; never a number.

    A masked viewer (Douyin's "二***") is "bạn" / "朋友" / "friend": half a name is never said aloud.
    """
    if comment.user.masked or _MASKED.search(comment.user.nickname):
        return _MASKED_ADDRESS[lang]
    raw = comment.user.nickname or comment.user.unique_id
    name = _NAME_DROP.sub(" ", _NAME_CONTACT.sub(" ", clean_comment(raw, max_len=40)))
    name = "".join(ch for ch in name if ch.isalpha() or ch in " .'-_").strip(" ._-")
    return " ".join(name.split()) or _GENERIC_NAME[lang]


def build_question(comment: Comment, matcher: ProductMatcher, current: Product | None = None) -> Question:
    """Understand a comment: language, intent, products it names, whether it is hostile."""
    text = clean_comment(comment.text)
    lang = detect_language(text)
    products = [p for p, _ in matcher.match(text, lang)]
    if not products and current is not None and _DEICTIC.search(fold(text)):
        products = [current]
    return Question(comment=comment, lang=lang, intent=detect_intent(text, lang), products=products,
                    current_product=current, hostile=hostility(text, lang) is not None)


class OfflineResponder:
    """Catalog-grounded replies from prompts/templates.yaml, in the viewer's language."""

    name = "offline"

    def __init__(self, catalog: Catalog, book: PromptBook, seed: int = 0) -> None:
        self.catalog = catalog
        self.book = book
        self.seed = seed
        self._turn = 0

    async def respond(self, question: Question) -> AsyncIterator[str]:
        """Yield the reply sentence by sentence."""
        for sentence in self.answer(question).sentences:
            yield sentence

    def answer(self, question: Question) -> Reply:
        """The whole reply at once; never raises for a template problem (bundled lines take over)."""
        seed = self.seed + self._turn
        self._turn += 1
        try:
            return self._answer(question, load_templates(self.book), seed)
        except TemplateError as exc:
            log.warning("templates could not serve a reply (%s); bundled templates answer", exc)
            return self._answer(question, bundled_templates(), seed)

    # -- composition ---------------------------------------------------------------------------

    def _answer(self, q: Question, templates: Templates, seed: int) -> Reply:
        lang = q.lang
        name = viewer_address(q.comment, lang)

        def say(section: str, product: Product | None = None, **fields: object) -> str:
            values: dict[str, object] = {"name": name, **fields}
            if product is not None:
                values.update(self._product_fields(product, lang))
            return render_lines(templates, section, lang, seed, fields=values)

        named = q.products[:2]
        lines: list[str] = []
        skus = [p.sku for p in named]
        if q.intent == "human_check":
            lines.append(say("human_check"))
        elif q.hostile:
            reason = hostility(q.comment.text, lang)
            target = named[0] if named else (q.current_product if reason == "bait" else None)
            if target is not None:
                lines.append(say("hostile_price", target))
                skus = [target.sku]
            else:
                lines.append(say("deflect"))
        elif q.intent == "greeting":
            lines.append(say("greeting_reply"))
        elif not named and q.intent == "promo" and q.current_product is not None:
            # "any discount?" about the shop: the deal on the product being shown.
            lines.extend(self._about("promo", q.current_product, say, lang))
            skus = [q.current_product.sku]
        elif not named:
            if q.current_product is not None:
                lines.append(say("ask_which", current=display_name(q.current_product, lang)))
                skus = [q.current_product.sku]
            else:
                lines.append(say("ask_which_no_current"))
        else:
            for product in named:
                lines.extend(self._about(q.intent, product, say, lang))
        return Reply(sentences=[_capitalized(s) for s in split_sentences(" ".join(lines), lang)], skus=skus,
                     expression="happy" if q.intent in _HAPPY and not q.hostile else "neutral")

    @staticmethod
    def _product_fields(product: Product, lang: Lang) -> Mapping[str, object]:
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

    @staticmethod
    def _about(intent: str, p: Product, say: _Say, lang: Lang) -> list[str]:
        """The lines answering `intent` about one product."""
        if intent == "stock":
            if p.stock is None:
                return [say("in_stock", p)]
            return [say("stock", p) if p.stock > 0 else say("out_of_stock", p)]
        if intent == "buy":
            return [say("buy", p) if p.in_stock else say("out_of_stock", p)]
        if intent == "spec" or (intent == "other" and p.description):
            return [say("spec", p) if description_in(p, lang) else say("spec_none", p)]
        if intent == "promo" and p.promo_price is None and not p.voucher:
            return [say("no_promo", p)]
        # price, promo and anything else about a named product: its price, promo and voucher.
        lines = [say("price_promo", p) if p.promo_price is not None else say("price", p)]
        if p.voucher:
            lines.append(say("voucher", p))
        if not p.in_stock:
            lines.append(say("out_of_stock", p))
        return lines


def _capitalized(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:] if sentence[:1].islower() else sentence


def split_sentences(text: str, lang: Lang) -> list[str]:
    """Split a reply into sentences for speech; '249.000đ' stays whole (no space after its dot)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
