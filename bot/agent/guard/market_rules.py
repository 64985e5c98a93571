"""Advertising-law rules per market (prompts/rules/{zh,vi,en,all}.yaml): absolute and superlative terms,
health claims, guaranteed results, unproven comparisons. A hit is blocked, or rephrased when its rule
names a milder wording (最好 -> 很好, "tốt nhất" -> "rất tốt")."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.agent.guard.verdict import GuardVerdict
from bot.events import LANGS, Lang
from bot.frames import TurnFacts
from bot.language.text import fold, is_cjk
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem
from bot.prompts.check import register_folder_check, register_schema
from bot.prompts.lined_yaml import LinedYaml

log = logging.getLogger(__name__)

RULES_DIR = "rules"
COMMON = "all"
ACTIONS = ("block", "rephrase")
_RULE_KEYS = {"id", "category", "phrases", "patterns", "message", "action", "replace"}


def rules_file(market: str) -> str:
    """The prompts-relative name of a market's rule file ("rules/zh.yaml")."""
    return f"{RULES_DIR}/{market}.yaml"


def lower_with_map(text: str) -> tuple[str, list[int]]:
    """The text lowercased, plus for each lowered character the index of the original character it came
    from, so a hit can be replaced in the original sentence (a few letters lowercase to two)."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for c in ch.lower():
            out.append(c)
            origin.append(i)
    return "".join(out), origin


def _phrase_regex(phrase: str) -> str:
    """A plain phrase as a regex: whole words for Latin text, anywhere for Chinese, any spacing."""
    text = unicodedata.normalize("NFC", phrase.strip().lower())
    body = (r"\s*" if is_cjk(text[0], spaceless=True) else r"\s+").join(re.escape(w) for w in text.split())
    left = "" if is_cjk(text[0], spaceless=True) or not (text[0].isalnum() or text[0] == "_") else r"(?<!\w)"
    right = "" if is_cjk(text[-1], spaceless=True) or not (text[-1].isalnum() or text[-1] == "_") else r"(?!\w)"
    return left + body + right


@dataclass(frozen=True, slots=True)
class ClaimRule:
    """One forbidden claim: where it came from, what it matches, and what to do about it."""

    id: str
    category: str
    message: str
    action: str
    replace: str | None
    regex: re.Pattern[str]  # over the lowercased sentence
    folded: re.Pattern[str]  # the same without diacritics, for sentences typed without accents
    file: str
    line: int | None


@dataclass(frozen=True, slots=True)
class ClaimHit:
    rule: ClaimRule
    start: int  # span in the original sentence
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class MarketRules:
    market: str
    description: str
    rules: tuple[ClaimRule, ...]


def _rule_line(doc: LinedYaml, path: tuple[Any, ...]) -> int | None:
    """The line an error at `path` names: a scalar's key, or where a list or mapping starts (nearest node)."""
    spot = doc.spot(path)
    if spot is None:
        return None
    return spot.key_line if spot.scalar is not None and spot.key_line is not None else spot.line


def parse_market_rules(data: Any, file: str, text: str | None = None) -> MarketRules:
    """Validate and compile one rule file; errors are PromptFileError with the file and line."""
    doc = LinedYaml(file, data, text)

    def fail(path: tuple[Any, ...], message: str) -> PromptFileError:
        return PromptFileError(PromptProblem(file, _rule_line(doc, path), message))

    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise fail((), "expected a mapping with 'market' and 'rules'")
    unknown = set(data) - {"market", "description", "rules"}
    if unknown:
        key = sorted(map(str, unknown))[0]
        raise fail((key,), f"unknown key {key!r} (use market, description, rules)")
    market = str(data.get("market") or Path(file).stem)
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise fail(("rules",), "'rules' must be a list")
    seen: set[str] = set()
    rules: list[ClaimRule] = []
    for i, raw in enumerate(raw_rules):
        at = ("rules", i)
        if not isinstance(raw, dict):
            raise fail(at, f"rule {i + 1}: expected a mapping with id, category, phrases/patterns, message, action")
        extra = set(raw) - _RULE_KEYS
        if extra:
            key = sorted(map(str, extra))[0]
            raise fail((*at, key), f"rule {i + 1}: unknown key {key!r}")
        rid = raw.get("id")
        if not isinstance(rid, str) or not rid.strip():
            raise fail(at, f"rule {i + 1}: needs an 'id'")
        if rid in seen:
            raise fail((*at, "id"), f"rule id {rid!r} is used twice")
        seen.add(rid)
        for key in ("category", "message"):
            if not isinstance(raw.get(key), str) or not raw[key].strip():
                raise fail((*at, key), f"rule {rid}: needs a '{key}' (text)")
        action = raw.get("action", "block")
        if action not in ACTIONS:
            raise fail((*at, "action"), f"rule {rid}: action must be block or rephrase, not {action!r}")
        replace = raw.get("replace")
        if action == "rephrase" and not isinstance(replace, str):
            raise fail((*at, "action"), f"rule {rid}: a rephrase rule needs 'replace' (the milder wording)")
        if action == "block" and replace is not None:
            raise fail((*at, "replace"), f"rule {rid}: 'replace' only goes with action: rephrase")
        parts: list[str] = []
        for key in ("phrases", "patterns"):
            items = raw.get(key) or []
            if isinstance(items, str):
                items = [items]
            if not isinstance(items, list):
                raise fail((*at, key), f"rule {rid}: '{key}' must be a list")
            for j, item in enumerate(items):
                if not isinstance(item, str) or not item.strip():
                    raise fail((*at, key, j), f"rule {rid}: {key} item {j + 1} is empty")
                if key == "phrases":
                    parts.append(_phrase_regex(item))
                    continue
                try:
                    re.compile(unicodedata.normalize("NFC", item), re.IGNORECASE)
                except re.error as exc:
                    raise fail((*at, key, j), f"rule {rid}: bad regex {item!r}: {exc}") from None
                parts.append(unicodedata.normalize("NFC", item))
        if not parts:
            raise fail(at, f"rule {rid}: needs 'phrases' or 'patterns'")
        source = "|".join(f"(?:{p})" for p in parts)
        # folding a regex strips only its literals' accents (no lowercasing: \S must not become \s)
        rules.append(ClaimRule(rid.strip(), raw["category"].strip(), raw["message"].strip(), action,
                               replace, re.compile(source, re.IGNORECASE),
                               re.compile(fold(source, accents_only=True), re.IGNORECASE),
                               file, _rule_line(doc, at)))
    return MarketRules(market, str(data.get("description") or ""), tuple(rules))


def validate_market_rules(doc: LinedYaml) -> MarketRules:
    """The `livebot prompts check` schema of each rules/ file."""
    return parse_market_rules(doc.data, doc.file, doc.text)


def find_claims(sentence: str, rule_sets: list[MarketRules]) -> list[ClaimHit]:
    """Every rule hit in the (NFC) sentence, left to right, overlapping hits resolved to the longest."""
    lowered, origin = lower_with_map(sentence)
    # the folded regex only for text typed without any accents: folding accented Vietnamese would merge
    # words ("chữa" cure / "chưa" not yet)
    unaccented = fold(lowered, accents_only=True) == lowered
    hits: list[tuple[int, int, ClaimRule]] = []
    for rs in rule_sets:
        for rule in rs.rules:
            for m in (rule.folded if unaccented else rule.regex).finditer(lowered):
                if m.end() > m.start():
                    hits.append((m.start(), m.end(), rule))
    hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
    out: list[ClaimHit] = []
    last_end = -1
    for a, b, rule in hits:
        if a < last_end:
            continue
        start, end = origin[a], origin[b - 1] + 1
        out.append(ClaimHit(rule, start, end, sentence[start:end]))
        last_end = b
    return out


def rephrase(sentence: str, hits: list[ClaimHit]) -> str:
    """The sentence with each hit swapped for its rule's milder wording (capitalised where the hit was)."""
    out, pos = [], 0
    unaccented = fold(sentence, accents_only=True) == sentence
    for h in hits:
        new = h.rule.replace or ""
        if unaccented:  # a sentence typed without accents gets its fix without accents too
            new = fold(new, accents_only=True)
        if new and h.text[:1].isupper():
            new = new[:1].upper() + new[1:]
        out += [sentence[pos:h.start], new]
        pos = h.end
    out.append(sentence[pos:])
    text = re.sub(r"\s+([,.!?;:，。！？])", r"\1", " ".join("".join(out).split()))
    return text


class MarketClaimRule:
    """GuardRule: the market's advertising-law rules for the sentence's language, plus rules/all.yaml.

    Files come from the show's prompts folder (hot reload, last good version kept); a folder without
    a `rules/` file uses the bundled one, so the law applies even to a seller's own prompts folder."""

    name = "market_claim"

    def __init__(self, prompts: PromptBook, bundled: Path | None = PROMPTS_DIR) -> None:
        self.prompts = prompts
        same = bundled is None or Path(prompts.folder).resolve() == Path(bundled).resolve()
        self.bundled = None if same else PromptBook(Path(bundled))  # type: ignore[arg-type]

    def rule_sets(self, lang: Lang) -> list[MarketRules]:
        """The compiled rules that apply to a sentence in `lang`."""
        out = []
        for market in (lang, COMMON):
            name = rules_file(market)
            book = self.prompts if self.prompts.path(name) is not None or self.bundled is None else self.bundled
            rs = book.yaml(name, None, parse_market_rules)
            if rs is not None:
                out.append(rs)
        return out

    def check(self, sentence: str, lang: Lang, facts: TurnFacts) -> GuardVerdict | None:
        sentence = unicodedata.normalize("NFC", sentence)
        hits = find_claims(sentence, self.rule_sets(lang))
        if not hits:
            return None
        fired = "; ".join(f"{h.rule.id} [{h.rule.category}] {h.text!r}: {h.rule.message} "
                          f"({RULES_DIR}/{Path(h.rule.file).name}:{h.rule.line})" for h in hits)
        if any(h.rule.action == "block" for h in hits):
            log.info("market rule blocked a sentence: %s", fired)
            return GuardVerdict(False, f"blocked: {fired}", self.name)
        fixed = rephrase(sentence, hits)
        if not fixed or find_claims(fixed, self.rule_sets(lang)):
            return GuardVerdict(False, f"blocked (rephrasing did not clear it): {fired}", self.name)
        log.info("market rule rephrased a sentence: %s", fired)
        return GuardVerdict(False, f"rephrased: {fired}", self.name, replacement=fixed)


# ---- lint of the seller's own script files ---------------------------------------------------------

def _strings_by_lang(doc: LinedYaml, default_lang: Lang | None) -> list[tuple[str, int, Lang | None]]:
    """Every non-blank text value with its line and language (the nearest vi/zh/en key above it)."""
    out: list[tuple[str, int, Lang | None]] = []
    for spot in doc.strings():
        if spot.scalar is not None and spot.scalar.strip():
            lang = next((k for k in reversed(spot.path) if isinstance(k, str) and k in LANGS), default_lang)
            out.append((spot.scalar, spot.line, lang))  # type: ignore[arg-type]
    return out


def _scalar_lines(text: str, file: str, default_lang: Lang | None) -> list[tuple[str, int, Lang | None]]:
    """Every text value in a YAML text with its line and language; none when the text does not parse."""
    return _strings_by_lang(LinedYaml(file, None, text), default_lang)


def lint_script_files(folder: Path, prompts: PromptBook | None = None) -> list[PromptProblem]:
    """Rule hits in the seller's script files (show.yaml, templates.yaml, persona.md), with file and line."""
    rule = MarketClaimRule(prompts or PromptBook(folder))
    problems: list[PromptProblem] = []
    per_lang = {lang: rule.rule_sets(lang) for lang in LANGS}

    def report(file: Path, line: int, value: str, lang: Lang) -> None:
        for h in find_claims(value, per_lang[lang]):
            action = f"rephrased to {h.rule.replace!r}" if h.rule.action == "rephrase" else "blocked"
            problems.append(PromptProblem(str(file), line, f"{h.rule.id} [{h.rule.category}] {h.text!r}: "
                                          f"{h.rule.message} (would be {action} on air)"))

    for name in ("show.yaml", "templates.yaml"):
        path = folder / name
        if not path.is_file():
            continue
        try:
            doc = LinedYaml.read(path)
        except (OSError, UnicodeDecodeError, PromptFileError):
            continue  # the file's own schema reports it
        data = doc.data
        main: Lang | None = data.get("language") if isinstance(data, dict) and data.get("language") in LANGS else None
        if name == "show.yaml" and main is None:
            main = "vi"
        for value, line, lang in _strings_by_lang(doc, main):
            if lang is not None:
                report(path, line, unicodedata.normalize("NFC", value), lang)
    persona = folder / "persona.md"
    if persona.is_file():
        try:
            lines = persona.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            lines = []
        for n, line_text in enumerate(lines, start=1):
            for lang in LANGS:  # the persona mixes languages: every market's rules apply
                report(persona, n, unicodedata.normalize("NFC", line_text), lang)
    return list(dict.fromkeys(problems))  # rules/all.yaml applies to every language: report a hit once


for _market in (COMMON, *LANGS):
    register_schema(rules_file(_market), validate_market_rules)
register_folder_check(lint_script_files)
