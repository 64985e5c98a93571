"""Read a prepared photoreal avatar folder (avatar.toml + frames + faces.npz + mask.png)."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from bot.avatar.photoreal.errors import PhotorealError
from bot.avatar.photoreal.prepare import face_crops

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedAvatar:
    """The idle clip at stage size, one face box and 96×96 crop per frame, and the blend mask."""

    folder: Path
    fps: int
    frames: np.ndarray  # (N, H, W, 3) uint8 RGB
    boxes: np.ndarray  # (N, 4) int x1, y1, x2, y2
    crops: np.ndarray  # (N, 96, 96, 3) uint8 RGB
    mask: np.ndarray  # (96, 96) float32 in [0, 1]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def loop_length(self) -> int:
        return max(1, 2 * len(self.frames) - 2)

    def loop_index(self, frame_index: int) -> int:
        """Source frame shown at stage frame `frame_index`: forward then backward, so it never jumps."""
        n = len(self.frames)
        if n == 1:
            return 0
        p = frame_index % self.loop_length
        return p if p < n else self.loop_length - p


def read_avatar_toml(folder: Path) -> dict[str, Any]:
    """Parse avatar.toml and check it is a photoreal avatar; errors name the file."""
    path = Path(folder) / "avatar.toml"
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise PhotorealError(f"{path}: not found (run `livebot avatar prepare VIDEO --out DIR`)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PhotorealError(f"{path}: {exc}") from exc
    if settings.get("kind") != "photoreal":
        raise PhotorealError(f"{path}: kind is {settings.get('kind')!r}, expected \"photoreal\"")
    return settings


def _read_frames(frames_dir: Path, expected: int | None) -> np.ndarray:
    files = sorted(frames_dir.glob("*.jpg")) + sorted(frames_dir.glob("*.png"))
    if not files:
        raise PhotorealError(f"{frames_dir}: no frames (re-run `livebot avatar prepare`)")
    if expected is not None and len(files) != expected:
        raise PhotorealError(f"{frames_dir}: {len(files)} frames, avatar.toml says {expected}")
    first = np.asarray(Image.open(files[0]).convert("RGB"))
    frames = np.empty((len(files), *first.shape), dtype=np.uint8)
    frames[0] = first
    for i, f in enumerate(files[1:], start=1):
        image = np.asarray(Image.open(f).convert("RGB"))
        if image.shape != first.shape:
            raise PhotorealError(f"{f}: size {image.shape[1]}x{image.shape[0]} differs from the first frame")
        frames[i] = image
    return frames


def _fit_to_stage(prepared: PreparedAvatar, width: int, height: int) -> PreparedAvatar:
    """Scale an avatar prepared for another stage size (frames and boxes; crops recomputed)."""
    import cv2

    h, w = prepared.frames.shape[1:3]
    logger.warning("avatar %s is %dx%d, stage is %dx%d: scaling", prepared.folder, w, h, width, height)
    frames = np.stack([cv2.resize(f, (width, height), interpolation=cv2.INTER_AREA) for f in prepared.frames])
    scale = np.array([width / w, height / h, width / w, height / h])
    boxes = np.round(prepared.boxes * scale).astype(np.int64)
    crops = face_crops(list(frames), boxes)
    return PreparedAvatar(
        prepared.folder, prepared.fps, frames, boxes, crops, prepared.mask, prepared.settings
    )


def load_prepared(folder: Path, width: int | None = None, height: int | None = None) -> PreparedAvatar:
    """Load the folder `livebot avatar prepare` wrote; scale to width×height when they differ."""
    folder = Path(folder)
    settings = read_avatar_toml(folder)
    frames = _read_frames(folder / settings.get("frames", "frames"), settings.get("frame_count"))
    faces_path = folder / settings.get("faces", "faces.npz")
    try:
        with np.load(faces_path) as faces:
            boxes = faces["boxes"].astype(np.int64)
            crops = faces["crops"].astype(np.uint8)
    except (OSError, KeyError, ValueError) as exc:
        raise PhotorealError(f"{faces_path}: unreadable face cache ({exc})") from exc
    if len(boxes) != len(frames) or len(crops) != len(frames):
        raise PhotorealError(f"{faces_path}: {len(boxes)} boxes for {len(frames)} frames")
    mask_path = folder / settings.get("mask", "mask.png")
    try:
        mask = np.asarray(Image.open(mask_path).convert("L").resize((96, 96)), dtype=np.float32) / 255.0
    except OSError as exc:
        raise PhotorealError(f"{mask_path}: unreadable mask ({exc})") from exc
    prepared = PreparedAvatar(folder, int(settings.get("fps", 25)), frames, boxes, crops, mask, settings)
    fh, fw = frames.shape[1:3]
    if width is not None and height is not None and (fw, fh) != (width, height):
        prepared = _fit_to_stage(prepared, width, height)
    return prepared
