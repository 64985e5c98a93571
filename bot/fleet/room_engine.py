"""Where rooms run: the interface the supervisor drives, one implementation per engine (local, ray)."""

from __future__ import annotations

from typing import Protocol

from bot.fleet.fleet_file import RoomSpec
from bot.fleet.room_run import RoomResult, RoomRun


class RoomHandle(Protocol):
    """One running attempt of one room."""

    name: str

    def result(self) -> RoomResult | None:
        """The attempt's result once it has ended (a process or actor that died: CRASHED); None while running."""
        ...

    def stop(self) -> None:
        """Ask the room to end the clean way (DESIGN §2.5a: finish the line, flush, close outputs)."""
        ...

    def kill(self) -> None:
        """End the room now (after the stop grace has passed)."""
        ...


class RoomEngine(Protocol):
    """Starts rooms somewhere: `local` (a process each) or `ray` (an actor each)."""

    name: str
    lip_sync_host: str  # where a shared lip-sync renderer beside the fleet listens so this engine's rooms reach it

    def start(self, spec: RoomSpec, run: RoomRun) -> RoomHandle:
        """Start one attempt of `spec`; raising means the room could not be placed at all."""
        ...

    def close(self) -> None:
        """Release what the engine holds (a local Ray instance it started)."""
        ...
