"""The offline responder: answers from the catalog with per-language templates, no LLM.

Every figure it says is a catalog field (price, promo price, stock, voucher code, description),
so its answers are verifiable by construction; it is the default brain and the LLM's fallback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

from bot.agent.board import board_line
from bot.agent.clauses import ClauseWriter
from bot.agent.names import address_many, description_in, display_name, viewer_address
from bot.agent.responder import Reply
from bot.catalog.matching import ProductMatcher
from bot.catalog.model import Catalog, Product
from bot.catalog.sizes import asked_size
from bot.events import Comment, Lang
from bot.frames import Question, TurnFacts
from bot.language.detect import detect_language
from bot.language.intent import asked_quantity, detect_intents, hostility
from bot.language.templates import TemplateError, Templates, bundled_templates, load_templates
from bot.language.text import clean_comment, fold
from bot.prompts.book import PromptBook

log = logging.getLogger(__name__)

__all__ = ["OfflineResponder", "address_many", "build_question", "description_in", "display_name",
           "split_sentences", "viewer_address"]

# "this one", "cái này", "sp đang ghim", "the pinned one", "这个", "置顶的": the product on screen.
_DEICTIC = re.compile(
    r"(?<![^\W_])(cai nay|mau nay|sp nay|san pham nay|em nay|bo nay|mon nay|this one|that one|this item"
    r"|(dang |duoc )?ghim|pinned( one| item| product)?)"
    r"(?![^\W_])|这个|这款|这件|那个|置顶")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[。！？])")
_HAPPY = {"greeting", "buy"}


def build_question(comment: Comment, matcher: ProductMatcher, current: Product | None = None,
                   default_lang: Lang = "vi") -> Question:
    """Understand a comment: language (`default_lang` when it cannot tell), intent, products, hostility."""
    text = clean_comment(comment.text)
    lang = detect_language(text, default_lang)
    products = matcher.named_in_order(text, lang)
    size = asked_size(text)
    # "sp đang ghim", "cái này", or a bare "sz M còn k": in a live room, the product on screen.
    if not products and current is not None and (size is not None or _DEICTIC.search(fold(text))):
        products = [current]
    intents = detect_intents(text, lang)
    return Question(comment=comment, lang=lang, intent=intents[0], products=products,
                    current_product=current, hostile=hostility(text, lang) is not None,
                    intents=intents, size=size, quantity=asked_quantity(text, lang))


class OfflineResponder:
    """Catalog-grounded replies from prompts/templates.yaml, in the viewer's language."""

    name = "offline"

    def __init__(self, catalog: Catalog, book: PromptBook, seed: int = 0) -> None:
        self.catalog = catalog
        self.book = book
        self.seed = seed
        self._turn = 0

    async def respond(self, question: Question, facts: TurnFacts | None = None) -> AsyncIterator[str]:
        """Yield the reply sentence by sentence (its facts are the catalog's: nothing to add)."""
        for sentence in self.answer(question).sentences:
            yield sentence

    def said(self, question: Question, sentences: list[str]) -> None:
        """Templates keep no memory of a viewer."""

    def answer(self, question: Question) -> Reply:
        """The whole (full) reply at once; never raises for a template problem (bundled lines take over)."""
        return self.clause(question, [])

    def clause(self, question: Question, names: list[str], others: int = 0, *,
               brief: bool = False, extras: bool = True) -> Reply:
        """Sentences (in question.lang) answering `question` addressed to `names` (+ `others` more viewers)."""
        seed = self.seed + self._turn
        self._turn += 1
        lang = question.lang
        address = address_many(names or [viewer_address(question.comment, lang)], others, lang)
        try:
            return self._compose(question, load_templates(self.book), address, len(names), others, seed, brief,
                                 extras)
        except TemplateError as exc:
            log.warning("templates could not serve a reply (%s); bundled templates answer", exc)
            return self._compose(question, bundled_templates(), address, len(names), others, seed, brief, extras)

    def board_line(self, question: Question) -> str | None:
        """Compact on-screen facts for the question, e.g. 'Áo thun đỏ · 199.000đ · còn M, L' (no viewer name);
        None when the catalog cannot answer it."""
        return board_line(question, self.catalog)

    def _compose(self, q: Question, templates: Templates, address: str, names: int, others: int, seed: int,
                 brief: bool, extras: bool) -> Reply:
        writer = ClauseWriter(q, self.catalog, templates, address, seed, crowd=names > 1 or others > 0)
        lines = writer.compose(brief, extras)
        return Reply(sentences=[_capitalized(s) for s in split_sentences(" ".join(lines), q.lang)],
                     skus=writer.skus,
                     expression="happy" if q.intent in _HAPPY and not q.hostile else "neutral")


def _capitalized(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:] if sentence[:1].islower() else sentence


def split_sentences(text: str, lang: Lang) -> list[str]:
    """Split a reply into sentences for speech; '249.000đ' stays whole (no space after its dot)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
