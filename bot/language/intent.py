"""What a comment asks for (price, stock, spec, promo, …) and whether it is hostile.

Small keyword tables per language over folded text (accents removed, teen-code spelled out),
checked for all three languages at once because live comments mix them. Order matters: the
first intent whose table matches wins (a buyer naming a size is buying, not asking the size).
"""

from __future__ import annotations

import re

from bot.events import Lang
from bot.language.text import expand_teencode, fold

INTENTS = ("price", "stock", "spec", "promo", "greeting", "buy", "human_check", "other")


def _table(*patterns: str) -> re.Pattern[str]:
    # Latin patterns get word boundaries; CJK patterns (no spaces in Chinese) match anywhere.
    parts = [p if any(ord(ch) > 0x2E80 for ch in p) else rf"(?<![^\W_]){p}(?![^\W_])" for p in patterns]
    return re.compile("|".join(f"(?:{p})" for p in parts))


_HUMAN_CHECK = _table(
    r"nguoi that", r"nguoi hay (la )?(may|bot|ai)", r"(la|phai) (bot|robot|may|ai that|ai ha|ai a|ai khong)",
    r"hay (la )?(bot|robot|ai)", r"tri tue nhan tao", r"chatgpt",
    r"real (person|human|people)", r"are you (a |an )?(bot|robot|ai|human|real|person)",
    r"(is this|is it) (a |an )?(bot|ai)",
    r"talking to (a |an )?(bot|ai|human)", r"真人", r"机器人", r"是不是ai", r"是ai", r"人工智能", r"数字人",
)
_BUY = _table(
    r"chot", r"lay (\d+ )?(cai|chiec|doi|bo|size|mau|em|nha|luon)", r"cho (minh|em|toi|tui|chi|anh) lay",
    r"(minh|em|toi|tui) lay", r"dat (hang|don|mua)", r"len don", r"mua (\d+ )?(cai|chiec|doi|bo|luon|nha)",
    r"i ?('| wi)ll take", r"i want to (buy|order)", r"(i'd|i would) like to (buy|order)",
    r"add to (my )?cart",
    r"下单", r"要了", r"我要买", r"我要", r"拍了", r"购买", r"买了",
)
_PROMO = _table(
    r"giam gia", r"giam", r"khuyen mai", r"sale", r"voucher", r"ma giam", r"ma (uu dai|khuyen mai)",
    r"freeship",
    r"free ship", r"mien phi (ship|van chuyen)", r"uu dai", r"dong gia", r"flash sale",
    r"discount", r"coupon", r"deal", r"promo(tion)?( code)?", r"free shipping", r"on sale",
    r"any (code|offer)",
    r"优惠", r"折扣", r"打折", r"包邮", r"免运费", r"促销", r"特价", r"减价", r"满减", r"券",
)
_STOCK = _table(
    r"con hang", r"het hang", r"con (size|sz|mau|khong|ko|k|nhieu|may|bao nhieu|cai|\w+ không)",
    r"con (size )?(xs|s|m|l|xl|xxl|\d\d)", r"con", r"sold out", r"in stock", r"out of stock", r"available",
    r"stock",
    r"(any|how many) left", r"still have", r"do you have", r"have (it|any|them)",
    r"有货", r"有没有货", r"没货", r"缺货", r"库存", r"还有", r"卖完", r"售罄", r"现货",
)
_SPEC = _table(
    r"size", r"sz", r"chat lieu", r"chat vai", r"vai gi", r"(may|nhung|co) mau", r"mau (gi|nao|khac)",
    r"nang", r"can nang", r"kich thuoc", r"kich co", r"form", r"co gian", r"chong nuoc", r"day khong",
    r"mac (co )?(nong|mat)", r"giat", r"bao lau", r"thom lau", r"bao hanh",
    r"sizes?", r"material", r"fabric", r"colou?rs?", r"weight", r"made of", r"waterproof", r"uv",
    r"dimensions?",
    r"what (is it|are they) made", r"fit", r"how big", r"how long",
    r"尺码", r"码", r"尺寸", r"材质", r"面料", r"颜色", r"重量", r"什么料", r"多大", r"防水", r"规格",
)
_PRICE = _table(
    r"gia", r"bao nhieu", r"bao tien", r"nhieu tien", r"may tien", r"may k", r"tien", r"ban sao",
    r"price", r"how much", r"cost", r"costs", r"pricing",
    r"多少钱", r"价格", r"价钱", r"几块", r"多少", r"怎么卖", r"什么价", r"贵",
)
_GREETING = _table(
    r"chao", r"xin chao", r"hello", r"hi", r"hey", r"alo", r"tam biet", r"cam on", r"thanks?", r"thank you",
    r"good (morning|afternoon|evening|night)", r"bye", r"goodbye",
    r"你好", r"大家好", r"主播好", r"哈喽", r"谢谢", r"再见", r"晚上好", r"早上好",
)
_ORDER: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("human_check", _HUMAN_CHECK), ("buy", _BUY), ("promo", _PROMO), ("stock", _STOCK), ("spec", _SPEC),
    ("price", _PRICE), ("greeting", _GREETING),
)


def normalize_for_rules(text: str, lang: Lang | None = None) -> str:
    """The form the keyword tables read: teen-code spelled out (Vietnamese), then folded."""
    return fold(expand_teencode(text) if lang in (None, "vi") else text)


def detect_intent(text: str, lang: Lang | None = None) -> str:
    """price | stock | spec | promo | greeting | buy | human_check | other."""
    folded = normalize_for_rules(text, lang)
    for intent, table in _ORDER:
        if table.search(folded):
            return intent
    return "other"


def detect_intents(text: str, lang: Lang | None = None) -> list[str]:
    """Every intent a comment asks, main one first ("giá và còn hàng không" -> stock, price).

    Each table reads the text left after the earlier tables took their words, so the "giá" inside
    "giảm giá" does not also ask the price, nor the "còn" of "còn size M" the stock twice.
    """
    rest = normalize_for_rules(text, lang)
    found: list[str] = []
    for intent, table in _ORDER:
        if table.search(rest):
            found.append(intent)
            rest = _without(table, rest)
    return found or ["other"]


def _without(table: re.Pattern[str], text: str) -> str:
    """`text` with every word the table matches blanked, overlapping matches included ("mã giảm giá")."""
    keep = [True] * len(text)
    for m in re.finditer(f"(?=({table.pattern}))", text):
        for i in range(m.start(1), m.end(1)):
            keep[i] = False
    return "".join(ch if keep[i] else "|" for i, ch in enumerate(text))


_QUANTITY_DIGITS = re.compile(
    r"(?<![^\W_])(?:chot|lay|mua|dat|order|take|buy|get|want|要|买|拍|下单)\s*(?P<n>\d{1,3})(?!\d)"
    r"|(?<![\d.,])(?P<m>\d{1,3})\s*(?:cai|chiec|doi|bo|sp|san pham|pcs|pieces?|items?|件|个|条|双|套|份)(?![^\W_])")
_QUANTITY_ZH = re.compile(r"(?:要|买|拍|来)\s*(?P<n>[一二两三四五六七八九十])\s*(?:件|个|条|双|套|份)")
_ZH_SMALL = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def asked_quantity(text: str, lang: Lang | None = None) -> int | None:
    """How many the viewer wants ("chốt 1 áo đỏ" -> 1, "lấy 2 cái" -> 2, "要两件" -> 2), else None."""
    folded = normalize_for_rules(text, lang)
    m = _QUANTITY_DIGITS.search(folded)
    if m:
        value = int(m["n"] or m["m"])
        return value if value > 0 else None
    zh = _QUANTITY_ZH.search(folded)
    return _ZH_SMALL[zh["n"]] if zh else None


# ---------------------------------------------------------------------------------------------
# Hostile comments: prompt injection, price/discount bait, abuse.
# ---------------------------------------------------------------------------------------------

_INJECTION = _table(
    r"ignore (all |any |the |your |my |previous |prior |above |earlier )*"
    r"(instructions?|rules|prompts?|orders)",
    r"disregard (all |your |the |previous |prior )*(instructions?|rules)",
    r"forget (all |your |the |previous )*(instructions?|rules|prompts?)", r"system prompt", r"your prompt",
    r"you are now", r"from now on you", r"act as", r"pretend (to be|you are)", r"jailbreak",
    r"developer mode", r"you are (now )?dan", r"dan mode", r"new instructions?", r"repeat after me",
    r"print (it|your|the) (prompt|instructions)",
    r"bo qua (moi |tat ca |cac |nhung )?(huong dan|chi dan|lenh|quy tac|chi thi)",
    r"quen (het |di )?(huong dan|lenh|quy tac)", r"tu gio (ban|em) la", r"(ban|em) bay gio la", r"dong vai",
    r"lenh he thong", r"prompt he thong",
    r"忽略", r"无视", r"系统提示", r"提示词", r"你现在是", r"扮演", r"之前的指令", r"新的指令",
)
_BAIT = _table(
    r"(shop|admin|owner|seller|boss|host|manager) (said|says|told|promised)", r"(said|promised) .{0,20}off",
    r"\d+ ?% off for me", r"(the )?price (is|are) (now |only )?\d",
    r"(is|are) (now |only )?\$?\d+ ?(k|usd|dollars?)? right",
    r"(free|0d|0 d) for me", r"(everything|all|every item|all items) (is |are )?(free|0)",
    r"price of every item", r"(shop|admin|chu shop) (noi|bao|hua) .{0,20}(giam|free|mien phi)",
    r"mien phi cho (tui|toi|minh|em|tao)", r"giam (gia )?\d+ ?% cho (tui|toi|minh|em|tao)",
    r"giam (gia )?100 ?%",
    r"gia (la|con|chi) \d", r"gia \d+ ?(k|d|dong|nghin|ngan)\b",
    r"主播说", r"老板说", r"客服说", r"全部免费", r"都免费", r"免费送我", r"一折", r"价格是\d", r"现在\d+元",
)
_ABUSE = _table(
    r"fuck\w*", r"shit", r"idiot", r"stupid", r"scam(mer)?s?", r"bitch", r"dumb",
    r"dcm", r"dit me", r"vcl", r"vl", r"cut di", r"lua dao", r"do ngu", r"oc cho",
    r"骗子", r"傻逼", r"傻", r"滚", r"垃圾", r"去死",
)
_MONEY_FIGURE = re.compile(
    r"\d[\d.,]*(k|\s*(d|vnd|dong|nghin|ngan|tr|trieu|usd|dollars?|bucks?|yuan|rmb|cny|euros?|%|元|块))"
    r"(?![^\W_])|\d\s*[$¥€]|[$¥€]\s*\d|\d\s*折",
    re.IGNORECASE)


def hostility(text: str, lang: Lang | None = None) -> str | None:
    """Why a comment is hostile — 'injection', 'bait' or 'abuse' — or None when it is not."""
    folded = normalize_for_rules(text, lang)
    if _INJECTION.search(folded):
        return "injection"
    if _BAIT.search(folded):
        return "bait"
    if _ABUSE.search(folded):
        return "abuse"
    # A viewer stating a price or a discount figure is asserting one; the host never echoes it.
    if _MONEY_FIGURE.search(folded):
        return "bait"
    return None


def is_hostile(text: str, lang: Lang | None = None) -> bool:
    """Prompt injection, price or discount bait, or abuse, in vi/zh/en."""
    return hostility(text, lang) is not None
