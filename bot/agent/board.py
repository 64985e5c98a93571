"""The on-screen answer board: compact catalog facts for one question, no viewer name
("Áo thun đỏ basic · 199.000đ · còn size M", "Chân váy xếp ly · hết hàng → Váy hoa nhí").

Words are fixed per language (a board is read at a glance, not spoken); every figure is a catalog
field, phrased so the guard reads it as the fact it is: a stock count says "còn 12 cái", and a size never
sits where a count would ("38 in stock" reads as a stock of 38, so it is "size 38 available").
"""

from __future__ import annotations

from bot.agent.clauses import PRODUCT_INTENTS, sayable_size, sizes_text
from bot.agent.names import display_name
from bot.catalog.model import Catalog, Product
from bot.catalog.sizes import asks_about_size, product_sizes
from bot.events import Lang
from bot.frames import Question
from bot.language.money import format_money

_WORDS: dict[Lang, dict[str, str]] = {
    "vi": {"sold_out": "hết hàng", "left": "còn {stock} cái", "in_stock": "còn hàng", "size": "còn size {size}",
           "no_size": "không có size {size}", "only": "chỉ có size {sizes}", "sizes": "size {sizes}",
           "one_size": "freesize", "code": "mã {voucher}"},
    "zh": {"sold_out": "已售罄", "left": "还有{stock}件", "in_stock": "有货", "size": "有{size}码",
           "no_size": "没有{size}码", "only": "尺码{sizes}", "sizes": "尺码{sizes}", "one_size": "均码",
           "code": "优惠码{voucher}"},
    "en": {"sold_out": "sold out", "left": "{stock} left", "in_stock": "in stock", "size": "size {size} available",
           "no_size": "no {size}", "only": "sizes {sizes}", "sizes": "sizes {sizes}", "one_size": "one size",
           "code": "code {voucher}"},
}
_DOT, _BETWEEN, _ARROW = " · ", " | ", " → "


def _title(name: str) -> str:
    return name[:1].upper() + name[1:]


def board_line(question: Question, catalog: Catalog) -> str | None:
    """Compact facts for the products the question names; None when the catalog cannot answer it."""
    q = question
    if q.hostile or q.intent in ("greeting", "human_check"):
        return None
    products = q.products[:2]
    if not products and q.intent == "promo" and q.current_product is not None:
        products = [q.current_product]
    if not products:
        return None
    asked = [i for i in q.asked if i in PRODUCT_INTENTS] or ["other"]
    sizes_asked = q.size is not None or asks_about_size(q.comment.text)
    return _BETWEEN.join(_product_facts(p, asked, sizes_asked, q, catalog) for p in products)


def _product_facts(p: Product, asked: list[str], sizes_asked: bool, q: Question, catalog: Catalog) -> str:
    words = _WORDS[q.lang]
    name = _title(display_name(p, q.lang))
    if not p.in_stock:
        alternative = catalog.alternative_for(p)
        line = f"{name}{_DOT}{words['sold_out']}"
        return f"{line}{_ARROW}{_title(display_name(alternative, q.lang))}" if alternative else line
    parts = [name, format_money(p.selling_price, p.currency)]
    chart = product_sizes(p)
    if sizes_asked and chart and any(i in ("stock", "spec", "buy") for i in asked):
        size = q.size
        if chart.one_size:
            parts.append(words["one_size"])
        elif size is not None and chart.has(size):
            parts.append(words["size"].format(size=size))
        elif size is not None:
            said = sayable_size(size, chart)
            if said is not None:
                parts.append(words["no_size"].format(size=said))
            parts.append(words["only"].format(sizes=sizes_text(chart, q.lang)))
        else:
            parts.append(words["sizes"].format(sizes=sizes_text(chart, q.lang)))
    if "stock" in asked:
        parts.append(words["in_stock"] if p.stock is None else words["left"].format(stock=p.stock))
    if "promo" in asked and p.voucher:
        parts.append(words["code"].format(voucher=p.voucher))
    return _DOT.join(parts)
