"""Rules on the words of a sentence: banned phrases (prompts/banned.yaml), private data (phone numbers,
e-mails, links, strings the caller marks private) and leaks of the persona / system prompt."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from bot.agent.guard.verdict import GuardVerdict
from bot.agent.llm.persona import load_persona
from bot.events import LANGS, Lang
from bot.frames import TurnFacts
from bot.language.text import fold, is_cjk
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem
from bot.prompts.check import register_schema
from bot.prompts.lined_yaml import LinedYaml

BANNED_FILE = "banned.yaml"
_BANNED_KEYS = ("all", *LANGS)


def _phrase_pattern(phrases: list[str]) -> re.Pattern[str] | None:
    """One regex over folded text: Latin phrases as whole words, CJK phrases anywhere (no spaces)."""
    if not phrases:
        return None
    latin, cjk = [], []
    for phrase in sorted(set(phrases), key=len, reverse=True):
        body = r"\s+".join(re.escape(word) for word in phrase.split())
        (cjk if is_cjk(phrase[0], spaceless=True) or is_cjk(phrase[-1], spaceless=True) else latin).append(body)
    parts = []
    if latin:
        parts.append(r"(?<!\w)(?:" + "|".join(latin) + r")(?!\w)")
    if cjk:
        parts.append("|".join(cjk))
    return re.compile("|".join(parts))


@dataclass(frozen=True, slots=True)
class BannedPhrases:
    """Compiled banned phrases per language (each includes the `all` list), matched on folded text."""

    folded: dict[str, re.Pattern[str] | None]
    count: int
    # Accents kept: "chưa khỏi" (not yet well) is not "chữa khỏi" (cures). Used when the sentence has accents.
    exact: dict[str, re.Pattern[str] | None] = field(default_factory=dict)


def parse_banned(data: Any, file: str, text: str | None = None) -> BannedPhrases:
    """Validate banned.yaml (keys all/vi/zh/en, lists of phrases) and compile it."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PromptFileError(PromptProblem(file, 1, "expected a mapping with keys all, vi, zh, en"))
    doc = LinedYaml(file, data, text)
    for key, items in data.items():
        if key not in _BANNED_KEYS:
            raise PromptFileError(PromptProblem(
                file, doc.key_line([key]), f"unknown key {key!r} (use all, vi, zh, en)"))
        if items is None:
            continue
        if not isinstance(items, list):
            raise PromptFileError(PromptProblem(file, doc.key_line([key]), f"{key}: expected a list of phrases"))
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                raise PromptFileError(PromptProblem(
                    file, doc.key_line([key, i]), f"{key}: item {i + 1} is not a phrase"))
    common = [p.strip() for p in data.get("all") or []]
    folded: dict[str, re.Pattern[str] | None] = {}
    exact: dict[str, re.Pattern[str] | None] = {}
    count = len(common)
    for lang in LANGS:
        own = [p.strip() for p in data.get(lang) or []]
        count += len(own)
        folded[lang] = _phrase_pattern([fold(p) for p in common + own])
        exact[lang] = _phrase_pattern([_marked(p) for p in common + own])
    return BannedPhrases(folded, count, exact)


def _marked(text: str) -> str:
    """Lower case with accents kept (NFC), for matching a sentence that carries its accents."""
    return unicodedata.normalize("NFC", text).casefold()


def _has_marks(text: str) -> bool:
    return any(unicodedata.combining(ch) for ch in unicodedata.normalize("NFD", text)) or "đ" in text.casefold()


class BannedPhraseRule:
    """Phrases moderators ban (absolute claims, medical claims, platform-forbidden words)."""

    name = "banned_phrase"

    def __init__(self, prompts: PromptBook) -> None:
        self.prompts = prompts

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict | None:
        banned: BannedPhrases | None = self.prompts.yaml(BANNED_FILE, None, parse_banned)
        if banned is None:
            return None
        if _has_marks(sentence):  # a sentence with accents is matched with accents, a bare one folded
            pattern, text = banned.exact.get(lang), _marked(sentence)
        else:
            pattern, text = banned.folded.get(lang), fold(sentence)
        m = pattern.search(text) if pattern is not None else None
        if m:
            return GuardVerdict(False, f"banned phrase {m.group(0)!r} ({BANNED_FILE})", self.name)
        return None


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?i)\bhttps?://\S+|\bwww\.\S+|\b[\w-]+\.(?:com|vn|net|org|io|cn|shop|store|xyz|me|co|info|biz|app|"
                  r"link|ly|top|site|online)\b(?:/\S*)?")
_URL_HINT = re.compile(r"[./][A-Za-z]|www|http")
_PHONES = (
    re.compile(r"(?<![\d.,])(?:\+?84|0)[\s.-]?[235789]\d(?:[\s.-]?\d){7,8}(?![\d])"),  # Vietnam
    re.compile(r"(?<![\d.,])(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d){8}(?![\d])"),  # mainland China mobile
    re.compile(r"(?<![\w])\+\d{1,3}[\s-]?\(?\d{1,4}\)?(?:[\s.-]?\d){6,}"),  # any international number
    re.compile(r"(?<![\d.,])\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\d])"),  # US style 555-123-4567
)


class PrivateDataRule:
    """No phone numbers, e-mail addresses or links, and nothing the caller marked private this turn."""

    name = "private_data"

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict | None:
        if "@" in sentence and _EMAIL.search(sentence):
            return GuardVerdict(False, "states an e-mail address", self.name)
        if _URL_HINT.search(sentence) and _URL.search(sentence):
            return GuardVerdict(False, "states a link", self.name)
        if sum(ch.isdigit() for ch in sentence) >= 7:
            for pattern in _PHONES:
                if pattern.search(sentence):
                    return GuardVerdict(False, "states a phone number", self.name)
        if facts.private_terms:
            lower = sentence.lower()
            for term in facts.private_terms:
                if term and term.lower() in lower:
                    return GuardVerdict(False, "repeats a viewer's private data", self.name)
        return None


# Matched on folded text (lowercase, no diacritics).
_LEAK_WORDS = re.compile(
    r"\bsystem prompt\b|\bmy (?:instructions|system message|prompt)\b|\bprompt he thong\b|"
    r"\bloi nhac he thong\b|\bchi dan he thong\b|\bhuong dan he thong\b|系统提示|提示词|系统指令|我的指令"
)
_WORD = re.compile(r"\w+")
_SHINGLE_WORDS = 6
_SHINGLE_CJK = 8


def _shingles(text: str) -> set[str]:
    words = _WORD.findall(fold(text))
    out = {" ".join(words[i:i + _SHINGLE_WORDS]) for i in range(len(words) - _SHINGLE_WORDS + 1)}
    cjk = "".join(ch for ch in text if is_cjk(ch, spaceless=True))
    out.update(cjk[i:i + _SHINGLE_CJK] for i in range(len(cjk) - _SHINGLE_CJK + 1))
    return out


class PromptLeakRule:
    """Blocks a sentence that repeats the persona's instructions (6 words / 8 Chinese characters in a row)
    or talks about its own system prompt."""

    name = "prompt_leak"

    def __init__(self, prompts: PromptBook) -> None:
        self.prompts = prompts
        self._persona: object = None
        self._shingles: set[str] = set()

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict | None:
        if _LEAK_WORDS.search(fold(sentence)):
            return GuardVerdict(False, "talks about its system prompt", self.name)
        persona = load_persona(self.prompts)
        if persona is None:
            return None
        if persona is not self._persona:
            self._persona, self._shingles = persona, _shingles(persona.leak_text)
        if self._shingles and not self._shingles.isdisjoint(_shingles(sentence)):
            return GuardVerdict(False, "repeats the persona / system prompt", self.name)
        return None


register_schema(BANNED_FILE, lambda doc: parse_banned(doc.data, doc.file, doc.text))
