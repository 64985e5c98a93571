"""Errors of the photoreal avatar: one clear line for the user, naming what was wrong."""

from __future__ import annotations


class PhotorealError(RuntimeError):
    """A photoreal avatar cannot be loaded or used (missing torch, checkpoint, files)."""


class AvatarPrepareError(PhotorealError):
    """A video cannot be turned into an avatar (too short, no face, face too small)."""
