"""Paint the bundled presenter (avatars/default/): studio background, body, head, eyes, brows, mouths.

Run `python tools/draw_default_avatar.py [OUT_DIR]` to redraw the PNG layers; they are committed, so
this only runs when the drawing changes (never at show time). Coordinates are on the 720×1280 canvas.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from PIL import Image

# Run as a script, only tools/ is on sys.path: add the repository so `tools.` and `bot.` import.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.paths import DEFAULT_AVATAR_DIR  # noqa: E402
from tools.draw_mouths import MOUTH_BOX, draw_mouth_set  # noqa: E402
from tools.sketch import Sketch, bezier, path  # noqa: E402

W, H = 720, 1280
CX = 360  # the presenter's centre line

SKIN = (243, 201, 170, 255)
SKIN_SHADE = (222, 164, 134, 255)
HAIR = (56, 38, 36, 255)
HAIR_LIGHT = (104, 72, 62, 255)
BLAZER = (28, 128, 130, 255)
BLAZER_DARK = (18, 95, 98, 255)
TOP = (250, 246, 240, 255)
IRIS = (88, 52, 34, 255)
INK = (50, 32, 30, 255)


def draw_background() -> Image.Image:
    """A warm shop studio: wall gradient, soft key light, shelves of products, plant, counter."""
    sk = Sketch(W, H, scale=2, fill=(245, 226, 214, 255))
    for y in range(0, H, 4):  # vertical wall gradient, peach to dusty rose
        k = y / H
        col = (int(250 - 18 * k), int(232 - 40 * k), int(220 - 30 * k), 255)
        sk.rect((0, y, W, y + 4), col)
    sk.soft(lambda s: s.ellipse((150, 230, 570, 760), (255, 248, 236, 255)), blur=70, opacity=0.9)
    # Back-wall panel strips give depth.
    for x in (0, 240, 480):
        sk.rect((x + 6, 60, x + 234, 1020), (255, 255, 255, 28), radius=18)
    rng = random.Random(7)
    palette = [(236, 110, 120), (255, 196, 92), (120, 190, 170), (150, 160, 230), (250, 150, 90),
               (240, 170, 200), (110, 170, 220), (200, 120, 170)]
    for shelf_y in (300, 560, 820):
        sk.soft(lambda s, y=shelf_y: s.rect((-10, y + 8, W + 10, y + 26), (90, 50, 40, 255)), 6, 0.35)
        sk.rect((-10, shelf_y, W + 10, shelf_y + 16), (196, 140, 100, 255), radius=4)
        sk.rect((-10, shelf_y, W + 10, shelf_y + 4), (222, 172, 130, 255))
        x = 14.0
        while x < W - 20:
            kind = rng.choice(["box", "box", "jar", "bag", "stack"])
            col = rng.choice(palette)
            w = rng.uniform(44, 78)
            h = rng.uniform(60, 120)
            _product(sk, kind, x, shelf_y, w, h, col)
            x += w + rng.uniform(8, 22)
    _plant(sk, 74, 1000)
    # Counter in the foreground (the body hides most of it).
    sk.rect((-10, 1040, W + 10, H + 10), (205, 150, 112, 255))
    sk.rect((-10, 1040, W + 10, 1058), (226, 178, 138, 255))
    sk.soft(lambda s: s.rect((-10, 1058, W + 10, 1090), (80, 40, 30, 255)), 10, 0.3)
    # Bokeh lights along the top edge.
    for _ in range(14):
        bx, by, r = rng.uniform(0, W), rng.uniform(20, 200), rng.uniform(10, 26)
        sk.soft(lambda s, b=(bx, by, r): s.ellipse((b[0] - b[2], b[1] - b[2], b[0] + b[2], b[1] + b[2]),
                                                   (255, 244, 214, 255)), blur=3, opacity=0.45)
    return sk.finish().convert("RGB")


def _product(sk: Sketch, kind: str, x: float, base: float, w: float, h: float, col) -> None:
    dark = tuple(int(c * 0.78) for c in col) + (255,)
    light = tuple(min(255, int(c * 1.12) + 20) for c in col) + (255,)
    fill = tuple(col) + (255,)
    if kind == "box":
        sk.rect((x, base - h, x + w, base), fill, radius=4)
        sk.rect((x + w * 0.7, base - h, x + w, base), dark, radius=4)
        sk.rect((x + 6, base - h * 0.62, x + w * 0.6, base - h * 0.45), (255, 255, 255, 190), radius=3)
    elif kind == "jar":
        h = min(h, 80)
        sk.rect((x + 4, base - h, x + w - 4, base), fill, radius=12)
        sk.rect((x + 8, base - h - 12, x + w - 8, base - h + 4), dark, radius=4)
        sk.rect((x + 10, base - h * 0.6, x + w - 10, base - h * 0.3), (255, 255, 255, 200), radius=4)
    elif kind == "bag":
        h = min(h, 90)
        sk.polygon([(x, base), (x + 5, base - h), (x + w - 5, base - h), (x + w, base)], fill)
        sk.line(bezier([(x + w * 0.3, base - h), (x + w * 0.5, base - h - 34), (x + w * 0.7, base - h)]),
                dark, 4)
    else:  # folded clothes
        for i in range(4):
            y = base - (i + 1) * 16
            sk.rect((x, y, x + w, y + 15), light if i % 2 else fill, radius=6)


def _plant(sk: Sketch, x: float, base: float) -> None:
    sk.polygon([(x - 40, base - 70), (x + 40, base - 70), (x + 30, base), (x - 30, base)], (214, 120, 84, 255))
    sk.rect((x - 44, base - 80, x + 44, base - 64), (232, 140, 100, 255), radius=5)
    rng = random.Random(3)
    for i in range(11):
        ang = -80 + i * 16 + rng.uniform(-5, 5)
        tip = (x + ang * 1.4, base - 150 - rng.uniform(0, 70) + abs(ang) * 0.8)
        mid = (x + ang * 0.5, base - 120)
        green = (60 + rng.randint(0, 40), 140 + rng.randint(0, 40), 90 + rng.randint(0, 30), 255)
        left = path([(x, base - 75), (mid[0] - 18, mid[1]), tip])
        right = path([tip, (mid[0] + 18, mid[1]), (x, base - 75)])
        sk.polygon(left + right, green)


def draw_body() -> Image.Image:
    """Neck, shoulders, blazer over a light top, lapel microphone."""
    sk = Sketch(W, H)
    sk.rect((CX - 44, 600, CX + 44, 790), SKIN)
    sk.clipped(lambda s: s.soft(lambda t: t.ellipse((CX - 70, 610, CX + 70, 712), SKIN_SHADE), blur=10),
               lambda s: s.rect((CX - 44, 600, CX + 44, 790), (255, 255, 255, 255)))  # chin shadow
    torso = path([(CX - 60, 748), (CX - 180, 770), (70, 850)], [(70, 850), (20, 960), (0, 1300)],
                 [(0, 1300), (W, 1300)], [(W, 1300), (700, 960), (650, 850)],
                 [(650, 850), (CX + 180, 770), (CX + 60, 748)])
    sk.polygon(torso, BLAZER)
    sk.soft(lambda s: s.polygon(path([(70, 850), (30, 1000), (40, 1300)], [(40, 1300), (120, 1300)],
                                     [(120, 1300), (110, 980), (150, 860)]), BLAZER_DARK), blur=18)
    sk.soft(lambda s: s.polygon(path([(650, 850), (690, 1000), (680, 1300)], [(680, 1300), (600, 1300)],
                                     [(600, 1300), (610, 980), (570, 860)]), BLAZER_DARK), blur=18)
    # The light top in the V of the blazer, with a neckline.
    sk.polygon(path([(CX - 92, 752), (CX - 40, 930), (CX, 1060)], [(CX, 1060), (CX + 40, 930), (CX + 92, 752)]),
               TOP)
    sk.polygon(path([(CX - 46, 756), (CX, 830), (CX + 46, 756)]), SKIN)
    sk.line(path([(CX - 46, 756), (CX, 830), (CX + 46, 756)]), (226, 216, 206, 255), 3)
    # Lapels.
    for side in (-1, 1):
        lapel = [(CX + side * 96, 748), (CX + side * 128, 790), (CX + side * 104, 860),
                 (CX + side * 124, 900), (CX + side * 30, 1080), (CX + side * 46, 930)]
        sk.polygon(path([lapel[0], lapel[1]], [lapel[1], lapel[2]], [lapel[2], lapel[3]],
                        [lapel[3], (CX + side * 80, 1000), lapel[4]], [lapel[4], lapel[5], lapel[0]]),
                   BLAZER_DARK)
        sk.line([(CX + side * 104, 860), (CX + side * 124, 900)], (12, 70, 72, 255), 3)
    # Lapel microphone: a small clip and cable.
    sk.rect((CX - 150, 872, CX - 126, 904), (40, 40, 44, 255), radius=8)
    sk.ellipse((CX - 148, 862, CX - 128, 882), (70, 70, 76, 255))
    sk.line(bezier([(CX - 138, 904), (CX - 150, 990), (CX - 120, 1100)]), (30, 30, 34, 255), 3)
    return sk.finish()


def _face_outline() -> list[tuple[float, float]]:
    return path([(232, 500), (228, 360), (CX, 338)], [(CX, 338), (492, 360), (488, 500)],
                [(488, 500), (486, 610), (408, 672)], [(408, 672), (CX, 702), (312, 672)],
                [(312, 672), (234, 610), (232, 500)])


def draw_head() -> Image.Image:
    """Back hair, ears, face with nose and soft shading, front hair with side-swept bangs."""
    sk = Sketch(W, H)
    back = path([(CX, 290), (536, 296), (530, 520)], [(530, 520), (532, 640), (522, 690), (488, 700)],
                [(488, 700), (440, 690), (420, 660)], [(420, 660), (CX, 690), (300, 660)],
                [(300, 660), (280, 690), (232, 700)], [(232, 700), (198, 690), (188, 640), (190, 520)],
                [(190, 520), (184, 296), (CX, 290)])
    sk.polygon(back, HAIR)
    for side in (-1, 1):
        ex = CX + side * 128
        sk.ellipse((ex - 20, 488, ex + 20, 560), SKIN_SHADE)
        sk.ellipse((ex - 14, 496, ex + 14, 552), SKIN)
    face = _face_outline()
    sk.polygon(face, SKIN)
    # Soft shading toward the face edge, strongest under the hairline.
    sk.clipped(lambda s: (s.polygon(face, SKIN_SHADE),
                          s.soft(lambda t: t.ellipse((236, 380, 484, 700), SKIN), blur=22)),
               lambda s: s.polygon(face, (255, 255, 255, 110)))
    # Nose: a faint side shadow and a small curve.
    sk.soft(lambda s: s.ellipse((CX + 2, 548, CX + 12, 588), SKIN_SHADE), blur=4, opacity=0.6)
    sk.line(bezier([(CX - 10, 588), (CX, 596), (CX + 12, 586)]), (196, 130, 104, 255), 3)
    # Front hair: crown cap and side-swept bangs, with a sheen.
    cap = path([(206, 560), (190, 330), (CX, 296)], [(CX, 296), (530, 330), (514, 560)],
               [(514, 560), (506, 500), (494, 470)], [(494, 470), (470, 440), (440, 426)],
               [(440, 426), (380, 432), (320, 400), (268, 470)],
               [(268, 470), (246, 500), (236, 560)], [(236, 560), (222, 570), (206, 560)])
    sk.polygon(cap, HAIR)
    sk.polygon(path([(300, 330), (268, 400), (232, 470)], [(232, 470), (250, 390), (300, 330)]), HAIR)
    sk.soft(lambda s: s.polygon(path([(300, 318), (380, 300), (440, 330)], [(440, 330), (380, 318), (300, 340)]),
                                HAIR_LIGHT), blur=4)
    for x0 in (300, 360, 420):  # strands in the bangs
        sk.line(bezier([(x0 + 40, 326), (x0, 376), (x0 - 36, 420)]), (84, 58, 52, 255), 2.5)
    return sk.finish()


EYE_Y = 520
EYE_DX = 56


def draw_eyes(state: str) -> Image.Image:
    """Both eyes: 'open', 'half' (mid-blink) or 'closed'."""
    sk = Sketch(W, H)
    for side in (-1, 1):
        ex = CX + side * EYE_DX
        if state == "closed":
            sk.line(bezier([(ex - 26, EYE_Y - 2), (ex, EYE_Y + 12), (ex + 26, EYE_Y - 2)]), INK, 5)
            sk.line([(ex + side * 24, EYE_Y - 1), (ex + side * 32, EYE_Y - 7)], INK, 3)
            continue
        sk.ellipse((ex - 25, EYE_Y - 17, ex + 25, EYE_Y + 17), (255, 255, 255, 255))
        sk.clipped(lambda s, x=ex: (s.ellipse((x - 14, EYE_Y - 15, x + 14, EYE_Y + 13), IRIS),
                                    s.ellipse((x - 7, EYE_Y - 8, x + 7, EYE_Y + 6), (24, 14, 12, 255)),
                                    s.ellipse((x + 2, EYE_Y - 11, x + 9, EYE_Y - 4), (255, 255, 255, 255)),
                                    s.ellipse((x - 8, EYE_Y + 2, x - 4, EYE_Y + 6), (255, 255, 255, 200))),
                   lambda s, x=ex: s.ellipse((x - 25, EYE_Y - 17, x + 25, EYE_Y + 17), (255, 255, 255, 255)))
        if state == "half":  # the upper lid comes halfway down
            sk.clipped(lambda s, x=ex: s.rect((x - 30, EYE_Y - 20, x + 30, EYE_Y + 1), SKIN),
                       lambda s, x=ex: s.ellipse((x - 26, EYE_Y - 18, x + 26, EYE_Y + 18), (255, 255, 255, 255)))
            sk.line(bezier([(ex - 27, EYE_Y + 1), (ex, EYE_Y + 4), (ex + 27, EYE_Y + 1)]), INK, 5)
        else:
            sk.line(bezier([(ex - 28, EYE_Y + 2), (ex - 10, EYE_Y - 22), (ex + 14, EYE_Y - 21),
                            (ex + 28, EYE_Y - 2)]), INK, 5)
        sk.line([(ex + side * 26, EYE_Y - 6 if state == "open" else EYE_Y), (ex + side * 35, EYE_Y - 14)], INK, 3)
    return sk.finish()


def draw_brows(mood: str) -> Image.Image:
    """Eyebrows: 'neutral', 'raised' (smile, excited) or 'thinking' (one up, one down)."""
    sk = Sketch(W, H)
    for side in (-1, 1):
        ex = CX + side * EYE_DX
        lift = {"neutral": 0, "raised": 9}.get(mood, 12 if side > 0 else -3)
        y = EYE_Y - 50 - lift
        arch = 10 if mood != "thinking" or side > 0 else 4
        inner, outer = ex - side * 30, ex + side * 32
        sk.line(bezier([(inner, y + 6), (ex, y - arch), (outer, y + 8)]), HAIR, 9)
    return sk.finish()


def draw_cheeks() -> Image.Image:
    """Blush for happy expressions."""
    sk = Sketch(W, H)
    for side in (-1, 1):
        x = CX + side * 82
        sk.soft(lambda s, x=x: s.ellipse((x - 30, 570, x + 30, 604), (240, 120, 120, 255)), blur=9, opacity=0.5)
    return sk.finish()


def write_default_avatar(out: Path) -> list[Path]:
    """Paint every layer into `out` (PNG files) and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Image.Image] = {
        "background.png": draw_background(),
        "body.png": draw_body(),
        "head.png": draw_head(),
        "eyes_open.png": draw_eyes("open"),
        "eyes_half.png": draw_eyes("half"),
        "eyes_closed.png": draw_eyes("closed"),
        "brows_neutral.png": draw_brows("neutral"),
        "brows_raised.png": draw_brows("raised"),
        "brows_thinking.png": draw_brows("thinking"),
        "cheeks.png": draw_cheeks(),
    }
    for mood in ("neutral", "smile"):
        for shape, img in draw_mouth_set(smile=mood == "smile").items():
            files[f"mouth/{mood}/{shape}.png"] = img
    written = []
    for name, img in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        img.save(target, optimize=True)
        written.append(target)
    return written


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else DEFAULT_AVATAR_DIR
    paths = write_default_avatar(out)
    print(f"wrote {len(paths)} layers to {out} (mouth sprites {MOUTH_BOX[0]}x{MOUTH_BOX[1]})")


if __name__ == "__main__":
    main(sys.argv[1:])
