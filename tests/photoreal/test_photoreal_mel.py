"""Wav2Lip's mel front-end: shapes, values, and one frame against a direct DFT reference."""

from __future__ import annotations

import numpy as np
import pytest

from bot.avatar.photoreal import mel as melmod
from bot.avatar.photoreal.mel import mel_basis, mel_window, melspectrogram, resample


def tone(freq: float, seconds: float, rate: int = 44100, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype(np.int16)


def test_shape_and_frame_rate() -> None:
    mel = melspectrogram(tone(440, 1.0), 44100)
    assert mel.shape == (80, 1 + 16000 // 200)  # 81 frames: 80 per second, centred
    assert mel.dtype == np.float32
    assert float(mel.min()) >= -4.0 and float(mel.max()) <= 4.0


def test_silence_sits_on_the_floor_and_a_tone_stands_out() -> None:
    silent = melspectrogram(np.zeros(44100, dtype=np.int16), 44100)
    assert np.all(silent == -4.0)
    loud = melspectrogram(tone(1000, 0.5), 44100)
    centre = loud[:, 10:-10]
    assert centre.max() > 2.0
    # The band whose centre frequency is nearest 1 kHz carries the most energy.
    edges = melmod._mel_to_hz(np.linspace(melmod._hz_to_mel(55.0), melmod._hz_to_mel(7600.0), 82))
    nearest = int(np.argmin(np.abs(edges[1:-1] - 1000.0)))
    assert abs(int(np.argmax(centre.mean(axis=1))) - nearest) <= 1


def test_slaney_scale_and_filter_area() -> None:
    assert melmod._hz_to_mel(np.array(1000.0)) == pytest.approx(15.0)
    assert melmod._hz_to_mel(np.array(200.0)) == pytest.approx(3.0)
    hz = np.array([55.0, 700.0, 3000.0, 7600.0])
    assert np.allclose(melmod._mel_to_hz(melmod._hz_to_mel(hz)), hz)
    basis = mel_basis()
    assert basis.shape == (80, 401)
    # Slaney normalisation: every triangle has unit area in Hz (bins are 20 Hz apart).
    areas = basis.sum(axis=1) * 20.0
    assert np.allclose(areas[20:], 1.0, atol=0.03)
    assert basis[:, 0].sum() == 0.0  # nothing below fmin = 55 Hz reaches the bands


def test_resample_keeps_length_and_pitch() -> None:
    y = resample(tone(1000, 1.0).astype(np.float32) / 32768.0, 44100)
    assert y.size == 16000
    peak_hz = np.argmax(np.abs(np.fft.rfft(y))) * 16000 / y.size
    assert peak_hz == pytest.approx(1000.0, abs=1.0)


def test_one_frame_against_direct_dft() -> None:
    rng = np.random.default_rng(3)
    pcm = (rng.standard_normal(16000) * 3000).astype(np.int16)  # already 16 kHz: no resampling
    mel = melspectrogram(pcm, 16000)
    y = pcm.astype(np.float64) / 32768.0
    y = np.concatenate([y[:1], y[1:] - 0.97 * y[:-1]])
    padded = np.concatenate([y[1:401][::-1], y, y[-401:-1][::-1]])  # reflect, as librosa 0.7 did
    n = np.arange(800)
    bins = np.arange(401)
    for k in (0, 17):  # frame 0 lies on the reflect padding, frame 17 inside the audio
        segment = padded[k * 200 : k * 200 + 800] * (0.5 - 0.5 * np.cos(2 * np.pi * n / 800))
        magnitude = np.abs(np.exp(-2j * np.pi * np.outer(bins, n) / 800) @ segment)
        db = 20 * np.log10(np.maximum(1e-5, mel_basis() @ magnitude)) - 20
        expected = np.clip(8 * (db + 100) / 100 - 4, -4, 4)
        assert np.allclose(mel[:, k], expected, atol=1e-4)


def test_window_per_video_frame() -> None:
    mel = np.arange(80 * 100, dtype=np.float32).reshape(80, 100)
    assert np.array_equal(mel_window(mel, 0, 25), mel[:, 0:16])
    assert np.array_equal(mel_window(mel, 10, 25), mel[:, 32:48])  # int(10 * 80 / 25) = 32
    assert np.array_equal(mel_window(mel, 30, 25), mel[:, 84:100])  # clamped to the last 16
    short = mel_window(mel[:, :5], 0, 25)
    assert short.shape == (80, 16) and np.all(short[:, 5:] == -4.0)
