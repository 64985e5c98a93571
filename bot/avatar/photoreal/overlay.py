"""Caption, AI-disclosure label and product card drawn on a photoreal frame with Pillow."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from bot.avatar.renderer import AvatarState


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # DejaVu Sans ships with matplotlib (a core dependency) and covers Vietnamese diacritics.
    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
        return ImageFont.truetype(str(path), size)
    except (ImportError, OSError):
        return ImageFont.load_default(size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    # Split on spaces, and fall back to characters for scripts written without them (Chinese).
    tokens = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    for token in tokens:
        candidate = f"{current}{joiner}{token}" if current else token
        if draw.textlength(candidate, font=font) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = token
    if current:
        lines.append(current)
    return lines[-3:]  # the newest words matter most on a live caption


def draw_overlays(frame: np.ndarray, state: AvatarState) -> np.ndarray:
    """Return `frame` with the label (top), product card and caption (bottom) drawn when set."""
    if not (state.label or state.caption or state.product):
        return frame
    height, width = frame.shape[:2]
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image, "RGBA")
    unit = max(12, width // 30)
    if state.label:
        font = _font(unit)
        box = draw.textbbox((unit // 2, unit // 2), state.label, font=font)
        draw.rectangle((box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 4), fill=(0, 0, 0, 150))
        draw.text((unit // 2, unit // 2), state.label, font=font, fill=(255, 255, 255, 255))
    if state.product:
        font = _font(int(unit * 1.1))
        text = f"{state.product.name}\n{state.product.promo_text or state.product.price_text}"
        origin = (unit // 2, height // 2)
        box = draw.multiline_textbbox(origin, text, font=font)
        card = (box[0] - 8, box[1] - 8, box[2] + 8, box[3] + 8)
        draw.rounded_rectangle(card, 10, fill=(255, 255, 255, 210))
        draw.multiline_text(origin, text, font=font, fill=(200, 20, 60, 255))
    if state.caption:
        font = _font(int(unit * 1.2))
        lines = _wrap(draw, state.caption, font, width - 2 * unit)
        line_h = int(unit * 1.6)
        top = height - unit - line_h * len(lines)
        draw.rectangle((0, top - unit // 2, width, height), fill=(0, 0, 0, 140))
        for n, line in enumerate(lines):
            draw.text((unit, top + n * line_h), line, font=font, fill=(255, 255, 255, 255))
    return np.asarray(image)
