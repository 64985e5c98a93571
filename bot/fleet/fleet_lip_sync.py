"""The fleet's shared lip-sync renderers: one process per checkpoint its photoreal rooms name, started before
the rooms, started again at the same address and key when one dies, stopped after the last room has ended.

A room served by one draws no model of its own; while its renderer is down it shows its sprite avatar and
comes back by itself once the renderer listens again (`SharedPhotorealAvatar`).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.avatar.photoreal.errors import PhotorealError
from bot.avatar.photoreal.lip_sync_wire import SharedLipSyncSettings
from bot.avatar.photoreal.shared_lip_sync_process import (
    RendererSpec,
    SharedLipSyncHandle,
    renderer_specs_for,
    start_shared_lip_sync,
)
from bot.fleet.fleet_file import RoomSpec

log = logging.getLogger(__name__)

LOG_NAME = "lip-sync.log"


class FleetLipSync:
    """The renderers of one fleet run, and which room each serves."""

    def __init__(self, base: SharedLipSyncSettings, max_restarts: int, notify: Callable[[str], None]) -> None:
        self.base, self.max_restarts, self.notify = base, max_restarts, notify
        self._handles: dict[RendererSpec, SharedLipSyncHandle] = {}
        self._rooms: dict[str, RendererSpec] = {}
        self._restarts: dict[RendererSpec, int] = {}
        self._given_up: set[RendererSpec] = set()

    def start(self, rooms: Sequence[RoomSpec], default_avatar: Path, host: str, log_dir: Path) -> None:
        """One renderer for each checkpoint the rooms' photoreal avatars name, listening on `host`."""
        if self.base.shared_renderer:  # the operator runs one already and set its address: every room uses it
            self.notify(f"fleet: photoreal rooms use the shared lip-sync renderer at {self.base.shared_renderer}")
            return
        by_avatar = renderer_specs_for([room.avatar or default_avatar for room in rooms], self.base)
        log_dir.mkdir(parents=True, exist_ok=True)
        for room in rooms:
            spec = by_avatar.get(room.avatar or default_avatar)
            if spec is not None:
                self._rooms[room.name] = dataclasses.replace(spec, listen=f"{host}:0",
                                                             log_file=str(log_dir / LOG_NAME))
        for spec in dict.fromkeys(self._rooms.values()):
            names = ", ".join(name for name, s in self._rooms.items() if s == spec)
            try:
                handle = start_shared_lip_sync(spec)
            except PhotorealError as exc:  # its rooms load their own model, and name what is wrong if they can't
                self._given_up.add(spec)
                self.notify(f"fleet: the shared lip-sync renderer for {names} did not start ({exc}); "
                            "those rooms draw their own")
                continue
            self._handles[spec] = handle
            self.notify(f"fleet: shared lip-sync renderer at {handle.address} (pid {handle.pid}, "
                        f"{spec.checkpoint.name}) for {names}; its log: {spec.log_file}")

    def for_room(self, name: str) -> SharedLipSyncSettings | None:
        """The room's `Settings().photoreal`: pointed at its renderer; None when it has none (sprite rooms)."""
        if self.base.shared_renderer:
            return self.base
        handle = self._handles.get(self._rooms.get(name))  # type: ignore[arg-type]
        return handle.settings(self.base) if handle is not None else None

    def keep_up(self) -> None:
        """Start a renderer that died again, at its address and with its key, so its rooms find it by themselves."""
        for spec, handle in list(self._handles.items()):
            if handle.alive() or spec in self._given_up:
                continue
            done = self._restarts.get(spec, 0)
            if done >= self.max_restarts:
                self._given_up.add(spec)
                self.notify(f"fleet: the shared lip-sync renderer at {handle.address} died {done + 1} times; "
                            "its rooms show their sprite avatar from now on")
                continue
            self._restarts[spec] = done + 1
            self.notify(f"fleet: the shared lip-sync renderer at {handle.address} died "
                        f"(exit {handle.process.exitcode}); starting it again")
            try:
                self._handles[spec] = start_shared_lip_sync(dataclasses.replace(spec, listen=handle.address),
                                                            authkey=handle.authkey)
            except PhotorealError as exc:
                self.notify(f"fleet: the shared lip-sync renderer did not come back: {exc}")

    def stop(self) -> None:
        """After the rooms: end every renderer and say what each served."""
        for spec, handle in self._handles.items():
            stats = handle.stop()
            if stats is not None and stats.batches:
                since = f" since restart {self._restarts[spec]}" if self._restarts.get(spec) else ""
                self.notify(f"fleet: lip-sync renderer drew {stats.faces} faces in {stats.batches} batches{since} "
                            f"(mean {stats.faces / stats.batches:.1f}, {stats.mixed_batches} mixing avatars)")
        self._handles.clear()
