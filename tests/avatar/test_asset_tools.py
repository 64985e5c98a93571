"""The asset painters in tools/ still import and still paint the committed avatar layers."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from bot.paths import DEFAULT_AVATAR_DIR
from tools import draw_default_avatar
from tools.draw_mouths import MOUTH_BOX, draw_mouth_set


@pytest.mark.parametrize("mood", ["neutral", "smile"])
def test_mouth_sprites_match_the_committed_ones(mood: str) -> None:
    for shape, image in draw_mouth_set(smile=mood == "smile").items():
        assert image.size == MOUTH_BOX
        committed = np.asarray(Image.open(DEFAULT_AVATAR_DIR / "mouth" / mood / f"{shape}.png").convert("RGBA"))
        # A Pillow upgrade may move a few anti-aliased edge pixels by a level or two, not the drawing.
        assert np.abs(np.asarray(image.convert("RGBA"), dtype=int) - committed).mean() < 1.0, shape


@pytest.mark.parametrize("name, draw", [("brows_raised.png", lambda: draw_default_avatar.draw_brows("raised")),
                                        ("eyes_open.png", lambda: draw_default_avatar.draw_eyes("open"))])
def test_face_layers_match_the_committed_ones(name: str, draw) -> None:
    committed = np.asarray(Image.open(DEFAULT_AVATAR_DIR / name).convert("RGBA"), dtype=int)
    assert np.abs(np.asarray(draw().convert("RGBA"), dtype=int) - committed).mean() < 1.0
