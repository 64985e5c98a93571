"""edge-tts parsing/decoding offline (an MP3 we encode with PyAV, boundaries from espeak) and the
Coqui adapter's import check. No network: the edge request itself is never made here."""

from __future__ import annotations

import importlib.util
import io
from fractions import Fraction

import av
import numpy as np
import pytest

from bot.speech.edge_engine import collect_stream, decode_mp3, synthesis_from_stream, words_to_phonemes
from bot.speech.engine import PAUSE_PHONEME, SpeechError
from bot.speech.espeak import EspeakEngine
from bot.speech.speaker import make_engine


def _mp3(pcm: np.ndarray, rate: int) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, 0, Fraction(1, rate)
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


def test_edge_stream_parse_decode_and_phonemes(espeak: EspeakEngine) -> None:
    spoken = espeak.synthesize("Hello everyone, welcome to the show.", "en")
    mp3 = _mp3(spoken.pcm, spoken.sample_rate)
    # Items shaped as edge-tts 7.x yields them, audio split into several chunks.
    items: list[dict[str, object]] = [{"type": "audio", "data": mp3[i:i + 4000]}
                                      for i in range(0, len(mp3), 4000)]
    for w in spoken.words:
        # Like the service, a word ends where its sound ends, not where the next word starts.
        end = max(p.end for p in spoken.phonemes if w.start <= p.start < w.end and p.phoneme != PAUSE_PHONEME)
        items.append({"type": "WordBoundary", "offset": round(w.start * 1e7),
                      "duration": round((end - w.start) * 1e7), "text": w.word})
    fetched = collect_stream(items)
    assert fetched.mp3 == mp3 and [w.word for w in fetched.words] == [w.word for w in spoken.words]
    out = synthesis_from_stream(fetched, "en", "en-US-AriaNeural", espeak)
    duration = len(spoken.pcm) / spoken.sample_rate
    assert out.sample_rate == spoken.sample_rate and out.pcm.dtype == np.int16
    assert len(out.pcm) / out.sample_rate == pytest.approx(duration, abs=0.1)  # MP3 pads a little
    # Every word's span is covered by its own phonemes, in order.
    names = [p.phoneme for p in out.phonemes]
    assert names[:4] == ["h", "ə", "l", "ˈoʊ"]
    hello = out.words[0]
    inside = [p for p in out.phonemes if hello.start <= p.start < hello.end]
    assert inside[0].start == pytest.approx(hello.start) and inside[-1].end == pytest.approx(hello.end)
    assert PAUSE_PHONEME in names  # the comma gap between "everyone" and "welcome"
    for a, b in zip(out.phonemes, out.phonemes[1:], strict=False):
        assert a.end <= b.start + 1e-9


def test_edge_words_to_phonemes_weights_vowels(espeak: EspeakEngine) -> None:
    from bot.events import WordTiming

    out = words_to_phonemes([WordTiming("ma", 0.1, 0.4)], "en", espeak, duration=0.5)
    assert [p.phoneme for p in out] == ["", "m", "ˈɑː", ""]
    assert out[1].end - out[1].start == pytest.approx(0.1) and out[2].end - out[2].start == pytest.approx(0.2)


def test_edge_bad_audio_is_a_speech_error() -> None:
    with pytest.raises(SpeechError, match="no audio"):
        decode_mp3(b"")
    with pytest.raises(SpeechError):
        decode_mp3(b"definitely not an mp3 file" * 10)


def test_edge_engine_reports_why_it_cannot_load() -> None:
    if importlib.util.find_spec("edge_tts") is not None:
        pytest.skip("edge-tts is installed here; its synthesis needs the network, which tests never use")
    with pytest.raises(SpeechError, match="edge-tts is not installed"):
        make_engine("edge")


def test_coqui_engine() -> None:
    try:
        engine = make_engine("coqui")
    except SpeechError as exc:
        assert "coqui-tts cannot be imported" in str(exc)
        # Expected on this machine: coqui-tts needs torchaudio, whose PyPI wheels are CUDA builds.
        pytest.skip(f"Coqui cannot run here: {exc}")
    with pytest.raises(SpeechError, match="not found locally"):
        engine.synthesize("hello", "en", voice="tts_models/en/no-such-model")
