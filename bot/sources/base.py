"""The interface every event source implements."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol, runtime_checkable

from bot.events import LiveEvent


class SourceError(RuntimeError):
    """A user-facing problem opening a source (missing file, unknown room, bad spec)."""


@runtime_checkable
class EventSource(Protocol):
    name: str

    def events(self) -> AsyncIterator[LiveEvent]:
        """Yield events in arrival order; `t` is seconds since the session started."""
        ...

    async def close(self) -> None:
        """Stop producing events and release connections."""
        ...
