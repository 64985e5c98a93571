"""Seam A for the platform's own moderation and the seller's choices: real protobuf bytes, TikTokLive's decoder."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import sources_tiktok_wire as wire
from test_sources_tiktok_mapping import dispatch

from bot.config import Settings
from bot.events import Comment, CommentDeleted, LivePaused, LiveResumed
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import run_show_async
from bot.report.build import build_report
from bot.sources.eventlog import event_from_json, event_to_json


async def test_delete_pause_sticker_pin_and_question_map_to_our_events() -> None:
    frames = [wire.push_frame(wire.fetch_result([
        wire.comment(501, wire.LAN, "áo đỏ giá bao nhiêu?"),
        wire.im_delete(502, [501], [7002]),
        wire.im_delete(503, [], [7001, 7004]),
        wire.pause(504),
        wire.pause(505, paused=False),
        wire.sticker(506, wire.MINH),
        wire.room_pin(507, 501, wire.LAN, "áo đỏ giá bao nhiêu?"),
        wire.question_selected(508, 9001, wire.WEI, "这件红色上衣多少钱？"),
    ]))]
    sink, connector = await dispatch(frames)
    got = sink.events
    assert [type(e) for e in got] == [Comment, CommentDeleted, CommentDeleted, CommentDeleted, LivePaused,
                                      LiveResumed, Comment, Comment, Comment]
    _, by_id, by_users_a, by_users_b, pause, resume, sticker, pinned, selected = got
    assert (by_id.message_ids, by_id.user_id, by_id.msg_id) == (("501",), "7002", "502")
    assert (by_users_a.user_id, by_users_b.user_id) == ("7001", "7004")
    assert by_users_a.msg_id != by_users_b.msg_id  # both survive the supervisor's de-duplication
    assert pause.msg_id == "504" and resume.msg_id == "505"
    assert sticker.sticker and not sticker.sellers_choice and sticker.user.nickname == "Minh"
    assert sticker.extra["emote_id"] == "7300111"
    assert pinned.pinned and pinned.text == "áo đỏ giá bao nhiêu?" and pinned.user.id == "7001"
    assert pinned.msg_id == "507" and pinned.extra["pinned_msg_id"] == "501"
    assert selected.selected and selected.text == "这件红色上衣多少钱？" and selected.user.nickname == "小伟"
    assert selected.extra["question_id"] == "9001"
    assert connector.skipped.unknown == {} and connector.skipped.malformed == {}


async def test_unknown_kinds_log_one_line_per_kind_per_session(caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.sources.tiktok")
    noise = [wire.unknown(600 + n) for n in range(50)]
    other = [wire.BaseProtoMessage(method="WebcastLinkMicFutureMessage", payload=b"\x08\x02", msg_id=700 + n)
             for n in range(20)]
    frames = [wire.push_frame(wire.fetch_result([*noise[:25], wire.comment(650, wire.LAN, "vẫn nghe")])),
              wire.push_frame(wire.fetch_result([*other, *noise[25:]]))]
    sink, connector = await dispatch(frames)
    assert [e.text for e in sink.events if isinstance(e, Comment)] == ["vẫn nghe"]
    lines = [r for r in caplog.records if "unknown method" in r.getMessage()]
    assert [r.method for r in lines] == ["WebcastBrandNewFeatureMessage", "WebcastLinkMicFutureMessage"]
    assert connector.skipped.unknown == {"WebcastBrandNewFeatureMessage": 50, "WebcastLinkMicFutureMessage": 20}


def test_event_log_round_trips_deletions_flags_and_reads_old_comments() -> None:
    deleted = {"t": 3.0, "type": "comment_deleted", "message_ids": ["501", 502], "user_id": "7002"}
    ev = event_from_json(deleted)
    assert isinstance(ev, CommentDeleted) and ev.message_ids == ("501", "502") and ev.user_id == "7002"
    assert event_to_json(ev) == {"t": 3.0, "type": "comment_deleted", "message_ids": ["501", "502"],
                                 "user_id": "7002"}
    user = {"id": "7001", "unique_id": "lan", "nickname": "Lan"}
    pinned = event_from_json({"t": 1, "type": "comment", "user": user, "text": "giá?", "id": "77", "pinned": True})
    assert isinstance(pinned, Comment) and pinned.msg_id == "77" and pinned.pinned
    back = event_to_json(pinned)
    assert back["msg_id"] == "77" and back["pinned"] is True and "sticker" not in back
    old = event_from_json({"t": 1, "type": "comment", "user": user, "text": "giá?"})  # a log from before
    assert isinstance(old, Comment) and old.msg_id is None and not old.sellers_choice
    for bad in ({"t": 1, "type": "comment_deleted"}, {"t": 1, "type": "comment_deleted", "message_ids": "501"},
                {"t": 1, "type": "comment_deleted", "message_ids": [{"x": 1}]}):
        try:
            event_from_json(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


async def test_replay_honours_deletions_pauses_and_pins(tmp_path: Path) -> None:
    lan = {"id": "7001", "unique_id": "lan", "nickname": "Lan"}
    wei = {"id": "7004", "unique_id": "xiaowei", "nickname": "小伟"}
    lines = [
        {"t": 0.5, "type": "comment", "msg_id": "a1", "user": lan, "text": "áo đỏ giá bao nhiêu?"},
        {"t": 0.6, "type": "comment", "id": "a2", "user": wei, "text": "quần jean giá bn"},
        {"t": 0.7, "type": "comment_deleted", "message_ids": ["a2"]},
        {"t": 0.8, "type": "comment", "msg_id": "a3", "user": wei, "text": "giày trắng size 38 còn không?",
         "pinned": True},
        {"t": 1.0, "type": "comment", "user": lan, "text": "kính râm giá sao shop?"},  # an old-style line
        {"t": 30.0, "type": "live_paused"},
        {"t": 31.0, "type": "live_resumed"},
        {"t": 40.0, "type": "live_end"},
    ]
    log = tmp_path / "mod.jsonl"
    log.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path}/mod.db"
    opts = ShowOptions(source=f"replay:{log}", catalog=SAMPLE_CATALOG, outputs=["none"], db=db,
                       realtime=False, settings=Settings())
    summary = await asyncio.wait_for(run_show_async(opts), 240)
    report = build_report(db, "last")
    answers = [r["trigger"] for r in report["replies"] if r["kind"] == "answer" and r["trigger"]]
    assert answers[0]["text"] == "giày trắng size 38 còn không?" and answers[0]["pinned"] is True
    answered = {tr["text"] for r in report["replies"] if r["kind"] == "answer" for tr in r["triggers"]}
    assert {"áo đỏ giá bao nhiêu?", "kính râm giá sao shop?"} <= answered  # one line may answer both
    assert "quần jean giá bn" not in answered
    assert report["dropped"]["deleted"] == 1
    assert summary.events["live_paused"] == 1 and summary.events["live_resumed"] == 1
