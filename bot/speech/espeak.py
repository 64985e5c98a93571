"""espeak-ng through the `espeakng-loader` wheel (ctypes): audio plus sample-exact phoneme timing.

espeak keeps global state inside the library, so there is one library handle per process
(`_EspeakLibrary.shared()`), and every call into it holds one lock. SYNCHRONOUS mode runs the
synthesis callback in the calling thread, so a caller's worker thread does all the work.
"""

from __future__ import annotations

import ctypes as C
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.events import Lang, PhonemeTiming, WordTiming
from bot.speech.engine import PAUSE_PHONEME, SpeechError, Synthesis

log = logging.getLogger(__name__)

# speak_lib.h constants (espeak-ng 1.52).
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS = 0x0001
_INIT_PHONEME_IPA = 0x0002
_INIT_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_EVENT_LIST_TERMINATED = 0
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_PARAM_RATE = 1
_PHONEMES_IPA = 0x02  # espeak_TextToPhonemes phonememode bit: IPA names

# Our languages to espeak voice names. The wheel's 1.52 `cmn` reads Hanzi correctly
# (Debian's 1.51 `cmn` does not; see docs/voices.md).
DEFAULT_VOICES: dict[str, str] = {"vi": "vi", "zh": "cmn", "en": "en-us"}

# espeak-ng's normal rate (espeakRATE_NORMAL) and the range it accepts, in words per minute.
RATE_NORMAL = 175
_RATE_RANGE = (80, 450)

# An empty-named event shorter than this is a word boundary, not a pause worth a closed mouth.
_MIN_PAUSE_S = 0.02


class _EventId(C.Union):
    _fields_ = [("number", C.c_int), ("name", C.c_char_p), ("string", C.c_char * 8)]


class _Event(C.Structure):
    _fields_ = [
        ("type", C.c_int),
        ("unique_identifier", C.c_uint),
        ("text_position", C.c_int),
        ("length", C.c_int),
        ("audio_position", C.c_int),
        ("sample", C.c_int),
        ("user_data", C.c_void_p),
        ("id", _EventId),
    ]


_SynthCallback = C.CFUNCTYPE(C.c_int, C.POINTER(C.c_short), C.c_int, C.POINTER(_Event))


@dataclass(slots=True)
class _Job:
    """What one espeak_Synth call produced; filled by the callback."""

    chunks: list[np.ndarray] = field(default_factory=list)
    phonemes: list[tuple[str, int]] = field(default_factory=list)  # (ipa, ms)
    words: list[tuple[int, int, int]] = field(default_factory=list)  # (text_position, length, ms)


class _EspeakLibrary:
    """The process-wide libespeak-ng handle; every method takes the lock."""

    _instance: _EspeakLibrary | None = None
    _instance_lock = threading.Lock()

    def __init__(self, library_path: str, data_path: str) -> None:
        self.lock = threading.RLock()
        try:
            lib = C.CDLL(library_path)
        except OSError as exc:
            raise SpeechError(f"espeak-ng library cannot load from {library_path}: {exc}") from exc
        lib.espeak_Initialize.argtypes = [C.c_int, C.c_int, C.c_char_p, C.c_int]
        lib.espeak_Initialize.restype = C.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetVoiceByName.argtypes = [C.c_char_p]
        lib.espeak_SetVoiceByName.restype = C.c_int
        lib.espeak_SetParameter.argtypes = [C.c_int, C.c_int, C.c_int]
        lib.espeak_Synth.argtypes = [C.c_void_p, C.c_size_t, C.c_uint, C.c_int, C.c_uint, C.c_uint,
                                     C.POINTER(C.c_uint), C.c_void_p]
        lib.espeak_Synth.restype = C.c_int
        lib.espeak_TextToPhonemes.argtypes = [C.POINTER(C.c_void_p), C.c_int, C.c_int]
        lib.espeak_TextToPhonemes.restype = C.c_char_p
        self.sample_rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(),
            _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT,
        )
        if self.sample_rate <= 0:
            raise SpeechError(f"espeak-ng failed to initialise with data at {data_path}")
        self._lib = lib
        self._job: _Job | None = None
        self._callback = _SynthCallback(self._on_synth)  # keep a reference: C holds only a pointer
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None
        self._rate: int | None = None

    @classmethod
    def shared(cls) -> _EspeakLibrary:
        with cls._instance_lock:
            if cls._instance is None:
                import espeakng_loader

                cls._instance = cls(espeakng_loader.get_library_path(), espeakng_loader.get_data_path())
            return cls._instance

    def _on_synth(self, wav: C.POINTER(C.c_short), n: int, events: C.POINTER(_Event)) -> int:  # type: ignore[valid-type]
        job = self._job
        if job is None:
            return 0
        if n > 0:
            job.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            ev = events[i]
            if ev.type == _EVENT_PHONEME:
                job.phonemes.append((ev.id.string.decode("utf-8", "replace"), ev.audio_position))
            elif ev.type == _EVENT_WORD:
                job.words.append((ev.text_position, ev.length, ev.audio_position))
            i += 1
        return 0

    def set_voice(self, voice: str) -> None:
        if voice == self._voice:
            return
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SpeechError(f"espeak-ng has no voice named {voice!r}")
        self._voice = voice
        self._rate = None  # a new voice resets the rate

    def set_rate(self, words_per_minute: int | None) -> None:
        if words_per_minute is None or words_per_minute == self._rate:
            return
        self._lib.espeak_SetParameter(_PARAM_RATE, int(words_per_minute), 0)
        self._rate = words_per_minute

    def synth(self, text: str) -> _Job:
        data = text.encode("utf-8")
        job = _Job()
        self._job = job
        try:
            rc = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            self._lib.espeak_Synchronize()
        finally:
            self._job = None
        if rc != 0:
            raise SpeechError(f"espeak_Synth failed with code {rc}")
        return job

    def text_to_phonemes(self, text: str) -> list[str]:
        """IPA phonemes of `text`, one list item per phoneme (G2P only, no audio)."""
        # phonememode: IPA, with '_' (bits 8-23) between phoneme names so multi-letter ones stay whole.
        mode = _PHONEMES_IPA | (ord("_") << 8)
        buf = C.create_string_buffer(text.encode("utf-8"))
        ptr = C.c_void_p(C.addressof(buf))
        out: list[str] = []
        while ptr.value:
            chunk = self._lib.espeak_TextToPhonemes(C.byref(ptr), _CHARS_UTF8, mode)
            if chunk:
                for word in chunk.decode("utf-8", "replace").split():
                    out.extend(p for p in word.split("_") if p)
        return out


class EspeakEngine:
    """The default, offline engine: espeak-ng with per-phoneme (IPA) and per-word timing."""

    name = "espeak"
    takes_speed = True

    def __init__(self, rate: int | None = None, voices: dict[str, str] | None = None) -> None:
        self.rate = rate  # words per minute at speed 1.0; None: espeak's normal 175
        self.voices = {**DEFAULT_VOICES, **(voices or {})}
        self._lib = _EspeakLibrary.shared()
        if self.voices["zh"] == "cmn" and not self.reads_hanzi("cmn"):
            # Debian's espeak-ng 1.51 `cmn` reads tone digits as English numbers; pinyin voice works.
            log.warning("espeak voice cmn cannot read Hanzi here; using cmn-latn-pinyin")
            self.voices["zh"] = "cmn-latn-pinyin"

    @property
    def sample_rate(self) -> int:
        return self._lib.sample_rate

    def voice_for(self, lang: Lang) -> str:
        return self.voices.get(lang, DEFAULT_VOICES["en"])

    def words_per_minute(self, speed: float = 1.0) -> int:
        """The espeak rate for `speed` × this engine's own rate (175 wpm unless given)."""
        wpm = round((self.rate or RATE_NORMAL) * speed)
        return min(max(wpm, _RATE_RANGE[0]), _RATE_RANGE[1])

    def synthesize(self, text: str, lang: Lang, voice: str | None = None, speed: float = 1.0) -> Synthesis:
        """Speak one sentence; phoneme spans end where the next event starts (or the audio ends).
        The phoneme events come from this synthesis, so they hold at any speed."""
        voice = voice or self.voice_for(lang)
        with self._lib.lock:
            self._lib.set_voice(voice)
            # Always set: a faster sentence before this one must not leave its rate behind.
            self._lib.set_rate(self.words_per_minute(speed))
            job = self._lib.synth(text)
        sr = self._lib.sample_rate
        pcm = np.concatenate(job.chunks) if job.chunks else np.zeros(0, dtype=np.int16)
        duration = len(pcm) / sr
        return Synthesis(
            pcm=pcm.astype(np.int16, copy=False),
            sample_rate=sr,
            phonemes=_phoneme_spans(job.phonemes, duration),
            words=_word_spans(text, job.words, duration),
            voice=voice,
        )

    def reads_hanzi(self, voice: str) -> bool:
        """Self-test: does `voice` turn 大家好 into Mandarin phonemes (not an English switch)?"""
        try:
            ipa = "".join(self.phonemize("大家好", "zh", voice))
        except SpeechError:
            return False
        return "(en)" not in ipa and "tɕ" in ipa

    def phonemize(self, text: str, lang: Lang, voice: str | None = None) -> list[str]:
        """IPA phonemes for `text` without audio (used to spread word timings over phonemes)."""
        with self._lib.lock:
            self._lib.set_voice(voice or self.voice_for(lang))
            return self._lib.text_to_phonemes(text)


def _phoneme_spans(events: list[tuple[str, int]], duration: float) -> list[PhonemeTiming]:
    out: list[PhonemeTiming] = []
    for i, (name, ms) in enumerate(events):
        start = min(ms / 1000.0, duration)
        end = min(events[i + 1][1] / 1000.0, duration) if i + 1 < len(events) else duration
        if end <= start:
            continue
        if not name:
            # Empty names mark boundaries; a short one is a word joint, a long one a real pause.
            if end - start < _MIN_PAUSE_S and out:
                out[-1] = PhonemeTiming(out[-1].phoneme, out[-1].start, end)
                continue
            name = PAUSE_PHONEME
        out.append(PhonemeTiming(name, start, end))
    return out


def _word_spans(text: str, events: list[tuple[int, int, int]], duration: float) -> list[WordTiming]:
    out: list[WordTiming] = []
    for i, (pos, length, ms) in enumerate(events):
        word = text[max(pos - 1, 0): max(pos - 1, 0) + length].strip()
        start = min(ms / 1000.0, duration)
        end = min(events[i + 1][2] / 1000.0, duration) if i + 1 < len(events) else duration
        if word and end >= start:
            out.append(WordTiming(word, start, end))
    return out


def espeak_languages() -> list[str]:
    """Voice names the bundled espeak-ng data offers (read from its voices folder)."""
    import espeakng_loader

    root = Path(espeakng_loader.get_data_path()) / "lang"
    return sorted(p.name for p in root.rglob("*") if p.is_file())
