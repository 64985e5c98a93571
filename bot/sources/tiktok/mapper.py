"""TikTokLive events -> our typed events. The only module that knows TikTokLive's event shapes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from TikTokLive.events import (
    CommentEvent,
    EmoteChatEvent,
    FollowEvent,
    GiftEvent,
    ImDeleteEvent,
    JoinEvent,
    LikeEvent,
    LiveEndEvent,
    LivePauseEvent,
    LiveUnpauseEvent,
    OecLiveShoppingEvent,
    RoomPinEvent,
    RoomUserSeqEvent,
    ShareEvent,
)
from TikTokLive.events.proto_events import EVENT_MAPPINGS
from TikTokLiveProto.v3.webcast.im import PinMessageActionType
from TikTokLiveProto.v3.webcast.model.message import WebcastQuestionNewMessage

from bot.events import (
    Comment,
    CommentDeleted,
    Follow,
    Gift,
    GiftInfo,
    Join,
    Like,
    LiveEnded,
    LiveEvent,
    LivePaused,
    LiveResumed,
    ProductPinned,
    Share,
    Viewer,
    ViewerCount,
)

log = logging.getLogger(__name__)


def prime_event_classes() -> None:
    """Build TikTokLive's event-class metadata before any raw message class is used.

    betterproto2 caches field metadata per class and subclasses inherit a parent's cache:
    if a `WebcastChatMessage` is parsed first, `CommentEvent.user` comes out as a plain
    `User` without `unique_id` (TikTokLive 7.0.1; research note §2.5).
    """
    for ev_cls in EVENT_MAPPINGS.values():
        ev_cls._betterproto  # noqa: B018 - the attribute access builds and caches the metadata


prime_event_classes()

# Method names of the messages we map (for logs on malformed payloads).
METHODS: dict[type, str] = {
    CommentEvent: "WebcastChatMessage",
    GiftEvent: "WebcastGiftMessage",
    LikeEvent: "WebcastLikeMessage",
    JoinEvent: "WebcastMemberMessage",
    FollowEvent: "WebcastSocialMessage",
    ShareEvent: "WebcastSocialMessage",
    RoomUserSeqEvent: "WebcastRoomUserSeqMessage",
    OecLiveShoppingEvent: "WebcastOecLiveShoppingMessage",
    LiveEndEvent: "WebcastControlMessage",
    LivePauseEvent: "WebcastControlMessage",
    LiveUnpauseEvent: "WebcastControlMessage",
    ImDeleteEvent: "WebcastImDeleteMessage",
    EmoteChatEvent: "WebcastEmoteChatMessage",
    RoomPinEvent: "WebcastRoomPinMessage",
}
# Methods TikTokLive 7.0.1 has no event class for, that we decode ourselves (connector).
# TikTokLiveProto 0.2.2 ships no WebcastQuestionSelectedMessage; the Q&A panel sends the same
# question body as WebcastQuestionNewMessage (common = 1, data = 2), so that class reads it.
QUESTION_SELECTED = "WebcastQuestionSelectedMessage"
SELF_DECODED: dict[str, type] = {QUESTION_SELECTED: WebcastQuestionNewMessage}
MAPPED_EVENT_CLASSES: tuple[type, ...] = tuple(METHODS)

_JOINED_ACTIONS = {0, 1}  # MemberMessageAction: 1 joined; 0 when the platform leaves it unset


class MalformedMessage(ValueError):
    """A platform message that parsed but lacks what its event needs."""


class TikTokEventMapper:
    """Turns one TikTokLive event into one of ours; gift steps keep `streak_end` as sent."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._by_class: dict[type, Callable[[Any, float, str | None], LiveEvent | None]] = {
            CommentEvent: self._comment,
            GiftEvent: self._gift,
            LikeEvent: self._like,
            JoinEvent: self._join,
            FollowEvent: self._follow,
            ShareEvent: self._share,
            RoomUserSeqEvent: self._viewers,
            OecLiveShoppingEvent: self._product,
            LiveEndEvent: self._live_end,
            LivePauseEvent: lambda e, t, m: LivePaused(t=t, msg_id=m),
            LiveUnpauseEvent: lambda e, t, m: LiveResumed(t=t, msg_id=m),
            ImDeleteEvent: self._deleted,
            EmoteChatEvent: self._sticker,
            RoomPinEvent: self._pinned,
            WebcastQuestionNewMessage: self._selected,
        }

    def map(self, event: Any) -> LiveEvent | list[LiveEvent] | None:
        """Our event(s) for `event`, or None when it carries nothing we use; raises MalformedMessage."""
        handler = self._by_class.get(type(event))
        if handler is None:
            return None
        return handler(event, self.clock(), _msg_id(event))

    @staticmethod
    def viewer(user: Any, identity: Any = None) -> Viewer:
        """Our Viewer for a TikTokLive user (plus the message's `user_identity` when it has one)."""
        if user is None or not getattr(user, "id", 0):
            raise MalformedMessage("no user")
        moderator = bool(identity is not None and identity.is_moderator_of_anchor)
        if not moderator:
            try:  # ExtendedUser derives the moderator flag from badges
                moderator = bool(user.is_moderator)
            except (AttributeError, TypeError, ValueError):
                moderator = False
        follower = bool(identity is not None and identity.is_follower_of_anchor)
        return Viewer(id=str(user.id), unique_id=str(getattr(user, "display_id", "") or ""),
                      nickname=str(user.nickname or ""), is_moderator=moderator, is_follower=follower)

    def _comment(self, e: CommentEvent, t: float, msg_id: str | None) -> LiveEvent:
        if not e.content:
            raise MalformedMessage("empty comment")
        extra = {"lang": e.content_language} if e.content_language else {}
        return Comment(t=t, msg_id=msg_id, user=self.viewer(e.user, e.user_identity), text=e.content,
                       extra=extra)

    def _gift(self, e: GiftEvent, t: float, msg_id: str | None) -> LiveEvent:
        gift = e.gift
        if gift is None and not e.gift_id:
            raise MalformedMessage("no gift")
        name = (gift.name if gift is not None else "") or f"gift#{e.gift_id}"
        diamonds = int(gift.diamond_count) if gift is not None else 0
        streakable = gift is not None and gift.type == 1
        final = (not streakable) or e.repeat_end == 1
        return Gift(t=t, msg_id=msg_id, user=self.viewer(e.user, e.user_identity),
                    gift=GiftInfo(name=name, count=max(1, int(e.repeat_count)), diamonds=max(0, diamonds)),
                    streak_end=final)

    def _like(self, e: LikeEvent, t: float, msg_id: str | None) -> LiveEvent:
        return Like(t=t, msg_id=msg_id, user=self.viewer(e.user), count=max(1, int(e.count)))

    def _join(self, e: JoinEvent, t: float, msg_id: str | None) -> LiveEvent | None:
        if int(e.action) not in _JOINED_ACTIONS:
            return None  # subscriptions and admin changes also arrive as member messages
        return Join(t=t, msg_id=msg_id, user=self.viewer(e.user))

    def _follow(self, e: FollowEvent, t: float, msg_id: str | None) -> LiveEvent:
        return Follow(t=t, msg_id=msg_id, user=self.viewer(e.user))

    def _share(self, e: ShareEvent, t: float, msg_id: str | None) -> LiveEvent:
        return Share(t=t, msg_id=msg_id, user=self.viewer(e.user))

    def _viewers(self, e: RoomUserSeqEvent, t: float, msg_id: str | None) -> LiveEvent:
        # `total` is the current audience (JS and Douyin conventions); `total_user` is cumulative.
        return ViewerCount(t=t, msg_id=msg_id, count=max(0, int(e.total)),
                           extra={"total_user": int(e.total_user)} if e.total_user else {})

    def _product(self, e: OecLiveShoppingEvent, t: float, msg_id: str | None) -> LiveEvent | None:
        pop, snap = e.pop_product, e.product_snap_shot
        product_id = ((pop.product_id if pop is not None else 0)
                      or (snap.product_id if snap is not None else 0))
        if not product_id:
            return None  # hot tags, flash-sale banners: no product was pinned
        title = (pop.title if pop is not None else "") or (snap.title if snap is not None else "")
        extra: dict[str, Any] = {"platform_product_id": str(product_id)}
        if title:
            extra["title"] = title
        if pop is not None and pop.price:
            extra["price_text"] = pop.price
        # TikTok knows its own product id, not our SKU; the director matches the title to the catalog.
        return ProductPinned(t=t, msg_id=msg_id, sku=str(product_id), extra=extra)

    def _live_end(self, e: LiveEndEvent, t: float, msg_id: str | None) -> LiveEvent:
        return LiveEnded(t=t, msg_id=msg_id)

    def _deleted(self, e: ImDeleteEvent, t: float, msg_id: str | None) -> list[LiveEvent]:
        ids = tuple(str(i) for i in e.delete_msg_ids if i)
        users = [str(u) for u in e.delete_user_ids if u]
        if not ids and not users:
            raise MalformedMessage("deletes nothing")
        # One event per viewer named; the message ids ride on the first. Later ones get their own
        # ids so the supervisor's de-duplication keeps them.
        out: list[LiveEvent] = [CommentDeleted(t=t, msg_id=msg_id, message_ids=ids,
                                               user_id=users[0] if users else None)]
        out += [CommentDeleted(t=t, msg_id=f"{msg_id}-u{n}" if msg_id else None, user_id=u)
                for n, u in enumerate(users[1:], start=1)]
        return out

    def _sticker(self, e: EmoteChatEvent, t: float, msg_id: str | None) -> LiveEvent:
        emote = e.emote_list[0].emote_id if e.emote_list else ""
        return Comment(t=t, msg_id=msg_id, user=self.viewer(e.user, e.user_identity), sticker=True,
                       text="[sticker]", extra={"emote_id": emote} if emote else {})

    def _pinned(self, e: RoomPinEvent, t: float, msg_id: str | None) -> LiveEvent | None:
        chat = e.chat_message
        if e.action == PinMessageActionType.PIN_CANCEL or chat is None or not chat.content:
            return None  # an unpin, or a pinned gift/like banner: nothing to answer
        extra = {"pinned_msg_id": str(chat.common.msg_id)} if chat.common and chat.common.msg_id else {}
        return Comment(t=t, msg_id=msg_id, user=self.viewer(chat.user, chat.user_identity), text=chat.content,
                       pinned=True, extra=extra)

    def _selected(self, e: WebcastQuestionNewMessage, t: float, msg_id: str | None) -> LiveEvent:
        q = e.data
        if q is None or not q.content:
            raise MalformedMessage("no question")
        return Comment(t=t, msg_id=msg_id, user=self.viewer(q.user), text=q.content, selected=True,
                       extra={"question_id": str(q.question_id)} if q.question_id else {})


def _msg_id(event: Any) -> str | None:
    common = getattr(event, "common", None)
    return str(common.msg_id) if common is not None and common.msg_id else None
