"""Reads the figures a sentence states: money, percentages, Chinese discounts (八折), stock counts,
plain numbers and voucher-like codes, in Vietnamese, Chinese and English written forms.

Figures are read before TTS normalisation, so prices are in digits ("249.000đ", "¥59", "$12.99")
or in the short spoken-written forms viewers and models use ("249k", "249 nghìn", "1tr5",
"五十九元", "2万").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

FigureKind = Literal["money", "percent", "fold", "stock", "number"]


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure as stated: its kind, amount, currency (money only) and the text it came from."""

    kind: FigureKind
    value: Decimal
    text: str
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class CodeMention:
    """A token that reads like a voucher or promo code ("SALE50", "mã GIAM20")."""

    code: str
    after_keyword: bool


# --- number tokens ------------------------------------------------------------------------------

_ZH_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿"
_ZH_NUM_SET = frozenset(_ZH_NUM_CHARS)
_ZH_STOCK_HINT = frozenset("剩库还只")
WORD_UNIT_HINT = re.compile(r"(?i)phần trăm|percent|per cent|đồng|dollar|bucks|yuan|tệ|đô")
_ZH_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}
_ZH_UNIT = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10_000, "亿": 100_000_000}


def chinese_numeral_value(text: str) -> int | None:
    """Value of a Chinese numeral run: 五十九 -> 59, 两百 -> 200, 二十四万九千 -> 249000, 八五 -> 85."""
    if not text or any(ch not in _ZH_NUM_CHARS for ch in text):
        return None
    if not any(ch in _ZH_DIGIT or ch == "十" for ch in text):
        return None  # 万 / 千 alone are words here, not numbers
    if not any(ch in _ZH_UNIT or ch in _ZH_BIG for ch in text):
        # Digit-by-digit reading ("八五折" = 85, "二零" = 20).
        return int("".join(str(_ZH_DIGIT[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _ZH_DIGIT:
            digit = _ZH_DIGIT[ch]
        elif ch in _ZH_UNIT:
            section += (1 if digit is None else digit) * _ZH_UNIT[ch]
            digit = None
        else:  # 万 / 亿 close a section
            section += digit or 0
            total = (total + section) * _ZH_BIG[ch] if ch == "亿" else total + section * _ZH_BIG[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


# Digits with thousands/decimal separators; not glued to a letter before (so "SKU-1"'s letters,
# "iPhone15" and codes are left to the code reader).
_LATIN = "A-Za-zÀ-ỹ"
_NUM = rf"(?<![{_LATIN}\d_.,])(?P<num>\d+(?:[.,]\d+)*)"
_ZH_NUM = rf"(?P<zh>[{_ZH_NUM_CHARS}]+)"
_END = rf"(?![{_LATIN}])"  # a Latin unit ends the word: "3 để" is not "3đ"

_MULT_VI = r"(?P<mult>k|K|nghìn|ngàn|nghin|ngan|tr|triệu|trieu|củ)"
_ZH_MULT = r"(?P<zhmult>千|万|萬|亿)"

_MONEY_PREFIX = r"(?P<pre>US\$|\$|¥|￥|€|RMB\s?|CNY\s?|USD\s?|VND\s?)"
_MONEY_SUFFIX_WORD = (r"(?P<suf>đ|₫|vnđ|vnd|đồng|dong|元|块|塊|圆|yuan|rmb|RMB|CNY|USD|usd|dollars?|bucks|"
                      r"đô(?:\s?la)?|tệ|nhân dân tệ|euros?|EUR|VND|VNĐ)")
_PERCENT = r"(?P<pct>%|％|\s?phần trăm|\s?phan tram|\s?percent|\s?per cent)"

_CURRENCY_OF = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "đô": "USD",
    "đô la": "USD", "đôla": "USD",
    "¥": "CNY", "￥": "CNY", "rmb": "CNY", "cny": "CNY", "元": "CNY", "块": "CNY", "塊": "CNY", "圆": "CNY",
    "yuan": "CNY", "tệ": "CNY", "nhân dân tệ": "CNY",
    "đ": "VND", "₫": "VND", "vnđ": "VND", "vnd": "VND", "đồng": "VND", "dong": "VND",
    "€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR",
}
_MULT_OF = {"k": 1000, "nghìn": 1000, "ngàn": 1000, "nghin": 1000, "ngan": 1000, "tr": 1_000_000,
            "triệu": 1_000_000, "trieu": 1_000_000, "củ": 1_000_000, "千": 1000, "万": 10_000, "萬": 10_000,
            "亿": 100_000_000}

# "1tr5" = 1.5 triệu, "2tr2" = 2.2 triệu (a common written shorthand).
_TR_SHORT = re.compile(rf"(?<![{_LATIN}\d_.,])(?P<a>\d+)\s?tr(?P<b>\d)(?!\d)")
# Prefix currency: "$12.99", "¥59", "RMB 59".
_PREFIXED = re.compile(_MONEY_PREFIX + r"\s?(?P<num>\d+(?:[.,]\d+)*)" + rf"(?:\s?{_ZH_MULT})?")
# Digits with a unit after them (money, multiplier, percent, 折).
_SUFFIXED = re.compile(
    _NUM + r"(?:\s?(?:" + _MULT_VI + r"|" + _ZH_MULT + r")" + _END + r")?"
    + r"(?:\s?(?:" + _MONEY_SUFFIX_WORD + _END + r"|" + _PERCENT + _END + r"|(?P<fold>折)))?"
)
_ZH_FIGURE = re.compile(
    r"(?P<pct100>百分之)?" + _ZH_NUM + r"(?P<zhunit>元|块|塊|圆|折|件|个|套|双|台|份|%|％)?")

# Stock claims: what is left. The count group is digits or a Chinese numeral.
_COUNT = r"(?P<count>\d+|[零〇一二两三四五六七八九十百千]+)"
_STOCK_PATTERNS = [
    re.compile(r"(?i)\b(?:còn|con|chỉ còn|còn lại|kho còn|tồn kho|chỉ có)\s+(?:đúng\s+|khoảng\s+)?"
               r"(?P<count>\d+)"
               r"\s?(?:cái|chiếc|sản phẩm|sp|bộ|đôi|món|hộp|chai|cây|suất|áo|quần|đơn vị|size)\b"),
    re.compile(r"(?i)\b(?:only\s+|just\s+)?(?P<count>\d+)\s+(?:pieces?\s+|items?\s+|units?\s+|pairs?\s+|sets?\s+)?"
               r"(?:left|in stock|remaining)\b"),
    re.compile(r"(?i)\b(?:last|only)\s+(?P<count>\d+)\s+(?:pieces?|items?|units?|pairs?|sets?)\b"),
    re.compile(r"(?:还剩|只剩|仅剩|剩下|剩余|库存|还有|只有)\s*(?:最后)?" + _COUNT
               + r"\s*(?:件|个|套|双|台|份|条|瓶)?"),
]

_CODE_KEYWORD = re.compile(
    r"(?i)(?:\b(?:mã|ma|code|voucher|coupon|promo code)\b|优惠码|优惠券|券码|折扣码|兑换码)"
    # "mã giảm giá ABC" — but in "mã GIAMSOC" the code itself starts with GIAM, so a connector word
    # must end before the code does.
    r"(?:\s*(?:giảm giá|giảm|giam|là|la|is)(?![A-Za-z0-9])|\s*号码)?\s*[:：]?\s*[\"“'「]?"
    r"(?P<code>[A-Za-z0-9][A-Za-z0-9_-]{2,})"
)
_CODE_STANDALONE = re.compile(
    rf"(?<![{_LATIN}\d_-])(?=[A-Z0-9_-]*\d)(?=[A-Z0-9_-]*[A-Z])[A-Z0-9][A-Z0-9_-]{{3,}}(?![{_LATIN}\d_-])")


def parse_number(raw: str, currency: str | None = None, lang: str | None = None) -> Decimal | None:
    """Digits with separators as a Decimal: '249.000' -> 249000, '1,5' -> 1.5, '$1,299.50' -> 1299.50."""
    if "." in raw and "," in raw:
        mark = "." if raw.rfind(".") > raw.rfind(",") else ","
        thousands = "," if mark == "." else "."
        text = raw.replace(thousands, "").replace(mark, ".")
    else:
        sep = "." if "." in raw else ("," if "," in raw else None)
        if sep is None:
            text = raw
        else:
            parts = raw.split(sep)
            grouped = len(parts) > 2 or len(parts[-1]) == 3
            # A dot before exactly three digits is a thousands mark in VND / Vietnamese text; for
            # dollars and yuan it stays a decimal point unless the groups repeat ("1.250.000").
            if grouped and sep == "." and len(parts) == 2 and currency in ("USD", "CNY", "EUR"):
                grouped = False
            if grouped and sep == "." and len(parts) == 2 and currency is None and lang not in (None, "vi"):
                grouped = False
            text = raw.replace(sep, "") if grouped else raw.replace(sep, ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _unit_currency(unit: str | None) -> str | None:
    if not unit:
        return None
    return _CURRENCY_OF.get(unit.strip().lower()) or _CURRENCY_OF.get(unit.strip())


def read_figures(sentence: str, lang: str | None = None) -> list[Figure]:
    """Every figure the sentence states, each once, classified by the unit around it."""
    figures: list[Figure] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    def add(fig: Figure, span: tuple[int, int]) -> None:
        figures.append(fig)
        taken.append(span)

    has_digit = any("0" <= ch <= "9" for ch in sentence)
    has_zh = any(ch in _ZH_NUM_SET for ch in sentence)
    if WORD_UNIT_HINT.search(sentence):
        figures.extend(_worded_figures(sentence))
    if not has_digit and not has_zh:
        return figures
    if not has_digit:
        patterns: list[re.Pattern[str]] = [_STOCK_PATTERNS[-1]]
    elif has_zh or any(ch in _ZH_STOCK_HINT for ch in sentence):
        patterns = _STOCK_PATTERNS
    else:
        patterns = _STOCK_PATTERNS[:-1]

    for m in _TR_SHORT.finditer(sentence) if "tr" in sentence else ():
        value = Decimal(m["a"]) * 1_000_000 + Decimal(m["b"]) * 100_000
        add(Figure("money", value, m.group(0), "VND"), m.span())

    for pattern in patterns:
        for m in pattern.finditer(sentence):
            count = m["count"]
            value = int(count) if count.isdigit() else chinese_numeral_value(count)
            if value is not None and free(*m.span("count")):
                add(Figure("stock", Decimal(value), m.group(0).strip()), m.span("count"))

    if not has_digit:
        return _chinese_figures(sentence, figures, free, add)
    for m in _PREFIXED.finditer(sentence):
        if not free(*m.span()):
            continue
        currency = _unit_currency(m["pre"])
        value = parse_number(m["num"], currency, lang)
        if value is None:
            continue
        if m["zhmult"]:
            value *= _MULT_OF[m["zhmult"]]
        add(Figure("money", value, m.group(0), currency), m.span())

    for m in _SUFFIXED.finditer(sentence):
        if not free(*m.span()):
            continue
        suffix = m["suf"]
        currency = _unit_currency(suffix)
        value = parse_number(m["num"], currency, lang)
        if value is None:
            continue
        mult = m["mult"] or m["zhmult"]
        if mult:
            value *= _MULT_OF[mult.lower() if mult in ("K",) else mult]
        if m["pct"]:
            add(Figure("percent", value, m.group(0)), m.span())
        elif m["fold"]:
            add(Figure("fold", value / 10 if value >= 10 else value, m.group(0)), m.span())
        elif suffix or mult:
            # A bare multiplier ("249k", "249 nghìn") is money in the sentence's own currency.
            add(Figure("money", value, m.group(0), currency), m.span())
        else:
            add(Figure("number", value, m.group(0)), m.span())

    return _chinese_figures(sentence, figures, free, add) if has_zh else figures


def _chinese_figures(sentence: str, figures: list[Figure], free: Callable[[int, int], bool],
                     add: Callable[[Figure, tuple[int, int]], None]) -> list[Figure]:
    for m in _ZH_FIGURE.finditer(sentence):
        if not free(*m.span()):
            continue
        unit = m["zhunit"]
        if not unit and not m["pct100"]:
            continue  # a lone 一 in 一下 / 一起 is not a figure
        value = chinese_numeral_value(m["zh"])
        if value is None:
            continue
        number = Decimal(value)
        if m["pct100"] or unit in ("%", "％"):
            add(Figure("percent", number, m.group(0)), m.span())
        elif unit == "折":
            add(Figure("fold", number / 10 if number >= 10 else number, m.group(0)), m.span())
        elif unit in ("元", "块", "塊", "圆"):
            add(Figure("money", number, m.group(0), "CNY"), m.span())
        else:
            add(Figure("number", number, m.group(0)), m.span())
    return figures


# Numbers in words followed by a money or percent unit ("năm mươi phần trăm", "fifty percent",
# "hai trăm bốn mươi chín nghìn đồng"): models are told to write digits, but some spell them out.
_VI_WORDS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
             "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_EN_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_EN_WORDS.update({w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})
_SCALES = {"mươi": 10, "trăm": 100, "hundred": 100, "nghìn": 1000, "ngàn": 1000, "thousand": 1000,
           "triệu": 1_000_000, "million": 1_000_000}
_FILLERS = {"linh", "lẻ", "and"}
_WORD_ALT = "|".join(sorted([*_VI_WORDS, *_EN_WORDS, *_SCALES, *_FILLERS], key=len, reverse=True))
_WORDED = re.compile(
    rf"(?i)(?<![{_LATIN}])(?P<words>(?:{_WORD_ALT})(?:[\s-]+(?:{_WORD_ALT}))*)\s+"
    rf"(?P<unit>phần trăm|percent|per cent|đồng(?!\s+(?:hồ|giá|ý|bộ|phục|nghiệp))|dollars?|bucks|yuan|tệ|đô la|đô)"
    rf"(?![{_LATIN}])")
_WORD_UNIT_CURRENCY = {"đồng": "VND", "dollar": "USD", "dollars": "USD", "bucks": "USD", "đô": "USD", "đô la": "USD",
                       "yuan": "CNY", "tệ": "CNY"}


def words_value(words: str) -> int | None:
    """'hai trăm bốn mươi chín nghìn' -> 249000, 'twenty-nine' -> 29, 'năm mươi' -> 50."""
    total, group, pending = 0, 0, None
    tokens = [t for t in re.split(r"[\s-]+", words.lower()) if t]
    if all(t in _FILLERS or t in _SCALES for t in tokens):
        return None
    for t in tokens:
        if t in _FILLERS:
            continue
        if t in _VI_WORDS or t in _EN_WORDS:
            value = _VI_WORDS.get(t, _EN_WORDS.get(t, 0))
            pending = value if pending is None else pending + value  # "hai mươi lăm", "twenty-nine"
        elif t in ("mươi",):
            group += (pending if pending is not None else 1) * 10
            pending = None
        elif t in ("trăm", "hundred"):
            group += (pending if pending is not None else 1) * 100
            pending = None
        else:  # thousand / million
            total += (group + (pending or 0) or 1) * _SCALES[t]
            group, pending = 0, None
    return total + group + (pending or 0)


def _worded_figures(sentence: str) -> list[Figure]:
    out = []
    for m in _WORDED.finditer(sentence):
        value = words_value(m["words"])
        if value is None:
            continue
        unit = m["unit"].lower()
        if unit in ("phần trăm", "percent", "per cent"):
            out.append(Figure("percent", Decimal(value), m.group(0)))
        else:
            out.append(Figure("money", Decimal(value), m.group(0), _WORD_UNIT_CURRENCY.get(unit)))
    return out


def read_codes(sentence: str) -> list[CodeMention]:
    """Tokens that read like voucher codes: after a code keyword, or CAPS-with-digits anywhere."""
    found: dict[str, CodeMention] = {}
    for m in _CODE_KEYWORD.finditer(sentence):
        code = m["code"]
        if any(ch.isdigit() for ch in code) or (code.isupper() and len(code) >= 3):
            found[code.upper()] = CodeMention(code, True)
    for m in _CODE_STANDALONE.finditer(sentence):
        found.setdefault(m.group(0).upper(), CodeMention(m.group(0), False))
    return list(found.values())
