"""Connect on an inconclusive probe: only a definite "offline" waits; the sign server decides the rest."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
import sources_tiktok_wire as wire
from sources_harness import collect, fast_options

from bot.cli.record_cmd import record_command
from bot.events import Comment, ConnectionHealth, HealthState, LiveEnded
from bot.sources.eventlog import read_event_log
from bot.sources.tiktok import open_tiktok_source


def one_session(fake) -> None:
    fake.sessions = [[
        ("send", wire.push_frame(wire.fetch_result([wire.comment(10, wire.LAN, "áo đỏ giá bao nhiêu?")]))),
        ("send", wire.push_frame(wire.fetch_result([wire.live_end(11)]))),
        ("hold",),
    ]]


def paths(caplog) -> list[str]:
    return [r.path for r in caplog.records if hasattr(r, "path")]


async def record(spec: str, out: Path) -> list:
    await asyncio.wait_for(asyncio.to_thread(record_command, spec, out, 30.0), 60)
    return list(read_event_log(out))


@pytest.mark.parametrize("probe", ["error", "malformed", "empty"])
async def test_failing_probe_still_connects_and_records(fake_tiktok, tmp_path: Path, caplog, probe: str) -> None:
    caplog.set_level(logging.INFO, logger="bot.sources.tiktok")
    fake_tiktok.probe = probe
    one_session(fake_tiktok)
    events = await record("tiktok:@shop_test", tmp_path / "room.jsonl")
    assert [e.text for e in events if isinstance(e, Comment)] == ["áo đỏ giá bao nhiêu?"]
    assert isinstance(events[-1], LiveEnded)
    assert paths(caplog) == ["room_id_from_page", "probe_inconclusive"]
    assert fake_tiktok.fetch_calls == 1 and fake_tiktok.ws_connections == 1


async def test_known_room_id_makes_no_tiktok_request_before_connecting(fake_tiktok, tmp_path: Path,
                                                                      caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.sources.tiktok")
    fake_tiktok.probe = "error"
    one_session(fake_tiktok)
    events = await record("tiktok:@shop_test?room_id=424242", tmp_path / "room.jsonl")
    assert any(isinstance(e, Comment) for e in events) and isinstance(events[-1], LiveEnded)
    assert fake_tiktok.tiktok_requests == []
    assert paths(caplog) == ["known_room_id"]


async def test_blocked_lookup_connects_by_user_name_and_caches_the_room(fake_tiktok, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.sources.tiktok")
    fake_tiktok.lookup = "blocked"
    fake_tiktok.sessions = [
        [("send", wire.push_frame(wire.fetch_result([wire.comment(10, wire.LAN, "một")]))), ("sleep", 0.05),
         ("close", 1011)],
        [("send", wire.push_frame(wire.fetch_result([wire.comment(11, wire.LAN, "hai")]))),
         ("send", wire.push_frame(wire.fetch_result([wire.live_end(12)]))), ("hold",)],
    ]
    source = open_tiktok_source("@shop_test", None, options=fast_options())
    events = await collect(source)
    assert [e.text for e in events if isinstance(e, Comment)] == ["một", "hai"]
    first, second = fake_tiktok.sign_queries
    assert first.get("unique_id") == "shop_test" and "room_id" not in first  # asked by name
    assert second.get("room_id") == "424242"  # the room id learned from the sign server is reused
    assert source.connector.room_id == 424242
    found = paths(caplog)
    assert found[:2] == ["sign_server_by_user", "room_id_from_sign_server"]
    assert found[2:] == ["probe_live"]  # the reconnect checks the cached room, no page scraping
    assert fake_tiktok.tiktok_requests.count("/@shop_test/live") == 1
    reason = next(r.reason for r in caplog.records if getattr(r, "path", "") == "sign_server_by_user")
    assert "FailedParseRoomIdError" in reason


async def test_definite_offline_waits_and_polls_without_the_sign_server(fake_tiktok, caplog) -> None:
    caplog.set_level(logging.INFO, logger="bot.sources.tiktok")
    fake_tiktok.lookup = "offline"
    one_session(fake_tiktok)
    source = open_tiktok_source("@shop_test", None, options=fast_options(offline_poll_s=0.1))

    async def go_live() -> None:
        while fake_tiktok.tiktok_requests.count("/@shop_test/live") < 3:
            await asyncio.sleep(0.02)
        assert fake_tiktok.fetch_calls == 0  # offline: nobody asked the sign server
        fake_tiktok.lookup = "ok"

    waker = asyncio.create_task(go_live())
    events = await collect(source)
    await waker
    states = [e.state for e in events if isinstance(e, ConnectionHealth)]
    assert states.count(HealthState.RETRYING) >= 2 and HealthState.CONNECTED in states
    assert isinstance(events[-1], LiveEnded)
    assert paths(caplog)[:2] == ["offline", "offline"] and paths(caplog)[-2:] == ["room_id_from_page", "probe_live"]
