"""The platform's own moderation as the show sees it: deleted comments, a paused live."""

from __future__ import annotations

from collections import OrderedDict

from bot.events import Comment, CommentDeleted, LiveEvent


class PlatformDeletions:
    """Comments the platform removed: by message id, or every comment of a viewer up to then."""

    def __init__(self, capacity: int = 4096) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._users: OrderedDict[str, float] = OrderedDict()  # viewer id -> time of the deletion

    def add(self, ev: CommentDeleted) -> None:
        for mid in ev.message_ids:
            self._ids[mid] = None
        if ev.user_id:
            self._users[ev.user_id] = ev.t
        for table in (self._ids, self._users):
            while len(table) > self.capacity:
                table.popitem(last=False)

    def covers(self, ev: LiveEvent | None) -> bool:
        """Whether `ev` is a comment the platform deleted (a viewer's later comments stay)."""
        if not isinstance(ev, Comment):
            return False
        if ev.msg_id is not None and ev.msg_id in self._ids:
            return True
        t = self._users.get(ev.user.id)
        return t is not None and ev.t <= t
