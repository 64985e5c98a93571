"""Douyin: recorded sidecar JSON served by a fake sidecar WebSocket on 127.0.0.1."""

from __future__ import annotations

import logging
from pathlib import Path

from sources_harness import collect, fast_options
from sources_sidecar import FakeSidecar

from bot.events import Comment, ConnectionHealth, Follow, Gift, HealthState, Join, Like, LiveEnded, Share, ViewerCount
from bot.sources.douyin import open_douyin_source
from bot.sources.douyin.connector import sidecar_url

SESSION = (Path(__file__).parent / "data" / "douyin_sidecar_session.jsonl").read_text("utf-8").splitlines()


async def test_recorded_sidecar_session_maps_every_message(sidecar: FakeSidecar, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.sources.douyin")
    # The sidecar drops once mid-show (1011); the reconnect replays the first comment.
    sidecar.sessions = [(SESSION[:4], 1011), (SESSION[1:3] + SESSION[4:], None)]
    events = await collect(open_douyin_source("7382910001", url=sidecar.url, options=fast_options()))
    room = [e for e in events if not isinstance(e, ConnectionHealth)]
    assert [type(e) for e in room] == [Comment, Gift, Gift, Like, Join, Follow, Share, ViewerCount, Comment,
                                       LiveEnded]
    first, heart, carnival, like, join, follow, share, viewers, lan, _end = room
    assert (first.user.nickname, first.user.unique_id, first.text) == ("小美", "xiaomei88", "这件红色上衣多少钱？")
    assert first.msg_id == "dy-7382910001000001"
    assert (heart.gift.name, heart.gift.count, heart.streak_end) == ("小心心", 3, True)  # one per streak
    assert (carnival.gift.name, carnival.gift.diamonds, carnival.streak_end) == ("嘉年华", 3000, True)
    assert like.count == 12 and viewers.count == 812 and join.user.nickname == "Minh"
    assert follow.user.unique_id == "minh.vn" and share.user.nickname == "小美"
    assert lan.text == "áo đỏ giá bao nhiêu vậy shop?"
    states = [e.state for e in events if isinstance(e, ConnectionHealth)]
    assert states.count(HealthState.CONNECTED) == 2 and HealthState.RETRYING in states
    assert states[-1] is HealthState.ENDED
    assert sidecar.paths[0] == "/ws/7382910001"
    assert "method 'WebcastRoomRankMessage'" in caplog.text
    assert "malformed WebcastChatMessage message: no user" in caplog.text
    assert "malformed ? message: not JSON" in caplog.text


async def test_room_not_found_stops_with_fatal_health(sidecar: FakeSidecar) -> None:
    notice = '{"type": "system", "event": "live_status", "code": "ROOM_NOT_FOUND", "message": "直播间不存在"}'
    sidecar.sessions = [([notice], None)]
    source = open_douyin_source("1", url=sidecar.url, options=fast_options())
    events = await collect(source)
    assert [(e.state, e.detail) for e in events if isinstance(e, ConnectionHealth)][-1] == (
        HealthState.ENDED, "直播间不存在")
    assert sidecar.connections == 1


def test_sidecar_url_forms() -> None:
    assert sidecar_url("42") == "ws://127.0.0.1:1088/ws/42"
    assert sidecar_url("42", "ws://10.0.0.2:9000/") == "ws://10.0.0.2:9000/ws/42"
    assert sidecar_url("42", "ws://h:1/ws") == "ws://h:1/ws/42"
    assert sidecar_url("42", "ws://h:1/live/{room_id}/feed") == "ws://h:1/live/42/feed"
