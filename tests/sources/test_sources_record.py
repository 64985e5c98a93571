"""`record_command` against the TikTok fakes writes a log that replays to the same events."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sources_tiktok_wire as wire

from bot.cli.record_cmd import record_command
from bot.events import Comment, ConnectionHealth, Gift, LiveEnded, ProductPinned
from bot.sources.eventlog import read_event_log


async def test_record_tiktok_room_then_replay_it(fake_tiktok, tmp_path: Path) -> None:
    fake_tiktok.history = [wire.comment(1, wire.LAN, "chào shop 👋")]
    fake_tiktok.sessions = [[
        ("send", wire.push_frame(wire.fetch_result([
            wire.comment(10, wire.WEI, "这件红色上衣多少钱？"),
            wire.gift(11, wire.MINH, "Rose", 1, end=False), wire.gift(12, wire.MINH, "Rose", 2, end=True),
            wire.product(13, 1729, "Áo đỏ", "249.000đ")]))),
        ("send", wire.push_frame(wire.fetch_result([wire.live_end(14)]))),
        ("hold",),
    ]]
    out = tmp_path / "room.jsonl"
    # record_command runs its own event loop; the fakes keep serving from this one.
    spec = "tiktok:@shop_test?room_id=424242"
    await asyncio.wait_for(asyncio.to_thread(record_command, spec, out, 30.0), 60)
    lines = out.read_text("utf-8").splitlines()
    events = list(read_event_log(out))
    assert len(events) == len(lines)  # every line parses back
    room = [e for e in events if not isinstance(e, ConnectionHealth)]
    assert [type(e) for e in room] == [Comment, Comment, Gift, ProductPinned, LiveEnded]
    assert room[0].text == "chào shop 👋" and room[1].text == "这件红色上衣多少钱？"
    assert room[1].user.nickname == "小伟" and room[1].msg_id == "10"
    assert (room[2].gift.name, room[2].gift.count, room[2].streak_end) == ("Rose", 2, True)
    assert room[3].extra["title"] == "Áo đỏ"
    states = [str(e.state) for e in events if isinstance(e, ConnectionHealth)]
    assert states == ["connecting", "connected", "ended"]
    assert all(b.t >= a.t for a, b in zip(events, events[1:], strict=False))


def test_record_bad_spec_exits_with_one_line(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        record_command("myspace:@nobody", tmp_path / "x.jsonl")
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "livebot record:" in err and "unknown source kind" in err and "Traceback" not in err
