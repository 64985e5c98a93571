"""The speech stage's worker: a written sentence in, stage audio with mouth timing out.

spoken form -> engine (voice and rate per language from voices.yaml, times the sentence's pace)
-> espeak if the engine fails ->
resample to the stage rate -> one loudness -> timings (the engine's, or estimated from audio).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from bot.events import LANGS, PhonemeTiming, Sentence, SpeechSegment, WordTiming
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook
from bot.speech.audio_timing import estimate_phonemes
from bot.speech.coqui_engine import CoquiEngine
from bot.speech.edge_engine import EdgeEngine
from bot.speech.engine import TTS_ENGINES, SpeechEngine, SpeechError, Synthesis
from bot.speech.espeak import EspeakEngine
from bot.speech.lexicon import Lexicon
from bot.speech.piper_engine import PiperEngine
from bot.speech.spoken_form import to_spoken
from bot.speech.stage_audio import TARGET_DBFS, normalise_loudness, resample, to_int16
from bot.speech.voice_table import rates_for, voice_for

log = logging.getLogger(__name__)


def make_engine(name: str, *, voices_dir: Path | None = None) -> SpeechEngine:
    """An engine by name; SpeechError says why one cannot load (the caller falls back to espeak)."""
    if name == "espeak":
        return EspeakEngine()
    if name == "piper":
        return PiperEngine(voices_dir=voices_dir)
    if name == "coqui":
        return CoquiEngine(voices_dir=voices_dir)
    if name == "edge":
        return EdgeEngine()
    raise SpeechError(f"unknown TTS engine {name!r}; use one of {', '.join(TTS_ENGINES)}")


class Speaker:
    """Turns sentences into SpeechSegments at the stage rate; blocking, one call at a time per
    worker thread. A failing non-espeak engine never stops the show: espeak says the line."""

    def __init__(self, engine: SpeechEngine, stage_rate: int = 44100, prompts: PromptBook | None = None,
                 fallback: SpeechEngine | None = None, *, target_dbfs: float = TARGET_DBFS) -> None:
        self.engine = engine
        self.stage_rate = stage_rate
        self.prompts = prompts if prompts is not None else PromptBook(PROMPTS_DIR)
        self.lexicon = Lexicon(self.prompts)
        self._fallback = fallback
        self.target_dbfs = target_dbfs
        self.fallbacks = 0  # sentences espeak said instead of the chosen engine
        self._warned: set[tuple[str, str]] = set()
        self._fallback_lock = threading.Lock()

    @property
    def fallback(self) -> SpeechEngine:
        with self._fallback_lock:
            if self._fallback is None:
                self._fallback = EspeakEngine()
            return self._fallback

    def _warn_once(self, what: str, lang: str, exc: Exception, then: str) -> None:
        key = (f"{what}:{lang}", type(exc).__name__)
        if key not in self._warned:
            self._warned.add(key)
            log.warning("TTS %s failed for %s (%s: %s); %s", what, lang, type(exc).__name__, exc, then)
        else:
            log.debug("TTS %s failed again for %s: %s", what, lang, exc)

    def prepare(self, langs: Iterable[str] = LANGS) -> dict[str, str]:
        """Load each language's voice before the show, so no line waits for a model; a language
        with none (or a voice that fails) gets its one warning now and espeak speaks it."""
        load = getattr(self.engine, "load_voice", None)
        if load is None:
            return {}
        loaded: dict[str, str] = {}
        for lang in langs:
            try:
                loaded[lang] = load(lang, voice_for(self.prompts, self.engine.name, lang))  # type: ignore[arg-type]
            except Exception as exc:
                self._warn_once(self.engine.name, lang, exc, "espeak speaks instead")
        return loaded

    def _speed(self, engine: SpeechEngine, sentence: Sentence) -> dict[str, float]:
        """`speed=` for an engine with a rate control (read fresh: voices.yaml hot-reloads)."""
        if not getattr(engine, "takes_speed", False):
            return {}
        return {"speed": rates_for(self.prompts).speed(engine.name, sentence.lang, sentence.pace)}

    def _espeak(self, engine: SpeechEngine, text: str, sentence: Sentence) -> tuple[Synthesis, float]:
        """espeak with the configured voice; a bad voice name falls back to the language's own."""
        voice = voice_for(self.prompts, engine.name, sentence.lang)
        speed = self._speed(engine, sentence)
        try:
            return engine.synthesize(text, sentence.lang, voice, **speed), speed.get("speed", 1.0)
        except Exception as exc:
            if voice is None:
                raise SpeechError(f"espeak failed on reply {sentence.reply_id}: {exc}") from exc
            self._warn_once(f"espeak voice {voice!r}", sentence.lang, exc, "using the default voice")
        try:
            return engine.synthesize(text, sentence.lang, None, **speed), speed.get("speed", 1.0)
        except Exception as exc:
            raise SpeechError(f"espeak failed on reply {sentence.reply_id}: {exc}") from exc

    def _synthesize(self, text: str, sentence: Sentence) -> tuple[Synthesis, str, float]:
        engine = self.engine
        if engine.name == "espeak":
            synth, used = self._espeak(engine, text, sentence)
            return synth, engine.name, used
        speed = self._speed(engine, sentence)
        try:
            voice = voice_for(self.prompts, engine.name, sentence.lang)
            return engine.synthesize(text, sentence.lang, voice, **speed), engine.name, speed.get("speed", 1.0)
        except Exception as exc:
            self._warn_once(engine.name, sentence.lang, exc, "espeak speaks instead")
        self.fallbacks += 1
        fb = self.fallback
        synth, fb_speed = self._espeak(fb, text, sentence)
        return synth, fb.name, fb_speed

    def speak(self, sentence: Sentence) -> SpeechSegment:
        """Audio (int16 mono at the stage rate, one loudness) and mouth timing for one sentence."""
        t0 = time.perf_counter()
        text = to_spoken(sentence.text, sentence.lang, self.lexicon)
        if not text:
            # Only emoji or a link: nothing to say, nothing lost.
            return SpeechSegment(sentence=sentence, pcm=np.zeros(0, dtype=np.int16),
                                 sample_rate=self.stage_rate, engine=self.engine.name, synth_ms=0.0)
        synth, engine_name, speed = self._synthesize(text, sentence)
        audio = resample(synth.pcm, synth.sample_rate, self.stage_rate)
        audio = normalise_loudness(audio, self.stage_rate, self.target_dbfs)
        pcm = to_int16(audio)
        duration = len(pcm) / self.stage_rate
        phonemes = _clip_phonemes(synth.phonemes, duration) or estimate_phonemes(pcm, self.stage_rate)
        return SpeechSegment(
            sentence=sentence, pcm=pcm, sample_rate=self.stage_rate, phonemes=phonemes,
            words=_clip_words(synth.words, duration), engine=engine_name, voice=synth.voice, speed=speed,
            synth_ms=round((time.perf_counter() - t0) * 1000.0, 2),
        )

    def stream(self, sentences: Iterable[Sentence]) -> Iterator[SpeechSegment]:
        """Segments in order; sentence N+1 is synthesised in a background thread while N is used."""
        ready: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=1)
        stop = threading.Event()

        def produce() -> None:
            try:
                for sentence in sentences:
                    if stop.is_set():
                        return
                    item = ("segment", self.speak(sentence))
                    while not stop.is_set():
                        try:
                            ready.put(item, timeout=0.1)
                            break
                        except queue.Full:
                            continue
            except Exception as exc:  # handed to the consumer, raised there
                ready.put(("error", exc))
                return
            ready.put(("done", None))

        worker = threading.Thread(target=produce, name="speaker-stream", daemon=True)
        worker.start()
        try:
            while True:
                kind, value = ready.get()
                if kind == "done":
                    return
                if kind == "error":
                    assert isinstance(value, BaseException)
                    raise value
                assert isinstance(value, SpeechSegment)
                yield value
        finally:
            stop.set()
            while worker.is_alive():
                try:
                    ready.get(timeout=0.05)
                except queue.Empty:
                    pass
            worker.join()


def _clip_phonemes(phonemes: list[PhonemeTiming], duration: float) -> list[PhonemeTiming]:
    # Resampling may shorten the audio by a sample; timings never run past it.
    out = [PhonemeTiming(p.phoneme, p.start, min(p.end, duration)) for p in phonemes if p.start < duration]
    return [p for p in out if p.end > p.start]


def _clip_words(words: list[WordTiming], duration: float) -> list[WordTiming]:
    return [WordTiming(w.word, w.start, min(w.end, duration)) for w in words if w.start < duration]
