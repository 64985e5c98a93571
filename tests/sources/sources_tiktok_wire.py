"""Real TikTok wire bytes for tests: protobuf messages, fetch results and gzip push frames.

Built with TikTokLiveProto's own classes, so the bytes go through TikTokLive's real decoder.
"""

from __future__ import annotations

import gzip

from TikTokLive.proto import (
    CommonMessageData,
    Gift,
    ProtoMessageFetchResult,
    PushHeader,
    User,
    UserIdentity,
    WebcastChatMessage,
    WebcastControlMessage,
    WebcastEmoteChatMessage,
    WebcastGiftMessage,
    WebcastImDeleteMessage,
    WebcastLikeMessage,
    WebcastMemberMessage,
    WebcastPushFrame,
    WebcastRoomPinMessage,
    WebcastRoomUserSeqMessage,
    WebcastSocialMessage,
)
from TikTokLive.proto import ProtoMessageFetchResultBaseProtoMessage as BaseProtoMessage
from TikTokLive.proto.custom_proto import ControlAction
from TikTokLiveProto.v3.webcast.im import PinMessageActionType
from TikTokLiveProto.v3.webcast.model.base.emoji import EmoteModel
from TikTokLiveProto.v3.webcast.model.message import Question, WebcastQuestionNewMessage
from TikTokLiveProto.v3.webcast.model.message.common import Text
from TikTokLiveProto.v3.webcast.model.message.ext import PopProduct, WebcastOecLiveShoppingMessage

import bot.sources.tiktok.mapper  # noqa: F401 - primes TikTokLive's event classes before any raw message

LAN = User(id=7001, nickname="Lan", display_id="lan.nguyen")
MINH = User(id=7002, nickname="Minh", display_id="minh")
WEI = User(id=7004, nickname="小伟", display_id="xiaowei")


def _common(msg_id: int, method: str, display_key: str = "") -> CommonMessageData:
    return CommonMessageData(method=method, msg_id=msg_id,
                             display_text=Text(key=display_key) if display_key else None)


def message(method: str, proto: object, msg_id: int) -> BaseProtoMessage:
    return BaseProtoMessage(method=method, payload=bytes(proto), msg_id=msg_id)


def comment(msg_id: int, user: User, text: str, moderator: bool = False) -> BaseProtoMessage:
    ident = UserIdentity(is_moderator_of_anchor=True) if moderator else None
    return message("WebcastChatMessage", WebcastChatMessage(
        common=_common(msg_id, "WebcastChatMessage"), user=user, content=text, user_identity=ident), msg_id)


def gift(msg_id: int, user: User, name: str, count: int, end: bool, diamonds: int = 1,
         streakable: bool = True) -> BaseProtoMessage:
    g = Gift(id=5655, name=name, diamond_count=diamonds, type=1 if streakable else 2)
    return message("WebcastGiftMessage", WebcastGiftMessage(
        common=_common(msg_id, "WebcastGiftMessage"), user=user, gift=g, gift_id=5655,
        repeat_count=count, repeat_end=1 if end else 0), msg_id)


def like(msg_id: int, user: User, count: int, total: int = 1000) -> BaseProtoMessage:
    return message("WebcastLikeMessage", WebcastLikeMessage(
        common=_common(msg_id, "WebcastLikeMessage"), user=user, count=count, total=total), msg_id)


def join(msg_id: int, user: User) -> BaseProtoMessage:
    return message("WebcastMemberMessage", WebcastMemberMessage(
        common=_common(msg_id, "WebcastMemberMessage"), user=user, action=1, member_count=321), msg_id)


def follow(msg_id: int, user: User) -> BaseProtoMessage:
    return message("WebcastSocialMessage", WebcastSocialMessage(
        common=_common(msg_id, "WebcastSocialMessage", "pm_main_follow_message_viewer_2"), user=user,
        follow_count=10), msg_id)


def share(msg_id: int, user: User) -> BaseProtoMessage:
    return message("WebcastSocialMessage", WebcastSocialMessage(
        common=_common(msg_id, "WebcastSocialMessage", "pm_mt_guidance_viewer_3_share"), user=user,
        share_count=3), msg_id)


def viewers(msg_id: int, total: int) -> BaseProtoMessage:
    return message("WebcastRoomUserSeqMessage", WebcastRoomUserSeqMessage(
        common=_common(msg_id, "WebcastRoomUserSeqMessage"), total=total, total_user=9999), msg_id)


def product(msg_id: int, product_id: int, title: str, price: str) -> BaseProtoMessage:
    return message("WebcastOecLiveShoppingMessage", WebcastOecLiveShoppingMessage(
        common=_common(msg_id, "WebcastOecLiveShoppingMessage"),
        pop_product=PopProduct(title=title, price=price, product_id=product_id)), msg_id)


def live_end(msg_id: int) -> BaseProtoMessage:
    return message("WebcastControlMessage", WebcastControlMessage(
        common=_common(msg_id, "WebcastControlMessage"), action=ControlAction.STREAM_ENDED), msg_id)


def pause(msg_id: int, paused: bool = True) -> BaseProtoMessage:
    action = ControlAction.STREAM_PAUSED if paused else ControlAction.STREAM_UNPAUSED
    return message("WebcastControlMessage", WebcastControlMessage(
        common=_common(msg_id, "WebcastControlMessage"), action=action), msg_id)


def im_delete(msg_id: int, message_ids: list[int], user_ids: list[int] | None = None) -> BaseProtoMessage:
    return message("WebcastImDeleteMessage", WebcastImDeleteMessage(
        common=_common(msg_id, "WebcastImDeleteMessage"), delete_msg_ids=message_ids,
        delete_user_ids=user_ids or []), msg_id)


def sticker(msg_id: int, user: User, emote_id: str = "7300111") -> BaseProtoMessage:
    return message("WebcastEmoteChatMessage", WebcastEmoteChatMessage(
        common=_common(msg_id, "WebcastEmoteChatMessage"), user=user,
        emote_list=[EmoteModel(emote_id=emote_id)]), msg_id)


def room_pin(msg_id: int, pinned_msg_id: int, user: User, text: str) -> BaseProtoMessage:
    """The host pins a viewer's comment: the pin message carries the whole chat message."""
    chat = WebcastChatMessage(common=_common(pinned_msg_id, "WebcastChatMessage"), user=user, content=text)
    return message("WebcastRoomPinMessage", WebcastRoomPinMessage(
        common=_common(msg_id, "WebcastRoomPinMessage"), chat_message=chat, method="WebcastChatMessage",
        action=PinMessageActionType.PIN, pin_msg_id=pinned_msg_id), msg_id)


def question_selected(msg_id: int, question_id: int, user: User, text: str) -> BaseProtoMessage:
    """The host picks a question from the Q&A panel (same body as WebcastQuestionNewMessage)."""
    body = WebcastQuestionNewMessage(common=_common(msg_id, "WebcastQuestionSelectedMessage"),
                                     data=Question(question_id=question_id, content=text, user=user))
    return message("WebcastQuestionSelectedMessage", body, msg_id)


def unknown(msg_id: int) -> BaseProtoMessage:
    return BaseProtoMessage(method="WebcastBrandNewFeatureMessage", payload=b"\x08\x01", msg_id=msg_id)


def malformed_comment(msg_id: int) -> BaseProtoMessage:
    """A chat message whose text is not UTF-8: the decoder raises on it."""
    return BaseProtoMessage(method="WebcastChatMessage", payload=b"\x1a\x03\xff\xfe\xfd", msg_id=msg_id)


def truncated_gift(msg_id: int) -> BaseProtoMessage:
    """A gift message cut inside a length prefix (the varint never ends)."""
    full = bytes(WebcastGiftMessage(common=_common(msg_id, "WebcastGiftMessage"), user=MINH, repeat_count=2))
    return BaseProtoMessage(method="WebcastGiftMessage", payload=full + b"\x12\x80", msg_id=msg_id)


def fetch_result(messages: list[BaseProtoMessage], *, is_first: bool = False, push_server: str = "",
                 need_ack: bool = False, cursor: str = "c1") -> ProtoMessageFetchResult:
    route = {"wrss": "fake"} if push_server else {}
    return ProtoMessageFetchResult(messages=messages, cursor=cursor, is_first=is_first, need_ack=need_ack,
                                   push_server=push_server, route_params=route,
                                   internal_ext="internal_src:dim|wss_push_room_id:424242|wss_push_did:1")


def push_frame(result: ProtoMessageFetchResult, log_id: int = 1) -> bytes:
    """One WebSocket binary frame as TikTok sends it (gzip-compressed fetch result)."""
    return bytes(WebcastPushFrame(payload_type="msg", payload_encoding="pb", log_id=log_id,
                                  headers=[PushHeader(key="compress_type", value="gzip")],
                                  payload=gzip.compress(bytes(result))))
