"""Phoneme → mouth shape mapping and the per-frame track, checked against real espeak output."""

from __future__ import annotations

import pytest

from bot.avatar.visemes import PAUSE_MIN_S, REST, VisemeTrack, viseme_for_phoneme
from bot.events import PhonemeTiming


@pytest.mark.parametrize(
    ("ipa", "shape"),
    [
        ("p", "A"), ("b", "A"), ("m", "A"), ("ɓ", "A"),
        ("a", "D"), ("ˈaː", "D"), ("ˌaː2", "D"), ("ˈɑ5", "D"), ("aɪ", "D"),
        ("u", "F"), ("w", "F"), ("ʊ", "F"), ("ˈuː3", "F"),
        ("f", "G"), ("v", "G"),
        ("l", "H"), ("ɫ", "H"),
        ("ˈoʊ", "E"), ("ɔ", "E"), ("ɜː", "E"),
        ("ɛ", "C"), ("ə", "C"), ("ˈe6", "C"),
        ("t", "B"), ("s", "B"), ("tʃ", "B"), ("ɕ", "B"), ("ˈi", "B"), ("k", "B"), ("ŋ", "B"),
        ("", "X"), ("_", "X"), ("ˈ", "X"), ("5", "X"),
    ],
)
def test_phoneme_maps_to_rhubarb_shape(ipa: str, shape: str) -> None:
    assert viseme_for_phoneme(ipa) == shape


def test_combining_marks_are_stripped() -> None:
    # ã (a + combining tilde) and a nasalised ɔ̃ keep their base vowel's shape.
    assert viseme_for_phoneme("a\u0303") == "D"
    assert viseme_for_phoneme("ˈɔ̃ː") == "E"


def _ph(name: str, start: float, end: float) -> PhonemeTiming:
    return PhonemeTiming(name, start, end)


def test_track_rests_in_long_pauses_and_holds_through_short_gaps() -> None:
    phonemes = [
        _ph("m", 0.00, 0.12), _ph("a", 0.12, 0.40),  # "ma"
        _ph("", 0.40, 0.44),  # 40 ms word joint: hold
        _ph("p", 0.44, 0.56), _ph("a", 0.56, 0.80),
        _ph("", 0.80, 1.20),  # 400 ms pause: rest
        _ph("u", 1.20, 1.60),
    ]
    track = VisemeTrack.from_phonemes(phonemes, duration=2.0, lead=0.0, min_hold_frames=1)
    frames = track.frames()
    assert len(frames) == 50
    assert frames[:3] == "AAA" and frames[3:10] == "DDDDDDD"
    assert frames[10] == "D"  # 0.40–0.44 joint is held, not closed
    assert set(frames[21:30]) == {REST}
    assert set(frames[30:40]) == {"F"}
    assert set(frames[40:]) == {REST}  # after speech
    assert track.at(-1.0) == REST and track.at(5.0) == REST
    assert track.at(0.5) == "A" and track.at(1.3) == "F"


def test_lead_shifts_shapes_earlier() -> None:
    phonemes = [_ph("a", 0.40, 1.0)]
    late = VisemeTrack.from_phonemes(phonemes, 1.2, lead=0.0).frames()
    early = VisemeTrack.from_phonemes(phonemes, 1.2, lead=0.04).frames()
    assert late.index("D") == 10 and early.index("D") == 9


def test_min_hold_removes_one_frame_flicker() -> None:
    # A 40 ms "m" between vowels would show for one frame only; the hold keeps every shape ≥ 2 frames.
    phonemes = [_ph("a", 0.0, 0.40), _ph("m", 0.40, 0.44), _ph("o", 0.44, 0.80)]
    frames = VisemeTrack.from_phonemes(phonemes, 0.8, lead=0.0, min_hold_frames=2).frames()
    runs = [len(r) for r in _runs(frames)]
    assert min(runs[:-1]) >= 2, frames
    assert "A" in frames


def test_frames_resample_to_another_rate() -> None:
    track = VisemeTrack.from_phonemes([_ph("a", 0.0, 1.0)], 1.0, lead=0.0)
    assert track.frames(50) == "D" * 50
    assert track.frames(25) == track.shapes


def test_rejects_unknown_shapes() -> None:
    with pytest.raises(ValueError, match="unknown mouth shapes"):
        VisemeTrack("ABQ", 25)


def _runs(s: str) -> list[str]:
    out: list[str] = []
    for ch in s:
        if out and out[-1][0] == ch:
            out[-1] += ch
        else:
            out.append(ch)
    return out


@pytest.fixture(scope="module")
def espeak():
    from bot.speech.espeak import EspeakEngine

    return EspeakEngine()


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("vi", "Xin chào các bạn, hôm nay chúng tôi giới thiệu sản phẩm mới."),
        ("zh", "大家好，欢迎来到直播间。"),
        ("en", "Hello everyone. Welcome to the live, this red shirt is on sale."),
    ],
)
def test_track_follows_real_espeak_phonemes(espeak, lang: str, text: str) -> None:
    """Mouth is open while espeak says voiced phonemes and at rest in its pauses and after it."""
    syn = espeak.synthesize(text, lang)
    duration = len(syn.pcm) / syn.sample_rate
    fps, lead = 25, 0.04
    track = VisemeTrack.from_phonemes(syn.phonemes, duration, lead=lead, fps=fps)
    frames = track.frames()
    assert len(frames) == pytest.approx(duration * fps, abs=1)
    voiced = [p for p in syn.phonemes if viseme_for_phoneme(p.phoneme) != REST]
    pauses = [p for p in syn.phonemes if viseme_for_phoneme(p.phoneme) == REST and p.end - p.start >= PAUSE_MIN_S]
    assert voiced, "espeak gave no phoneme events"
    checked_voiced = checked_pause = 0
    for i, shape in enumerate(frames):
        t = i / fps + lead
        if any(p.start <= t < p.end for p in voiced):
            assert shape != REST, f"frame {i} ({t:.2f}s) shows rest while espeak speaks: {frames}"
            checked_voiced += 1
        # One frame of grace after a pause starts: the hold may keep the last shape a frame longer.
        elif any(p.start + 1 / fps <= t < p.end for p in pauses) or t >= voiced[-1].end + 1 / fps:
            assert shape == REST, f"frame {i} ({t:.2f}s) moves in a pause: {frames}"
            checked_pause += 1
    assert checked_voiced > 0.5 * len(frames)
    # espeak ends each sentence with silence; the vi sentence also pauses at its comma.
    assert checked_pause >= 1
    assert len(set(frames)) >= 4, f"too few distinct shapes for real speech: {frames}"
