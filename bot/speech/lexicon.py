"""Per-language word replacements for the voice (prompts/lexicon.yaml), hot-reloaded.

Keys written all in lower case match any case ("freeship" matches "FreeShip"); keys with a
capital match exactly ("XL" does not turn the word "xl" in a URL-ish token into "extra large").
A key may follow a digit directly ("2kg"), so units work without a space.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.events import LANGS, Lang
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem
from bot.prompts.check import register_schema
from bot.prompts.lined_yaml import LinedYaml
from bot.speech.spoken_money import FULL, MoneyStyle, validate_money

LEXICON_FILE = "lexicon.yaml"


@dataclass(frozen=True, slots=True)
class LexiconRule:
    written: str
    spoken: str


@dataclass(frozen=True, slots=True)
class LexiconTable:
    """The validated file: rules per language (longest written form first), one regex each, and
    how each language says prices (the `money:` section; a language not named there says them in full)."""

    rules: dict[str, list[LexiconRule]] = field(default_factory=dict)
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    money: dict[str, MoneyStyle] = field(default_factory=dict)


_LATIN = "A-Za-z\u00C0-\u024F\u1E00-\u1EFF"  # Latin letters incl. Vietnamese


def _rule_regex(written: str) -> str:
    # A Latin key may not touch other Latin letters (or digits after it); a digit may precede it
    # ("2kg"), and Hanzi may touch it ("XL码"). Keys in Hanzi need no boundary at all.
    def edge(ch: str) -> str:
        if ch.isdigit():
            return f"0-9{_LATIN}"
        return _LATIN if re.match(f"[{_LATIN}]", ch) else ""

    before, after = edge(written[0]), edge(written[-1])
    if after and written[-1].isalpha():
        after = f"0-9{_LATIN}"
    body = re.escape(written).replace(r"\ ", r"\s+")
    if written == written.lower():
        body = f"(?i:{body})"
    return (f"(?<![{before}])" if before else "") + f"({body})" + (f"(?![{after}])" if after else "")


def _combined(rules: list[LexiconRule]) -> re.Pattern[str]:
    # One alternation, longest first, so a replacement is never rewritten by a shorter rule.
    return re.compile("|".join(_rule_regex(r.written) for r in rules))


def validate_lexicon(data: Any, file: str, text: str | None = None) -> LexiconTable:
    """Check the parsed lexicon.yaml and compile its rules; errors name file and line."""
    if data is None:
        return LexiconTable()
    if not isinstance(data, dict):
        raise PromptFileError(PromptProblem(file, 1, "lexicon must map a language (vi, zh, en) to entries"))
    doc = LinedYaml(file, data, text)
    rules: dict[str, list[LexiconRule]] = {}
    money: dict[str, MoneyStyle] = {}
    for lang, entries in data.items():
        lang = str(lang)
        if lang == "money":
            money = validate_money(entries, file, doc.key_line)
            continue
        if lang not in LANGS:
            raise PromptFileError(PromptProblem(
                file, doc.key_line([lang]), f"unknown language {lang!r}; use one of {', '.join(LANGS)}"))
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise PromptFileError(PromptProblem(
                file, doc.key_line([lang]), f"{lang}: expected 'written: spoken' entries"))
        out: list[LexiconRule] = []
        for written, spoken in entries.items():
            written_s = str(written).strip()
            if not written_s or spoken is None or isinstance(spoken, (dict, list)):
                raise PromptFileError(PromptProblem(
                    file, doc.key_line([lang, written]),
                    f"{lang}: entry {written!r} needs one spoken text"))
            out.append(LexiconRule(written_s, str(spoken).strip()))
        out.sort(key=lambda r: len(r.written), reverse=True)
        rules[lang] = out
    return LexiconTable(rules, {lang: _combined(r) for lang, r in rules.items() if r}, money)


class Lexicon:
    """The lexicon file in a PromptBook: every call sees the newest good version."""

    def __init__(self, book: PromptBook | None = None) -> None:
        self.book = book if book is not None else PromptBook(PROMPTS_DIR)

    def table(self) -> LexiconTable:
        return self.book.yaml(LEXICON_FILE, default=LexiconTable(), validator=validate_lexicon)

    def rules(self, lang: Lang) -> list[LexiconRule]:
        return self.table().rules.get(lang, [])

    def money_style(self, lang: Lang) -> MoneyStyle:
        return self.table().money.get(lang, FULL)

    def apply(self, text: str, lang: Lang) -> str:
        """Replace every written form of `lang` with its spoken form (spaced, so units split)."""
        table = self.table()
        pattern = table.patterns.get(lang)
        if pattern is None:
            return text
        rules = table.rules[lang]
        return pattern.sub(lambda m: f" {rules[(m.lastindex or 1) - 1].spoken} ", text)


register_schema(LEXICON_FILE, lambda doc: validate_lexicon(doc.data, doc.file, doc.text))
