"""Phrase templates per section and language (prompts/templates.yaml): validation and rendering.

Moderators edit the file while the show runs; `load_templates` goes through the PromptBook, so
an edit applies to the next line and a broken file keeps the last good version in force.
"""

from __future__ import annotations

import logging
import string
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.events import LANGS, Lang
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem
from bot.prompts.check import check_yaml_file, register_schema
from bot.prompts.lined_yaml import LinedYaml

log = logging.getLogger(__name__)

TEMPLATES_FILE = "templates.yaml"


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """What a section's lines may say: allowed placeholders and the ones every line must use."""

    allowed: frozenset[str]
    required: frozenset[str] = frozenset()
    forms: tuple[str, ...] = ()  # sub-forms instead of a flat list (greeting: one / two / many)
    optional: bool = False  # a file written before the section existed is still valid (bundled lines serve)


def _spec(allowed: str, required: str = "", forms: tuple[str, ...] = (), optional: bool = False) -> SectionSpec:
    return SectionSpec(frozenset(allowed.split()), frozenset(required.split()), forms, optional)


def _brief(allowed: str, required: str = "") -> SectionSpec:
    return _spec(allowed, required, optional=True)


SECTIONS: dict[str, SectionSpec] = {
    "price": _spec("name product price", "product price"),
    "price_promo": _spec("name product price promo_price", "product promo_price"),
    "voucher": _spec("name product voucher", "voucher"),
    "stock": _spec("name product stock", "product stock"),
    "in_stock": _spec("name product", "product"),
    "out_of_stock": _spec("name product", "product"),
    "spec": _spec("name product description", "description"),
    "spec_none": _spec("name product", "product"),
    "no_promo": _spec("name product price", "product"),
    "buy": _spec("name product", "product"),
    "greeting_reply": _spec("name"),
    "ask_which": _spec("name current", "current"),
    "ask_which_no_current": _spec("name"),
    "hostile_price": _spec("name product price", "product price"),
    "deflect": _spec("name"),
    "human_check": _spec("name"),
    "disclosure": _spec(""),
    "greeting": _spec("name name1 name2 names others", forms=("one", "two", "many")),
    "thanks_gift": _spec("name gift count", "gift"),
    "thanks_gifts": _brief("names", "names"),
    "thanks_gifts_more": _brief("names others", "names others"),
    "asked_earlier": _brief("name", "name"),
    "thanks_follow": _spec("name"),
    "thanks_share": _spec("name"),
    "thanks_purchase": _spec("name product"),
    "quiet_prompt": _spec("product"),
    "filler": _spec(""),
    # Brief answers (a busy room): one short sentence of facts per product. `answer_short` is the frame,
    # the *_short fragments below are the facts it lists ("199.000đ, còn 12 cái").
    "answer_short": _brief("name product facts", "product facts"),
    "price_short": _brief("price", "price"),
    "stock_short": _brief("stock", "stock"),
    "in_stock_short": _brief(""),
    "size_short": _brief("size", "size"),
    "sizes_short": _brief("sizes", "sizes"),
    "one_size_short": _brief(""),
    "no_size_short": _brief("size sizes", "sizes"),
    "sold_out_short": _brief("name product alternative", "product"),
    "sold_out_alternative": _brief("name product alternative", "product alternative"),
    "buy_size": _brief("name product size quantity", "product size"),
    "voucher_short": _brief("name voucher", "voucher"),
    "human_check_short": _brief("name"),
    "hostile_price_short": _brief("product price", "product price"),
    "spec_short": _brief("name product description", "description"),
    "card_was": _brief("price", "price"),  # words on screen, not said
    "ai_label": _brief(""),
}
# Sections older prompt folders still have, which the host no longer says: accepted and ignored.
RETIRED_SECTIONS: dict[str, str] = {"many_asked": "a crowd's answer names its viewers instead"}
# Per greeting form, the placeholders its lines must use.
GREETING_REQUIRED: dict[str, frozenset[str]] = {
    "one": frozenset({"name"}), "two": frozenset({"name1", "name2"}), "many": frozenset({"names", "others"}),
}

# section -> lang -> form ("" for flat sections) -> lines
Templates = dict[str, dict[str, dict[str, list[str]]]]


def placeholders(line: str) -> set[str]:
    """The {names} a template line uses; raises ValueError on broken braces."""
    return {field for _, field, _, _ in string.Formatter().parse(line) if field is not None}


def _as_written(item: Any, doc: LinedYaml, path: tuple[Any, ...]) -> str | None:
    """A list item as the line it is in the file (`- 5` is the line "5"); None for a list or mapping."""
    if isinstance(item, str):
        return item
    if isinstance(item, list | dict):
        return None
    spot = doc.spot(path)
    return spot.scalar if spot is not None and spot.path == path and spot.scalar is not None else str(item)


def _check_lines(value: Any, doc: LinedYaml, path: tuple[Any, ...], spec: SectionSpec,
                 required: frozenset[str], where: str) -> list[str]:
    file = doc.file
    if not isinstance(value, list) or not value:
        raise PromptFileError(PromptProblem(file, doc.key_line(path), f"{where}: expected a non-empty list of lines"))

    def fail(i: int, message: str) -> PromptFileError:
        return PromptFileError(PromptProblem(file, doc.line((*path, i)), f"{where}: {message}"))

    lines: list[str] = []
    for i, item in enumerate(value):
        text = _as_written(item, doc, (*path, i))
        if text is None or not text.strip():
            raise fail(i, "each line must be non-empty text")
        try:
            used = placeholders(text)
        except ValueError as exc:
            raise fail(i, f"broken braces: {exc}") from None
        unknown = used - spec.allowed
        if unknown:
            allowed = ", ".join(f"{{{a}}}" for a in sorted(spec.allowed)) or "none"
            raise fail(i, f"unknown placeholder {{{sorted(unknown)[0]}}} (allowed: {allowed})")
        missing = required - used
        if missing:
            raise fail(i, f"line lacks the placeholder {{{sorted(missing)[0]}}}")
        lines.append(text)
    return lines


def _check_forms(value: Any, doc: LinedYaml, path: tuple[Any, ...], spec: SectionSpec,
                 where: str) -> dict[str, list[str]]:
    forms = {str(k): v for k, v in value.items()} if isinstance(value, dict) else {}
    names = ", ".join(spec.forms)
    for form in forms:  # a misspelt form first: its line is the precise one
        if form not in spec.forms:
            raise PromptFileError(PromptProblem(
                doc.file, doc.key_line((*path, form)), f"{where}: unknown form '{form}' ({names})"))
    for form in spec.forms:
        if form not in forms:
            raise PromptFileError(PromptProblem(
                doc.file, doc.key_line(path), f"{where}: missing form '{form}' ({names})"))
    out: dict[str, list[str]] = {}
    for form, body in forms.items():
        required = GREETING_REQUIRED.get(form, frozenset())
        out[form] = _check_lines(body, doc, (*path, form), spec, required, f"{where}.{form}")
    return out


def validate_templates(data: Any, file: str, text: str | None = None) -> Templates:
    """Check parsed templates.yaml against SECTIONS; raise PromptFileError with file and line."""
    doc = LinedYaml(file, data, text)
    if not isinstance(data, dict):
        raise PromptFileError(PromptProblem(file, 1, "expected sections (price:, greeting:, …) at top level"))
    out: Templates = {}
    for key, body in data.items():
        name = str(key)
        if name in RETIRED_SECTIONS:
            log.info("%s:%s: section '%s' is no longer used (%s); it is ignored", file, doc.key_line((name,)), name,
                     RETIRED_SECTIONS[name])
            continue
        spec = SECTIONS.get(name)
        if spec is None:
            raise PromptFileError(PromptProblem(
                file, doc.key_line((name,)), f"unknown section '{name}' (known: {', '.join(SECTIONS)})"))
        langs = {str(k): v for k, v in body.items()} if isinstance(body, dict) else {}
        for lang in LANGS:
            if lang not in langs:
                raise PromptFileError(PromptProblem(
                    file, doc.key_line((name,)), f"section '{name}' has no '{lang}' lines"))
        out[name] = {}
        for lang, lang_body in langs.items():
            if lang not in LANGS:
                raise PromptFileError(PromptProblem(
                    file, doc.key_line((name, lang)), f"section '{name}': unknown language '{lang}' (use vi, zh, en)"))
            where = f"{name}.{lang}"
            if spec.forms:
                out[name][lang] = _check_forms(lang_body, doc, (name, lang), spec, where)
            else:
                out[name][lang] = {"": _check_lines(lang_body, doc, (name, lang), spec, spec.required, where)}
    missing = [s for s, spec in SECTIONS.items() if s not in out and not spec.optional]
    if missing:
        raise PromptFileError(PromptProblem(file, 1, f"missing section(s): {', '.join(missing)}"))
    return out


def _templates_schema(doc: LinedYaml) -> Templates:
    return validate_templates(doc.data, doc.file, doc.text)


def check_templates_file(path: Path) -> list[PromptProblem]:
    """Validate one templates file; the problems found (empty when it is good)."""
    return check_yaml_file(path, _templates_schema)


_BUNDLED: Templates | None = None


def bundled_templates() -> Templates:
    """The templates shipped with livebot: the floor when a user's file was never valid."""
    global _BUNDLED
    if _BUNDLED is None:
        doc = LinedYaml.read(PROMPTS_DIR / TEMPLATES_FILE)
        _BUNDLED = validate_templates(doc.data, doc.file, doc.text)
    return _BUNDLED


def load_templates(book: PromptBook) -> Templates:
    """The newest good templates from the book (hot reload), else the bundled ones."""
    value = book.yaml(TEMPLATES_FILE, default=None, validator=validate_templates)
    if value is None:
        return bundled_templates()
    if len(value) < len(SECTIONS):  # an older file without the optional sections: bundled lines fill in
        return {**bundled_templates(), **value}
    return value


class TemplateError(KeyError):
    """A render request the templates cannot serve (unknown section, form or missing fields)."""


def choose_line(lines: list[str], section: str, seed: int) -> str:
    """Deterministic pick: consecutive seeds walk the list, so a line never repeats back-to-back."""
    offset = zlib.crc32(section.encode("utf-8"))
    return lines[(seed + offset) % len(lines)]


def render_lines(templates: Templates, section: str, lang: Lang, seed: int, form: str = "",
                 fields: Mapping[str, object] | None = None) -> str:
    """Fill one line of `section` in `lang`; lines needing a field that was not given are skipped."""
    fields = {k: v for k, v in (fields or {}).items() if v is not None and v != ""}
    by_lang = templates.get(section)
    if by_lang is None:
        raise TemplateError(f"unknown template section {section!r}")
    forms = by_lang.get(lang) or by_lang.get("vi") or {}
    lines = forms.get(form)
    if lines is None:
        raise TemplateError(f"section {section!r} has no form {form!r} (forms: {', '.join(forms)})")
    usable = [line for line in lines if placeholders(line) <= fields.keys()]
    if not usable:
        raise TemplateError(f"no {section}.{lang} line can be filled from {sorted(fields)}")
    return choose_line(usable, f"{section}.{form}", seed).format_map({k: str(v) for k, v in fields.items()})


def render_template(book: PromptBook, section: str, lang: Lang, seed: int, form: str = "",
                    **fields: object) -> str:
    """One filled line of `section` in `lang` from the live templates (see prompts/templates.yaml)."""
    return render_lines(load_templates(book), section, lang, seed, form, fields)


_LIST_JOIN = {"vi": (", ", " và "), "zh": ("、", "和"), "en": (", ", " and ")}


def join_names(names: list[str], lang: Lang) -> str:
    """'Lan, Minh và An' / 'Lan、Minh和An' / 'Lan, Minh and An'."""
    sep, last = _LIST_JOIN.get(lang, _LIST_JOIN["en"])
    if len(names) <= 1:
        return "".join(names)
    return sep.join(names[:-1]) + last + names[-1]


def render_greeting(book: PromptBook, lang: Lang, names: list[str], others: int = 0, seed: int = 0) -> str:
    """Greet merged joins: one name, two names, or a few names and how many others."""
    if not names:
        raise TemplateError("a greeting needs at least one name")
    if others <= 0 and len(names) == 1:
        return render_template(book, "greeting", lang, seed, form="one", name=names[0])
    if others <= 0 and len(names) == 2:
        return render_template(book, "greeting", lang, seed, form="two", name1=names[0], name2=names[1])
    if others <= 0:  # three or more names and no count: name two, count the rest
        names, others = names[:2], len(names) - 2
    sep = _LIST_JOIN.get(lang, _LIST_JOIN["en"])[0]  # the line itself says "và / 和 / and" before {others}
    return render_template(book, "greeting", lang, seed, form="many", names=sep.join(names), others=others)


register_schema(TEMPLATES_FILE, _templates_schema)
