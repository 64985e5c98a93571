"""The viewers triage has seen: per-viewer rate, repeats, language; bounded, oldest forgotten first."""

from __future__ import annotations

import re
from collections import OrderedDict, deque
from dataclasses import dataclass, field

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def quick_fold(text: str) -> str:
    """A cheap key for exact-repeat detection: case and punctuation do not make a new comment.

    Not language.text.fold: accents stay, so "chưa" and "chua" are not one repeat (and it is cheap)."""
    return _PUNCT.sub(" ", text.casefold()).strip()[:200]


@dataclass(slots=True)
class ViewerState:
    """What triage remembers of one viewer."""

    comments: int = 0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=8))
    last_fold: str = ""
    last_t: float = -1e9
    gifted: bool = False
    answered_t: float = -1e9
    lang: str | None = None



class ViewerBook:
    """viewer id -> ViewerState, least recently seen forgotten first past `max_viewers`."""

    def __init__(self, max_viewers: int) -> None:
        self.max_viewers = max_viewers
        self._states: OrderedDict[str, ViewerState] = OrderedDict()

    def touch(self, vid: str) -> ViewerState:
        """The viewer's state, created if new; they become the most recently seen."""
        vs = self._states.get(vid)
        if vs is None:
            vs = ViewerState()
            self._states[vid] = vs
            if len(self._states) > self.max_viewers:
                self._states.popitem(last=False)
        else:
            self._states.move_to_end(vid)
        return vs

    def get(self, vid: str) -> ViewerState | None:
        return self._states.get(vid)

    def __len__(self) -> int:
        return len(self._states)
