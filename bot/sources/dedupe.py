"""Bounded LRU of message ids: platforms replay recent history on every (re)connect."""

from __future__ import annotations

from collections import OrderedDict


class MessageIdDeduper:
    """Remembers the last `capacity` message ids; `seen()` says whether one came before."""

    def __init__(self, capacity: int = 4096) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self.duplicates = 0

    def seen(self, msg_id: str | None) -> bool:
        """True when `msg_id` was already seen (and counts it); records it otherwise."""
        if not msg_id:  # events without an id cannot be de-duplicated; let them through
            return False
        if msg_id in self._ids:
            self._ids.move_to_end(msg_id)
            self.duplicates += 1
            return True
        self._ids[msg_id] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return False

    def __len__(self) -> int:
        return len(self._ids)
