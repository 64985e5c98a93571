"""Short memory: the last few exchanges per viewer (bounded LRU over viewers) and what the room just heard."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Exchange:
    """One question a viewer asked and what the host answered (written form, no tool output)."""

    asked: str
    answered: str


class ViewerMemory:
    """Keeps `turns` exchanges for each of at most `max_viewers` viewers; the least recent is forgotten."""

    def __init__(self, turns: int = 3, max_viewers: int = 500) -> None:
        self.turns = turns
        self.max_viewers = max_viewers
        self._by_viewer: OrderedDict[str, deque[Exchange]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_viewer)

    def recall(self, viewer_id: str) -> list[Exchange]:
        """This viewer's last exchanges, oldest first (empty for someone new)."""
        history = self._by_viewer.get(viewer_id)
        if history is None:
            return []
        self._by_viewer.move_to_end(viewer_id)
        return list(history)

    def remember(self, viewer_id: str, asked: str, answered: str) -> None:
        if not answered.strip():
            return
        history = self._by_viewer.get(viewer_id)
        if history is None:
            history = self._by_viewer[viewer_id] = deque(maxlen=self.turns)
        self._by_viewer.move_to_end(viewer_id)
        history.append(Exchange(asked, answered))
        while len(self._by_viewer) > self.max_viewers:
            self._by_viewer.popitem(last=False)


class RoomContext:
    """What the whole room just heard, so a reply does not repeat the last lines word for word."""

    def __init__(self, keep: int = 4) -> None:
        self._said: deque[str] = deque(maxlen=keep)

    def heard(self, line: str) -> None:
        if line.strip():
            self._said.append(line.strip())

    @property
    def recent(self) -> list[str]:
        return list(self._said)
