"""What the host calls things aloud: a product in the viewer's language, a viewer by a speakable
nickname, several viewers at once ("Lan, Tuấn và 2 bạn nữa")."""

from __future__ import annotations

import re

from bot.agent.guard.facts_rule import SMALL_COUNT_MAX
from bot.catalog.model import Product
from bot.events import Comment, Lang
from bot.language.detect import VI_WORDS, detect_language
from bot.language.templates import join_names
from bot.language.text import clean_comment, fold, is_cjk, words

_NAME_DROP = re.compile(r"[\d#@]+")
# An e-mail address or a web address in a nickname is personal data or an ad: never said aloud.
_NAME_CONTACT = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b", re.I)
_GENERIC_NAME = {"vi": "bạn", "zh": "亲", "en": "friend"}
_MASKED = re.compile(r"\*{2,}")  # how platforms mask a hidden nickname
_MASKED_ADDRESS = {"vi": "bạn", "zh": "朋友", "en": "friend"}
# "… và 2 bạn nữa"; past the guard's small-count allowance a count is not backed, so it is not said.
_OTHERS = {"vi": ("{n} bạn nữa", "nhiều bạn nữa"), "zh": ("另外{n}位朋友", "其他朋友们"),
           "en": ("{n} others", "many others")}
_ONLY_OTHERS = {"vi": ("{n} bạn", "các bạn"), "zh": ("{n}位朋友", "大家"), "en": ("{n} of you", "everyone")}


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


def short_name(product: Product, lang: Lang) -> str:
    """What a seller calls the product in a quick answer: the shortest alias in `lang` that is still two
    syllables ("áo đỏ" for "Áo thun đỏ basic", "牛仔裤" for "阔腿牛仔裤"), else `display_name`."""
    full = display_name(product, lang)

    def length(name: str) -> int:
        return sum(1 for ch in name if is_cjk(ch)) if lang == "zh" else len(name.split())

    if lang == "zh":
        candidates = [a for a in product.aliases if a and all(is_cjk(ch) for ch in a)]
    elif lang == "vi":  # with its accents, so espeak reads it right
        candidates = [a for a in product.aliases if not a.isascii() and detect_language(a) == "vi"]
    else:
        candidates = [a for a in product.aliases if a.isascii() and words(fold(a))
                      and not all(t in VI_WORDS for t in words(fold(a)))]
    least = 1 if lang == "en" else 2  # "the sunglasses" is clear; one Vietnamese or Chinese syllable is not
    candidates = [a for a in candidates if length(a) >= least and length(a) < length(full)]
    return min(candidates, key=length) if candidates else full


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


def address_many(names: list[str], others: int, lang: Lang) -> str:
    """'Lan, Tuấn và 2 bạn nữa' / 'Lan、Tuấn和另外2位朋友' / 'Lan, Tuấn and 2 others'."""
    if others <= 0:
        return join_names(names, lang)
    counted, crowd = (_OTHERS if names else _ONLY_OTHERS)[lang]
    rest = counted.format(n=others) if others <= SMALL_COUNT_MAX else crowd
    return join_names([*names, rest], lang) if names else rest
