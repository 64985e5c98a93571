"""Prices said the way live sellers say them (issue #14): "một trăm chín chín nghìn", "五十九块九",
"twelve ninety-nine". Captions keep the written price; only the voice is shortened.

The short form is used only where it cannot be misheard; otherwise the full form is said
(`money_in_words`). Styles come from the `money:` section of prompts/lexicon.yaml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from num2words import num2words

from bot.events import LANGS, Lang
from bot.language.money import chinese_number, money_in_words
from bot.prompts.book import PromptFileError, PromptProblem

STYLES = ("short", "full")
# How "nghìn" is said in the short Vietnamese form: Northern, Southern, or the sellers' "k" ("ca").
THOUSAND_WORDS = {"nghìn": "nghìn", "ngàn": "ngàn", "k": "ca"}


@dataclass(frozen=True, slots=True)
class MoneyStyle:
    """How one language says prices: `short` (seller style) or `full`; Vietnamese thousand word."""

    style: str = "full"
    thousand: str = "nghìn"


FULL = MoneyStyle()

# ---- Vietnamese ------------------------------------------------------------------------------
# "chín mươi chín" -> "chín chín": sellers drop "mươi" between two non-zero digits. With a zero
# after it ("hai mươi") or a zero ten ("lẻ năm") nothing is dropped: "một trăm hai" would be 120
# heard as a shortened 120 or 102, so those stay full.
_VI_MUOI = re.compile(r"\b(hai|ba|bốn|năm|sáu|bảy|tám|chín) mươi (mốt|hai|ba|bốn|tư|lăm|sáu|bảy|tám|chín)\b")
_VI_DIGITS = "không một hai ba bốn năm sáu bảy tám chín".split()


def _vi_group(n: int, after_higher: bool) -> str:
    # num2words says 1.025.000 as "một triệu hai mươi lăm nghìn" (no "không trăm"), which a
    # listener can take for 1.250.000 once "mươi" is dropped; the group after a higher one keeps
    # its hundreds: "không trăm hai lăm", "không trăm lẻ năm".
    if after_higher and n < 100:
        rest = f"lẻ {_VI_DIGITS[n]}" if n < 10 else num2words(n, lang="vi")
        return _VI_MUOI.sub(r"\1 \2", f"không trăm {rest}")
    return _VI_MUOI.sub(r"\1 \2", num2words(n, lang="vi"))


def vi_short_thousands(thousands: int, style: MoneyStyle) -> str | None:
    """A count of thousands (199 for 199.000) in the seller's short form; None above 999 triệu."""
    if not 0 < thousands < 1_000_000:
        return None
    millions, rest = divmod(thousands, 1000)
    parts: list[str] = []
    if millions:
        parts.append(f"{_vi_group(millions, False)} triệu")
    if rest:
        words = _vi_group(rest, bool(millions))
        if style.thousand == "k" and not millions and words.startswith("một trăm"):
            words = words.removeprefix("một ")  # "trăm chín chín ca": the "k" style drops the leading one
        parts.append(f"{words} {THOUSAND_WORDS[style.thousand]}")
    return " ".join(parts)


def _vi(value: Decimal, currency: str, style: MoneyStyle) -> str | None:
    # Only whole thousands of đồng are shortened (and "đồng" dropped); 199.500đ is said in full.
    if currency != "VND" or value != value.to_integral_value() or int(value) % 1000:
        return None
    return vi_short_thousands(int(value) // 1000, style)


# ---- Chinese ---------------------------------------------------------------------------------
_ZH_DIGITS = "零一二三四五六七八九"


def zh_spoken_number(n: int) -> str:
    """Chinese numerals as said aloud: 两 for a leading 2 before a unit (两百, 两千, 两万) and for 2."""
    text = chinese_number(n)
    if n == 2:
        return "两"
    return "两" + text[1:] if re.match(r"二[百千万亿]", text) else text


def _zh(value: Decimal, currency: str) -> str | None:
    whole = int(value)
    cents = int((value - whole) * 100)
    if currency in ("CNY", "RMB"):
        jiao, fen = divmod(cents, 10)
        yuan = f"{zh_spoken_number(whole)}块" if whole or not cents else ""
        if not cents:
            return yuan
        if not fen:
            # "五十九块九": the 毛 after 块 is dropped; alone it stays ("九毛").
            return f"{yuan}{_ZH_DIGITS[jiao]}" if yuan else f"{zh_spoken_number(jiao)}毛"
        if not jiao:
            return f"{yuan}零{_ZH_DIGITS[fen]}分" if yuan else f"{zh_spoken_number(fen)}分"
        return f"{yuan}{zh_spoken_number(jiao)}毛{_ZH_DIGITS[fen]}"
    unit = {"VND": "越南盾", "USD": "美元", "EUR": "欧元"}.get(currency)
    if unit is None:
        return None
    # 199.000đ stays 十九万九千越南盾, not 十九万九: before an explicit currency the clipped 万九
    # sounds cut off and can be parsed as 十九万 + 九…, and it saves only one syllable of nine.
    decimals = f"点{''.join(_ZH_DIGITS[int(d)] for d in f'{cents:02d}'.rstrip('0'))}" if cents else ""
    return f"{zh_spoken_number(whole)}{decimals}{unit}"



# ---- English ---------------------------------------------------------------------------------
def en_number(n: int) -> str:
    """American reading without "and" or commas: 'one hundred ninety-nine thousand'."""
    return num2words(n, lang="en").replace(",", "").replace(" and ", " ")


_EN_UNITS = {"USD": ("dollar", "dollars"), "EUR": ("euro", "euros"), "CNY": ("yuan", "yuan"),
             "RMB": ("yuan", "yuan"), "VND": ("dong", "dong")}


def _en(value: Decimal, currency: str) -> str | None:
    units = _EN_UNITS.get(currency)
    if units is None:
        return None
    whole = int(value)
    cents = int((value - whole) * 100)
    major = units[0] if whole == 1 else units[1]
    if not cents:
        return f"{en_number(whole)} {major}"
    if whole >= 1000:
        return None  # "one thousand two hundred ninety-nine ninety-nine" runs together: say it in full
    cents_words = f"oh {en_number(cents)}" if cents < 10 else en_number(cents)
    if not whole:
        return f"{en_number(cents)} {'cent' if cents == 1 else 'cents'}" if currency in ("USD", "EUR") else None
    # "$12.99" is "twelve ninety-nine" in a US room; other currencies keep their name in the middle.
    return f"{en_number(whole)} {cents_words}" if currency == "USD" else f"{en_number(whole)} {major} {cents_words}"


def spoken_money(amount: Decimal | float | int, currency: str, lang: Lang, style: MoneyStyle = FULL) -> str:
    """A price in words for the voice, in `style`; the full form where the short one is ambiguous."""
    cur = currency.upper()
    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if style.style == "short" and value >= 0:
        short = {"vi": lambda: _vi(value, cur, style), "zh": lambda: _zh(value, cur),
                 "en": lambda: _en(value, cur)}[lang]()
        if short:
            return short
    return money_in_words(amount, currency, lang)


def validate_money(data: Any, file: str, line_of: Any) -> dict[str, MoneyStyle]:
    """The lexicon's `money:` section: {lang: {style: short|full, thousand: nghìn|ngàn|k}}."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PromptFileError(PromptProblem(file, line_of(("money",)), "money: expected language: {style: ...}"))
    out: dict[str, MoneyStyle] = {}
    for lang, spec in data.items():
        lang = str(lang)
        where = line_of(("money", lang))
        if lang not in LANGS:
            raise PromptFileError(PromptProblem(file, where, f"money: unknown language {lang!r}; use one of "
                                                             f"{', '.join(LANGS)}"))
        if spec is None:
            continue
        if not isinstance(spec, dict):
            raise PromptFileError(PromptProblem(file, where, f"money.{lang}: expected style: short|full"))
        for key, value in spec.items():
            at = line_of(("money", lang, str(key)))
            if key == "style" and value not in STYLES:
                raise PromptFileError(PromptProblem(file, at, f"money.{lang}.style: {value!r} is not short or full"))
            if key == "thousand" and (lang != "vi" or value not in THOUSAND_WORDS):
                raise PromptFileError(PromptProblem(
                    file, at, f"money.{lang}.thousand: only vi has one, and it is nghìn, ngàn or k"))
            if key not in ("style", "thousand"):
                raise PromptFileError(PromptProblem(file, at, f"money.{lang}: unknown key {key!r} (style, thousand)"))
        out[lang] = MoneyStyle(str(spec.get("style", "full")), str(spec.get("thousand", "nghìn")))
    return out
