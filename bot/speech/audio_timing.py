"""Mouth timing from audio alone, for engines that give none (XTTS, edge without words, …).

Per 10 ms hop (20 ms Hann window) we measure loudness, zero crossings, spectral centroid and
where the low-frequency energy sits, and map each frame to a class whose representative IPA
symbol gives the avatar the right mouth: "" pause (rest), "m" closed, "s" teeth (fricatives),
"a" wide open, "e" open, "o" rounded. Short runs are merged so the mouth does not flicker.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.events import PhonemeTiming
from bot.speech.engine import PAUSE_PHONEME

HOP_S = 0.010
WINDOW_S = 0.020
MIN_RUN_S = 0.040  # shorter runs join a neighbour: one video frame at 25 fps


@dataclass(frozen=True, slots=True)
class FrameFeatures:
    """Per-hop features; arrays of equal length."""

    level_db: np.ndarray  # dB relative to the clip's loud speech (95th percentile)
    abs_db: np.ndarray  # dBFS
    crossings_per_s: np.ndarray
    centroid_hz: np.ndarray
    low_ratio: np.ndarray  # energy below 350 Hz / energy below 4 kHz
    f1_ratio: np.ndarray  # energy 500–1200 Hz / energy below 4 kHz (open vowels are strong here)


def frame_features(pcm: np.ndarray, sample_rate: int) -> FrameFeatures:
    """Features of `pcm` (int16 or float in [-1, 1]) per 10 ms hop."""
    x = pcm.astype(np.float64)
    if pcm.dtype == np.int16:
        x /= 32768.0
    hop = max(1, round(HOP_S * sample_rate))
    win = max(hop, round(WINDOW_S * sample_rate))
    n = max(0, 1 + (len(x) - win) // hop) if len(x) >= win else 0
    if n == 0:
        empty = np.zeros(0)
        return FrameFeatures(empty, empty, empty, empty, empty, empty)
    idx = np.arange(win)[None, :] + hop * np.arange(n)[:, None]
    frames = x[idx]
    rms = np.sqrt(np.mean(frames**2, axis=1)) + 1e-9
    abs_db = 20 * np.log10(rms)
    signs = np.signbit(frames)
    crossings = np.count_nonzero(signs[:, 1:] != signs[:, :-1], axis=1) / (win / sample_rate)
    spec = np.abs(np.fft.rfft(frames * np.hanning(win), axis=1)) ** 2
    freqs = np.fft.rfftfreq(win, 1 / sample_rate)
    total = spec.sum(axis=1) + 1e-12
    centroid = (spec * freqs).sum(axis=1) / total
    band = spec[:, freqs < 4000].sum(axis=1) + 1e-12
    low = spec[:, freqs < 350].sum(axis=1) / band
    f1 = spec[:, (freqs >= 500) & (freqs < 1200)].sum(axis=1) / band
    ref = float(np.percentile(abs_db, 95))
    return FrameFeatures(abs_db - ref, abs_db, crossings, centroid, low, f1)


def classify_frames(f: FrameFeatures) -> list[str]:
    """One representative IPA symbol per hop (PAUSE_PHONEME for silence)."""
    out: list[str] = []
    for level, absolute, zc, centroid, low, f1 in zip(
        f.level_db, f.abs_db, f.crossings_per_s, f.centroid_hz, f.low_ratio, f.f1_ratio, strict=True
    ):
        if level < -35 or absolute < -60:
            out.append(PAUSE_PHONEME)
        elif zc > 3500 or centroid > 3500:
            out.append("s")  # hiss: s, ʃ, f, tʃ → teeth showing
        elif low > 0.6 and level < -12:
            out.append("m")  # hum with little above 350 Hz: nasals and closures
        elif f1 > 0.45 and level > -10:
            out.append("a")
        elif centroid < 700 and low > 0.35:
            out.append("o")
        else:
            out.append("e")
    return out


def _runs(labels: list[str]) -> list[tuple[str, int, int]]:
    runs: list[tuple[str, int, int]] = []
    for i, label in enumerate(labels):
        if runs and runs[-1][0] == label:
            runs[-1] = (label, runs[-1][1], i + 1)
        else:
            runs.append((label, i, i + 1))
    return runs


def _merge_short(runs: list[tuple[str, int, int]], min_hops: int) -> list[tuple[str, int, int]]:
    changed = True
    while changed and len(runs) > 1:
        changed = False
        for i, (_label, a, b) in enumerate(runs):
            if b - a >= min_hops:
                continue
            # A run too short to show joins its longer neighbour.
            left = runs[i - 1] if i > 0 else None
            right = runs[i + 1] if i + 1 < len(runs) else None
            if left is None and right is None:
                continue
            if right is None or (left is not None and left[2] - left[1] >= right[2] - right[1]):
                target = left
            else:
                target = right
            assert target is not None
            merged = (target[0], min(a, target[1]), max(b, target[2]))
            lo = i - 1 if target is left else i
            runs[lo:lo + 2] = [merged]
            changed = True
            break
    # Neighbours may now share a label.
    out: list[tuple[str, int, int]] = []
    for run in runs:
        if out and out[-1][0] == run[0]:
            out[-1] = (run[0], out[-1][1], run[2])
        else:
            out.append(run)
    return out


def estimate_phonemes(pcm: np.ndarray, sample_rate: int) -> list[PhonemeTiming]:
    """Phoneme-like spans (representative IPA symbols) covering the whole clip."""
    feats = frame_features(pcm, sample_rate)
    if len(feats.level_db) == 0:
        return []
    runs = _merge_short(_runs(classify_frames(feats)), round(MIN_RUN_S / HOP_S))
    duration = len(pcm) / sample_rate
    # Frame i's window is centred at i*hop + window/2; spans start half a window in.
    offset = WINDOW_S / 2 - HOP_S / 2
    out: list[PhonemeTiming] = []
    for k, (label, a, b) in enumerate(runs):
        start = 0.0 if k == 0 else a * HOP_S + offset
        end = duration if k == len(runs) - 1 else b * HOP_S + offset
        if end > start:
            out.append(PhonemeTiming(label, start, min(end, duration)))
    return out
