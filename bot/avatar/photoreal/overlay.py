"""Caption, AI-disclosure label and product card drawn on a photoreal frame with Pillow."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw

from bot.avatar.font_book import FontBook
from bot.avatar.render_contract import AvatarState


@lru_cache(maxsize=1)
def _fonts() -> FontBook:
    return FontBook()


def _wrap(fonts: FontBook, text: str, size: int, max_width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    # Split on spaces, and fall back to characters for scripts written without them (Chinese).
    tokens = text.split(" ") if " " in text else list(text)
    joiner = " " if " " in text else ""
    for token in tokens:
        candidate = f"{current}{joiner}{token}" if current else token
        if fonts.length(candidate, size) <= max_width or not current:
            current = candidate
        else:
            lines.append(current)
            current = token
    if current:
        lines.append(current)
    return lines[-3:]  # the newest words matter most on a live caption


def _box(fonts: FontBook, xy: tuple[int, int], lines: list[str], size: int, line_h: int) -> tuple[int, ...]:
    width = max((fonts.length(ln, size) for ln in lines), default=0)
    return xy[0], xy[1], round(xy[0] + width), xy[1] + line_h * len(lines)


def draw_overlays(frame: np.ndarray, state: AvatarState) -> np.ndarray:
    """Return `frame` with the label (top), product card and caption (bottom) drawn when set."""
    if not (state.label or state.caption or state.product):
        return frame
    height, width = frame.shape[:2]
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image, "RGBA")
    unit = max(12, width // 30)
    fonts = _fonts()
    if state.label:
        size = unit
        box = _box(fonts, (unit // 2, unit // 2), [state.label], size, round(size * 1.2))
        draw.rectangle((box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 4), fill=(0, 0, 0, 150))
        fonts.draw(draw, (unit // 2, unit // 2 + size), state.label, size, (255, 255, 255, 255))
    if state.product:
        size = int(unit * 1.1)
        lines = [state.product.name, state.product.promo_text or state.product.price_text]
        origin, line_h = (unit // 2, height // 2), round(size * 1.25)
        box = _box(fonts, origin, lines, size, line_h)
        draw.rounded_rectangle((box[0] - 8, box[1] - 8, box[2] + 8, box[3] + 8), 10, fill=(255, 255, 255, 210))
        for n, line in enumerate(lines):
            fonts.draw(draw, (origin[0], origin[1] + n * line_h + size), line, size, (200, 20, 60, 255))
    if state.caption:
        size = int(unit * 1.2)
        lines = _wrap(fonts, state.caption, size, width - 2 * unit)
        line_h = int(unit * 1.6)
        top = height - unit - line_h * len(lines)
        draw.rectangle((0, top - unit // 2, width, height), fill=(0, 0, 0, 140))
        for n, line in enumerate(lines):
            fonts.draw(draw, (unit, top + n * line_h + size), line, size, (255, 255, 255, 255))
    return np.asarray(image)
