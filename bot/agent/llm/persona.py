"""The persona / system prompt moderators edit in `prompts/persona.md`.

The file is Markdown with optional YAML front matter (between `---` lines) holding short settings:
`host`, `shop` and per-language `fillers` (what the host says while the model is still thinking).
The body is the system prompt; `{host}`, `{shop}` and `{language}` are filled in per turn, `{{` / `}}`
write a literal brace. Lines starting with `>` are example lines the host may say verbatim; they are
left out of prompt-leak detection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.events import LANGS, Lang
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem, parse_yaml_text

PERSONA_FILE = "persona.md"
PLACEHOLDERS = ("host", "shop", "language")
LANGUAGE_NAMES: dict[str, str] = {"vi": "Vietnamese (tiếng Việt)", "zh": "Simplified Chinese (简体中文)",
                                  "en": "English"}
_FIELD = re.compile(r"(?<!\{)\{([^{}]*)\}(?!\})")


@dataclass(frozen=True, slots=True)
class Persona:
    """A parsed persona file: settings from the front matter and the system-prompt body."""

    body: str
    host: str = "Mai"
    shop: str = "shop"
    fillers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def render(self, lang: Lang) -> str:
        """The system prompt for a turn in `lang`."""
        return self.body.format(host=self.host, shop=self.shop, language=LANGUAGE_NAMES.get(lang, lang))

    @property
    def leak_text(self) -> str:
        """The instruction text whose verbatim repetition counts as a prompt leak."""
        return "\n".join(line for line in self.body.splitlines() if not line.lstrip().startswith(">"))


def parse_persona(text: str, file: str) -> Persona:
    """Parse persona.md text; raise PromptFileError naming the file and line of the first problem."""
    meta: Any = {}
    body = text
    body_start = 1  # 1-based line number of the body's first line
    lines = text.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
        if end is None:
            raise PromptFileError(PromptProblem(file, 1, "front matter opened with '---' is never closed"))
        try:
            meta = parse_yaml_text("".join(lines[1:end]), file) or {}
        except PromptFileError as exc:
            line = exc.problem.line + 1 if exc.problem.line is not None else None
            raise PromptFileError(PromptProblem(file, line, exc.problem.message)) from None
        if not isinstance(meta, dict):
            raise PromptFileError(PromptProblem(file, 2, "front matter must be a mapping (key: value)"))
        body = "".join(lines[end + 1:])
        body_start = end + 2
    if not body.strip():
        raise PromptFileError(PromptProblem(file, body_start, "the persona text is empty"))
    for offset, line in enumerate(body.splitlines()):
        for name in _FIELD.findall(line):
            if name not in PLACEHOLDERS:
                raise PromptFileError(PromptProblem(
                    file, body_start + offset,
                    f"unknown placeholder {{{name}}} (known: {', '.join(PLACEHOLDERS)}; "
                    "write {{ for a brace)"))
    fillers: dict[str, tuple[str, ...]] = {}
    raw_fillers = meta.get("fillers", {}) or {}
    if not isinstance(raw_fillers, dict):
        raise PromptFileError(PromptProblem(
            file, _meta_line(lines, "fillers"), "'fillers' must map a language to lines"))
    for lang, items in raw_fillers.items():
        good = isinstance(items, list) and all(isinstance(i, str) and i.strip() for i in items)
        if lang not in LANGS or not good:
            raise PromptFileError(PromptProblem(
                file, _meta_line(lines, f"{lang}:"),
                f"fillers.{lang}: expected a list of lines for vi, zh or en"))
        fillers[lang] = tuple(i.strip() for i in items)
    try:
        body.format(host="", shop="", language="")
    except (ValueError, IndexError, KeyError) as exc:
        raise PromptFileError(PromptProblem(file, body_start, f"bad braces in persona text: {exc}")) from None
    return Persona(body=body.strip() + "\n", host=str(meta.get("host", "Mai")),
                   shop=str(meta.get("shop", "shop")), fillers=fillers)


def _meta_line(lines: list[str], needle: str) -> int | None:
    for i, line in enumerate(lines, start=1):
        if line.strip().startswith(needle):
            return i
    return None


def load_persona(prompts: PromptBook) -> Persona | None:
    """The newest good persona (None when there has never been a good one)."""
    text = prompts.parsed(PERSONA_FILE, parse_persona)
    return text if isinstance(text, Persona) else None
