"""Douyin rooms as they are: masked viewers, room stats, the live's end, a sidecar without gifts.

The fake sidecar serves protojson built from protobuf messages of the sidecar's proto shape."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest
import sources_douyin_wire as dy
from sources_sidecar import FakeSidecar

from bot.cli.record_cmd import record_command
from bot.config import Settings
from bot.events import Comment, ConnectionHealth, Gift, Join, LiveEnded, ViewerCount
from bot.frames import ModeratorCommand
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import run_show_async
from bot.report.build import build_report
from bot.sources.douyin.mapper import DouyinEventMapper
from bot.sources.eventlog import read_event_log

ANON_A = dy.user(111111, "二***")
ANON_B = dy.user(111111, "王***")
ANON_C = dy.user(111111, "张***")
REAL = dy.user(110009, "阿强", "aqiang")


async def record(spec: str, out: Path, limit: float = 30.0) -> tuple[list, float]:
    t0 = time.monotonic()
    await asyncio.wait_for(asyncio.to_thread(record_command, spec, out, limit), 60)
    return list(read_event_log(out)), time.monotonic() - t0


async def test_record_reads_room_stats_joins_only_and_ends_on_control_action_3(sidecar: FakeSidecar,
                                                                               tmp_path: Path) -> None:
    sidecar.sessions = [([
        dy.ONLINE,
        dy.member(1, REAL, action=1),
        dy.member(2, REAL, action=3),  # not a join (e.g. made an admin): ignored
        dy.room_stats(3, 12345),
        dy.chat(4, REAL, "这件红色上衣多少钱？"),
        dy.emoji(5, ANON_C),
        dy.room_stats(6, 13020),
        dy.control(7, 3),  # the anchor ended the live
        dy.chat(8, REAL, "不该录到"),
    ], None)]
    events, took = await record("douyin:7382910001", tmp_path / "dy.jsonl")
    room = [e for e in events if not isinstance(e, ConnectionHealth)]
    assert [type(e) for e in room] == [Join, ViewerCount, Comment, Comment, ViewerCount, LiveEnded]
    assert [e.count for e in room if isinstance(e, ViewerCount)] == [12345, 13020]  # displayValue
    sticker = room[3]
    assert sticker.sticker and sticker.text == "[比心]" and sticker.user.masked
    assert took < 15  # record ended by itself at the live's end, long before its 30 s limit


async def test_no_gifts_in_a_chatty_room_says_the_sidecar_needs_a_cookie(sidecar: FakeSidecar, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEBOT_DOUYIN_GIFT_WARN_S", "0.3")
    chats = [dy.chat(10 + n, REAL, f"第{n}条") for n in range(12)]
    sidecar.sessions = [([dy.ONLINE, *chats[:6], 0.4, *chats[6:], dy.control(50, 3)], None)]
    events, _ = await record("douyin:7382910001", tmp_path / "dy.jsonl")
    warnings = [e.detail for e in events if isinstance(e, ConnectionHealth) and "cookie" in e.detail]
    assert len(warnings) == 1 and warnings[0].startswith("warning: no gifts")


async def test_two_anonymous_gifters_are_thanked_apart_and_never_named(sidecar: FakeSidecar, tmp_path: Path) -> None:
    sidecar.sessions = [([
        dy.ONLINE,
        dy.chat(1, ANON_C, "这件红色上衣多少钱？"),
        dy.gift(2, ANON_A, "小心心", 1, False, "g-a"),
        dy.gift(3, ANON_B, "小心心", 1, False, "g-b"),
        dy.gift(4, ANON_A, "小心心", 2, False, "g-a"),
        dy.gift(5, ANON_B, "小心心", 2, True, "g-b"),
        dy.gift(6, ANON_A, "小心心", 3, True, "g-a"),
        0.5,
        dy.chat(7, REAL, "屏蔽我吧"),  # blocked by the moderator below, by his real id
        dy.room_stats(8, 2048),
        24.0,
        dy.control(9, 3),
    ], None)]

    def block_real_viewer(show) -> None:  # noqa: ANN001 - the Show
        show.command(ModeratorCommand("block", viewer_id="110009"))

    db = f"sqlite:///{tmp_path}/dy.db"
    opts = ShowOptions(source="douyin:7382910001", catalog=SAMPLE_CATALOG, outputs=["none"], db=db,
                       realtime=True, settings=Settings())
    summary = await asyncio.wait_for(run_show_async(opts, on_show=block_real_viewer), 120)
    report = build_report(db, "last")
    thanks = [r for r in report["replies"] if r["kind"] == "thanks" and r["trigger"]
              and r["trigger"]["type"] == "gift"]
    assert len(thanks) == 2, (summary.events, report["dropped"], [r["text"] for r in report["replies"]])
    assert thanks[0]["trigger"]["user"]["id"] != thanks[1]["trigger"]["user"]["id"]
    assert sorted(re.findall(r"\d+", r["text"]) for r in thanks) == [["2"], ["3"]], [r["text"] for r in thanks]
    assert all(r["trigger"]["user"].get("masked") is True for r in thanks)
    assert summary.events["gift"] == 2  # one per streak, neither lost to the other
    for r in report["replies"]:
        assert "***" not in r["text"] and "二" not in r["text"] and "王" not in r["text"] and "张" not in r["text"]
    masked_answer = next(r for r in report["replies"] if r["kind"] == "answer")
    assert masked_answer["trigger"]["user"]["masked"] is True and masked_answer["text"].startswith("朋友")
    assert report["dropped"].get("blocked_viewer") == 1
    assert summary.events["viewers"] == 1 and summary.events["live_end"] == 1


def test_masked_viewer_keys() -> None:
    mapper = DouyinEventMapper(lambda: 0.0)

    def gift(msg_id: int, who, group: str) -> Gift:  # noqa: ANN001
        import json

        ev = mapper.map(json.loads(dy.gift(msg_id, who, "小心心", 1, False, group)))
        assert isinstance(ev, Gift)
        return ev

    a1, a2, b = gift(1, ANON_A, "g1"), gift(2, ANON_A, "g1"), gift(3, ANON_A, "g2")
    assert a1.user.id == a2.user.id != b.user.id  # one streak folds; another streak is someone else
    assert a1.user.masked and a1.user.id.startswith("dy-anon-") and "二" not in a1.user.id
    real = gift(4, REAL, "g1")
    assert (real.user.id, real.user.masked, real.user.unique_id) == ("110009", False, "aqiang")
    sec = gift(5, dy.user(111111, "李***", sec_uid="MS4wLjABAAAAxyz"), "g1")
    assert sec.user.id == "dy-sec-MS4wLjABAAAAxyz"
