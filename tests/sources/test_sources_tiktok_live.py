"""Seam B: the real TikTokLive client under our supervisor, against loopback fakes of TikTok."""

from __future__ import annotations

import asyncio

import sources_tiktok_wire as wire
from sources_harness import collect, fast_options

from bot.events import Comment, ConnectionHealth, Gift, HealthState, Like, LiveEnded
from bot.sources.tiktok import open_tiktok_source


def health(events: list) -> list[HealthState]:
    return [e.state for e in events if isinstance(e, ConnectionHealth)]


async def test_normal_flow_ends_cleanly_on_live_end(fake_tiktok) -> None:
    fake_tiktok.history = [wire.comment(1, wire.LAN, "chào shop")]
    fake_tiktok.sessions = [[
        ("send", wire.push_frame(wire.fetch_result([
            wire.comment(10, wire.WEI, "这件多少钱？"),
            *[wire.gift(20 + n, wire.MINH, "Rose", n, end=(n == 4)) for n in range(1, 5)],
            wire.like(30, wire.LAN, 15)], need_ack=True), log_id=99)),
        ("sleep", 0.1),
        ("send", wire.push_frame(wire.fetch_result([wire.live_end(40)]), log_id=100)),
        ("hold",),
    ]]
    source = open_tiktok_source("@shop_test", 424242, options=fast_options())
    events = await collect(source)
    assert [e.text for e in events if isinstance(e, Comment)] == ["chào shop", "这件多少钱？"]
    gifts = [e for e in events if isinstance(e, Gift)]
    assert [(g.gift.name, g.gift.count, g.streak_end) for g in gifts] == [("Rose", 4, True)]  # one per streak
    assert [e.count for e in events if isinstance(e, Like)] == [15]
    assert isinstance(events[-1], LiveEnded)
    assert health(events) == [HealthState.CONNECTING, HealthState.CONNECTED, HealthState.ENDED]
    assert fake_tiktok.fetch_calls == 1 and fake_tiktok.ws_connections == 1
    assert "im_enter_room" in fake_tiktok.received and "ack" in fake_tiktok.received
    assert all(b.t >= a.t for a, b in zip(events, events[1:], strict=False))


async def test_abnormal_close_reconnects_and_drops_replayed_history(fake_tiktok) -> None:
    fake_tiktok.history = [wire.comment(1, wire.LAN, "lịch sử")]
    fake_tiktok.sessions = [
        [("send", wire.push_frame(wire.fetch_result([wire.comment(10, wire.WEI, "第一")]))),
         ("sleep", 0.05), ("close", 1011)],
        [("send", wire.push_frame(wire.fetch_result([wire.comment(10, wire.WEI, "第一"),  # replayed again
                                                     wire.comment(11, wire.LAN, "thứ hai")]))),
         ("send", wire.push_frame(wire.fetch_result([wire.live_end(12)]))), ("hold",)],
    ]
    source = open_tiktok_source("@shop_test", 424242, options=fast_options())
    events = await collect(source)
    assert [e.text for e in events if isinstance(e, Comment)] == ["lịch sử", "第一", "thứ hai"]
    states = health(events)
    assert states.count(HealthState.CONNECTED) == 2 and HealthState.RETRYING in states
    retry = next(e for e in events if isinstance(e, ConnectionHealth) and e.state is HealthState.RETRYING)
    assert "ConnectionClosedError" in retry.detail and retry.retry_in is not None
    assert 0.04 <= retry.retry_in <= 0.06  # first backoff step, 0.05 s +/- 20 % jitter
    assert source.duplicates_dropped == 2  # the history comment and the replayed live comment
    assert isinstance(events[-1], LiveEnded)
    assert fake_tiktok.fetch_calls == 2


async def test_sign_server_429_backs_off_and_honours_reset_headers(fake_tiktok) -> None:
    fake_tiktok.sign_failures = [
        (429, {}, b'{"message": "slow down"}'),  # no RateLimit headers: TikTokLive raises TypeError
        (429, {"RateLimit-Remaining": "0", "Retry-After": "0.3"}, b"{}"),
    ]
    fake_tiktok.sessions = [[("send", wire.push_frame(wire.fetch_result([wire.live_end(5)]))), ("hold",)]]
    source = open_tiktok_source("@shop_test", 424242, options=fast_options())
    events = await collect(source)
    limited = [e for e in events if isinstance(e, ConnectionHealth) and e.state is HealthState.RATE_LIMITED]
    assert len(limited) == 2
    assert limited[0].retry_in is not None and limited[0].retry_in <= 0.06  # plain backoff, attempt 0
    assert limited[1].retry_in is not None and 0.3 <= limited[1].retry_in <= 0.32  # the server's Retry-After
    assert limited[1].t - limited[0].t >= 0.04
    assert fake_tiktok.fetch_calls == 3
    assert isinstance(events[-1], LiveEnded)


async def test_stall_reconnects_while_live_and_room_offline_after_drop_ends(fake_tiktok) -> None:
    fake_tiktok.sessions = [
        [("send", wire.push_frame(wire.fetch_result([wire.comment(10, wire.LAN, "một")]))), ("hold",)],
        [("send", wire.push_frame(wire.fetch_result([wire.comment(11, wire.LAN, "hai")]))), ("sleep", 0.1),
         ("close", 1011)],
    ]
    source = open_tiktok_source("@shop_test", 424242, options=fast_options(stall_timeout_s=0.6))

    async def go_offline_after_second_connect() -> None:
        while fake_tiktok.ws_connections < 2:
            await asyncio.sleep(0.02)
        fake_tiktok.alive = False

    watcher = asyncio.create_task(go_offline_after_second_connect())
    events = await collect(source)
    await watcher
    details = [e.detail for e in events
               if isinstance(e, ConnectionHealth) and e.state is HealthState.RETRYING]
    assert details and details[0].startswith("stalled")
    assert [e.text for e in events if isinstance(e, Comment)] == ["một", "hai"]
    assert isinstance(events[-1], LiveEnded) and events[-1].extra["reason"] == "room offline after disconnect"
    assert fake_tiktok.ws_connections == 2


async def test_close_stops_a_running_connection(fake_tiktok) -> None:
    fake_tiktok.sessions = [[("send", wire.push_frame(wire.fetch_result([wire.comment(10, wire.LAN, "a")]))),
                             ("hold",)]]
    source = open_tiktok_source("@shop_test", 424242, options=fast_options())
    seen = []
    async for ev in source.events():
        seen.append(ev)
        if isinstance(ev, Comment):
            await source.close()
    assert [e.text for e in seen if isinstance(e, Comment)] == ["a"]

