"""Douyin sidecar JSON built the way the sidecar builds it: real protobuf messages, rendered as protojson.

The douyinLive sidecar decodes Douyin's protobuf and pushes each message as protojson (lowerCamelCase
names, int64 as strings) with its `method` beside it. The message types below declare the fields we
read with the sidecar proto's own names and numbers (jwwsjlm/douyinLive `protobuf/douyin.proto`;
ControlMessage field 2 is `action` there since the v2 schema), built with protobuf's descriptor API.
"""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

F = descriptor_pb2.FieldDescriptorProto
_T = {"string": F.TYPE_STRING, "uint64": F.TYPE_UINT64, "int64": F.TYPE_INT64, "int32": F.TYPE_INT32,
      "uint32": F.TYPE_UINT32, "bool": F.TYPE_BOOL}

# message -> [(field name, number, type or message name)]
_SCHEMA: dict[str, list[tuple[str, int, str]]] = {
    "Common": [("method", 1, "string"), ("msg_id", 2, "uint64"), ("room_id", 3, "uint64"),
               ("create_time", 4, "uint64")],
    "User": [("id", 1, "uint64"), ("shortId", 2, "uint64"), ("nickName", 3, "string"),
             ("displayId", 38, "string"), ("secUid", 46, "string"), ("idStr", 1028, "string")],
    "GiftStruct": [("id", 5, "uint64"), ("combo", 10, "bool"), ("diamondCount", 12, "uint32"),
                   ("name", 16, "string")],
    "ChatMessage": [("common", 1, ".dy.Common"), ("user", 2, ".dy.User"), ("content", 3, "string")],
    "EmojiChatMessage": [("common", 1, ".dy.Common"), ("user", 2, ".dy.User"), ("emojiId", 3, "uint64"),
                         ("defaultContent", 5, "string")],
    "GiftMessage": [("common", 1, ".dy.Common"), ("gift_id", 2, "int64"), ("group_count", 4, "string"),
                    ("repeat_count", 5, "string"), ("combo_count", 6, "string"), ("user", 7, ".dy.User"),
                    ("repeat_end", 9, "int32"), ("group_id", 11, "string"), ("gift", 15, ".dy.GiftStruct")],
    "MemberMessage": [("common", 1, ".dy.Common"), ("user", 2, ".dy.User"), ("member_count", 3, "int64"),
                      ("action", 10, "int64")],
    "RoomStatsMessage": [("common", 1, ".dy.Common"), ("displayShort", 2, "string"),
                         ("displayMiddle", 3, "string"), ("displayLong", 4, "string"),
                         ("displayValue", 5, "int64"), ("displayVersion", 6, "int64"),
                         ("incremental", 7, "bool"), ("isHidden", 8, "bool"), ("total", 9, "int64"),
                         ("displayType", 10, "int64")],
    "ControlMessage": [("common", 1, ".dy.Common"), ("action", 2, "int32")],
}


def _build() -> dict[str, Any]:
    fd = descriptor_pb2.FileDescriptorProto(name="livebot_test_douyin.proto", package="dy", syntax="proto3")
    for name, fields in _SCHEMA.items():
        msg = fd.message_type.add(name=name)
        for fname, number, ftype in fields:
            f = msg.field.add(name=fname, number=number, label=F.LABEL_OPTIONAL)
            if ftype.startswith("."):
                f.type, f.type_name = F.TYPE_MESSAGE, ftype
            else:
                f.type = _T[ftype]
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    return {name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"dy.{name}")) for name in _SCHEMA}


PB = _build()


def sidecar_line(method: str, message: Any) -> str:
    """One sidecar WebSocket text frame: the message as protojson, its method beside it."""
    return json.dumps({"method": method, **json.loads(json_format.MessageToJson(message))}, ensure_ascii=False)


def user(uid: int, nickname: str, display_id: str = "", sec_uid: str = "") -> Any:
    return PB["User"](id=uid, idStr=str(uid), nickName=nickname, displayId=display_id, secUid=sec_uid)


def common(msg_id: int, method: str) -> Any:
    return PB["Common"](method=method, msg_id=msg_id, room_id=7382910001)


def chat(msg_id: int, who: Any, text: str) -> str:
    m = "WebcastChatMessage"
    return sidecar_line(m, PB["ChatMessage"](common=common(msg_id, m), user=who, content=text))


def emoji(msg_id: int, who: Any, stand_in: str = "[比心]") -> str:
    m = "WebcastEmojiChatMessage"
    return sidecar_line(m, PB["EmojiChatMessage"](common=common(msg_id, m), user=who, emojiId=7,
                                                  defaultContent=stand_in))


def gift(msg_id: int, who: Any, name: str, count: int, end: bool, group_id: str, diamonds: int = 1,
         combo: bool = True) -> str:
    m = "WebcastGiftMessage"
    g = PB["GiftStruct"](id=463, combo=combo, diamondCount=diamonds, name=name)
    return sidecar_line(m, PB["GiftMessage"](common=common(msg_id, m), gift_id=463, group_count="1",
                                             repeat_count=str(count), combo_count=str(count), user=who,
                                             repeat_end=1 if end else 0, group_id=group_id, gift=g))


def member(msg_id: int, who: Any, action: int = 1) -> str:
    m = "WebcastMemberMessage"
    return sidecar_line(m, PB["MemberMessage"](common=common(msg_id, m), user=who, member_count=812,
                                               action=action))


def room_stats(msg_id: int, value: int) -> str:
    m = "WebcastRoomStatsMessage"
    short = f"{value / 10000:.1f}万" if value >= 10000 else str(value)
    return sidecar_line(m, PB["RoomStatsMessage"](common=common(msg_id, m), displayShort=short,
                                                  displayMiddle=short, displayLong=f"{short}在线观众",
                                                  displayValue=value, displayVersion=msg_id, total=value * 7,
                                                  displayType=1))


def control(msg_id: int, action: int) -> str:
    m = "WebcastControlMessage"
    return sidecar_line(m, PB["ControlMessage"](common=common(msg_id, m), action=action))


ONLINE = json.dumps({"type": "system", "event": "live_status", "code": "ROOM_ONLINE", "valid": True,
                     "live": True, "status": "online", "room_id": "7382910001", "message": "直播间已开播"},
                    ensure_ascii=False)
