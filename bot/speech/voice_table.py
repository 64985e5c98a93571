"""prompts/voices.yaml: which voice each engine uses per language, and its `rate:` section, hot-reloaded."""

from __future__ import annotations

from typing import Any

from bot.events import LANGS, Lang
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem
from bot.prompts.check import register_schema
from bot.prompts.lined_yaml import LinedYaml
from bot.speech.engine import TTS_ENGINES
from bot.speech.pace import RateTable, validate_rate

VOICES_FILE = "voices.yaml"


class VoiceTable(dict[str, dict[str, str]]):
    """engine -> {lang -> voice}; the `rate:` section rides along so one validator reads the file."""

    rate: RateTable = RateTable()


def validate_voices(data: Any, file: str, text: str | None = None) -> VoiceTable:
    """engine -> {lang -> voice}; errors name file and line."""
    if data is None:
        return VoiceTable()
    if not isinstance(data, dict):
        raise PromptFileError(PromptProblem(file, 1, "voices.yaml must map an engine to {language: voice}"))
    doc = LinedYaml(file, data, text)
    table = VoiceTable()
    for engine, voices in data.items():
        engine = str(engine)
        if engine == "rate":
            table.rate = validate_rate(voices, file, doc.key_line)
            continue
        if engine not in TTS_ENGINES:
            raise PromptFileError(PromptProblem(
                file, doc.key_line([engine]),
                f"unknown engine {engine!r}; use one of {', '.join(TTS_ENGINES)}"))
        if voices is None:
            continue
        if not isinstance(voices, dict):
            raise PromptFileError(PromptProblem(
                file, doc.key_line([engine]), f"{engine}: expected lang: voice"))
        for lang, voice in voices.items():
            if str(lang) not in LANGS or not isinstance(voice, str) or not voice.strip():
                raise PromptFileError(PromptProblem(
                    file, doc.key_line([engine, lang]),
                    f"{engine}: {lang!r} must be one of {', '.join(LANGS)} with a voice name"))
        table[engine] = {str(k): str(v).strip() for k, v in voices.items()}
    return table


def voice_for(book: PromptBook, engine: str, lang: Lang) -> str | None:
    """The voice `engine` uses for `lang`, or None to let the engine pick its own."""
    table: VoiceTable = book.yaml(VOICES_FILE, default=VoiceTable(), validator=validate_voices)
    return table.get(engine, {}).get(lang)


def rates_for(book: PromptBook) -> RateTable:
    """The newest good `rate:` section of voices.yaml (defaults when the file has none)."""
    return book.yaml(VOICES_FILE, default=VoiceTable(), validator=validate_voices).rate


register_schema(VOICES_FILE, lambda doc: validate_voices(doc.data, doc.file, doc.text))
