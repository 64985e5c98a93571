"""Premultiplied RGBA patches blitted onto RGB frames with integer numpy math (no per-frame PIL)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image


@dataclass(frozen=True, slots=True)
class Patch:
    """An image ready to lay over a frame: colour × alpha and (256 − alpha), both uint16.

    Alpha is kept on a 0–256 scale so `(premul + dst·inv) >> 8` is exact at both ends and the
    sums stay inside uint16.
    """

    premul: np.ndarray  # h×w×3 uint16
    inv: np.ndarray  # h×w×1 uint16
    x: int = 0  # where the patch's top-left sits when the layer is at rest
    y: int = 0

    @property
    def width(self) -> int:
        return int(self.premul.shape[1])

    @property
    def height(self) -> int:
        return int(self.premul.shape[0])

    @classmethod
    def from_image(cls, image: Image.Image, x: int = 0, y: int = 0, crop: bool = True) -> Patch:
        """Build from a PIL image; `crop` trims fully transparent borders (and shifts x, y)."""
        rgba = image.convert("RGBA")
        if crop:
            bbox = rgba.getchannel("A").getbbox()
            if bbox is None:
                bbox = (0, 0, 1, 1)
            rgba = rgba.crop(bbox)
            x, y = x + bbox[0], y + bbox[1]
        arr = np.asarray(rgba, dtype=np.uint16)
        a = arr[..., 3:4]
        a256 = a + (a > 127)  # 0..255 → 0..256 with 255 → 256 (fully opaque stays exact)
        return cls(premul=np.ascontiguousarray(arr[..., :3] * a256), inv=(256 - a256), x=x, y=y)

    def over(self, other: Patch) -> Patch:
        """This patch laid over `other` (both on the same canvas), as one patch covering both."""
        x0, y0 = min(self.x, other.x), min(self.y, other.y)
        x1 = max(self.x + self.width, other.x + other.width)
        y1 = max(self.y + self.height, other.y + other.height)
        premul = np.zeros((y1 - y0, x1 - x0, 3), np.uint32)
        inv = np.full((y1 - y0, x1 - x0, 1), 256, np.uint32)
        for p in (other, self):
            sl = (slice(p.y - y0, p.y - y0 + p.height), slice(p.x - x0, p.x - x0 + p.width))
            premul[sl] = p.premul + ((premul[sl] * p.inv) >> 8)
            inv[sl] = (inv[sl] * p.inv) >> 8
        return Patch(premul=premul.astype(np.uint16), inv=inv.astype(np.uint16), x=x0, y=y0)

    def blit(self, frame: np.ndarray, dx: int = 0, dy: int = 0) -> None:
        """Lay the patch over `frame` (H×W×3 uint8, in place) at its place moved by (dx, dy)."""
        fh, fw = frame.shape[:2]
        x, y = self.x + dx, self.y + dy
        cx0, cy0 = max(0, -x), max(0, -y)
        cx1, cy1 = min(self.width, fw - x), min(self.height, fh - y)
        if cx0 >= cx1 or cy0 >= cy1:
            return
        dst = frame[y + cy0:y + cy1, x + cx0:x + cx1]
        mixed = dst * self.inv[cy0:cy1, cx0:cx1]  # uint8 × uint16 → uint16, at most 255·256
        mixed += self.premul[cy0:cy1, cx0:cx1]
        mixed >>= 8
        dst[...] = mixed


def scaled(image: Image.Image, factor: float) -> Image.Image:
    """An image resized by `factor` (Lanczos); unchanged when the factor is 1."""
    if abs(factor - 1.0) < 1e-6:
        return image
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)
