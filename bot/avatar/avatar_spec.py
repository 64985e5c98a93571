"""avatar.toml: what a sprite avatar folder declares (layers, eyes, mouth set, motion, layout)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.avatar.visemes import MOUTH_SHAPES


class AvatarError(RuntimeError):
    """An avatar folder cannot be used: missing or broken file, bad avatar.toml, unknown kind."""


@dataclass(frozen=True, slots=True)
class ExpressionSpec:
    mouth: str = "neutral"  # which mouth set
    brows: str = ""  # a canvas-size layer, or "" for none
    extra: tuple[str, ...] = ()  # more canvas-size layers over the face (blush…)


@dataclass(frozen=True, slots=True)
class MotionSpec:
    breath_px: float = 3.0
    breath_period: float = 4.2
    sway_px: float = 3.0
    sway_period: float = 7.3
    nod_px: float = 2.0  # small nod while speaking
    nod_period: float = 0.9


@dataclass(frozen=True, slots=True)
class LayoutSpec:
    """Overlay positions as fractions of the frame (kept clear of TikTok's bottom and right UI)."""

    label: tuple[float, float] = (0.04, 0.095)  # top-left corner
    card: tuple[float, float, float] = (0.04, 0.135, 0.44)  # x, top, width
    caption: tuple[float, float, float] = (0.05, 0.785, 0.78)  # x, bottom, width
    caption_lines: int = 3
    board: tuple[float, float, float] = (0.04, 0.635, 0.66)  # answer board: x, bottom, width (rows stack up)
    board_rows: int = 5


@dataclass(frozen=True, slots=True)
class SpriteSpec:
    folder: Path
    name: str
    canvas: tuple[int, int]
    fps: int
    background: str
    body: str
    head: str
    eyes_open: str
    eyes_closed: str
    eyes_half: str
    blink_interval: tuple[float, float]
    blink_seconds: float
    mouth_anchor: tuple[float, float]
    mouth_files: str
    mouth_sets: tuple[str, ...]
    lead: float
    min_hold_frames: int
    expressions: dict[str, ExpressionSpec]
    motion: MotionSpec = field(default_factory=MotionSpec)
    layout: LayoutSpec = field(default_factory=LayoutSpec)
    fonts: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.folder / name

    def mouth_file(self, mouth_set: str, shape: str) -> str:
        return self.mouth_files.format(set=mouth_set, shape=shape)

    def files(self) -> list[str]:
        """Every layer file the avatar needs (relative to its folder)."""
        names = [self.background, self.body, self.head, self.eyes_open, self.eyes_closed]
        names += [self.eyes_half] if self.eyes_half else []
        for expr in self.expressions.values():
            names += ([expr.brows] if expr.brows else []) + list(expr.extra)
        names += [self.mouth_file(s, shape) for s in self.mouth_sets for shape in MOUTH_SHAPES]
        return list(dict.fromkeys(names))


def read_toml(toml_path: Path) -> dict[str, Any]:
    """Parse avatar.toml, turning every failure into an AvatarError that names the file."""
    if not toml_path.is_file():
        raise AvatarError(f"{toml_path}: avatar.toml not found")
    try:
        return tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise AvatarError(f"{toml_path}: not valid TOML: {exc}") from exc


def _pair(value: Any, where: str, kind: type = float) -> tuple:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise AvatarError(f"{where}: expected a pair like [x, y], got {value!r}")
    try:
        return (kind(value[0]), kind(value[1]))
    except (TypeError, ValueError) as exc:
        raise AvatarError(f"{where}: expected numbers, got {value!r}") from exc


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise AvatarError(f"{where}: [{key}] must be a table")
    return value


def _required(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise AvatarError(f"{where}: missing file name `{key}`")
    return value


def parse_sprite_spec(folder: Path, data: dict[str, Any]) -> SpriteSpec:
    """Validate a sprite avatar.toml; errors name the file and the key."""
    where = str(folder / "avatar.toml")
    try:
        layers, eyes, mouth = (_table(data, k, where) for k in ("layers", "eyes", "mouth"))
        motion_t, layout_t, expr_t = (_table(data, k, where) for k in ("motion", "layout", "expressions"))
        expressions = {
            name: ExpressionSpec(mouth=str(e.get("mouth", "neutral")), brows=str(e.get("brows", "")),
                                 extra=tuple(str(x) for x in e.get("extra", [])))
            for name, e in expr_t.items()
        } or {"neutral": ExpressionSpec()}
        expressions.setdefault("neutral", ExpressionSpec())
        mouth_sets = tuple(str(s) for s in mouth.get("sets", ["neutral"]))
        for name, expr in expressions.items():
            if expr.mouth not in mouth_sets:
                raise AvatarError(f"{where}: expression {name!r} uses mouth set {expr.mouth!r}, "
                                  f"not in mouth.sets {list(mouth_sets)}")
        layout_d = LayoutSpec()
        layout = LayoutSpec(
            label=tuple(layout_t.get("label", layout_d.label)),
            card=tuple(layout_t.get("card", layout_d.card)),
            caption=tuple(layout_t.get("caption", layout_d.caption)),
            caption_lines=int(layout_t.get("caption_lines", layout_d.caption_lines)),
            board=tuple(layout_t.get("board", layout_d.board)),
            board_rows=int(layout_t.get("board_rows", layout_d.board_rows)),
        )
        fps = int(data.get("fps", 25))
        return SpriteSpec(
            folder=folder,
            name=str(data.get("name", folder.name)),
            canvas=_pair(data.get("canvas", [720, 1280]), f"{where}: canvas", int),
            fps=fps,
            background=_required(layers, "background", f"{where} [layers]"),
            body=_required(layers, "body", f"{where} [layers]"),
            head=_required(layers, "head", f"{where} [layers]"),
            eyes_open=_required(eyes, "open", f"{where} [eyes]"),
            eyes_closed=_required(eyes, "closed", f"{where} [eyes]"),
            eyes_half=str(eyes.get("half", "")),
            blink_interval=_pair(eyes.get("blink_interval", [2.0, 5.5]), f"{where}: eyes.blink_interval"),
            blink_seconds=float(eyes.get("blink_seconds", 0.16)),
            mouth_anchor=_pair(mouth.get("anchor"), f"{where}: mouth.anchor"),
            mouth_files=str(mouth.get("files", "mouth/{set}/{shape}.png")),
            mouth_sets=mouth_sets,
            lead=float(mouth.get("lead", 0.04)),
            min_hold_frames=int(mouth.get("min_hold_frames", 2)),
            expressions=expressions,
            motion=MotionSpec(**{k: float(v) for k, v in motion_t.items()}),
            layout=layout,
            fonts={str(k): str(v) for k, v in _table(data, "fonts", where).items()},
        )
    except AvatarError:
        raise
    except (TypeError, ValueError, KeyError) as exc:
        raise AvatarError(f"{where}: {exc}") from exc
