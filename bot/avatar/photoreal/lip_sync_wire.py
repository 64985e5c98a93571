"""What rooms and the shared lip-sync renderer say to each other, and the room-side settings that find it.

The link is `multiprocessing.connection` (pickled dataclasses over TCP on 127.0.0.1 or a Unix socket,
authenticated with a shared key), so both ends are plain Python and a Ray actor can reach it too.
This module imports neither torch nor OpenCV: the fleet and the config read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field, SecretStr, field_validator

UNIX_PREFIX = "unix:"
ADDRESS_ENV = "LIVEBOT_PHOTOREAL__SHARED_RENDERER"
AUTHKEY_ENV = "LIVEBOT_PHOTOREAL__AUTHKEY"


class SharedLipSyncSettings(BaseModel):
    """`Settings().photoreal`: where a room's photoreal avatar finds the shared renderer, how long it waits."""

    shared_renderer: str | None = Field(None, description="HOST:PORT or unix:/PATH of the shared lip-sync "
                                                          "renderer; unset: each room loads its own model")
    authkey: SecretStr | None = Field(None, description="the shared renderer's key, hex (the fleet sets it)")
    reply_wait_s: float = Field(0.04, gt=0, description="live: how long a frame waits for its face before "
                                                        "showing the clip's own mouth")
    dead_after_s: float = Field(3.0, gt=0, description="no answer this long: the renderer is gone, the room "
                                                       "shows its sprite avatar (--fast waits this long too)")
    reconnect_s: float = Field(5.0, gt=0, description="how often a room tries the renderer again once gone")
    fallback_avatar: Path | None = Field(None, description="sprite avatar shown while the renderer is gone "
                                                           "(default: avatar.toml's fallback_avatar, else the "
                                                           "bundled one)")
    max_batch: int = Field(32, ge=1, description="renderer: most faces in one generator call, all rooms")
    max_wait_s: float = Field(0.008, ge=0, description="renderer: longest a request waits for others to "
                                                       "join its batch")

    @field_validator("authkey")
    @classmethod
    def _hex_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                bytes.fromhex(value.get_secret_value())
            except ValueError:
                raise ValueError("the shared renderer's authkey must be hex digits") from None
        return value

    def link(self, room: str, realtime: bool) -> SharedLipSyncLink | None:
        """What a room's avatar needs to use the shared renderer; None when no renderer is configured."""
        if not self.shared_renderer:
            return None
        key = bytes.fromhex(self.authkey.get_secret_value()) if self.authkey is not None else b""
        return SharedLipSyncLink(self.shared_renderer, key, room, realtime, self)


@dataclass(frozen=True, slots=True)
class SharedLipSyncLink:
    """One room's way to the shared renderer: address, key, its name, and whether the stage runs live."""

    address: str
    authkey: bytes = field(repr=False)
    room: str
    realtime: bool
    settings: SharedLipSyncSettings


def parse_address(text: str) -> str | tuple[str, int]:
    """'HOST:PORT' -> (host, port); 'unix:/path' -> '/path'; anything else is a ValueError naming it."""
    if text.startswith(UNIX_PREFIX):
        path = text.removeprefix(UNIX_PREFIX)
        if not path:
            raise ValueError(f"shared renderer address {text!r}: no socket path after 'unix:'")
        return path
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"shared renderer address {text!r}: expected HOST:PORT or unix:/PATH")
    return host, int(port)


def format_address(address: str | tuple[str, int]) -> str:
    """The inverse of `parse_address`, for the settings and the logs."""
    if isinstance(address, str):
        return f"{UNIX_PREFIX}{address}"
    return f"{address[0]}:{address[1]}"


@dataclass(frozen=True, slots=True)
class Hello:
    """Room -> renderer, first message: who is asking (room name, for the renderer's logs and stats)."""

    room: str


@dataclass(frozen=True, slots=True)
class Welcome:
    """Renderer -> room: the largest request it takes and which checkpoint it runs (rooms check theirs)."""

    max_batch: int
    checkpoint: str


@dataclass(frozen=True, slots=True)
class AvatarFaces:
    """Room -> renderer, once per avatar: its idle-loop face crops, so requests name loop frames only."""

    key: str  # the avatar folder and stage size: two rooms with one avatar share one copy
    crops: np.ndarray  # (N, 96, 96, 3) uint8 RGB


@dataclass(frozen=True, slots=True)
class FaceRequest:
    """Room -> renderer: faces for consecutive frames of the room's own timeline (frame k ↔ mel window k)."""

    ticket: int
    key: str
    loop_ids: np.ndarray  # (k,) idle-loop frame each face is drawn on
    mels: np.ndarray  # (k, 80, 16) float32
    budget_s: float | None  # how long after sending the answer is still useful; None: no deadline (--fast)


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """Which generator call answered a request, and what else was in it (tests and stats)."""

    batch_id: int
    size: int
    rooms: tuple[str, ...]
    avatars: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FaceReply:
    """Renderer -> room: the faces of one request (status 'ok'), or why there are none."""

    ticket: int
    status: str  # ok | expired | dropped | unknown-avatar | bad-request
    faces: np.ndarray | None = None  # (k, 96, 96, 3) uint8 RGB
    batch: BatchInfo | None = None


@dataclass(frozen=True, slots=True)
class StatsRequest:
    """Room (or bench) -> renderer: send `RendererStats`."""


@dataclass(slots=True)
class RendererStats:
    """Counters of the shared renderer, whole run; `recent` are the last batches."""

    batches: int = 0
    faces: int = 0
    expired: dict[str, int] = field(default_factory=dict)  # room -> requests too late to run
    dropped: dict[str, int] = field(default_factory=dict)  # room -> requests shed from its full queue
    shed: dict[str, int] = field(default_factory=dict)  # room -> replies thrown away: it stopped reading
    mixed_batches: int = 0  # batches holding more than one avatar
    recent: list[BatchInfo] = field(default_factory=list)
