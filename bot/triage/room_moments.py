"""Joins, follows and shares waiting to be acknowledged, merged so a storm is one line."""

from __future__ import annotations

from collections import deque

from bot.events import Viewer
from bot.frames import MergedMoment


class MomentBatch:
    """Collects one kind of moment; only the first `named` viewers are kept, the rest counted.

    Moments older than `forget_s` are forgotten (counted as stale) — greeting someone who
    joined a minute ago sounds odd, and memory stays bounded whatever the storm.
    """

    def __init__(self, kind: str, named: int = 3, forget_s: float = 30.0, max_pending: int = 500) -> None:
        self.kind = kind
        self.named = named
        self.forget_s = forget_s
        self._pending: deque[tuple[float, Viewer]] = deque(maxlen=max_pending)
        self._seen: set[str] = set()
        self.overflowed = 0
        self.stale = 0

    def add(self, viewer: Viewer, t: float) -> bool:
        """Queue a viewer; False if they were already queued (duplicate join)."""
        if viewer.id in self._seen:
            return False
        if len(self._pending) == self._pending.maxlen:
            _, dropped = self._pending[0]
            self._seen.discard(dropped.id)
            self.overflowed += 1
        self._pending.append((t, viewer))
        self._seen.add(viewer.id)
        return True

    def expire(self, now: float) -> int:
        n = 0
        while self._pending and now - self._pending[0][0] > self.forget_s:
            _, v = self._pending.popleft()
            self._seen.discard(v.id)
            n += 1
        self.stale += n
        return n

    def __len__(self) -> int:
        return len(self._pending)

    def take(self) -> MergedMoment | None:
        if not self._pending:
            return None
        items = list(self._pending)
        self._pending.clear()
        self._seen.clear()
        # Name the most recent viewers: they are the ones still watching.
        named = [v for _, v in items[-self.named:]][::-1]
        return MergedMoment(self.kind, named, len(items), items[0][0], items[-1][0])
