"""Piper voices by name: the known list that ships with livebot, the voices folder, and which
installed voice speaks each language by default."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from bot.events import LANGS

KNOWN_VOICES_FILE = Path(__file__).with_name("known_voices.yaml")
# Piper's naming: LANG_REGION-DATASET-QUALITY, e.g. vi_VN-vais1000-medium.
_NAME = re.compile(r"^(?P<locale>(?P<lang>[a-z]{2,3})_[A-Z]{2})-(?P<dataset>[A-Za-z0-9_]+)"
                   r"-(?P<quality>x_low|low|medium|high)$")
_QUALITY_RANK = {"high": 0, "medium": 1, "low": 2, "x_low": 3}


@dataclass(frozen=True, slots=True)
class KnownVoice:
    name: str
    lang: str
    quality: str
    sample_rate: int
    licence: str
    recommended: bool = False


@dataclass(frozen=True, slots=True)
class InstalledVoice:
    name: str
    path: Path
    lang: str  # vi / zh / en, or the config's own language family for others
    quality: str
    sample_rate: int | None
    licence: str
    problem: str = ""  # why the voice cannot be used, "" when it can


@lru_cache(maxsize=1)
def _known_file() -> dict:
    return yaml.safe_load(KNOWN_VOICES_FILE.read_text(encoding="utf-8"))


def hub_repo() -> tuple[str, str]:
    """The hub repository and revision the Piper voices come from."""
    data = _known_file()
    return str(data["repo"]), str(data.get("revision", "main"))


def known_voices() -> dict[str, KnownVoice]:
    return {name: KnownVoice(name=name, lang=str(v["lang"]), quality=str(v["quality"]),
                             sample_rate=int(v["sample_rate"]), licence=str(v["licence"]),
                             recommended=bool(v.get("recommended", False)))
            for name, v in _known_file()["voices"].items()}


def recommended_voices() -> list[str]:
    """One good voice per language, in the order of LANGS."""
    by_lang = {v.lang: v.name for v in known_voices().values() if v.recommended}
    return [by_lang[lang] for lang in LANGS if lang in by_lang]


def is_voice_name(name: str) -> bool:
    return _NAME.match(name) is not None


def hub_path(name: str) -> str:
    """Where a voice's .onnx sits in the hub repo: vi/vi_VN/vais1000/medium/vi_VN-vais1000-medium.onnx."""
    m = _NAME.match(name)
    if m is None:
        raise ValueError(f"{name!r} is not a Piper voice name (LANG_REGION-DATASET-QUALITY)")
    return f"{m['lang']}/{m['locale']}/{m['dataset']}/{m['quality']}/{name}.onnx"


def suggest(name: str, limit: int = 3) -> list[str]:
    """Known voice names close to a mistyped or unknown one, best first."""
    from rapidfuzz import fuzz, process

    hits = process.extract(name, list(known_voices()), scorer=fuzz.WRatio, limit=limit, score_cutoff=50)
    # Only those nearly as close as the best: a far third guess is noise, not help.
    return [h[0] for h in hits if h[1] >= hits[0][1] - 15]


def read_voice_config(config: Path) -> dict:
    """A Piper .onnx.json; ValueError when it is not one."""
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{config.name} is not valid JSON ({exc})") from None
    if not isinstance(data, dict) or "phoneme_id_map" not in data or "sample_rate" not in data.get("audio", {}):
        raise ValueError(f"{config.name} is not a Piper voice config (no audio.sample_rate / phoneme_id_map)")
    return data


def _installed(onnx: Path, known: dict[str, KnownVoice]) -> InstalledVoice:
    name = onnx.name[: -len(".onnx")]
    k = known.get(name)
    m = _NAME.match(name)
    lang = k.lang if k else (m["lang"] if m else "")
    quality = k.quality if k else (m["quality"] if m else "")
    licence = k.licence if k else "see the voice's MODEL_CARD"
    config = Path(f"{onnx}.json")
    if not config.is_file():
        return InstalledVoice(name, onnx, lang, quality, None, licence, f"missing {config.name} beside it")
    try:
        data = read_voice_config(config)
    except ValueError as exc:
        return InstalledVoice(name, onnx, lang, quality, None, licence, str(exc))
    # The config is the voice's own word on its language; a name is only a convention.
    lang = str(data.get("language", {}).get("family") or lang)
    quality = str(data["audio"].get("quality") or quality)
    return InstalledVoice(name, onnx, lang, quality, int(data["audio"]["sample_rate"]), licence)


@lru_cache(maxsize=8)
def _scan(folder: Path, _stamp: int) -> tuple[InstalledVoice, ...]:
    known = known_voices()
    return tuple(_installed(p, known) for p in sorted(folder.glob("*.onnx")) if p.is_file())


def installed_voices(folder: Path | None) -> list[InstalledVoice]:
    """The Piper voices in a folder (NAME.onnx + NAME.onnx.json), usable or not."""
    if folder is None or not folder.is_dir():
        return []
    # The folder's mtime changes when a voice is moved in or out: a fresh scan, else the cached one.
    return list(_scan(folder, folder.stat().st_mtime_ns))


def default_voice_for(lang: str, folder: Path | None) -> InstalledVoice | None:
    """The installed voice that speaks `lang` when voices.yaml names none: the recommended one,
    else the best quality, else the first by name."""
    usable = [v for v in installed_voices(folder) if v.lang == lang and not v.problem]
    if not usable:
        return None
    known = known_voices()
    return min(usable, key=lambda v: (not (v.name in known and known[v.name].recommended),
                                      _QUALITY_RANK.get(v.quality, 9), v.name))


def voices_dir(configured: Path | None = None) -> Path:
    """The configured folder (`Settings.voices.dir`: LIVEBOT_VOICES_DIR), else the user's cache: livebot/voices."""
    if configured is not None:
        return configured.expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("livebot") / "voices"
