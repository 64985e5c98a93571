"""Phonemes (IPA, as espeak/piper name them) to Rhubarb mouth shapes A–H and X, per video frame.

Shapes (Rhubarb Lip Sync's set): A closed (p b m), B slightly open with teeth (most consonants,
"ee"), C open (e ɛ ə), D wide open (a ɑ), E slightly rounded (o ɔ), F puckered (u w), G upper teeth
on lower lip (f v), H tongue raised (l), X rest (silence).
"""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.events import PhonemeTiming

MOUTH_SHAPES = "ABCDEFGHX"
REST = "X"
PAUSE_MIN_S = 0.08  # a silence at least this long closes the mouth; shorter gaps hold the shape

# First IPA symbol of a phoneme (after stripping marks) → shape; anything else voiced is B.
_SHAPE_OF_SYMBOL: dict[str, str] = {
    **dict.fromkeys("pbmɓ", "A"),
    **dict.fromkeys("fvɱ", "G"),
    **dict.fromkeys("lɫɭɬ", "H"),
    **dict.fromkeys("uwʊyɥʉʏ", "F"),
    **dict.fromkeys("oɔɒɜɚʌøœɵɝɞ", "E"),
    **dict.fromkeys("aɑɐɶ", "D"),
    **dict.fromkeys("eɛæəɤɘ", "C"),
}
# Marks that decorate a phoneme without changing the mouth: stress, length, tone, pause markers.
_DECORATION = set("ˈˌːˑ'\",%=_|#-.0123456789˥˦˧˨˩")


def _bare_phoneme(ipa: str) -> str:
    """The phoneme without stress, length, tone digits, pause marks or combining diacritics."""
    decomposed = unicodedata.normalize("NFD", ipa)
    return "".join(
        ch for ch in decomposed
        if ch not in _DECORATION and not unicodedata.combining(ch) and not ch.isspace()
    )


def viseme_for_phoneme(ipa: str) -> str:
    """Mouth shape (A–H, or X for an empty/pause phoneme) for one IPA phoneme name."""
    bare = _bare_phoneme(ipa)
    if not bare:
        return REST
    return _SHAPE_OF_SYMBOL.get(bare[0], "B")


@dataclass(frozen=True, slots=True)
class _Span:
    start: float
    end: float
    shape: str


def _voiced_spans(phonemes: Sequence[PhonemeTiming], duration: float) -> list[_Span]:
    """Spans with a shape, sorted; an event without an end runs to the next one's start."""
    ordered = sorted(phonemes, key=lambda p: p.start)
    spans: list[_Span] = []
    for i, ph in enumerate(ordered):
        shape = viseme_for_phoneme(ph.phoneme)
        end = ph.end
        if end <= ph.start:
            # Engines that only give onsets: the phoneme lasts until the next event starts.
            end = ordered[i + 1].start if i + 1 < len(ordered) else duration
        if shape == REST or end <= ph.start:
            continue
        spans.append(_Span(ph.start, min(end, duration) if duration > 0 else end, shape))
    return spans


class VisemeTrack:
    """The mouth shape for every video frame of one speech segment."""

    def __init__(self, shapes: str, fps: int) -> None:
        bad = set(shapes) - set(MOUTH_SHAPES)
        if bad:
            raise ValueError(f"unknown mouth shapes {sorted(bad)} (expected some of {MOUTH_SHAPES})")
        if fps <= 0:
            raise ValueError(f"fps must be positive, got {fps}")
        self.shapes = shapes
        self.fps = fps

    @classmethod
    def from_phonemes(
        cls,
        phonemes: list[PhonemeTiming],
        duration: float,
        lead: float = 0.04,
        min_hold_frames: int = 2,
        fps: int = 25,
    ) -> VisemeTrack:
        """Build the per-frame track: shape at `i/fps + lead`, pauses ≥ 80 ms rest, holds ≥ N frames."""
        n_frames = max(0, math.ceil(duration * fps - 1e-9))
        spans = _voiced_spans(phonemes, duration)
        starts = [s.start for s in spans]
        raw: list[str] = []
        for i in range(n_frames):
            raw.append(_shape_at(spans, starts, i / fps + lead + 1e-9))  # 1e-9: 0.36 + 0.04 < 0.4 in floats
        return cls(_hold(raw, min_hold_frames), fps)

    def at(self, t: float) -> str:
        """Shape shown `t` seconds into the segment (X before and after it)."""
        if t < 0:
            return REST
        i = math.floor(t * self.fps + 1e-9)
        return self.shapes[i] if i < len(self.shapes) else REST

    def frames(self, fps: int | None = None) -> str:
        """One shape letter per frame at `fps` (the track's own rate when omitted)."""
        if fps is None or fps == self.fps:
            return self.shapes
        n = math.ceil(len(self.shapes) * fps / self.fps - 1e-9)
        return "".join(self.at(i / fps) for i in range(n))

    def __len__(self) -> int:
        return len(self.shapes)


def _shape_at(spans: list[_Span], starts: list[float], t: float) -> str:
    """Shape at time t: the covering span's, or across a short gap the previous one's, else X."""
    idx = bisect.bisect_right(starts, t) - 1
    if idx < 0:
        return REST
    span = spans[idx]
    if t < span.end:
        return span.shape
    # In a gap after spans[idx]: close the mouth only if the gap is long or speech is over.
    if idx + 1 >= len(spans):
        return REST
    gap = spans[idx + 1].start - span.end
    return REST if gap >= PAUSE_MIN_S else span.shape


def _hold(raw: list[str], min_hold: int) -> str:
    """Keep each shown shape for at least `min_hold` frames so the mouth never flickers."""
    if min_hold <= 1 or not raw:
        return "".join(raw)
    out: list[str] = []
    current, held = raw[0], 0
    for shape in raw:
        if shape != current and held >= min_hold:
            current, held = shape, 0
        out.append(current)
        held += 1
    return "".join(out)
