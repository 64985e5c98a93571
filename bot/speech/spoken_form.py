"""Written captions to what the voice says: prices, percentages, numbers and units in words,
lexicon replacements, no emoji, no URLs (DESIGN §2.5: captions keep digits, the voice does not)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import InvalidOperation

from bot.events import Lang
from bot.language.money import number_in_words, parse_money_amount
from bot.speech.lexicon import Lexicon
from bot.speech.spoken_money import FULL, MoneyStyle, spoken_money, vi_short_thousands

_DEFAULT_LEXICON: Lexicon | None = None

_URL = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|net|org|vn|cn|io|co|shop|me|ly|app|xyz|info|biz)\b(?:/\S*)?",
    re.IGNORECASE,
)
# Numbers: VND-style groups "1.250.000" (and decimal comma), or "1,250,000.50" for other money.
_DOT_GROUPED = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_COMMA_GROUPED = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM = r"(?<!\d)(?<!\d[.,])"
_VND_SUFFIX = re.compile(_NUM + rf"({_DOT_GROUPED})\s?(?:₫|đồng|(?i:vnđ|vnd|đ))(?![^\W\d_])")
_PREFIX_MONEY = re.compile(rf"(US\$|\$|¥|￥|€)\s?({_COMMA_GROUPED})")
_SUFFIX_MONEY = re.compile(_NUM + rf"({_COMMA_GROUPED})\s?(USD|CNY|RMB|EUR|元|块|美元|欧元)(?![^\W\d_])")
_PREFIX_CURRENCY = {"US$": "USD", "$": "USD", "¥": "CNY", "￥": "CNY", "€": "EUR"}
_SUFFIX_CURRENCY = {"USD": "USD", "CNY": "CNY", "RMB": "CNY", "EUR": "EUR", "元": "CNY", "块": "CNY",
                    "美元": "USD", "欧元": "EUR"}
_PERCENT = re.compile(_NUM + r"(\d+(?:[.,]\d+)?)\s?%")
_THOUSANDS_K = re.compile(_NUM + r"(\d+)\s?[kK](?![^\W\d_])")
_TIMES = re.compile(r"(?<=\d)\s?[x×]\s?(?=\d)")
_DIGIT_STRING = re.compile(r"(?<!\d)(?<!\d[.,])(0\d{2,}|\d{9,})(?![\d])")  # phone numbers, codes
_NUMBER = {
    # Per language: thousands-grouped integers and decimal numbers as written there.
    "vi": re.compile(_NUM + r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\d])"),
    "en": re.compile(_NUM + r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])"),
    "zh": re.compile(_NUM + r"(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\d])"),
}
_POINT = {"vi": "phẩy", "en": "point", "zh": "点"}
_PERCENT_WORDS: dict[str, Callable[[str], str]] = {
    "vi": lambda n: f"{n} phần trăm",
    "en": lambda n: f"{n} percent",
    "zh": lambda n: f"百分之{n}",
}
_TIMES_WORD = {"vi": " nhân ", "en": " by ", "zh": "乘"}
_AND_WORD = {"vi": " và ", "en": " and ", "zh": "和"}
_DIGIT_WORD = {
    "vi": "không một hai ba bốn năm sáu bảy tám chín".split(),
    "en": "zero one two three four five six seven eight nine".split(),
    "zh": list("零一二三四五六七八九"),
}
# Symbols the voice must not read out ("hash", "star"…); currency symbols left over go too.
_DROP_CHARS = set("#*@_|\\/^`<>[]{}~=+")
_CJK = r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"


def default_lexicon() -> Lexicon:
    """The bundled prompts/lexicon.yaml, shared (it still reloads when edited)."""
    global _DEFAULT_LEXICON
    if _DEFAULT_LEXICON is None:
        _DEFAULT_LEXICON = Lexicon()
    return _DEFAULT_LEXICON


def _join(lang: Lang, *parts: str) -> str:
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


def _digits(digits: str, lang: Lang) -> str:
    return _join(lang, *(_DIGIT_WORD[lang][int(d)] for d in digits))


def number_words(whole: str, frac: str | None, lang: Lang) -> str:
    """A written number (digits only, no grouping) in words, with its decimal part if any."""
    text = number_in_words(int(whole), lang)
    if not frac:
        return text
    if lang == "vi" and not frac.startswith("0"):
        # Vietnamese reads "1,5" as "một phẩy năm", "2,25" as "hai phẩy hai mươi lăm".
        return _join(lang, text, _POINT[lang], number_in_words(int(frac), lang))
    return _join(lang, text, _POINT[lang], _digits(frac, lang))


def _money(amount_text: str, currency: str, lang: Lang, style: MoneyStyle) -> str | None:
    try:
        amount = parse_money_amount(amount_text, currency)
    except InvalidOperation:
        return None
    return spoken_money(amount, currency, lang, style)


def _sub_money(text: str, lang: Lang, style: MoneyStyle) -> str:
    def vnd(m: re.Match[str]) -> str:
        return f" {_money(m.group(1), 'VND', lang, style) or m.group(0)} "

    def prefix(m: re.Match[str]) -> str:
        return f" {_money(m.group(2), _PREFIX_CURRENCY[m.group(1)], lang, style) or m.group(0)} "

    def suffix(m: re.Match[str]) -> str:
        return f" {_money(m.group(1), _SUFFIX_CURRENCY[m.group(2)], lang, style) or m.group(0)} "

    text = _VND_SUFFIX.sub(vnd, text)
    text = _PREFIX_MONEY.sub(prefix, text)
    return _SUFFIX_MONEY.sub(suffix, text)


def _sub_numbers(text: str, lang: Lang, style: MoneyStyle = FULL) -> str:
    def percent(m: re.Match[str]) -> str:
        whole, _, frac = m.group(1).replace(",", ".").partition(".")
        return f" {_PERCENT_WORDS[lang](number_words(whole, frac or None, lang))} "

    def thousands(m: re.Match[str]) -> str:
        # Sellers write "249k" for 249.000: a Vietnamese price in the short style, else the full number.
        short = vi_short_thousands(int(m.group(1)), style) if lang == "vi" and style.style == "short" else None
        return f" {short or number_in_words(int(m.group(1)) * 1000, lang)} "

    def number(m: re.Match[str]) -> str:
        whole = m.group(1).replace(".", "").replace(",", "")
        return f" {number_words(whole, m.group(2), lang)} "

    text = _PERCENT.sub(percent, text)
    text = _THOUSANDS_K.sub(thousands, text)
    text = _TIMES.sub(_TIMES_WORD[lang], text)
    text = _DIGIT_STRING.sub(lambda m: f" {_digits(m.group(1), lang)} ", text)
    return _NUMBER[lang].sub(number, text)


def _strip_symbols(text: str) -> str:
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in _DROP_CHARS or cat in ("So", "Sk", "Sc", "Cs", "Co", "Cn") or cat == "Cf":
            out.append(" ")
        elif cat == "Mn" and (0xFE00 <= ord(ch) <= 0xFE0F or ord(ch) == 0x20E3):
            continue  # emoji variation selectors and keycap marks
        else:
            out.append(ch)
    return "".join(out)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.!?;:…，。！？；：、])", r"\1", text)
    text = re.sub(rf"(?<={_CJK}) (?={_CJK})", "", text)
    text = re.sub(r"([,.!?;:])(?:\s*[,.;:])+", r"\1", text)  # "đẹp, ," after a dropped URL
    return text.strip(" ,;:")


def to_spoken(text: str, lang: Lang, lexicon: Lexicon | None = None) -> str:
    """What the voice must say for a written caption in `lang` (None: the bundled lexicon)."""
    lexicon = lexicon if lexicon is not None else default_lexicon()
    text = unicodedata.normalize("NFC", text)
    text = _URL.sub(" ", text)
    style = lexicon.money_style(lang)
    text = _sub_money(text, lang, style)
    text = text.replace("&", _AND_WORD[lang])
    text = lexicon.apply(text, lang)
    text = _sub_numbers(text, lang, style)
    text = _strip_symbols(text)
    return _tidy(text)
