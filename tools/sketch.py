"""A supersampled Pillow canvas for drawing avatar layers: smooth curves, soft shadows, clean edges."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFilter

Point = tuple[float, float]
Color = tuple[int, int, int] | tuple[int, int, int, int]


def bezier(points: Sequence[Point], steps: int = 24) -> list[Point]:
    """Points along a Bézier curve of any order (de Casteljau), endpoints included."""
    out: list[Point] = []
    for k in range(steps + 1):
        t = k / steps
        pts = list(points)
        while len(pts) > 1:
            pairs = zip(pts[:-1], pts[1:], strict=True)
            pts = [((1 - t) * a[0] + t * b[0], (1 - t) * a[1] + t * b[1]) for a, b in pairs]
        out.append(pts[0])
    return out


def path(*curves: Sequence[Point]) -> list[Point]:
    """Join Bézier curves (each a control-point list) into one outline."""
    out: list[Point] = []
    for curve in curves:
        pts = bezier(curve) if len(curve) > 2 else list(curve)
        out.extend(pts if not out else pts[1:])
    return out


class Sketch:
    """An RGBA layer drawn at `scale`× the target size and shrunk with Lanczos for antialiasing."""

    def __init__(self, width: int, height: int, scale: int = 3, fill: Color = (0, 0, 0, 0)) -> None:
        self.width, self.height, self.scale = width, height, scale
        self.image = Image.new("RGBA", (width * scale, height * scale), fill)

    def _xy(self, pts: Sequence[Point]) -> list[tuple[float, float]]:
        s = self.scale
        return [(x * s, y * s) for x, y in pts]

    def _box(self, box: Sequence[float]) -> list[float]:
        return [v * self.scale for v in box]

    def polygon(self, pts: Sequence[Point], fill: Color) -> None:
        ImageDraw.Draw(self.image).polygon(self._xy(pts), fill=fill)

    def ellipse(self, box: Sequence[float], fill: Color) -> None:
        ImageDraw.Draw(self.image).ellipse(self._box(box), fill=fill)

    def rect(self, box: Sequence[float], fill: Color, radius: float = 0) -> None:
        ImageDraw.Draw(self.image).rounded_rectangle(self._box(box), radius=radius * self.scale, fill=fill)

    def line(self, pts: Sequence[Point], fill: Color, width: float) -> None:
        w = max(1, round(width * self.scale))
        draw = ImageDraw.Draw(self.image)
        draw.line(self._xy(pts), fill=fill, width=w, joint="curve")
        # Round caps: Pillow draws butt ends, which look cut off on strokes like brows and lashes.
        r = w / 2
        for x, y in (self._xy(pts)[0], self._xy(pts)[-1]):
            draw.ellipse([x - r, y - r, x + r, y + r], fill=fill)

    def soft(self, draw_fn, blur: float, opacity: float = 1.0) -> None:
        """Draw with `draw_fn(sketch)` on a scratch layer, blur it (shadows, blush, glow), lay it on."""
        scratch = Sketch(self.width, self.height, self.scale)
        draw_fn(scratch)
        # Blur premultiplied, or transparent black bleeds in as a dark halo.
        img = scratch.image.convert("RGBa").filter(ImageFilter.GaussianBlur(blur * self.scale)).convert("RGBA")
        if opacity < 1.0:
            a = img.getchannel("A").point(lambda v: int(v * opacity))
            img.putalpha(a)
        self.image.alpha_composite(img)

    def clipped(self, draw_fn, clip_fn) -> None:
        """Draw `draw_fn` only inside the shape `clip_fn` draws (e.g. teeth inside the open mouth)."""
        content = Sketch(self.width, self.height, self.scale)
        draw_fn(content)
        mask = Sketch(self.width, self.height, self.scale)
        clip_fn(mask)
        alpha = ImageChops.multiply(content.image.getchannel("A"), mask.image.getchannel("A"))
        content.image.putalpha(alpha)
        self.image.alpha_composite(content.image)

    def paste(self, other: Sketch) -> None:
        self.image.alpha_composite(other.image)

    def finish(self) -> Image.Image:
        """The layer at its target size."""
        return self.image.resize((self.width, self.height), Image.Resampling.LANCZOS)
