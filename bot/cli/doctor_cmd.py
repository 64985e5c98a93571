"""`livebot doctor`: what works on this machine before going live, and what to do about the rest.

Each check returns one `Finding` (✔/✘, what was found, the fix). Required ones (speech, fonts, the
database, and whatever the seller asked about: `--rtmp`, a configured LLM) decide the exit code;
the others (virtual camera, audio device, TikTok sign server) only matter for some set-ups.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from rich.console import Console
from rich.markup import escape

from bot.avatar.font_book import coverage, shipped_fonts
from bot.cli.voices import available_voices
from bot.config import LlmSettings, Settings, reveal
from bot.events import LANGS
from bot.output.settings import OutputSettings

PROBE_TIMEOUT_S = 5.0
DEFAULT_SIGN_URL = "https://api.eulerstream.com"  # TikTokLive's own default when SIGN_API_URL is unset


@dataclass(frozen=True, slots=True)
class Finding:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def installed_voices_by_language(voices_dir: Path | None = None) -> dict[str, list[str]]:
    """lang -> usable voices ("engine:voice"), from bot/speech through `livebot voices`' listing."""
    by_lang: dict[str, list[str]] = {lang: [] for lang in LANGS}
    for row in available_voices(voices_dir):
        if row.status in ("default", "ok") and row.language in by_lang:
            by_lang[row.language].append(f"{row.engine}:{row.voice}")
    return by_lang


def check_voices(voices: Callable[[], dict[str, list[str]]] = installed_voices_by_language) -> Finding:
    by_lang = voices()
    missing = [lang for lang, names in by_lang.items() if not names]
    detail = "; ".join(f"{lang} {', '.join(names) if names else 'none'}" for lang, names in by_lang.items())
    return Finding("voices", not missing, detail,
                   "" if not missing else f"no voice for {', '.join(missing)}: reinstall livebot (espeak-ng comes "
                                          "with the espeakng-loader wheel), or install a Piper voice (docs/voices.md)")


def _gb2312_hanzi() -> list[str]:
    out = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:  # the few empty cells at the end of row 0xD7
                continue
    return out


def check_fonts() -> Finding:
    fonts = shipped_fonts()
    if not fonts:
        return Finding("fonts", False, "the font livebot ships is missing from the package",
                       "reinstall livebot: bot/avatar/fonts/LivebotSans-Bold.otf belongs to the wheel")
    cmap = coverage(str(fonts[0]))
    gb2312 = _gb2312_hanzi()
    hanzi = sum(1 for ch in gb2312 if ord(ch) in cmap)
    vietnamese = "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    vi_ok = all(ord(ch) in cmap for ch in vietnamese + vietnamese.upper())
    ok = vi_ok and hanzi == len(gb2312)
    return Finding("fonts", ok, f"{fonts[0].name}: Vietnamese {'complete' if vi_ok else 'INCOMPLETE'}, "
                                f"CJK {hanzi}/{len(gb2312)} GB2312 hanzi",
                   "" if ok else "reinstall livebot; the shipped font file is damaged")


def check_virtualcam(output: OutputSettings | None = None) -> Finding:
    try:
        import pyvirtualcam
    except ImportError:
        return Finding("virtual camera", False, "pyvirtualcam is not installed",
                       "pip install 'livebot[virtualcam]' (only for --output virtualcam)", required=False)
    s = output or Settings().output
    try:
        with pyvirtualcam.Camera(320, 240, 25, device=s.camera_device, backend=s.camera_backend) as cam:
            return Finding("virtual camera", True, f"{cam.backend} backend, device {cam.device}", required=False)
    except (RuntimeError, ValueError) as exc:
        return Finding("virtual camera", False, f"no virtual camera ({exc})",
                       "Linux: sudo modprobe v4l2loopback devices=1 video_nr=10 exclusive_caps=1; Windows/macOS: "
                       "install OBS and start its Virtual Camera once (docs/going-live.md)", required=False)


def check_audio_device(output: OutputSettings | None = None) -> Finding:
    wanted = (output or Settings().output).audio_device
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        return Finding("audio device", False, f"sounddevice/PortAudio unavailable ({exc})",
                       "pip install 'livebot[virtualcam]' and the PortAudio library (Debian: libportaudio2)",
                       required=False)
    try:
        outputs = [d["name"] for d in sounddevice.query_devices() if d["max_output_channels"] > 0]
    except sounddevice.PortAudioError as exc:
        outputs, wanted = [], wanted or f"({exc})"
    if wanted and wanted.lower() != "none":
        found = [n for n in outputs if wanted.isdigit() or wanted.lower() in n.lower()]
        ok = bool(found)
        detail = f"LIVEBOT_AUDIO_DEVICE={wanted}: " + (f"found {found[0]}" if ok else "not found")
    else:
        ok = bool(outputs)
        detail = f"{len(outputs)} output device(s)" + (f", e.g. {outputs[0]}" if outputs else "")
    return Finding("audio device", ok, detail,
                   "" if ok else "install a virtual cable (VB-Audio Cable, BlackHole, a PulseAudio null sink) and "
                                 "set LIVEBOT_AUDIO_DEVICE to its name; list devices: python -m sounddevice",
                   required=False)


def check_rtmp(url: str) -> Finding:
    """TCP connect and the RTMP handshake's first step (C0+C1 out, S0 = version 3 back)."""
    parts = urlsplit(url)
    if parts.scheme not in ("rtmp", "rtmps") or not parts.hostname:
        return Finding("rtmp", False, f"{url!r} is not an rtmp:// or rtmps:// URL",
                       "copy the server URL from TikTok's LIVE on PC/Mac page")
    port = parts.port or (443 if parts.scheme == "rtmps" else 1935)
    where = f"{parts.scheme}://{parts.hostname}:{port}"  # never print the stream key
    started = time.perf_counter()
    try:
        raw = socket.create_connection((parts.hostname, port), timeout=PROBE_TIMEOUT_S)
    except OSError as exc:
        return Finding("rtmp", False, f"{where} unreachable ({exc})",
                       "check the URL, the network and any firewall on port " + str(port))
    try:
        with raw:
            conn: socket.socket = raw
            if parts.scheme == "rtmps":
                conn = ssl.create_default_context().wrap_socket(raw, server_hostname=parts.hostname)
            conn.sendall(b"\x03" + bytes(1536))
            version = conn.recv(1)
    except (OSError, ssl.SSLError) as exc:  # connected, but no handshake: a web server, a proxy, a wrong port
        version = f"no handshake reply ({exc})".encode()
    ms = (time.perf_counter() - started) * 1000
    if version != b"\x03":
        return Finding("rtmp", False, f"{where} accepts connections, but does not answer as an RTMP server",
                       "check the URL: it should be the ingest server TikTok gives you")
    return Finding("rtmp", True, f"{where} answers the RTMP handshake ({ms:.0f} ms)")


def check_llm(base_url: str | None = None, api_key: str | None = None, model: str | None = None,
              llm: LlmSettings | None = None) -> Finding:
    """A one-token chat completion against the configured OpenAI-compatible endpoint, timed."""
    llm = llm or Settings().llm  # the same settings `--llm openai` reads (environment, then .env)
    base_url = base_url or llm.base_url
    api_key = api_key or reveal(llm.api_key)
    if base_url is None and api_key is None:
        return Finding("llm", True, "not configured: the offline responder answers (--llm offline)", required=False)
    model = model or llm.model
    endpoint = (base_url or "https://api.openai.com/v1").rstrip("/") + "/chat/completions"
    body = json.dumps({"model": model, "max_tokens": 1, "messages": [{"role": "user", "content": "ping"}]})
    request = urllib.request.Request(endpoint, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json", **({"Authorization": f"Bearer {api_key}"} if api_key else {})})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT_S) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        return Finding("llm", False, f"{endpoint} answered HTTP {exc.code} for model {model}",
                       "check OPENAI_API_KEY and LIVEBOT_LLM_MODEL (docs/llm.md)")
    except (OSError, ValueError) as exc:
        return Finding("llm", False, f"{endpoint} unreachable ({getattr(exc, 'reason', exc)})",
                       "start the server or fix OPENAI_BASE_URL; without it use --llm offline")
    ms = (time.perf_counter() - started) * 1000
    deadline_s = llm.deadline_s
    late = f"; slower than LIVEBOT_LLM_DEADLINE_S={deadline_s}, so the offline responder will answer first" \
        if ms > deadline_s * 1000 else ""
    return Finding("llm", True, f"{model} at {endpoint} answered in {ms:.0f} ms{late}")


def check_sign_server(url: str | None = None) -> Finding:
    """Any HTTP answer from the TikTok sign server counts: it is up; only the TikTok source needs it."""
    # TikTokLive's own variable, read where TikTokLive reads it: the environment (not livebot's .env).
    url = url or os.environ.get("SIGN_API_URL") or DEFAULT_SIGN_URL
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        return Finding("tiktok sign server", False, f"{url} unreachable ({getattr(exc, 'reason', exc)})",
                       "check the network, or set SIGN_API_URL (and SIGN_API_KEY) to your sign server",
                       required=False)
    ms = (time.perf_counter() - started) * 1000
    return Finding("tiktok sign server", True, f"{url} answered HTTP {status} in {ms:.0f} ms", required=False)


def check_database(url: str) -> Finding:
    """Create, fill and drop a probe table: the same rights the store needs to write a show."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import SQLAlchemyError

    safe = url.split("@")[-1] if "@" in url else url  # no password in the report
    try:
        engine = create_engine(url)
        with engine.begin() as conn:  # SQLite commits DDL at once, so the probe table is dropped, not rolled back
            conn.execute(text("CREATE TABLE IF NOT EXISTS livebot_doctor_probe (n INTEGER)"))
            conn.execute(text("INSERT INTO livebot_doctor_probe VALUES (1)"))
            conn.execute(text("DROP TABLE livebot_doctor_probe"))
        engine.dispose()
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        return Finding("database", False, f"{safe} not writable ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                       "point --db / LIVEBOT_DB at a folder you can write, or start the database server")
    return Finding("database", True, f"{safe} writable")


def run_checks(db: str, rtmp: str | None = None, settings: Settings | None = None) -> list[Finding]:
    """Every check, in the order a seller sets up: voice, text, picture, sound, stream, brain, room, records."""
    s = settings or Settings()
    findings = [check_voices(lambda: installed_voices_by_language(s.voices.dir)), check_fonts(),
                check_virtualcam(s.output), check_audio_device(s.output)]
    if rtmp:
        findings.append(check_rtmp(rtmp))
    findings += [check_llm(llm=s.llm), check_sign_server(), check_database(db)]
    return findings


def doctor_command(db: str | None, rtmp: str | None) -> int:
    """Print one line per check; return the exit code (1 when a required check failed)."""
    console = Console(highlight=False, soft_wrap=True)
    settings = Settings()
    findings = run_checks(db or settings.db, rtmp, settings)
    for f in findings:
        mark = "[green]✔[/]" if f.ok else ("[red]✘[/]" if f.required else "[yellow]✘[/]")
        fix = f" — fix: {escape(f.fix)}" if f.fix and not f.ok else ""
        console.print(f"{mark} {f.name}: {escape(f.detail)}{fix}")
    failed = [f.name for f in findings if f.required and not f.ok]
    optional = [f.name for f in findings if not f.required and not f.ok]
    if failed:
        console.print(f"[red]not ready[/]: {', '.join(failed)} must work before going live")
    else:
        console.print("[green]ready[/]" + (f" (optional, for some set-ups: {', '.join(optional)})" if optional else ""))
    return 1 if failed else 0
