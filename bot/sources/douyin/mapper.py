"""douyinLive sidecar JSON -> our typed events.

The sidecar (jwwsjlm/douyinLive) turns Douyin's protobuf messages into JSON. Field names follow
the proto (camelCase, int64 often as strings); we also accept snake_case so a sidecar that
renders proto names works the same. `type: "system"` lines carry the room's live status.
"""

from __future__ import annotations

import hashlib
import logging
import re
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
    LivePaused,
    LiveResumed,
    Share,
    Viewer,
    ViewerCount,
)

log = logging.getLogger(__name__)

# WebcastControlMessage.action (field 2): 1 paused, 2 resumed, 3 the anchor ended the live.
# Old sidecar builds named the same field `status`; both spellings are read.
_CONTROL_ENDED = 3
_SOCIAL_FOLLOW = 1  # WebcastSocialMessage.action: 1 = followed
_MEMBER_JOINED = 1  # WebcastMemberMessage.action: 1 = entered; others are admin changes, leaves, ...
# Douyin masks viewers who hide their identity: id/idStr "111111", nickname "二***".
_MASKED_IDS = frozenset({"111111"})
_MASKED_NAME = re.compile(r"\*{2,}")


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
            "WebcastRoomStatsMessage": self._stats,
            "WebcastEmojiChatMessage": self._sticker,
        }
        self.gifts_seen = 0
        self.comments_seen = 0

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
    def viewer(obj: dict[str, Any], msg_id: str | None = None, streak: str | None = None) -> Viewer:
        """Our Viewer; a masked viewer gets a key of their own (see `viewer_key`)."""
        user = field_of(obj, "user")
        if not isinstance(user, dict):
            raise MalformedSidecarMessage("no user")
        uid = field_of(user, "idStr", "id_str", "id", "shortId", "short_id")
        if uid in (None, "", 0, "0"):
            raise MalformedSidecarMessage("user has no id")
        nickname = str(field_of(user, "nickname", "nickName", "nick_name", default=""))
        display_id = str(field_of(user, "displayId", "display_id", default=""))
        masked = str(uid) in _MASKED_IDS or bool(_MASKED_NAME.search(nickname))
        key = viewer_key(str(uid), str(field_of(user, "secUid", "sec_uid", default="")), display_id, masked,
                         msg_id, f"{streak}|{nickname}" if streak else None)
        return Viewer(id=key, unique_id="" if masked else display_id, nickname=nickname, masked=masked)

    def _comment(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        text = field_of(obj, "content")
        if not isinstance(text, str) or not text.strip():
            raise MalformedSidecarMessage("no content")
        self.comments_seen += 1
        return Comment(t=t, msg_id=msg_id, user=self.viewer(obj, msg_id), text=text)

    def _sticker(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        # EmojiChatMessage: a sticker on its own; `defaultContent` is its text stand-in ("[比心]").
        text = field_of(obj, "defaultContent", "default_content")
        return Comment(t=t, msg_id=msg_id, user=self.viewer(obj, msg_id), sticker=True,
                       text=text if isinstance(text, str) and text.strip() else "[sticker]")

    def _gift(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        gift = field_of(obj, "gift", default={})
        name = field_of(gift, "name")
        if not name or not isinstance(name, str):
            raise MalformedSidecarMessage("gift has no name")
        count = max(int_of(obj, "repeatCount", "repeat_count"), int_of(obj, "comboCount", "combo_count"), 1)
        streakable = bool(field_of(gift, "combo", default=False))
        final = (not streakable) or int_of(obj, "repeatEnd", "repeat_end") == 1
        # A streak's steps share groupId: a masked gifter's steps fold together, two gifters do not.
        streak = f"{field_of(gift, 'id', default=name)}|{field_of(obj, 'groupId', 'group_id', default='')}"
        self.gifts_seen += 1
        return Gift(t=t, msg_id=msg_id, user=self.viewer(obj, msg_id, streak), streak_end=final,
                    gift=GiftInfo(name=name, count=count,
                                  diamonds=max(0, int_of(gift, "diamondCount", "diamond_count"))))

    def _like(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        return Like(t=t, msg_id=msg_id, user=self.viewer(obj, msg_id), count=max(1, int_of(obj, "count", default=1)))

    def _join(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent | None:
        if int_of(obj, "action", default=_MEMBER_JOINED) != _MEMBER_JOINED:
            return None  # made an admin, left, banned: not someone to greet
        return Join(t=t, msg_id=msg_id, user=self.viewer(obj, msg_id))

    def _social(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent | None:
        if int_of(obj, "action") == _SOCIAL_FOLLOW:
            return Follow(t=t, msg_id=msg_id, user=self.viewer(obj, msg_id))
        if field_of(obj, "shareType", "share_type", "shareTarget", "share_target"):
            return Share(t=t, msg_id=msg_id, user=self.viewer(obj, msg_id))
        return None

    def _viewers(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent:
        return ViewerCount(t=t, msg_id=msg_id, count=max(0, int_of(obj, "total")))

    def _stats(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent | None:
        # RoomStatsMessage: displayValue (field 5, int64) is the number the room's online-viewers badge
        # shows; displayShort/Middle/Long are that number as text ("1.2万"). `total` (9) is a fallback.
        count = int_of(obj, "displayValue", "display_value", default=-1)
        if count < 0:
            count = int_of(obj, "total", default=-1)
        if count < 0:
            return None  # a stats frame without a number (only its text form): nothing to count
        return ViewerCount(t=t, msg_id=msg_id, count=count, extra={"from": "room_stats"})

    def _control(self, obj: dict[str, Any], t: float, msg_id: str | None) -> LiveEvent | None:
        action = int_of(obj, "action", default=-1)
        if action < 0:
            action = int_of(obj, "status", default=-1)
        if action == _CONTROL_ENDED:
            return LiveEnded(t=t, msg_id=msg_id)
        if action == 1:
            return LivePaused(t=t, msg_id=msg_id)
        if action == 2:
            return LiveResumed(t=t, msg_id=msg_id)
        return None


def viewer_key(uid: str, sec_uid: str, display_id: str, masked: bool, msg_id: str | None,
               streak: str | None) -> str:
    """A key that tells viewers apart even when Douyin masks them (id 111111 for everyone).

    A viewer Douyin does not mask keeps their real id (moderators block by it). A masked one gets
    the platform's sec_uid / displayId when it sends one; without them, the gift streak (gift +
    group id + nickname) for gifts, else the message id (one-off events). Hashed: no name stored.
    """
    if not masked:
        return uid
    if sec_uid:
        return f"dy-sec-{sec_uid[:96]}"
    if display_id:
        return f"dy-did-{display_id[:96]}"
    return "dy-anon-" + hashlib.sha1(f"{streak or msg_id or uid}".encode()).hexdigest()[:16]
