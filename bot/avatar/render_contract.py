"""What every avatar renderer implements (sprite, or photoreal on a GPU) and the per-frame state it draws."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from bot.events import SpeechSegment
from bot.frames import ProductCard  # a frame: product_cards makes it, the renderers paint it


@dataclass(slots=True)
class AvatarState:
    """Everything a renderer needs for one frame; the stage clock fills it."""

    frame_index: int
    t: float
    segment: SpeechSegment | None = None
    seg_time: float = 0.0  # seconds into `segment`'s audio at this frame's start
    expression: str = "neutral"  # neutral | smile | excited | thinking
    caption: str = ""
    product: ProductCard | None = None
    label: str = ""  # AI-disclosure label, always drawn when set
    board: tuple[str, ...] = ()  # on-screen answers to waiting questions ("@Lan · Áo thun đỏ · 199.000đ")


@runtime_checkable
class AvatarRenderer(Protocol):
    width: int
    height: int
    fps: int

    def render(self, state: AvatarState) -> np.ndarray:
        """Return one RGB frame (height×width×3 uint8) for this state."""
        ...

    def viseme_at(self, state: AvatarState) -> str:
        """The mouth shape (A–H, X) shown at this state, for tests and the report."""
        ...
