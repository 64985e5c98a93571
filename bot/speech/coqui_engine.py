"""Coqui TTS (the idiap `coqui-tts` fork): XTTS v2 with a cloned voice, or VITS models.

`TTS` is imported only here, when the engine is made. Models load from local folders only
(nothing is downloaded): a folder with `config.json` and its checkpoint, given as a path, a
folder in the voices dir, or a model name found in Coqui's own cache. XTTS takes a speaker
sample: `path/to/xtts_v2?speaker=/path/to/seller.wav`. Coqui gives no timings; the Speaker
estimates them from the audio.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from bot.events import Lang
from bot.speech.engine import SpeechError, Synthesis
from bot.speech.voice_catalog import voices_dir as voices_folder

log = logging.getLogger(__name__)

XTTS_LANGS = {"zh": "zh-cn", "en": "en"}  # XTTS v2 has no Vietnamese


def coqui_cache_dir() -> Path:
    """Where Coqui keeps downloaded models (TTS_HOME, else the user data folder)."""
    home = os.environ.get("TTS_HOME") or os.environ.get("XDG_DATA_HOME")
    return Path(home) / "tts" if home else Path.home() / ".local" / "share" / "tts"


class CoquiEngine:
    """Local Coqui models per language; a model loads once."""

    name = "coqui"

    def __init__(self, voices_dir: Path | None = None, use_gpu: bool | None = None) -> None:
        try:
            from TTS.api import TTS  # noqa: F401
        except Exception as exc:  # ImportError, or torchaudio failing to load its CUDA build
            raise SpeechError(
                f"coqui-tts cannot be imported: {type(exc).__name__}: {exc} (it needs the coqui-tts package "
                "and a torch/torchaudio pair that load together; PyPI's torchaudio wheels are CUDA builds)"
            ) from exc
        self.voices_dir = voices_folder(voices_dir)  # the caller passes Settings.voices.dir
        self.use_gpu = use_gpu
        self._models: dict[Path, Any] = {}
        self._lock = threading.Lock()

    def resolve(self, spec: str) -> tuple[Path, Path | None]:
        """(model folder, speaker sample or None) for a voice spec; never downloads."""
        model, _, speaker = spec.partition("?speaker=")
        candidates = [Path(model).expanduser()]
        if self.voices_dir is not None:
            candidates.append(self.voices_dir / model)
        candidates.append(coqui_cache_dir() / model.replace("/", "--"))
        for c in candidates:
            if (c / "config.json").is_file():
                sample = Path(speaker).expanduser() if speaker else None
                if sample is not None and not sample.is_file():
                    raise SpeechError(f"coqui speaker sample {sample} not found")
                return c, sample
        looked = ", ".join(map(str, candidates))
        raise SpeechError(f"coqui model {model!r} not found locally (looked in {looked})")

    def _model(self, folder: Path) -> Any:
        with self._lock:
            if folder not in self._models:
                import torch
                from TTS.api import TTS

                gpu = torch.cuda.is_available() if self.use_gpu is None else self.use_gpu
                checkpoints = sorted(folder.glob("*.pth"))
                # XTTS loads from its folder; single-checkpoint models (VITS) from the file.
                is_xtts = (folder / "speakers_xtts.pth").exists() or "xtts" in folder.name.lower()
                model_path = folder if is_xtts or not checkpoints else checkpoints[0]
                tts = TTS(model_path=str(model_path), config_path=str(folder / "config.json"))
                self._models[folder] = tts.to("cuda" if gpu else "cpu")
                log.info("coqui model loaded: %s (gpu=%s)", folder, gpu)
            return self._models[folder]

    def synthesize(self, text: str, lang: Lang, voice: str | None = None) -> Synthesis:
        if not voice:
            raise SpeechError(f"no coqui model for language {lang!r} (set coqui.{lang} in voices.yaml)")
        folder, sample = self.resolve(voice)
        tts = self._model(folder)
        kwargs: dict[str, Any] = {}
        if getattr(tts, "is_multi_lingual", False):
            if lang not in XTTS_LANGS:
                raise SpeechError(f"coqui model {folder.name} does not speak {lang!r}")
            kwargs["language"] = XTTS_LANGS[lang]
        if sample is not None:
            kwargs["speaker_wav"] = str(sample)
        try:
            wav = tts.tts(text=text, **kwargs)
        except Exception as exc:
            raise SpeechError(f"coqui synthesis failed: {type(exc).__name__}: {exc}") from exc
        rate = int(tts.synthesizer.output_sample_rate)
        audio = np.clip(np.asarray(wav, dtype=np.float32), -1.0, 1.0)
        return Synthesis(pcm=(audio * 32767).astype(np.int16), sample_rate=rate, voice=voice)
