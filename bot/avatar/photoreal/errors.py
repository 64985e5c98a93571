"""Errors of the photoreal avatar: one clear line for the user, naming what was wrong."""

from __future__ import annotations

from bot.avatar.avatar_spec import AvatarError


class PhotorealError(AvatarError):
    """A photoreal avatar cannot be loaded or used (missing torch, checkpoint, files).

    An AvatarError, so a room that cannot load it fails to start with this one line, as any bad avatar does."""


class AvatarPrepareError(PhotorealError):
    """A video cannot be turned into an avatar (too short, no face, face too small)."""
