"""edge-tts (Microsoft's online neural voices) behind the SpeechEngine interface.

Online only: `edge_tts` is imported here, lazily. The service sends MP3 (24 kHz) and, when
asked with boundary="WordBoundary", word offsets in 100 ns ticks; each word's span is split
over its phonemes from espeak's G2P, so the avatar gets phoneme timing like any engine.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import av
import numpy as np

from bot.events import Lang, PhonemeTiming, WordTiming
from bot.speech.engine import PAUSE_PHONEME, SpeechError, Synthesis
from bot.speech.espeak import EspeakEngine

DEFAULT_VOICES = {"vi": "vi-VN-HoaiMyNeural", "zh": "zh-CN-XiaoxiaoNeural", "en": "en-US-AriaNeural"}
_TICKS_PER_S = 10_000_000
_MIN_GAP_S = 0.02
_VOWEL_WEIGHT = 2.0  # a vowel lasts about twice a consonant


@dataclass(slots=True)
class EdgeStream:
    """What one edge-tts request returned: MP3 bytes and word boundaries."""

    mp3: bytes
    words: list[WordTiming]


def collect_stream(items: Iterable[Mapping[str, Any]]) -> EdgeStream:
    """Gather edge-tts stream items ({"type": "audio", "data"} / {"type": "WordBoundary", …})."""
    audio = bytearray()
    words: list[WordTiming] = []
    for item in items:
        kind = item.get("type")
        if kind == "audio":
            audio += item["data"]
        elif kind == "WordBoundary":
            start = int(item["offset"]) / _TICKS_PER_S
            words.append(WordTiming(str(item["text"]), start, start + int(item["duration"]) / _TICKS_PER_S))
    return EdgeStream(bytes(audio), words)


def decode_mp3(data: bytes) -> tuple[np.ndarray, int]:
    """MP3 bytes to mono int16 PCM and its rate (PyAV)."""
    if not data:
        raise SpeechError("edge-tts returned no audio")
    try:
        with av.open(io.BytesIO(data), format="mp3") as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=stream.rate)
            parts = [f.to_ndarray().reshape(-1) for frame in container.decode(stream)
                     for f in resampler.resample(frame)]
            rate = stream.rate
    except (av.FFmpegError, IndexError) as exc:
        raise SpeechError(f"edge-tts audio does not decode as MP3: {exc}") from exc
    if not parts:
        raise SpeechError("edge-tts audio decoded to nothing")
    return np.concatenate(parts).astype(np.int16), int(rate)


def _is_vowel(ipa: str) -> bool:
    bare = ipa.lstrip("ˈˌ")
    return bool(bare) and bare[0] in "aeiouyɑɐɒæɛəɘɜɞɪʊʌɔøœɤɯɵʉɨ"


def words_to_phonemes(words: list[WordTiming], lang: Lang, g2p: EspeakEngine,
                      duration: float) -> list[PhonemeTiming]:
    """Spread each word's span over its espeak phonemes (vowels weigh double); gaps are pauses."""
    out: list[PhonemeTiming] = []
    t = 0.0
    for word in words:
        # Boundaries may overlap a little; a word never starts before the previous one ended.
        start = max(word.start, t)
        end = max(word.end, start)
        if start - t >= _MIN_GAP_S:
            out.append(PhonemeTiming(PAUSE_PHONEME, t, start))
        names = g2p.phonemize(word.word, lang) or ["ə"]
        weights = np.array([_VOWEL_WEIGHT if _is_vowel(n) else 1.0 for n in names])
        share = np.concatenate([[0.0], np.cumsum(weights)]) / weights.sum()
        edges = start + (end - start) * share
        out += [PhonemeTiming(n, float(a), float(b))
                for n, a, b in zip(names, edges[:-1], edges[1:], strict=True)]
        t = end
    if duration - t >= _MIN_GAP_S:
        out.append(PhonemeTiming(PAUSE_PHONEME, t, duration))
    return [p for p in out if p.end > p.start]


class EdgeEngine:
    """Microsoft Edge online voices; needs the network, so it is never the default."""

    name = "edge"

    def __init__(self, voices: dict[str, str] | None = None, g2p: EspeakEngine | None = None) -> None:
        try:
            import edge_tts  # noqa: F401
        except ImportError as exc:
            raise SpeechError(
                f"edge-tts is not installed ({exc}); `pip install edge-tts` (online only)") from exc
        self.voices = {**DEFAULT_VOICES, **(voices or {})}
        self.g2p = g2p or EspeakEngine()

    async def _fetch(self, text: str, voice: str) -> EdgeStream:
        import edge_tts

        communicate = edge_tts.Communicate(text, voice, boundary="WordBoundary")
        items: AsyncIterator[dict[str, Any]] = communicate.stream()
        return collect_stream([item async for item in items])

    def synthesize(self, text: str, lang: Lang, voice: str | None = None) -> Synthesis:
        """Blocking: runs the request on a private event loop (we are on a worker thread)."""
        voice = voice or self.voices[lang]
        try:
            fetched = asyncio.run(self._fetch(text, voice))
        except Exception as exc:  # network, service or protocol errors
            raise SpeechError(
                f"edge-tts request failed for voice {voice}: {type(exc).__name__}: {exc}") from exc
        return synthesis_from_stream(fetched, lang, voice, self.g2p)


def synthesis_from_stream(fetched: EdgeStream, lang: Lang, voice: str, g2p: EspeakEngine) -> Synthesis:
    """Decode the MP3 and turn word boundaries into phoneme timings."""
    pcm, rate = decode_mp3(fetched.mp3)
    duration = len(pcm) / rate
    words = [WordTiming(w.word, min(w.start, duration), min(w.end, duration)) for w in fetched.words]
    return Synthesis(pcm=pcm, sample_rate=rate, phonemes=words_to_phonemes(words, lang, g2p, duration),
                     words=words, voice=voice)
