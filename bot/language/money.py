"""Money in digits for captions ("249.000đ", "¥59", "$12.99") and in words for the voice.

num2words covers Vietnamese and English; it has no Chinese, so Chinese numerals are written
here (a small, closed rule set: 万/亿 groups, 零 for gaps, 两 is not used for prices).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from num2words import num2words

from bot.events import Lang

# Written (caption) form: symbol, where it goes, thousands separator, decimal mark, decimals.
_WRITTEN: dict[str, tuple[str, str, str, str, int]] = {
    "VND": ("đ", "suffix", ".", ",", 0),
    "CNY": ("¥", "prefix", ",", ".", 2),
    "RMB": ("¥", "prefix", ",", ".", 2),
    "USD": ("$", "prefix", ",", ".", 2),
    "EUR": ("€", "prefix", ",", ".", 2),
}

# Spoken currency names per language: (major unit, minor unit or "").
_UNIT_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "vi": {"VND": ("đồng", ""), "CNY": ("tệ", "xu"), "RMB": ("tệ", "xu"), "USD": ("đô la", "xu"),
           "EUR": ("euro", "xu")},
    "en": {"VND": ("dong", ""), "CNY": ("yuan", "fen"), "RMB": ("yuan", "fen"), "USD": ("dollars", "cents"),
           "EUR": ("euros", "cents")},
    "zh": {"VND": ("越南盾", ""), "CNY": ("元", "分"), "RMB": ("元", "分"), "USD": ("美元", "美分"),
           "EUR": ("欧元", "欧分")},
}


def _decimals(currency: str) -> int:
    return _WRITTEN.get(currency.upper(), ("", "suffix", ",", ".", 2))[4]


def format_money(amount: Decimal | float | int, currency: str) -> str:
    """Caption form of a price: '249.000đ', '¥59', '$12.99', '12.50 GBP'."""
    cur = currency.upper()
    value = Decimal(str(amount))
    symbol, place, thousands, mark, decimals = _WRITTEN.get(cur, (cur, "suffix_space", ",", ".", 2))
    value = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    whole, _, frac = f"{abs(value):.{decimals}f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", thousands)
    if frac and int(frac) != 0:
        grouped = f"{grouped}{mark}{frac}"
    sign = "-" if value < 0 else ""
    if place == "prefix":
        return f"{sign}{symbol}{grouped}"
    if place == "suffix":
        return f"{sign}{grouped}{symbol}"
    return f"{sign}{grouped} {symbol}"


def parse_money_amount(text: str, currency: str) -> Decimal:
    """Read back the digits of a caption price in `currency` (inverse of format_money's number)."""
    cur = currency.upper()
    _, _, thousands, mark, _ = _WRITTEN.get(cur, (cur, "suffix_space", ",", ".", 2))
    digits = text.replace(thousands, "").replace(mark, ".")
    return Decimal("".join(ch for ch in digits if ch.isdigit() or ch in ".-"))


_ZH_DIGITS = "零一二三四五六七八九"
_ZH_SMALL = ["", "十", "百", "千"]
_ZH_BIG = ["", "万", "亿", "万亿"]


def _zh_under_10000(n: int) -> str:
    out = []
    zero_pending = False
    for pos in range(3, -1, -1):
        d = (n // 10**pos) % 10
        if d == 0:
            if out:
                zero_pending = True
            continue
        if zero_pending:
            out.append("零")
            zero_pending = False
        out.append(_ZH_DIGITS[d] + _ZH_SMALL[pos])
    return "".join(out)


def chinese_number(n: int) -> str:
    """Integer in Chinese numerals: 249000 -> 二十四万九千, 10 -> 十, 105 -> 一百零五."""
    if n == 0:
        return "零"
    if n < 0:
        return "负" + chinese_number(-n)
    groups = []
    while n:
        groups.append(n % 10000)
        n //= 10000
    parts: list[str] = []
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            if parts and not parts[-1].endswith("零"):
                parts.append("零")
            continue
        if parts and g < 1000 and not parts[-1].endswith("零"):
            parts.append("零")
        parts.append(_zh_under_10000(g) + _ZH_BIG[i])
    text = "".join(parts).rstrip("零")
    # 一十X reads as 十X at the start of a number.
    return text[1:] if text.startswith("一十") else text


def number_in_words(n: int, lang: Lang) -> str:
    if lang == "zh":
        return chinese_number(n)
    return num2words(n, lang=lang)


def money_in_words(amount: Decimal | float | int, currency: str, lang: Lang) -> str:
    """Spoken form of a price in the viewer's language: 'hai trăm bốn mươi chín nghìn đồng'."""
    cur = currency.upper()
    value = Decimal(str(amount)).quantize(Decimal(1).scaleb(-_decimals(cur)), rounding=ROUND_HALF_UP)
    whole = int(value)
    minor = int((value - whole) * 100) if _decimals(cur) else 0
    major_word, minor_word = _UNIT_WORDS.get(lang, _UNIT_WORDS["en"]).get(cur, (cur, ""))
    sep = "" if lang == "zh" else " "
    text = f"{number_in_words(whole, lang)}{sep}{major_word}"
    if minor and lang == "zh" and cur in ("CNY", "RMB"):
        # 角 and 分, not "九十分": ¥59.90 is 五十九元九角, ¥59.05 五十九元零五分.
        jiao, fen = divmod(minor, 10)
        return text + (f"{_ZH_DIGITS[jiao]}角" if jiao else "零") + (f"{_ZH_DIGITS[fen]}分" if fen else "")
    if minor and minor_word:
        joiner = "" if lang == "zh" else (" and " if lang == "en" else " ")
        text += f"{joiner}{number_in_words(minor, lang)}{sep}{minor_word}"
    return text
