"""TikTokLive events -> our typed events. The only module that knows TikTokLive's event shapes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from TikTokLive.events import (
    CommentEvent,
    FollowEvent,
    GiftEvent,
    JoinEvent,
    LikeEvent,
    LiveEndEvent,
    OecLiveShoppingEvent,
    RoomUserSeqEvent,
    ShareEvent,
)
from TikTokLive.events.proto_events import EVENT_MAPPINGS

from bot.events import (
    Comment,
    Follow,
    Gift,
    GiftInfo,
    Join,
    Like,
    LiveEnded,
    LiveEvent,
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
}
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
        }

    def map(self, event: Any) -> LiveEvent | None:
        """Our event for `event`, or None when it carries nothing we use; raises MalformedMessage."""
        handler = self._by_class.get(type(event))
        if handler is None:
            return None
        common = getattr(event, "common", None)
        msg_id = str(common.msg_id) if common is not None and common.msg_id else None
        return handler(event, self.clock(), msg_id)

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
