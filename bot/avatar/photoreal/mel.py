"""Wav2Lip's audio front-end in numpy: 16 kHz, pre-emphasis, STFT, 80 Slaney mel bands, normalised dB.

Parameters are those of Wav2Lip's hparams.py/audio.py (librosa 0.7 behaviour: centred STFT with
reflect padding), so published checkpoints see the features they were trained on.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

MEL_RATE = 16_000
N_FFT = 800
HOP = 200
WIN = 800
N_MELS = 80
FMIN = 55.0
FMAX = 7600.0
PREEMPHASIS = 0.97
MIN_LEVEL_DB = -100.0
REF_LEVEL_DB = 20.0
MAX_ABS = 4.0
MEL_FRAMES_PER_SECOND = MEL_RATE / HOP  # 80
MEL_STEP = 16  # frames per window: 200 ms of audio per video frame


def resample(pcm: np.ndarray, rate: int, target: int = MEL_RATE) -> np.ndarray:
    """Band-limited resampling by Fourier truncation/zero-padding; float32 in, float32 out."""
    x = np.asarray(pcm, dtype=np.float64)
    if rate == target or x.size == 0:
        return x.astype(np.float32)
    n_out = max(1, int(round(x.size * target / rate)))
    spectrum = np.fft.rfft(x)
    keep = n_out // 2 + 1
    resized = np.zeros(keep, dtype=np.complex128)
    take = min(keep, spectrum.size)
    resized[:take] = spectrum[:take]
    return (np.fft.irfft(resized, n_out) * (n_out / x.size)).astype(np.float32)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    # Slaney scale: linear below 1 kHz, logarithmic above (librosa htk=False).
    hz = np.asarray(hz, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = hz / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    above = hz >= min_log_hz
    mels = np.where(above, min_log_mel + np.log(np.maximum(hz, 1e-10) / min_log_hz) / logstep, mels)
    return mels


def _mel_to_hz(mels: np.ndarray) -> np.ndarray:
    mels = np.asarray(mels, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    above = mels >= min_log_mel
    return np.where(above, min_log_hz * np.exp(logstep * (mels - min_log_mel)), freqs)


@lru_cache(maxsize=4)
def mel_basis(
    sr: int = MEL_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS, fmin: float = FMIN, fmax: float = FMAX
) -> np.ndarray:
    """Slaney-normalised triangular mel filterbank, shape (n_mels, 1 + n_fft // 2)."""
    fft_freqs = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    mel_f = _mel_to_hz(np.linspace(_hz_to_mel(np.array(fmin)), _hz_to_mel(np.array(fmax)), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2 : n_mels + 2] - mel_f[:n_mels]))[:, None]
    weights.setflags(write=False)
    return weights


@lru_cache(maxsize=2)
def _hann(n: int) -> np.ndarray:
    # Periodic Hann, as scipy.signal.get_window('hann', n, fftbins=True) gives librosa.
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n) / n)


def stft_magnitude(y: np.ndarray) -> np.ndarray:
    """|STFT| with n_fft 800, hop 200, Hann 800, centred with reflect padding: (1 + n_fft//2, frames)."""
    y = np.asarray(y, dtype=np.float64)
    pad = N_FFT // 2
    mode = "reflect" if y.size > pad else "constant"  # reflect needs more samples than the pad
    padded = np.pad(y, pad, mode=mode)
    n_frames = 1 + (padded.size - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    return np.abs(np.fft.rfft(frames * _hann(WIN), axis=1)).T


def melspectrogram(pcm: np.ndarray, sample_rate: int) -> np.ndarray:
    """Normalised log-mel (80 × frames, 80 frames/s, values in [-4, 4]) of int16 or float audio."""
    x = np.asarray(pcm)
    if x.dtype == np.int16:
        x = x.astype(np.float32) / 32768.0
    y = resample(x.astype(np.float32), sample_rate)
    emphasised = np.append(y[:1], y[1:] - PREEMPHASIS * y[:-1])
    if emphasised.size == 0:
        emphasised = np.zeros(1, dtype=np.float64)
    mel = mel_basis() @ stft_magnitude(emphasised)
    min_level = np.exp(MIN_LEVEL_DB / 20.0 * np.log(10.0))
    db = 20.0 * np.log10(np.maximum(min_level, mel)) - REF_LEVEL_DB
    norm = (2.0 * MAX_ABS) * ((db - MIN_LEVEL_DB) / -MIN_LEVEL_DB) - MAX_ABS
    return np.clip(norm, -MAX_ABS, MAX_ABS).astype(np.float32)


def mel_window(mel: np.ndarray, frame_index: int, fps: float) -> np.ndarray:
    """The 80×16 window Wav2Lip inference pairs with video frame i: start int(i·80/fps), end-clamped."""
    total = mel.shape[1]
    if total < MEL_STEP:
        # A segment under 200 ms: pad with the silence floor so the window keeps its shape.
        return np.pad(mel, ((0, 0), (0, MEL_STEP - total)), constant_values=-MAX_ABS)
    start = int(frame_index * MEL_FRAMES_PER_SECOND / fps)
    start = min(max(start, 0), total - MEL_STEP)
    return mel[:, start : start + MEL_STEP]
