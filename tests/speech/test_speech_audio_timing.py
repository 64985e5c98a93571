"""Audio-driven timing, checked against espeak's own (sample-exact) phoneme timings."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from bot.events import PhonemeTiming
from bot.speech.audio_timing import estimate_phonemes
from bot.speech.engine import PAUSE_PHONEME
from bot.speech.espeak import EspeakEngine

LINES = {
    "vi": ["Xin chào các bạn, hôm nay chúng tôi giới thiệu sản phẩm mới.",
           "Áo sơ mi màu đỏ, giá hai trăm bốn mươi chín nghìn đồng. Mua ngay nhé!"],
    "zh": ["大家好，欢迎来到直播间。", "这件衣服很漂亮，价格五十九元。"],
    "en": ["Hello everyone, welcome to the show.",
           "My best product is a big bamboo map, buy it now, please!"],
}


def _mouth(ipa: str) -> str:
    """silent / closed (p b m) / open (a e) / other, from an IPA name."""
    bare = "".join(c for c in unicodedata.normalize("NFD", ipa)
                   if c not in "ˈˌː.0123456789" and not unicodedata.combining(c))
    if not bare:
        return "silent"
    if bare[0] in "pbmɓ":
        return "closed"
    return "open" if bare[0] in "aɑɐeɛæə" else "other"


def _at(spans: list[PhonemeTiming], t: float) -> str:
    for p in spans:
        if p.start <= t < p.end:
            return p.phoneme
    return PAUSE_PHONEME


@pytest.mark.parametrize("speed", [1.0, 1.5 * 1.15])  # normal, and the fastest rate × busy pace
def test_estimate_agrees_with_espeak_timings(speed: float) -> None:
    engine = EspeakEngine()
    frames = speaking_agree = oc_total = oc_agree = 0
    for lang, lines in LINES.items():
        for text in lines:
            out = engine.synthesize(text, lang, speed=speed)  # type: ignore[arg-type]
            est = estimate_phonemes(out.pcm, out.sample_rate)
            duration = len(out.pcm) / out.sample_rate
            assert est[0].start == 0.0 and est[-1].end == pytest.approx(duration)
            for i in range(int(duration / 0.04)):  # one 25 fps video frame each
                t = i * 0.04 + 0.02
                truth, guess = _mouth(_at(out.phonemes, t)), _mouth(_at(est, t))
                frames += 1
                speaking_agree += (truth == "silent") == (guess == "silent")
                if truth in ("open", "closed") and guess in ("open", "closed"):
                    oc_total += 1
                    oc_agree += truth == guess
    speaking = speaking_agree / frames
    open_closed = oc_agree / oc_total
    print(f"speaking-vs-silent {speaking:.3f} over {frames} frames; open-vs-closed {open_closed:.3f}"
          f" over {oc_total}")
    assert speaking >= 0.80
    assert open_closed >= 0.70 and oc_total > 50 / speed  # faster speech: fewer frames


def test_estimate_on_silence_and_tone() -> None:
    sr = 44100
    silence = np.zeros(sr, dtype=np.int16)
    assert [p.phoneme for p in estimate_phonemes(silence, sr)] == [PAUSE_PHONEME]
    t = np.arange(sr) / sr
    # Half a second of quiet, then a loud 700 Hz vowel-like tone: pause then an open mouth.
    tone = np.where(t < 0.5, 0.0, 0.5 * np.sin(2 * np.pi * 700 * t))
    est = estimate_phonemes((tone * 32767).astype(np.int16), sr)
    assert est[0].phoneme == PAUSE_PHONEME and est[0].end == pytest.approx(0.5, abs=0.03)
    assert est[-1].phoneme == "a"
    assert estimate_phonemes(np.zeros(10, dtype=np.int16), sr) == []
