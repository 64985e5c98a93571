"""On-screen text for every renderer: caption, product card, answer board and AI-disclosure label.

Each is rendered once per content and blitted onto numpy frames, sprite or photoreal alike.

Layout keeps text out of the bottom fifth and the right edge, where TikTok draws its own UI.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from bot.avatar.avatar_spec import LayoutSpec
from bot.avatar.font_book import FontBook
from bot.avatar.patch import Patch
from bot.avatar.render_contract import AvatarState
from bot.frames import ProductCard
from bot.language.text import is_cjk

log = logging.getLogger(__name__)

WHITE = (255, 255, 255, 255)
INK = (34, 30, 40, 255)
ACCENT = (232, 72, 88, 255)
PROMO = (255, 140, 40, 255)
_TOKEN = re.compile(r"\s+|[^\s]")


def wrap(fonts: FontBook, text: str, size: int, width: float) -> list[str]:
    """Greedy line wrap: at spaces for Latin scripts, between any two characters for CJK."""
    tokens: list[str] = []
    for tok in _TOKEN.findall(text.strip()):
        # Glue Latin characters into words; CJK characters and spaces stand alone.
        if tokens and not tok.isspace() and not is_cjk(tok, spaceless=True) and tokens[-1] \
                and not tokens[-1].isspace() and not is_cjk(tokens[-1][-1], spaceless=True):
            tokens[-1] += tok
        else:
            tokens.append(tok)
    lines: list[str] = []
    line = ""
    for tok in tokens:
        candidate = line + (" " if tok.isspace() else tok)
        if fonts.length(candidate.rstrip(), size) <= width or not line.strip():
            line = candidate
            while fonts.length(line, size) > width and len(line) > 1:  # a word longer than the line
                cut = 1  # grow the piece that fits: linear, so a 5,000-letter spam word does not stall the show
                while cut < len(line) - 1 and fonts.length(line[:cut + 1], size) <= width:
                    cut += 1
                lines.append(line[:cut])
                line = line[cut:]
        else:
            lines.append(line.rstrip())
            line = "" if tok.isspace() else tok
    if line.strip():
        lines.append(line.rstrip())
    return [ln.strip() for ln in lines if ln.strip()]


def draw_text(draw: ImageDraw.ImageDraw, fonts: FontBook, xy: tuple[float, float], text: str, size: int,
              fill) -> None:
    """Draw one line at baseline `xy`, each character in the first font that has it (see font_book)."""
    fonts.draw(draw, xy, text, size, fill)


class OverlayPainter:
    """Builds overlay patches for a frame size and keeps the last few of each (text rarely changes)."""

    def __init__(self, width: int, height: int, layout: LayoutSpec, fonts: FontBook, scale: float,
                 cache_size: int = 32) -> None:
        self.width, self.height, self.layout, self.fonts, self.scale = width, height, layout, fonts, scale
        self._cache: OrderedDict[Hashable, Patch] = OrderedDict()
        self._cache_size = cache_size

    def _cached(self, key: Hashable, build: Callable[[], Patch]) -> Patch:
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        patch = self._cache[key] = build()
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return patch

    def _px(self, v: float) -> int:
        return max(1, round(v * self.scale))

    def paint(self, frame: np.ndarray, state: AvatarState) -> None:
        """Lay every overlay the state asks for over `frame` (H×W×3 uint8, in place), label on top."""
        if state.product is not None:
            self.card(state.product).blit(frame)
        if state.board:
            self.board(state.board).blit(frame)
        if state.caption:
            self.caption(state.caption).blit(frame)
        if state.label:
            self.label(state.label).blit(frame)

    def label(self, text: str) -> Patch:
        return self._cached(("label", text), lambda: self._label(text))

    def caption(self, text: str) -> Patch:
        return self._cached(("caption", text), lambda: self._caption(text))

    def card(self, product: ProductCard) -> Patch:
        return self._cached(("card", product), lambda: self._card(product))

    def board(self, rows: tuple[str, ...]) -> Patch:
        return self._cached(("board", rows), lambda: self._board(rows))

    def _board(self, rows: tuple[str, ...]) -> Patch:
        """Answer board: one pill per waiting question, newest at the bottom, each on one line."""
        x_f, bottom_f, w_f = self.layout.board
        size, pad, gap = self._px(21), self._px(10), self._px(6)
        max_w = w_f * self.width - 2 * pad
        shown = rows[-self.layout.board_rows:]
        lines = []
        for row in shown:
            ln = wrap(self.fonts, row, size, max_w)
            lines.append(ln[0] + ("…" if len(ln) > 1 else "") if ln else "")
        row_h = round(size * 1.55)
        h = max(1, len(lines) * (row_h + gap) - gap)
        w = round(min(max_w, max((self.fonts.length(ln, size) for ln in lines), default=0)) + 2 * pad)
        img = Image.new("RGBA", (max(1, w), h), (0, 0, 0, 0))
        d = ImageDraw.Draw(img)
        for i, ln in enumerate(lines):
            top = i * (row_h + gap)
            lw = round(self.fonts.length(ln, size) + 2 * pad)
            d.rounded_rectangle((0, top, lw - 1, top + row_h - 1), radius=row_h // 2, fill=(255, 255, 255, 215))
            name, sep, rest = ln.partition(" · ")
            draw_text(d, self.fonts, (pad, top + row_h / 2 + size * 0.36), name + sep, size, ACCENT)
            if rest:
                draw_text(d, self.fonts, (pad + self.fonts.length(name + sep, size), top + row_h / 2 + size * 0.36),
                          rest, size, INK)
        return Patch.from_image(img, round(x_f * self.width), round(bottom_f * self.height) - h, crop=False)

    def _label(self, text: str) -> Patch:
        size, pad = self._px(22), self._px(12)
        tw = self.fonts.length(text, size)
        dot = self._px(10)
        w, h = round(tw + pad * 3 + dot), round(size * 1.5)
        img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        d = ImageDraw.Draw(img)
        d.rounded_rectangle((0, 0, w - 1, h - 1), radius=h // 2, fill=(20, 20, 28, 170))
        d.ellipse((pad, (h - dot) // 2, pad + dot, (h + dot) // 2), fill=(80, 220, 160, 255))
        draw_text(d, self.fonts, (pad * 2 + dot, h / 2 + size * 0.36), text, size, WHITE)
        x, y = self.layout.label
        return Patch.from_image(img, round(x * self.width), round(y * self.height), crop=False)

    def _caption(self, text: str) -> Patch:
        x_f, bottom_f, w_f = self.layout.caption
        size, pad = self._px(32), self._px(18)
        max_w = w_f * self.width - 2 * pad
        lines = wrap(self.fonts, text, size, max_w)
        if len(lines) > self.layout.caption_lines:  # long sentence: keep its end, the freshest words
            lines = lines[-self.layout.caption_lines:]
            lines[0] = "…" + lines[0]
        line_h = round(size * 1.35)
        text_w = max((self.fonts.length(ln, size) for ln in lines), default=0)
        w, h = round(min(max_w, text_w) + 2 * pad), line_h * max(1, len(lines)) + 2 * pad - round(size * 0.2)
        img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        d = ImageDraw.Draw(img)
        d.rounded_rectangle((0, 0, w - 1, h - 1), radius=self._px(18), fill=(16, 16, 24, 178))
        for i, ln in enumerate(lines):
            lx = (w - self.fonts.length(ln, size)) / 2
            draw_text(d, self.fonts, (lx, pad + size + i * line_h - round(size * 0.15)), ln, size, WHITE)
        # Centred in the caption band, bottom edge on the band's bottom.
        cx = round((x_f + w_f / 2) * self.width - w / 2)
        return Patch.from_image(img, cx, round(bottom_f * self.height) - h, crop=False)

    def _card(self, product: ProductCard) -> Patch:
        x_f, top_f, w_f = self.layout.card
        w, pad = round(w_f * self.width), self._px(14)
        thumb = self._thumbnail(product, self._px(92))
        text_x = pad + (thumb.width + pad if thumb else 0)
        text_w = w - text_x - pad
        name_size, price_size, promo_size = self._px(24), self._px(34), self._px(19)
        name_lines = wrap(self.fonts, product.name, name_size, text_w)[:2]
        promo = product.promo_text.strip()
        h = pad + len(name_lines) * round(name_size * 1.25) + round(price_size * 1.25)
        h += round(promo_size * 1.7) if promo else 0
        h = max(h + pad, (thumb.height + 2 * pad) if thumb else 0)
        shadow = self._px(8)
        img = Image.new("RGBA", (w + 2 * shadow, h + 2 * shadow), (0, 0, 0, 0))
        d = ImageDraw.Draw(img)
        d.rounded_rectangle((shadow, shadow + 3, w + shadow, h + shadow + 3), radius=self._px(18), fill=(0, 0, 0, 90))
        img = img.filter(ImageFilter.GaussianBlur(shadow / 2))
        d = ImageDraw.Draw(img)
        d.rounded_rectangle((shadow, shadow, w + shadow - 1, h + shadow - 1), radius=self._px(18),
                            fill=(255, 255, 255, 238))
        if thumb:
            img.alpha_composite(thumb, (shadow + pad, shadow + (h - thumb.height) // 2))
        y = shadow + pad
        for ln in name_lines:
            y += round(name_size * 1.25)
            draw_text(d, self.fonts, (shadow + text_x, y - round(name_size * 0.25)), ln, name_size, INK)
        y += round(price_size * 1.2)
        draw_text(d, self.fonts, (shadow + text_x, y - round(price_size * 0.2)), product.price_text, price_size,
                  ACCENT)
        if promo:
            promo = wrap(self.fonts, promo, promo_size, text_w - 2 * pad)[0]
            pw = round(self.fonts.length(promo, promo_size) + 2 * self._px(10))
            top = y + round(promo_size * 0.35)
            d.rounded_rectangle((shadow + text_x, top, shadow + text_x + pw, top + round(promo_size * 1.4)),
                                radius=self._px(8), fill=PROMO)
            draw_text(d, self.fonts, (shadow + text_x + self._px(10), top + round(promo_size * 1.08)), promo,
                      promo_size, WHITE)
        return Patch.from_image(img, round(x_f * self.width) - shadow, round(top_f * self.height) - shadow,
                                crop=False)

    def _thumbnail(self, product: ProductCard, side: int) -> Image.Image | None:
        if not product.image:
            return None
        try:
            with Image.open(product.image) as src:
                thumb = src.convert("RGBA")
                thumb.thumbnail((side, side), Image.Resampling.LANCZOS)
                return thumb
        except (OSError, ValueError) as exc:
            # A missing picture never stops the show: the card goes out without it.
            log.warning("product card image for sku %s unusable (%s): %s", product.sku, product.image, exc)
            return None
