"""The one interface every TTS engine implements; the avatar sees timings only through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np

from bot.events import Lang, PhonemeTiming, WordTiming


@dataclass(slots=True)
class Synthesis:
    """Audio for one sentence (mono int16) with the engine's own timing, if it gives any."""

    pcm: np.ndarray
    sample_rate: int
    phonemes: list[PhonemeTiming] = field(default_factory=list)
    words: list[WordTiming] = field(default_factory=list)
    voice: str = ""


# Every engine name `--tts` and voices.yaml accept (make_engine builds each).
TTS_ENGINES = ("espeak", "piper", "coqui", "edge")

# The phoneme name for a pause (silence between words or sentences): the avatar rests its mouth.
PAUSE_PHONEME = ""


class SpeechError(RuntimeError):
    """An engine could not speak a sentence (missing voice, crashed library, bad model)."""


@runtime_checkable
class SpeechEngine(Protocol):
    """An engine with `takes_speed = True` also accepts `synthesize(..., speed=factor)` (1.0: its
    normal pace); the speaker passes the voices.yaml rate × the sentence's pace only to those."""

    name: str

    def synthesize(self, text: str, lang: Lang, voice: str | None = None) -> Synthesis:
        """Speak one sentence (already in spoken form); blocking, called from a worker thread."""
        ...
