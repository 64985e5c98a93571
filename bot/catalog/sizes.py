"""Sizes: the ones a product comes in (catalog `sizes` column, else its description) and the one a
comment names ("sz M", "size 38", "M码", "in XL").

Descriptions are written by sellers in any of the three languages ("size S M L XL", "size 36 đến 43",
"sizes 26 to 32", "有S M L码", "一 size vừa mọi người", "均码"); the column, when present, wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.catalog.model import Product
from bot.language.text import fold

# Letter sizes from smallest to largest; "2XL" is spelt "XXL" so both forms compare equal.
LETTER_SIZES = ("XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL", "XXXXL")
_LETTER_ALIASES = {"2XL": "XXL", "3XL": "XXXL", "4XL": "XXXXL", "2XS": "XXS"}
_LETTER = r"(?:xxxxl|xxxl|xxl|xxs|xs|xl|[2-4]xl|2xs|s|m|l)"
_NUMBER = r"(?:\d{1,3}(?:[.,]5)?)"
_ONE_SIZE = re.compile(
    r"(?<![^\W_])(?:one size|free ?size|onesize|mot size|1 size|size chung)(?![^\W_])|均码|均碼|单一尺码")
_RANGE = re.compile(rf"(?P<lo>{_NUMBER})\s*(?:den|toi|-|–|~|to|到|至)\s*(?P<hi>{_NUMBER})")
# A list of sizes after a size word, or before 码 ("有S M L XL码").
_AFTER_WORD = re.compile(
    rf"(?<![^\W_])(?:sizes?|sz|kich co|尺码|尺寸|码数|码)\s*[:：]?\s*"
    rf"(?P<list>(?:(?:{_LETTER}|{_NUMBER})(?![^\W_\d])[\s,/|、]*(?:va |and |和)?)+)")
_BEFORE_MA = re.compile(rf"(?P<list>(?:(?:{_LETTER}|{_NUMBER})[\s,/|、]*)+)码")
_TOKEN = re.compile(rf"{_LETTER}(?![a-z])|{_NUMBER}", re.I)

# A size a viewer names: after a size word, before 码, or English "in XL" (capitals, to skip "in s…").
_ASKED_AFTER = re.compile(
    rf"(?<![^\W_])(?:size|sz|siz)(?:\s*[:：]\s*|\s+|(?=\d))(?P<size>{_LETTER}|{_NUMBER})(?![^\W_\d])")
_ASKED_BEFORE = re.compile(rf"(?<![a-z\d])(?P<size>{_LETTER}|{_NUMBER})\s*码")
_ASKED_IN = re.compile(r"\b(?:in|an)\s+(?:size\s+)?(?P<size>XXXL|XXL|XXS|XS|XL|[2-4]XL|S|M|L)\b")
_ASKS_SIZE = re.compile(r"(?<![^\W_])(?:sizes?|sz|siz|kich co|kich thuoc|what size)(?![^\W_])|尺码|码")


def normalize_size(raw: str) -> str:
    """'m' -> 'M', '2xl' -> 'XXL', '38' -> '38', '38,5' -> '38.5'."""
    token = raw.strip().upper().replace(",", ".")
    return _LETTER_ALIASES.get(token, token)


@dataclass(frozen=True, slots=True)
class SizeChart:
    """The sizes a product comes in, in catalog order; `one_size` for free-size items."""

    values: tuple[str, ...] = ()
    one_size: bool = False

    def __bool__(self) -> bool:
        return bool(self.values) or self.one_size

    def has(self, size: str) -> bool:
        """Whether the product comes in `size` (a one-size item fits every asked size)."""
        return self.one_size or normalize_size(size) in self.values

    def numbers(self) -> list[str]:
        """The numeric sizes (what the guard must know to let '38' be said)."""
        return [v for v in self.values if v.replace(".", "", 1).isdigit()]

    def span(self) -> tuple[str, str] | None:
        """(first, last) for a run of whole-number sizes long enough to say as a range."""
        nums = self.numbers()
        if len(nums) < 4 or len(nums) != len(self.values) or not all(n.isdigit() for n in nums):
            return None
        ints = [int(n) for n in nums]
        return (nums[0], nums[-1]) if ints == list(range(ints[0], ints[-1] + 1)) else None


def _expand(text: str) -> list[str]:
    """Size tokens of a list ("S M L XL", "26 đến 32"), a range expanded to whole numbers."""
    folded = fold(text)
    out: list[str] = []
    for part in re.split(r"[,/|、]|\s+(?:va|and|和)\s+", folded):
        m = _RANGE.search(part)
        if m and m["lo"].isdigit() and m["hi"].isdigit() and 0 < int(m["hi"]) - int(m["lo"]) <= 30:
            out.extend(str(n) for n in range(int(m["lo"]), int(m["hi"]) + 1))
            continue
        out.extend(normalize_size(t) for t in _TOKEN.findall(part))
    return list(dict.fromkeys(out))


def parse_sizes(text: str) -> SizeChart:
    """Sizes written in free text (a description); empty when it names none."""
    folded = fold(text)
    if _ONE_SIZE.search(folded):
        return SizeChart(one_size=True)
    for m in re.finditer(rf"(?<![^\W_])(?:sizes?|sz|尺码|码)\s*(?P<lo>{_NUMBER})\s*(?:den|toi|-|–|~|to|到|至)"
                         rf"\s*(?P<hi>{_NUMBER})", folded):
        values = _expand(f"{m['lo']}-{m['hi']}")
        if values:
            return SizeChart(tuple(values))
    for pattern in (_AFTER_WORD, _BEFORE_MA):
        m = pattern.search(folded)
        if m:
            values = _expand(m["list"])
            if values:
                return SizeChart(tuple(values))
    return SizeChart()


def product_sizes(product: Product) -> SizeChart:
    """The sizes `product` comes in: its `sizes` column, else what its descriptions say."""
    column = product.extra.get("sizes", "").strip()
    if column:
        if _ONE_SIZE.search(fold(column)):
            return SizeChart(one_size=True)
        values = _expand(column)
        if values:
            return SizeChart(tuple(values))
    texts = [product.description, *(v for k, v in product.extra.items() if k.startswith("description_"))]
    for text in texts:
        chart = parse_sizes(text)
        if chart:
            return chart
    return SizeChart()


def asked_size(text: str) -> str | None:
    """The size a comment names ('sz M còn k' -> 'M', '碎花裙还有M码吗' -> 'M', 'in XL' -> 'XL')."""
    in_english = _ASKED_IN.search(text)
    folded = fold(text)
    for pattern in (_ASKED_AFTER, _ASKED_BEFORE):
        m = pattern.search(folded)
        if m:
            return normalize_size(m["size"])
    return normalize_size(in_english["size"]) if in_english else None


def asks_about_size(text: str) -> bool:
    """Whether the comment is about sizes at all ('có size gì', 'what sizes', '有什么尺码')."""
    return _ASKS_SIZE.search(fold(text)) is not None or asked_size(text) is not None
