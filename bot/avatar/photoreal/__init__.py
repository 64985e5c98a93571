"""Photoreal avatar: a prepared video of the seller, mouth redrawn by a Wav2Lip-compatible network.

Importing this package never imports torch or OpenCV; they load when an avatar is prepared or built.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bot.avatar.photoreal.errors import AvatarPrepareError, PhotorealError

if TYPE_CHECKING:
    from bot.avatar.photoreal.photoreal_renderer import PhotorealAvatar
    from bot.avatar.photoreal.prepare import PreparedSummary

__all__ = ["AvatarPrepareError", "PhotorealError", "load_photoreal", "prepare_avatar"]


def load_photoreal(folder: Path, width: int, height: int, fps: int) -> PhotorealAvatar:
    """The renderer for a folder with `kind = "photoreal"` in its avatar.toml (needs torch + checkpoint)."""
    from bot.avatar.photoreal.avatar_folder import load_photoreal as _load

    return _load(folder, width, height, fps)


def prepare_avatar(video: Path, out: Path, **options: object) -> PreparedSummary:
    """Turn a short video of the seller into an avatar folder (see prepare.prepare_avatar for options)."""
    from bot.avatar.photoreal.prepare import prepare_avatar as _prepare

    return _prepare(video, out, **options)  # type: ignore[arg-type]
