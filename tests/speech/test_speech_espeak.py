"""espeak-ng engine: real library from the espeakng-loader wheel, real audio, real timings."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from bot.speech.engine import PAUSE_PHONEME, SpeechEngine, SpeechError
from bot.speech.espeak import EspeakEngine, espeak_languages

SENTENCES = {
    "vi": "Xin chào các bạn, hôm nay chúng tôi giới thiệu sản phẩm mới.",
    "zh": "大家好，欢迎来到直播间。",
    "en": "Hello everyone, welcome to the show.",
}


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def _rms(pcm: np.ndarray, sr: int, start: float, end: float) -> float:
    seg = pcm[int(start * sr): int(end * sr)].astype(np.float64)
    return float(np.sqrt(np.mean(seg**2))) if len(seg) else 0.0


def test_espeak_is_a_speech_engine(engine: EspeakEngine) -> None:
    assert isinstance(engine, SpeechEngine)
    assert engine.name == "espeak"


@pytest.mark.parametrize("lang", ["vi", "zh", "en"])
def test_espeak_timings_are_self_consistent(engine: EspeakEngine, lang: str) -> None:
    out = engine.synthesize(SENTENCES[lang], lang)  # type: ignore[arg-type]
    duration = len(out.pcm) / out.sample_rate
    assert out.pcm.dtype == np.int16 and out.sample_rate == 22050
    assert duration > 1.0
    spoken = [p for p in out.phonemes if p.phoneme != PAUSE_PHONEME]
    assert len(spoken) >= 15, out.phonemes
    # Ordered, non-overlapping, inside the audio, and the last one ends with the audio.
    for a, b in zip(out.phonemes, out.phonemes[1:], strict=False):
        assert a.start < a.end <= b.start + 1e-9
    assert out.phonemes[0].start < 0.06
    assert out.phonemes[-1].end == pytest.approx(duration, abs=0.01)
    # Sound where phonemes are, silence at the pauses (the comma pause in particular).
    pauses = [p for p in out.phonemes if p.phoneme == PAUSE_PHONEME and p.end - p.start >= 0.08]
    assert pauses, "the comma must give a pause event"
    loudest = max(_rms(out.pcm, out.sample_rate, p.start, p.end) for p in spoken)
    for p in pauses:
        assert _rms(out.pcm, out.sample_rate, p.start, p.end) < loudest * 0.05
    # Word timings: the first and last words of the written sentence.
    assert out.words and out.words[0].start == 0.0
    assert out.words[-1].end == pytest.approx(duration, abs=0.01)


def test_espeak_vietnamese_diacritics_and_hanzi_words(engine: EspeakEngine) -> None:
    vi = engine.synthesize(SENTENCES["vi"], "vi")
    assert [w.word for w in vi.words][:4] == ["Xin", "chào", "các", "bạn"]
    zh = engine.synthesize(SENTENCES["zh"], "zh")
    assert zh.words[0].word == "大"
    names = {p.phoneme.strip("ˈˌ") for p in zh.phonemes}
    # Mandarin, not digits read out in English (the broken Debian cmn voice says "da four").
    assert "tɕ" in names and not any(n.startswith("f") for n in names)


def test_espeak_phonemize_gives_ipa_without_audio(engine: EspeakEngine) -> None:
    ipa = engine.phonemize("hello", "en")
    assert ipa == ["h", "ə", "l", "ˈoʊ"]


def test_espeak_unknown_voice_is_a_speech_error(engine: EspeakEngine) -> None:
    with pytest.raises(SpeechError, match="no-such-voice"):
        engine.synthesize("hello", "en", voice="no-such-voice")
    # The engine still works after the error.
    assert len(engine.synthesize("hello", "en").pcm) > 1000


def test_espeak_is_thread_safe(engine: EspeakEngine) -> None:
    def names(lang: str) -> list[str]:
        return [p.phoneme for p in engine.synthesize(SENTENCES[lang], lang).phonemes]  # type: ignore[arg-type]

    # espeak's audio length varies by a few samples run to run; its phoneme sequence does not.
    expected = {lang: names(lang) for lang in SENTENCES}
    got: list[tuple[str, list[str]]] = []

    def work(lang: str) -> None:
        for _ in range(3):
            got.append((lang, names(lang)))

    threads = [threading.Thread(target=work, args=(lang,)) for lang in SENTENCES]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 9
    assert all(n == expected[lang] for lang, n in got)


def test_espeak_languages_lists_the_wheels_voices() -> None:
    langs = espeak_languages()
    assert {"vi", "cmn", "en-US"} <= set(langs) or {"vi", "cmn"} <= set(langs)


def test_espeak_chinese_self_test(engine: EspeakEngine) -> None:
    # The wheel's espeak-ng 1.52 reads Hanzi with `cmn`; an English voice does not.
    assert engine.reads_hanzi("cmn") and engine.voice_for("zh") == "cmn"
    assert not engine.reads_hanzi("en-us")
