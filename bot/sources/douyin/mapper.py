"""douyinLive sidecar JSON -> our typed events.

The sidecar (jwwsjlm/douyinLive) turns Douyin's protobuf messages into JSON. Field names follow
the proto (camelCase, int64 often as strings); we also accept snake_case so a sidecar that
renders proto names works the same. `type: "system"` lines carry the room's live status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.events import (
    Comment,
    Follow,
    Gift,
    GiftInfo,
    Join,
    Like,
    LiveEnded,
    LiveEvent,
    Share,
    Viewer,
    ViewerCount,
)

log = logging.getLogger(__name__)

_CONTROL_ENDED = 3  # WebcastControlMessage.status: 3 = the anchor ended the live
_SOCIAL_FOLLOW = 1  # WebcastSocialMessage.action: 1 = followed


class MalformedSidecarMessage(ValueError):
    """A sidecar message that lacks what its event needs."""


@dataclass(frozen=True, slots=True)
class LiveStatus:
    """A sidecar `live_status` notice (ROOM_ONLINE, ROOM_OFFLINE, ROOM_ENDED, ROOM_NOT_FOUND, ...)."""

    code: str
    message: str = ""


def field_of(obj: Any, *names: str, default: Any = None) -> Any:
    """The first present key among `names` (camelCase and snake_case spellings of one field)."""
    if not isinstance(obj, dict):
        return default
    for name in names:
        if name in obj and obj[name] is not None:
            return obj[name]
    return default


def int_of(obj: Any, *names: str, default: int = 0) -> int:
    value = field_of(obj, *names)
    if value is None or value == "":
        return default
    try:
        return int(value)  # protojson writes int64 as a string
    except (TypeError, ValueError):
        raise MalformedSidecarMessage(f"{names[0]} is not a number: {value!r}") from None


class DouyinEventMapper:
    """Maps one decoded sidecar JSON object to a LiveEvent, a LiveStatus, or None (not used)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._by_method: dict[str, Callable[[dict[str, Any], float, str | None], LiveEvent | None]] = {
            "WebcastChatMessage": self._comment,
            "WebcastGiftMessage": self._gift,
            "WebcastLikeMessage": self._like,
            "WebcastMemberMessage": self._join,
            "WebcastSocialMessage": self._social,
            "WebcastRoomUserSeqMessage": self._viewers,
            "WebcastControlMessage": self._control,
        }

    def knows(self, method: str) -> bool:
        return method in self._by_method

    def map(self, obj: dict[str, Any]) -> LiveEvent | LiveStatus | None:
        if obj.get("type") == "system":
            if obj.get("event") != "live_status":
                return None
            return LiveStatus(code=str(obj.get("code") or "ROOM_STATUS_UNKNOWN"), message=str(obj.get("message", "")))
        method = obj.get("method")
        handler = self._by_method.get(method) if isinstance(method, str) else None
        if handler is None:
            return None
        common = field_of(obj, "common", default={})
        raw_id = field_of(common, "msgId", "msg_id")
        msg_id = f"dy-{raw_id}" if raw_id not in (None, "", 0, "0") else None
        return handler(obj, self.clock(), msg_id)

    @staticmethod
    def viewer(obj: dict[str, Any]) -> Viewer:
        user = field_of(obj, "user")
        if not isinstance(user, dict):
            raise MalformedSidecarMessage("no user")
        uid = field_of(user, "id", "idStr", "id_str", "shortId", "short_id")
        if uid in (None, "", 0, "0"):
            raise MalformedSidecarMessage("user has no id")
        return Viewer(id=str(uid), unique_id=str(field_of(user, "displayId", "display_id", default="")),
                      nickname=str(field_of(user, "nickname", "nickName", "nick_name", default="")))

    def _comment(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        text = field_of(obj, "content")
        if not isinstance(text, str) or not text.strip():
            raise MalformedSidecarMessage("no content")
        return Comment(t=t, msg_id=msg_id, user=self.viewer(obj), text=text)

    def _gift(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        gift = field_of(obj, "gift", default={})
        name = field_of(gift, "name")
        if not name:
            raise MalformedSidecarMessage("gift has no name")
        count = max(int_of(obj, "repeatCount", "repeat_count"), int_of(obj, "comboCount", "combo_count"), 1)
        streakable = bool(field_of(gift, "combo", default=False))
        final = (not streakable) or int_of(obj, "repeatEnd", "repeat_end") == 1
        return Gift(t=t, msg_id=msg_id, user=self.viewer(obj), streak_end=final,
                    gift=GiftInfo(name=str(name), count=count,
                                  diamonds=max(0, int_of(gift, "diamondCount", "diamond_count"))))

    def _like(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        return Like(t=t, msg_id=msg_id, user=self.viewer(obj), count=max(1, int_of(obj, "count", default=1)))

    def _join(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        return Join(t=t, msg_id=msg_id, user=self.viewer(obj))

    def _social(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent | None:
        if int_of(obj, "action") == _SOCIAL_FOLLOW:
            return Follow(t=t, msg_id=msg_id, user=self.viewer(obj))
        if field_of(obj, "shareType", "share_type", "shareTarget", "share_target"):
            return Share(t=t, msg_id=msg_id, user=self.viewer(obj))
        return None

    def _viewers(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        return ViewerCount(t=t, msg_id=msg_id, count=max(0, int_of(obj, "total")))

    def _control(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent | None:
        if int_of(obj, "status") == _CONTROL_ENDED:
            return LiveEnded(t=t, msg_id=msg_id)
        return None
