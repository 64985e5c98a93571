"""Text as viewers type it, made comparable: folding, comment cleaning, Vietnamese teen-code.

`fold` is the one normal form every matcher and keyword table compares in: lowercase, NFKC,
no invisible controls, Latin diacritics removed (đ→d), CJK left exactly as written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from unidecode import unidecode

# Invisible characters viewers (and spammers) use to dodge filters or flip text direction.
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
BIDI_CONTROLS = "\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile(f"[{ZERO_WIDTH}{BIDI_CONTROLS}]")
_RLO_SPAN = re.compile("\u202e([^\u202c\u202d\u202a\u202b]*)(?:\u202c|$)")
_SPACES = re.compile(r"\s+")


def _is_latin(ch: str) -> bool:
    o = ord(ch)
    # Basic Latin .. Latin Extended-B and Latin Extended Additional (all Vietnamese letters).
    return o < 0x250 or 0x1E00 <= o <= 0x1EFF


def is_cjk(ch: str, *, spaceless: bool = False) -> bool:
    """Han ideographs — what a Chinese comment is made of. `spaceless`: also radicals, kana, CJK
    punctuation and full-width forms, i.e. every script written without spaces between words."""
    o = ord(ch)
    if spaceless:
        return 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or 0x20000 <= o <= 0x2FA1F
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2A6DF


def strip_invisible(text: str) -> str:
    """Remove zero-width and bidi control characters."""
    return _INVISIBLE.sub("", text)


@lru_cache(maxsize=4096)
def fold(text: str, *, accents_only: bool = False) -> str:
    """Comparable form: NFKC, lowercase, no invisible controls, no Latin diacritics (đ→d), CJK kept.
    `accents_only`: drop the Latin diacritics and change nothing else (case, spacing), safe on a regex."""
    if accents_only:
        text = unicodedata.normalize("NFC", text)
    else:
        text = strip_invisible(unicodedata.normalize("NFKC", text)).lower()
    out: list[str] = []
    for ch in text:
        if ch.isascii() or not _is_latin(ch) or not ch.isalpha():
            out.append(ch)  # CJK, emoji, other scripts and symbols (¥, €) stay exactly as written
        else:
            plain = unidecode(ch)  # ệ→e, Đ→D, ø→o, ß→ss
            out.append(plain if accents_only else plain.lower())
    if accents_only:
        return "".join(out)
    return _SPACES.sub(" ", "".join(out)).strip()


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def words(folded: str) -> list[str]:
    """Word tokens of folded text; a run of CJK characters counts as one token."""
    return _WORD.findall(folded)


# -------------------------------------------------------------------------------------------
# Comment cleaning
# -------------------------------------------------------------------------------------------

def _is_pictograph(ch: str) -> bool:
    o = ord(ch)
    return (0x1F000 <= o <= 0x1FAFF or 0x2600 <= o <= 0x27BF or 0x2B00 <= o <= 0x2BFF
            or unicodedata.category(ch) == "So")


_EMOJI_UNIT = "(?:[\U0001F1E6-\U0001F1FF]{2}|.[\ufe0f\U0001F3FB-\U0001F3FF]*)"
# A run of pictographs (each with its skin-tone / presentation modifiers), spaces allowed between.
_PICTO_RUN = re.compile(
    "(?:\\s*(?:[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF][\ufe0f\U0001F3FB-\U0001F3FF]*))+\\s*"
)


def _collapse_emoji(text: str, keep: int) -> tuple[str, bool]:
    """Cut every run of pictographs (with modifiers, spaces between) down to `keep` of them."""
    collapsed = False

    def shorten(m: re.Match[str]) -> str:
        nonlocal collapsed
        units = re.findall(_EMOJI_UNIT, m.group(0), flags=re.DOTALL)
        pictos = [u for u in units if _is_pictograph(u[0])]
        if len(pictos) <= keep or any(not u.isspace() and not _is_pictograph(u[0]) for u in units):
            return m.group(0)
        collapsed = True
        lead = " " if units[0].isspace() else ""
        trail = " " if units[-1].isspace() else ""
        return lead + "".join(pictos[:keep]) + trail

    return _PICTO_RUN.sub(shorten, text), collapsed


_REPEAT = re.compile(r"([^\d\s])\1{4,}")


@dataclass(frozen=True, slots=True)
class CleanedComment:
    """A comment after cleaning, with what cleaning had to do to it."""

    text: str
    truncated: bool = False
    had_controls: bool = False
    collapsed: bool = False
    original_length: int = 0


def clean_comment_report(text: str, max_len: int = 500) -> CleanedComment:
    """Clean a viewer comment and say what was done (controls stripped, floods collapsed, cut)."""
    original_length = len(text)
    text = unicodedata.normalize("NFC", text)
    had_controls = _INVISIBLE.search(text) is not None
    # Right-to-left override shows its span reversed; undo it so we read what viewers saw.
    text = _RLO_SPAN.sub(lambda m: m.group(1)[::-1], text)
    text = "".join(ch for ch in strip_invisible(text)
                   if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs"))
    text, collapsed = _collapse_emoji(text, keep=3)
    repeated = _REPEAT.sub(lambda m: m.group(1) * 3, text)
    collapsed = collapsed or repeated != text
    text = _SPACES.sub(" ", repeated).strip()
    truncated = len(text) > max_len
    if truncated:
        cut = text[:max_len].rsplit(" ", 1)[0] if " " in text[max_len // 2:max_len] else text[:max_len]
        text = cut.rstrip() + "…"
    return CleanedComment(text, truncated, had_controls, collapsed, original_length)


def clean_comment(text: str, max_len: int = 500) -> str:
    """Comment text safe to show and read: no controls, floods collapsed, at most `max_len` chars + '…'."""
    return clean_comment_report(text, max_len).text


# -------------------------------------------------------------------------------------------
# Vietnamese teen-code (chat abbreviations), keyed by the folded token.
# -------------------------------------------------------------------------------------------

TEENCODE: dict[str, str] = {
    "bn": "bao nhiêu", "bnh": "bao nhiêu", "bnhiu": "bao nhiêu", "bnhieu": "bao nhiêu",
    "baonhieu": "bao nhiêu",
    "sp": "sản phẩm", "ib": "inbox", "inb": "inbox",
    "k": "không", "ko": "không", "kg": "không", "hok": "không", "hong": "không", "hk": "không", "kh": "không",
    "khum": "không", "hem": "không",
    "dc": "được", "dk": "được",  # folded keys: "đc" folds to "dc"
    "sz": "size", "siz": "size", "cod": "COD", "ntn": "như thế nào",
    "j": "gì", "mn": "mọi người", "mng": "mọi người", "ms": "mới", "r": "rồi",
    "vs": "với", "cx": "cũng", "cg": "cũng", "mik": "mình", "mk": "mình", "mjk": "mình",
    "hnay": "hôm nay", "hqua": "hôm qua", "trc": "trước", "bh": "bây giờ", "bjo": "bây giờ",
    "z": "vậy", "v": "vậy", "dz": "đẹp", "dt": "điện thoại", "sdt": "số điện thoại",
    "tl": "trả lời", "rep": "trả lời", "oke": "ok", "okela": "ok",
    "ak": "ạ", "e": "em", "ctrinh": "chương trình", "km": "khuyến mãi", "gg": "giảm giá", "tks": "cảm ơn",
    "iu": "yêu",
}
# "kg" right after a number is a unit ("2 kg"), not "không"; "45k" (money) is one token, never expanded.
_NUMBER_UNITS = {"kg"}
_TOKEN = re.compile(r"\S+")
_EDGE_PUNCT = "?!.,;:…~\"'()"


def expand_teencode(text: str) -> str:
    """Spell out Vietnamese chat abbreviations ('ao do bn' → 'ao do bao nhiêu'); other words untouched."""
    out: list[str] = []
    prev_is_number = False
    for token in _TOKEN.findall(text):
        core = token.strip(_EDGE_PUNCT)
        key = fold(core)
        tail = token[len(token.rstrip(_EDGE_PUNCT)):]
        head = token[: len(token) - len(token.lstrip(_EDGE_PUNCT))]
        replacement = TEENCODE.get(key)
        if replacement is not None and not (prev_is_number and key in _NUMBER_UNITS):
            out.append(f"{head}{replacement}{tail}")
        else:
            out.append(token)
        prev_is_number = core.replace(".", "").replace(",", "").isdigit()
    return " ".join(out)
