"""Photoreal avatar: a prepared video of the seller, mouth redrawn by a Wav2Lip-compatible network.

Importing this package never imports torch or OpenCV; they load when an avatar is prepared or built.
"""

from __future__ import annotations

from bot.avatar.photoreal.errors import AvatarPrepareError, PhotorealError
from bot.avatar.photoreal.photoreal_renderer import PhotorealAvatar, load_photoreal
from bot.avatar.photoreal.prepare import PreparedSummary, prepare_avatar
from bot.avatar.photoreal.shared_photoreal_avatar import SharedPhotorealAvatar, connect_shared_photoreal

__all__ = ["AvatarPrepareError", "PhotorealAvatar", "PhotorealError", "PreparedSummary", "SharedPhotorealAvatar",
           "connect_shared_photoreal", "load_photoreal", "prepare_avatar"]
