"""The 2D sprite presenter: layered PNGs, phoneme-timed mouth, blinking, breathing, overlays.

Per frame it copies one precomposed background+body image (one per breathing offset), lays the
head (eyes and brows baked in, one patch per expression × eyelid state) and the mouth sprite over
it, then the text overlays; everything else was done at load time.
"""

from __future__ import annotations

import bisect
import logging
import math
import random

import numpy as np
from PIL import Image

from bot.avatar.avatar_spec import AvatarError, SpriteSpec
from bot.avatar.font_book import FontBook
from bot.avatar.overlay_painter import OverlayPainter
from bot.avatar.patch import Patch, scaled
from bot.avatar.render_contract import AvatarState
from bot.avatar.visemes import MOUTH_SHAPES, REST, VisemeTrack
from bot.events import SpeechSegment

log = logging.getLogger(__name__)

EYE_STATES = ("open", "half", "closed")


class SpriteAvatar:
    """An `AvatarRenderer` drawing a sprite avatar folder (see docs/avatar.md)."""

    def __init__(self, spec: SpriteSpec, width: int = 720, height: int = 1280, fps: int = 25,
                 seed: int = 0) -> None:
        self.spec, self.width, self.height, self.fps, self.seed = spec, width, height, fps, seed
        cw, ch = spec.canvas
        # Cover the frame (scale to fill, centre-crop the rest) so any aspect ratio works.
        self.scale = max(width / cw, height / ch)
        self._ox = round((width - cw * self.scale) / 2)
        self._oy = round((height - ch * self.scale) / 2)
        self._images: dict[str, Image.Image] = {}
        self._background = self._frame_sized(self._layer(spec.background).convert("RGB"))
        self._body = self._patch(spec.body)
        self._bodies: dict[int, np.ndarray] = {}
        self._heads: dict[tuple[str, str], Patch] = {}
        self._mouths = {
            (mset, shape): self._mouth_patch(spec.mouth_file(mset, shape))
            for mset in spec.mouth_sets for shape in MOUTH_SHAPES
        }
        for name in spec.files():  # fail at load, not mid-show, if any layer is missing
            self._layer(name)
        self._tracks: dict[int, tuple[SpeechSegment, VisemeTrack]] = {}
        self._blinks: list[float] = []
        self._blink_rng = random.Random(seed)
        self._warned: set[str] = set()
        fonts = FontBook([spec.path(spec.fonts[k]) for k in ("text", "cjk") if k in spec.fonts])
        self.overlays = OverlayPainter(width, height, spec.layout, fonts, self.scale)
        self._prepare()

    def _prepare(self) -> None:
        """Precompose every body offset and head variant now, so no frame stalls mid-show."""
        for bob in range(round(self.spec.motion.breath_px * self.scale) + 1):
            self._body_frame(bob)
        for expression in self.spec.expressions:
            for eyes in EYE_STATES:
                self._head(expression, eyes)

    # ---- loading -------------------------------------------------------------------------------

    def _layer(self, name: str) -> Image.Image:
        if name not in self._images:
            file = self.spec.path(name)
            try:
                with Image.open(file) as img:
                    img.load()
                    self._images[name] = img.convert("RGBA") if img.mode != "RGB" else img.copy()
            except FileNotFoundError as exc:
                raise AvatarError(f"{file}: layer file not found (named in {self.spec.folder / 'avatar.toml'})") \
                    from exc
            except OSError as exc:
                raise AvatarError(f"{file}: not a readable image: {exc}") from exc
        return self._images[name]

    def _frame_sized(self, canvas_image: Image.Image) -> np.ndarray:
        img = scaled(canvas_image, self.scale)
        frame = Image.new("RGB", (self.width, self.height))
        frame.paste(img, (self._ox, self._oy))
        return np.asarray(frame, dtype=np.uint8).copy()

    def _patch(self, name: str) -> Patch:
        return Patch.from_image(scaled(self._layer(name), self.scale), self._ox, self._oy)

    def _mouth_patch(self, name: str) -> Patch:
        img = scaled(self._layer(name), self.scale)
        ax, ay = self.spec.mouth_anchor
        x = round(ax * self.scale + self._ox - img.width / 2)
        y = round(ay * self.scale + self._oy - img.height / 2)
        return Patch.from_image(img, x, y)

    def _head(self, expression: str, eyes: str) -> Patch:
        key = (expression, eyes)
        if key not in self._heads:
            expr = self.spec.expressions[expression]
            eye_file = {"open": self.spec.eyes_open, "closed": self.spec.eyes_closed,
                        "half": self.spec.eyes_half or self.spec.eyes_closed}[eyes]
            names = [self.spec.head] + [n for n in (eye_file, expr.brows, *expr.extra) if n]
            canvas = self._layer(self.spec.head).copy()
            for name in names[1:]:
                canvas.alpha_composite(self._layer(name).convert("RGBA"))
            # Scale only the part with pixels in it: much cheaper than the whole canvas at 1080p.
            x0, y0, x1, y1 = canvas.getchannel("A").getbbox() or (0, 0, 1, 1)
            x0, y0 = x0 - x0 % 2, y0 - y0 % 2  # even offsets land on whole pixels at 1.5× too
            part = scaled(canvas.crop((x0, y0, x1, y1)), self.scale)
            self._heads[key] = Patch.from_image(part, self._ox + round(x0 * self.scale),
                                                self._oy + round(y0 * self.scale))
        return self._heads[key]

    def _body_frame(self, bob: int) -> np.ndarray:
        if bob not in self._bodies:
            frame = self._background.copy()
            self._body.blit(frame, 0, bob)
            self._bodies[bob] = frame
        return self._bodies[bob]

    # ---- motion --------------------------------------------------------------------------------

    def _expression(self, name: str) -> str:
        if name in self.spec.expressions:
            return name
        if name not in self._warned:
            self._warned.add(name)
            log.warning("avatar %s has no expression %r; showing neutral", self.spec.name, name)
        return "neutral"

    def eyes_at(self, t: float) -> str:
        """Eyelid state at time t: blinks start at seeded random intervals and last blink_seconds."""
        lo, hi = self.spec.blink_interval
        while not self._blinks or self._blinks[-1] <= t:
            last = self._blinks[-1] if self._blinks else 0.0
            self._blinks.append(last + self._blink_rng.uniform(lo, hi))
        i = bisect.bisect_right(self._blinks, t) - 1
        if i < 0:
            return "open"
        phase = (t - self._blinks[i]) / self.spec.blink_seconds
        if phase >= 1.0:
            return "open"
        return "closed" if 0.25 <= phase < 0.75 else "half"

    def _offsets(self, state: AvatarState) -> tuple[int, int, int]:
        """(body bob, head dx, head dy) in pixels for this frame."""
        m, s = self.spec.motion, self.scale
        t = state.t
        bob = round(m.breath_px * s * (0.5 - 0.5 * math.cos(2 * math.pi * t / m.breath_period)))
        dx = round(m.sway_px * s * math.sin(2 * math.pi * t / m.sway_period + 0.7))
        nod = 0.0
        if state.segment is not None:
            nod = m.nod_px * s * max(0.0, math.sin(2 * math.pi * state.seg_time / m.nod_period))
        return bob, dx, bob + round(nod)

    # ---- AvatarRenderer --------------------------------------------------------------------------

    def track_for(self, segment: SpeechSegment) -> VisemeTrack:
        """The segment's mouth track, built once (cached by segment identity)."""
        hit = self._tracks.get(id(segment))
        if hit is not None and hit[0] is segment:
            return hit[1]
        track = VisemeTrack.from_phonemes(segment.phonemes, segment.duration, lead=self.spec.lead,
                                          min_hold_frames=self.spec.min_hold_frames, fps=self.fps)
        if len(self._tracks) >= 8:
            self._tracks.pop(next(iter(self._tracks)))
        self._tracks[id(segment)] = (segment, track)
        return track

    def viseme_at(self, state: AvatarState) -> str:
        if state.segment is None:
            return REST
        return self.track_for(state.segment).at(state.seg_time)

    def render(self, state: AvatarState) -> np.ndarray:
        bob, dx, dy = self._offsets(state)
        frame = self._body_frame(bob).copy()
        expression = self._expression(state.expression)
        self._head(expression, self.eyes_at(state.t)).blit(frame, dx, dy)
        mouth_set = self.spec.expressions[expression].mouth
        self._mouths[(mouth_set, self.viseme_at(state))].blit(frame, dx, dy)
        self.overlays.paint(frame, state)
        return frame
