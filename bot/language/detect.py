"""Which language a short live comment is in: zh, vi or en.

Live comments are a few words long, often without diacritics or in teen-code, so statistical
detection alone fails on them ("ao do bn"). Rules first (script, Vietnamese letters, a word
list), lingua restricted to vi/zh/en for the rest, and a configurable default for what stays
ambiguous — the shop's own language.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.events import Lang
from bot.language.text import TEENCODE, fold, is_cjk, strip_invisible, words

log = logging.getLogger(__name__)

# Letters only Vietnamese uses among our three languages (plus all of Latin Extended Additional).
_VI_STRONG = set("đăơưĐĂƠƯ")
# Accented vowels Vietnamese shares with loanwords in English text ("café"): two of them count.
_VI_WEAK = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")

# Folded Vietnamese words common in shop comments, none of them an English word.
VI_WORDS = frozenset("""
ao quan vay dam giay dep mu non tui khan kinh binh nen chan thun khoac so mi
gia bao nhieu tien con hang khong co duoc nha nhe a oi shop ban minh em chi anh cho hoi mua lay chot
mau den trang do xanh vang hong tim nau be kem xam sao the nao gi vay roi chua nua luon ship giao
dep qua xinh ghe lam nhe nang dai rong chat lieu vai giam gia khuyen mai ma uu dai freeship
dat don cai chiec doi bo size hom nay mai dang voi cua nay kia do ay dung thiet that nguoi tao
chao cam on tam biet moi xem thich yeu iu thuong hay nhu vao di ve len xuong tren duoi biet
""".split()) | frozenset(TEENCODE)

# Folded English words that are common in short comments and are not Vietnamese words.
EN_WORDS = frozenset("""
the is are how much price what which sizes do does you your have has this that it its
please thanks thank hello hi hey love nice want buy order discount stock available color
colors shipping free cost costs can could would i my me we our of for in on to and or with
real person bot human yes no not still there here sold out any left dress shirt jeans bag hat
""".split())  # not "ship", "size", "sale": Vietnamese comments use them as is

_MIN_CONFIDENCE = 0.6


class _Lingua:
    """lingua's detector for vi/zh/en, built once on first use (its models load lazily, ~75 MB)."""

    def __init__(self) -> None:
        self._detector: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        if self._detector is None:
            with self._lock:
                if self._detector is None:
                    from lingua import Language, LanguageDetectorBuilder

                    self._detector = LanguageDetectorBuilder.from_languages(
                        Language.VIETNAMESE, Language.CHINESE, Language.ENGLISH).build()
        return self._detector

    def confidences(self, text: str) -> dict[Lang, float]:
        names: dict[str, Lang] = {"VIETNAMESE": "vi", "CHINESE": "zh", "ENGLISH": "en"}
        return {names[c.language.name]: c.value for c in self.get().compute_language_confidence_values(text)}


LINGUA = _Lingua()


def detect_language(text: str, default: Lang = "vi") -> Lang:
    """Language of a short comment; `default` (the shop's: `Settings.default_lang`, else vi) when unclear."""
    text = strip_invisible(text)
    han = sum(1 for ch in text if is_cjk(ch))
    letters = sum(1 for ch in text if ch.isalpha())
    if han and han * 3 >= letters - han:  # mostly Chinese (a SKU or "OK" inside is fine)
        return "zh"
    if any(ch in _VI_STRONG or 0x1EA0 <= ord(ch) <= 0x1EF9 for ch in text):
        return "vi"
    if han:
        return "zh"
    if sum(1 for ch in text if ch in _VI_WEAK) >= 2:
        return "vi"
    tokens = [w for w in words(fold(text)) if not w.isdigit()]
    if not tokens:
        return default  # emoji, digits, punctuation only
    vi_hits = sum(1 for w in tokens if w in VI_WORDS)
    en_hits = sum(1 for w in tokens if w in EN_WORDS)
    if vi_hits >= 2 and vi_hits > en_hits:
        return "vi"
    if en_hits >= 2 and en_hits > vi_hits:
        return "en"
    if len(tokens) == 1 and len(tokens[0]) <= 3:
        return default  # "ok", "hi", "k": nothing to go on
    scores = LINGUA.confidences(" ".join(tokens))
    best = max(scores, key=lambda k: scores[k])
    if scores[best] >= _MIN_CONFIDENCE:
        return best
    return default
