"""Delay the voice or the picture by a measured amount, for paths where they travel apart.

A FIFO of frames and samples, never a sleep: with +80 ms the audio leaves exactly two frames
(3528 samples at 44.1 kHz) after its picture; with -80 ms the picture leaves two frames late.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from bot.events import StageFrame


class AvOffsetDelay:
    """Per frame in, one picture and one audio block out, shifted by `offset_ms` (+ = voice later)."""

    def __init__(self, offset_ms: float, fps: int, sample_rate: int) -> None:
        frame_ms = 1000.0 / fps
        # The picture moves in whole frames; the audio takes the rest, sample-exact.
        self.video_delay_frames = math.ceil(-offset_ms / frame_ms - 1e-9) if offset_ms < 0 else 0
        audio_ms = offset_ms + self.video_delay_frames * frame_ms
        self.audio_delay_samples = round(audio_ms * sample_rate / 1000.0)
        self.offset_ms = offset_ms
        self._audio = np.zeros(self.audio_delay_samples, np.int16)
        self._video: deque[np.ndarray] = deque()

    def push(self, frame: StageFrame) -> tuple[np.ndarray, np.ndarray]:
        """The picture and the audio block to send now (the first picture repeats while the FIFO fills)."""
        self._video.append(frame.image)
        if len(self._video) > self.video_delay_frames:
            image = self._video.popleft()
        else:
            image = self._video[0]
        n = len(frame.audio)
        if self.audio_delay_samples == 0:
            return image, frame.audio
        self._audio = np.concatenate([self._audio, frame.audio.astype(np.int16, copy=False)])
        block, self._audio = self._audio[:n], self._audio[n:]
        return image, block
