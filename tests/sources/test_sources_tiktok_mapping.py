"""Seam A: real wire bytes -> TikTokLive's own decode and dispatch -> our mapper -> our events."""

from __future__ import annotations

import asyncio
import logging

import sources_tiktok_wire as wire
from TikTokLive.client.ws.ws_utils import extract_webcast_push_frame, extract_webcast_response_message

from bot.events import (
    Comment,
    Follow,
    Gift,
    HealthState,
    Join,
    Like,
    LiveEnded,
    LiveEvent,
    ProductPinned,
    Share,
    ViewerCount,
)
from bot.sources.tiktok.connector import TikTokConnector


class RecordingSink:
    """Collects what a connector reports (the supervisor's side of the interface)."""

    def __init__(self) -> None:
        self.events: list[LiveEvent] = []
        self.activity_count = 0
        self.connected_count = 0
        self.t = 0.0

    def now(self) -> float:
        self.t += 0.5
        return self.t

    def emit(self, event: LiveEvent) -> None:
        self.events.append(event)

    def activity(self) -> None:
        self.activity_count += 1

    def connected(self) -> None:
        self.connected_count += 1

    def health(self, state: HealthState, detail: str = "") -> None:
        raise AssertionError("the connector reports no health of its own")


async def dispatch(frames: list[bytes]) -> tuple[RecordingSink, TikTokConnector]:
    """Push frames through TikTokLive's decoder and its client's emit, exactly as its WS loop does."""
    connector = TikTokConnector("@shop_test", room_id=424242)
    client = connector.new_client()
    client._room_id = 424242  # read when a fetch result says is_first
    sink = RecordingSink()
    connector.attach(client, sink)
    for frame in frames:
        result = extract_webcast_response_message(extract_webcast_push_frame(frame))
        async for event in client._parse_webcast_response(result):
            client.emit(event.get_type(), event)
    await asyncio.sleep(0)
    await client.web.close()
    return sink, connector


async def test_every_event_type_maps_with_text_intact() -> None:
    frames = [wire.push_frame(wire.fetch_result([
        wire.comment(101, wire.LAN, "áo đỏ giá bao nhiêu vậy shop?"),
        wire.comment(102, wire.WEI, "这件红色上衣多少钱？", moderator=True),
        wire.gift(103, wire.MINH, "Rose", 5, end=True),
        wire.like(104, wire.LAN, 15),
        wire.join(105, wire.WEI),
        wire.follow(106, wire.WEI),
        wire.share(107, wire.WEI),
        wire.viewers(108, 1234),
        wire.product(109, 1729, "Áo đỏ AO-DO-01", "249.000đ"),
        wire.live_end(110),
    ], is_first=True))]
    sink, _ = await dispatch(frames)
    got = sink.events
    assert [type(e) for e in got] == [Comment, Comment, Gift, Like, Join, Follow, Share, ViewerCount,
                                      ProductPinned, LiveEnded]
    c1, c2, g, lk, j, f, s, v, p, end = got
    assert isinstance(c1, Comment) and c1.text == "áo đỏ giá bao nhiêu vậy shop?"
    assert (c1.user.id, c1.user.unique_id, c1.user.nickname) == ("7001", "lan.nguyen", "Lan")
    assert c1.msg_id == "101" and not c1.user.is_moderator
    assert isinstance(c2, Comment) and c2.text == "这件红色上衣多少钱？"
    assert c2.user.nickname == "小伟" and c2.user.is_moderator
    assert isinstance(g, Gift)
    assert (g.gift.name, g.gift.count, g.gift.diamonds, g.streak_end) == ("Rose", 5, 1, True)
    assert isinstance(lk, Like) and lk.count == 15
    assert isinstance(j, Join) and j.user.unique_id == "xiaowei"
    assert isinstance(f, Follow) and f.msg_id == "106"
    assert isinstance(s, Share) and s.msg_id == "107"
    assert isinstance(v, ViewerCount) and v.count == 1234
    assert isinstance(p, ProductPinned) and p.sku == "1729"
    assert p.extra["title"] == "Áo đỏ AO-DO-01" and p.extra["price_text"] == "249.000đ"
    assert isinstance(end, LiveEnded) and end.msg_id == "110"
    assert [e.t for e in got] == sorted(e.t for e in got)
    assert sink.connected_count == 1  # is_first -> ConnectEvent
    assert sink.activity_count == 10  # one WebsocketResponseEvent per message


async def test_gift_streak_steps_carry_streak_end_only_on_the_last() -> None:
    frames = [wire.push_frame(wire.fetch_result([wire.gift(200 + n, wire.MINH, "Rose", n, end=(n == 3))
                                                 for n in (1, 2, 3)])),
              wire.push_frame(wire.fetch_result([wire.gift(210, wire.LAN, "Galaxy", 1, end=False,
                                                           diamonds=1000, streakable=False)]))]
    sink, _ = await dispatch(frames)
    steps = [(e.gift.name, e.gift.count, e.streak_end) for e in sink.events if isinstance(e, Gift)]
    # A non-streakable gift is final on its own message.
    assert steps == [("Rose", 1, False), ("Rose", 2, False), ("Rose", 3, True), ("Galaxy", 1, True)]


async def test_malformed_truncated_and_unknown_messages_are_logged_and_skipped(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.sources.tiktok")
    frames = [wire.push_frame(wire.fetch_result([
        wire.comment(301, wire.LAN, "trước"),
        wire.malformed_comment(302),
        wire.truncated_gift(303),
        wire.unknown(304),
        wire.message("WebcastChatMessage", wire.WebcastChatMessage(content="no user"), 305),
        wire.comment(306, wire.LAN, "sau"),
    ]))]
    sink, connector = await dispatch(frames)
    assert [e.text for e in sink.events if isinstance(e, Comment)] == ["trước", "sau"]
    text = caplog.text
    assert "unknown method 'WebcastBrandNewFeatureMessage'" in text
    assert "malformed WebcastChatMessage" in text and "malformed WebcastGiftMessage" in text
    assert connector.skipped.unknown == {"WebcastBrandNewFeatureMessage": 1}
    assert connector.skipped.malformed == {"WebcastChatMessage": 2, "WebcastGiftMessage": 1}
