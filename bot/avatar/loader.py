"""Open an avatar folder: read its avatar.toml and build the renderer its `kind` names."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from bot.avatar.avatar_spec import AvatarError, parse_sprite_spec, read_toml
from bot.avatar.render_contract import AvatarRenderer
from bot.avatar.sprite import SpriteAvatar

if TYPE_CHECKING:  # the photoreal package is optional: its types only, never its import, here
    from bot.avatar.photoreal.lip_sync_wire import SharedLipSyncLink

__all__ = ["AvatarError", "load_avatar"]


def load_avatar(folder: Path, width: int = 720, height: int = 1280, fps: int = 25,
                shared_lip_sync: SharedLipSyncLink | None = None) -> AvatarRenderer:
    """The renderer for `folder` (kind "sprite" or "photoreal"); AvatarError names what is wrong.

    With `shared_lip_sync` a photoreal avatar gets its faces from the shared renderer (no model here).
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise AvatarError(f"{folder}: avatar folder not found")
    data = read_toml(folder / "avatar.toml")
    kind = data.get("kind", "sprite")
    if kind == "sprite":
        spec = parse_sprite_spec(folder, data)
        return SpriteAvatar(spec, width=width, height=height, fps=fps)
    if kind == "photoreal":
        try:  # by name at call time: the photoreal package may be left out of an install
            photoreal = importlib.import_module("bot.avatar.photoreal")
            load_photoreal = photoreal.load_photoreal
            connect_shared = photoreal.connect_shared_photoreal
        except (ImportError, AttributeError) as exc:
            raise AvatarError(
                f"{folder / 'avatar.toml'}: kind = \"photoreal\" needs bot.avatar.photoreal "
                f"(install the photoreal extra): {exc}"
            ) from exc
        if shared_lip_sync is not None:
            return connect_shared(folder, width, height, fps, shared_lip_sync)
        return load_photoreal(folder, width, height, fps)
    raise AvatarError(f"{folder / 'avatar.toml'}: unknown kind {kind!r} (expected \"sprite\" or \"photoreal\")")
