"""Paint the nine mouth sprites (Rhubarb A–H, X), plain or smiling, as small patches.

Each sprite is MOUTH_BOX pixels with the mouth centred; avatar.toml's mouth anchor places that
centre on the face.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PIL import Image

from tools.sketch import Sketch, bezier, path

MOUTH_BOX = (120, 90)
MX, MY = MOUTH_BOX[0] / 2, MOUTH_BOX[1] / 2

LIP = (214, 96, 104, 255)
LIP_DARK = (160, 60, 72, 255)
INSIDE = (92, 30, 40, 255)
TEETH = (252, 250, 246, 255)
TONGUE = (226, 118, 126, 255)


@dataclass(frozen=True, slots=True)
class MouthPose:
    """The opening of one shape: width, how far each inner lip edge moves from the lip line."""

    width: float
    up: float  # upper inner lip above the line
    down: float  # lower inner lip below the line
    teeth_top: float = 0.0  # visible height of the upper teeth
    teeth_bottom: float = 0.0
    tongue: float = 0.0  # 0 none; >0 tongue height at the bottom
    tongue_up: bool = False  # tongue raised behind the upper teeth (L)
    lip: float = 7.0  # lip thickness
    round: bool = False  # puckered corners (o, u)
    teeth_on_lip: bool = False  # upper teeth resting on the lower lip (f, v)


POSES: dict[str, MouthPose] = {
    "X": MouthPose(width=50, up=0, down=0, lip=6),
    "A": MouthPose(width=46, up=0, down=0, lip=8),
    "B": MouthPose(width=52, up=4, down=5, teeth_top=4, teeth_bottom=4),
    "C": MouthPose(width=54, up=8, down=13, teeth_top=6, tongue=5),
    "D": MouthPose(width=56, up=11, down=24, teeth_top=7, tongue=10),
    "E": MouthPose(width=40, up=9, down=14, teeth_top=4, tongue=4, round=True, lip=9),
    "F": MouthPose(width=26, up=6, down=8, round=True, lip=10),
    "G": MouthPose(width=50, up=5, down=3, teeth_top=7, teeth_on_lip=True),
    "H": MouthPose(width=52, up=9, down=14, teeth_top=5, tongue=11, tongue_up=True),
}


def _opening(p: MouthPose, lift: float) -> list[tuple[float, float]]:
    """Inner edge of the lips as one closed outline; `lift` raises the corners (smile)."""
    half = p.width / 2
    left, right = (MX - half, MY - lift), (MX + half, MY - lift)
    if p.round:
        top = [left, (MX - half * 0.7, MY - p.up * 1.3), (MX + half * 0.7, MY - p.up * 1.3), right]
        bottom = [right, (MX + half * 0.7, MY + p.down * 1.3), (MX - half * 0.7, MY + p.down * 1.3), left]
    else:
        top = [left, (MX - half * 0.4, MY - p.up * 1.4 - lift * 0.3), (MX + half * 0.4, MY - p.up * 1.4 - lift * 0.3),
               right]
        bottom = [right, (MX + half * 0.5, MY + p.down * 1.35 + lift * 0.4),
                  (MX - half * 0.5, MY + p.down * 1.35 + lift * 0.4), left]
    return path(top, bottom)


def _lips(p: MouthPose, lift: float) -> list[tuple[float, float]]:
    """Outer edge of both lips: a cupid's bow on top, a full curve below."""
    half = p.width / 2 + (4 if p.round else 6)
    t, b = p.lip, p.lip * 1.25
    ly = MY - lift
    top = [(MX - half, ly), (MX - half * 0.55, MY - p.up - t - 1), (MX - 5, MY - p.up - t + 1)]
    bow = [(MX - 5, MY - p.up - t + 1), (MX, MY - p.up - t + 3), (MX + 5, MY - p.up - t + 1)]
    top2 = [(MX + 5, MY - p.up - t + 1), (MX + half * 0.55, MY - p.up - t - 1), (MX + half, ly)]
    bottom = [(MX + half, ly), (MX + half * 0.6, MY + p.down + b + 4 + lift * 0.4),
              (MX - half * 0.6, MY + p.down + b + 4 + lift * 0.4), (MX - half, ly)]
    return path(top, bow, top2, bottom)


def draw_mouth(shape: str, smile: bool = False) -> Image.Image:
    """One mouth sprite for a Rhubarb shape letter."""
    p = POSES[shape]
    lift = 6.0 if smile else (1.5 if shape == "X" else 0.0)  # at rest the host looks pleasant
    if smile:
        p = replace(p, width=p.width + (4 if p.round else 10))
    sk = Sketch(*MOUTH_BOX, scale=4)
    lips = _lips(p, lift)
    sk.polygon(lips, LIP)
    # A lighter band on the lower lip reads as volume.
    sk.clipped(lambda s: s.soft(lambda t: t.ellipse((MX - p.width * 0.28, MY + p.down + 3, MX + p.width * 0.28,
                                                     MY + p.down + p.lip * 1.1 + 3), (240, 150, 156, 255)),
                                blur=2, opacity=0.7),
               lambda s: s.polygon(lips, (255, 255, 255, 255)))
    half = p.width / 2
    if p.up + p.down <= 0:
        # Closed: just the line between the lips (pressed lips for A draw it darker and straighter).
        curve = [(MX - half - 2, MY - lift), (MX, MY + (1 if shape == "A" else 3) - lift * 0.2),
                 (MX + half + 2, MY - lift)]
        sk.line(bezier(curve), LIP_DARK if shape == "X" else (120, 40, 52, 255), 2.6 if shape == "X" else 3.4)
        return sk.finish()
    opening = _opening(p, lift)

    def inside(s: Sketch) -> None:
        s.polygon(opening, INSIDE)
        if p.tongue:
            ty = MY - p.up if p.tongue_up else MY + p.down * 1.3 - p.tongue
            s.ellipse((MX - half * 0.6, ty, MX + half * 0.6, ty + p.tongue * 2.2), TONGUE)
        if p.teeth_top:
            s.rect((MX - half, MY - p.up * 1.6 - lift, MX + half, MY - p.up * 1.1 + p.teeth_top), TEETH)
        if p.teeth_bottom:
            s.rect((MX - half, MY + p.down * 1.1 - p.teeth_bottom, MX + half, MY + p.down * 1.6), TEETH)

    sk.clipped(inside, lambda s: s.polygon(opening, (255, 255, 255, 255)))
    sk.line(opening + opening[:1], LIP_DARK, 1.4)
    if p.teeth_on_lip:  # f/v: the upper teeth rest on the lower lip, drawn over it
        sk.rect((MX - half * 0.5, MY - 3, MX + half * 0.5, MY + p.down + 2), TEETH, radius=3)
        sk.line([(MX, MY - 2), (MX, MY + p.down + 1)], (220, 214, 208, 255), 1)
    return sk.finish()


def draw_mouth_set(smile: bool = False) -> dict[str, Image.Image]:
    """All nine shapes, keyed by letter."""
    return {shape: draw_mouth(shape, smile) for shape in POSES}
