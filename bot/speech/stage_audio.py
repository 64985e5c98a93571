"""Engine audio to stage audio: resampled with PyAV (libswresample) and brought to one loudness.

Why PyAV: a windowed-sinc resampler that is already a dependency (the outputs use it), with no
aliasing on 22.05/24 kHz -> 44.1 kHz; numpy interpolation would need its own low-pass filter.
Loudness: gated RMS (EBU R128-style gating on 50 ms blocks, without K-weighting) brought to
one target, then a soft-knee limiter so peaks never clip.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np

TARGET_DBFS = -20.0
_BLOCK_S = 0.05
_ABS_GATE_DBFS = -60.0
_REL_GATE_DB = -20.0
_KNEE = 0.7  # the limiter starts here …
_CEILING = 0.98  # … and never passes this


def to_float(pcm: np.ndarray) -> np.ndarray:
    if pcm.dtype == np.int16:
        return pcm.astype(np.float32) / 32768.0
    return pcm.astype(np.float32, copy=False)


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)


def resample(x: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    """Float mono audio at `rate_in` to `rate_out`; the length is exactly the rounded ratio."""
    x = to_float(x).reshape(-1)
    if rate_in == rate_out or len(x) == 0:
        return x.copy()
    expected = round(len(x) * rate_out / rate_in)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_out)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(x[None, :]), format="flt", layout="mono")
    frame.sample_rate = rate_in
    frame.pts = 0
    frame.time_base = Fraction(1, rate_in)
    parts = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    parts += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    y = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    if len(y) < expected:
        y = np.concatenate([y, np.zeros(expected - len(y), dtype=np.float32)])
    return y[:expected].astype(np.float32, copy=False)


def loudness_dbfs(x: np.ndarray, sample_rate: int) -> float | None:
    """Gated RMS level in dBFS (None for silence): what listeners hear as 'how loud'."""
    x = to_float(x).reshape(-1)
    block = max(1, int(_BLOCK_S * sample_rate))
    n = len(x) // block
    if n == 0:
        return None
    power = np.mean(x[: n * block].reshape(n, block).astype(np.float64) ** 2, axis=1)
    level = 10 * np.log10(power + 1e-20)
    loud = power[level > _ABS_GATE_DBFS]
    if len(loud) == 0:
        return None
    rel_gate = 10 * np.log10(np.mean(loud)) + _REL_GATE_DB
    gated = power[(level > _ABS_GATE_DBFS) & (level > rel_gate)]
    return float(10 * np.log10(np.mean(gated)))


def soft_limit(x: np.ndarray) -> np.ndarray:
    """Leave samples under the knee alone; bend louder ones smoothly under the ceiling."""
    mag = np.abs(x)
    over = mag > _KNEE
    if not np.any(over):
        return x
    y = x.copy()
    span = _CEILING - _KNEE
    y[over] = np.sign(x[over]) * (_KNEE + span * np.tanh((mag[over] - _KNEE) / span))
    return y


def normalise_loudness(x: np.ndarray, sample_rate: int, target_dbfs: float = TARGET_DBFS) -> np.ndarray:
    """Float audio brought to `target_dbfs` gated RMS, peaks soft-limited; silence stays silent."""
    x = to_float(x)
    level = loudness_dbfs(x, sample_rate)
    if level is None:
        return x
    return soft_limit(x * np.float32(10 ** ((target_dbfs - level) / 20)))
