"""No single message ends the show: every source is fed malformed, deeply nested, huge and wrongly
typed messages between good ones; each bad one is reported with where it came from and skipped,
the good ones around it are kept, and absurd figures are bounded before anyone could say them."""

from __future__ import annotations

import io
import json
import logging
import random
import subprocess
import sys
from pathlib import Path

import sources_douyin_wire as dy
import sources_tiktok_wire as wire
from sources_harness import collect, fast_options
from sources_sidecar import FakeSidecar

from bot.events import Comment, Gift, LiveEnded
from bot.paths import SAMPLE_CATALOG
from bot.report.build import build_report
from bot.sources.bounds import MAX_DIAMONDS, MAX_GIFT_COUNT, MAX_TEXT
from bot.sources.console import ConsoleSource
from bot.sources.douyin import open_douyin_source
from bot.sources.replay import ReplaySource
from bot.sources.tiktok import open_tiktok_source

ROOT = Path(__file__).resolve().parents[2]
USER = {"id": "7001", "unique_id": "lan", "nickname": "Lan"}
DEEP = "[" * 5000 + "]" * 5000


def good(t: float, text: str) -> str:
    return json.dumps({"t": t, "type": "comment", "user": USER, "text": text}, ensure_ascii=False)


def bad_lines(rng: random.Random) -> list[str]:
    """Broken event-log lines: deep, huge, wrongly typed, not JSON at all."""
    deep_obj = '{"t": 1, "type": "comment", "user": {"id": "1"}, "text": "x", "extra": ' + DEEP + "}"
    lines = [
        deep_obj,
        '{"a":' * 5000 + "1" + "}" * 5000,
        json.dumps({"t": 1, "type": "comment", "user": ["not", "an", "object"], "text": "x"}),
        json.dumps({"t": {"x": 1}, "type": "comment", "user": USER, "text": "x"}),
        json.dumps({"t": 1, "type": ["comment"], "user": USER, "text": "x"}),
        json.dumps({"t": 1, "type": "comment", "user": USER, "text": 12345}),
        json.dumps({"t": 1, "type": "comment", "user": USER, "text": "x", "msg_id": {"no": 1}}),
        json.dumps({"t": 1, "type": "gift", "user": USER, "gift": "Rose"}),
        json.dumps({"t": 1, "type": "gift", "user": USER, "gift": {"name": "Rose", "count": [1]}}),
        json.dumps({"t": 1, "type": "comment_deleted", "message_ids": {"1": 2}}),
        json.dumps({"t": 1, "type": "connection", "state": ["x"]}),
        json.dumps({"t": float("nan"), "type": "live_end"}),
        "[1, 2, 3]",
        "\x00\x01garbage\xff",
        "{" * 100_000,
    ]
    rng.shuffle(lines)
    return lines


def huge_lines() -> list[str]:
    """Lines that parse but carry absurd figures: kept, with their figures bounded."""
    return [
        json.dumps({"t": 2.0, "type": "gift", "user": {"id": "7002", "nickname": "Minh"},
                    "gift": {"name": "Rose", "count": 10**12, "diamonds": 10**15}, "streak_end": True}),
        json.dumps({"t": 2.5, "type": "comment", "user": USER, "text": "áo đỏ " + "a" * 2_000_000}),
        json.dumps({"t": 2.6, "type": "comment", "user": USER, "text": "ok", "extra": json.loads("[" * 200 + "]" * 200)}),
    ]


def replay_file(tmp: Path, seed: int) -> Path:
    rng = random.Random(seed)
    lines = [good(0.5, "chào shop"), *bad_lines(rng), *huge_lines(), good(3.0, "quần jean giá bn"),
             *bad_lines(rng), good(4.0, "áo đỏ giá bao nhiêu?"), json.dumps({"t": 9.0, "type": "live_end"})]
    path = tmp / "fuzz.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogateescape")
    return path


def test_replay_skips_each_bad_line_with_its_number_and_bounds_the_rest(tmp_path: Path) -> None:
    src = ReplaySource(replay_file(tmp_path, 1))
    events = src.pending
    texts = [e.text[:6] for e in events if isinstance(e, Comment)]
    assert texts == ["chào s", "áo đỏ ", "ok", "quần j", "áo đỏ "]
    gift = next(e for e in events if isinstance(e, Gift))
    assert (gift.gift.count, gift.gift.diamonds) == (MAX_GIFT_COUNT, MAX_DIAMONDS)
    long = next(e for e in events if isinstance(e, Comment) and len(e.text) > 100)
    assert len(long.text) == MAX_TEXT
    shallow = next(e for e in events if isinstance(e, Comment) and e.text == "ok")
    assert "extra" not in shallow.extra  # 200 levels deep: dropped, the comment kept
    assert isinstance(events[-1], LiveEnded)
    assert len(src.problems) == 2 * len(bad_lines(random.Random(0)))
    reasons = " | ".join(p.reason for p in src.problems)
    assert "nested too deep" in reasons and "not valid JSON" in reasons and "'user' must be an object" in reasons
    assert all(p.line_no > 1 for p in src.problems)


def test_livebot_run_replays_a_5000_deep_line_and_exits_0(tmp_path: Path) -> None:
    log = replay_file(tmp_path, 2)
    db = f"sqlite:///{tmp_path}/fuzz.db"
    proc = subprocess.run([sys.executable, "-m", "bot.cli.main", "run", "--source", f"replay:{log}",
                           "--catalog", str(SAMPLE_CATALOG), "--output", "none", "--db", db, "--fast"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "RecursionError" not in proc.stderr and "Traceback" not in proc.stderr
    assert "nested too deep" in proc.stdout + proc.stderr
    report = build_report(db, "last")
    spoken = " ".join(r["text"] for r in report["replies"])
    assert "1000000000000" not in spoken and "1.000.000.000.000" not in spoken
    assert report["session"]["counts"]["comment"] == 5 and report["session"]["counts"]["gift"] == 1


async def test_console_reports_bad_lines_and_keeps_the_good_ones() -> None:
    rng = random.Random(3)
    broken = [line for line in bad_lines(rng) if "live_end" not in line]  # the console stamps its own t
    typed = ["áo đỏ giá bao nhiêu?", *broken, "/gift minh Rose 1000000000000", "/like lan 999999999",
             "/as lan Lan: " + "x" * 100_000, '{"type": "comment_deleted", "message_ids": ["console-1"]}',
             "còn size M không?", "/end"]
    errors = io.StringIO()
    src = ConsoleSource(stdin=io.StringIO("\n".join(typed) + "\n"), errors=errors)
    events = await collect(src)
    comments = [e for e in events if isinstance(e, Comment)]
    assert comments[0].text == "áo đỏ giá bao nhiêu?" and comments[-1].text == "còn size M không?"
    assert [len(c.text) for c in comments if c.text.startswith("xxx")] == [MAX_TEXT]
    gift = next(e for e in events if isinstance(e, Gift))
    assert gift.gift.count == MAX_GIFT_COUNT
    assert [type(e).__name__ for e in events][-2:] == ["Comment", "LiveEnded"]
    assert any(e.type == "comment_deleted" for e in events)
    # Lines not starting with "{" are plain comments; the line whose only fault is its `t` is fine once stamped.
    assert len(src.problems) == sum(line.startswith("{") for line in broken) - 1
    assert "nested too deep" in errors.getvalue() and "console line 3:" in errors.getvalue()


async def test_douyin_sidecar_skips_broken_frames_and_keeps_the_room(sidecar: FakeSidecar, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.sources.douyin")
    real = dy.user(110009, "阿强", "aqiang")
    rng = random.Random(4)
    broken = [
        '{"method": "WebcastChatMessage", "user": ' + DEEP + ', "content": "x"}',
        DEEP,
        json.dumps({"method": "WebcastChatMessage", "user": ["x"], "content": "x"}),
        json.dumps({"method": "WebcastChatMessage", "user": {"id": "1"}, "content": 42}),
        json.dumps({"method": "WebcastGiftMessage", "user": {"id": "1"}, "gift": "Rose"}),
        json.dumps({"method": "WebcastGiftMessage", "user": {"id": "1"}, "gift": {"name": {"zh": "x"}}}),
        json.dumps({"method": "WebcastGiftMessage", "user": {"id": "1"}, "gift": {"name": "R"},
                    "repeatCount": {"n": 1}}),
        json.dumps({"method": ["WebcastChatMessage"], "content": "x"}),
        json.dumps({"method": "WebcastRoomStatsMessage", "displayValue": "很多"}),
        json.dumps({"method": "WebcastMemberMessage", "user": {"id": "1"}, "action": [1]}),
        '"just a string"', "null", "not json at all {",
    ]
    rng.shuffle(broken)
    huge_gift = json.loads(dy.gift(30, real, "嘉年华", 3, True, "g", diamonds=3000, combo=False))
    huge_gift["repeatCount"] = str(10**12)
    huge_gift["gift"]["diamondCount"] = 10**15
    sidecar.sessions = [([dy.ONLINE, dy.chat(1, real, "第一条"), *broken, json.dumps(huge_gift),
                          dy.chat(2, real, "x" * 3_000_000), *broken[:4], dy.chat(3, real, "最后一条"),
                          dy.control(9, 3)], None)]
    events = await collect(open_douyin_source("7382910001", url=sidecar.url, options=fast_options()))
    comments = [e for e in events if isinstance(e, Comment)]
    assert [c.text[:4] for c in comments] == ["第一条", "xxxx", "最后一条"]
    assert len(comments[1].text) == MAX_TEXT
    gifts = [e for e in events if isinstance(e, Gift)]
    assert [(g.gift.count, g.gift.diamonds) for g in gifts] == [(MAX_GIFT_COUNT, MAX_DIAMONDS)]
    assert isinstance(events[-1], LiveEnded)
    skipped = [r for r in caplog.records if "skipped malformed" in r.getMessage()]
    assert len(skipped) >= len(broken) + 2 and any("nested too deep" in r.getMessage() for r in skipped)
    assert all(len(r.getMessage()) < 400 for r in skipped)  # a 3 MB frame is never logged whole


async def test_tiktok_protobuf_skips_broken_messages_and_bounds_absurd_ones(fake_tiktok, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.sources.tiktok")
    rng = random.Random(5)
    nested = b""
    for _ in range(5000):  # field 1 (common) inside field 1 inside ...: 5000 length-delimited levels
        nested = b"\x0a" + _varint(len(nested)) + nested
    broken = [
        wire.BaseProtoMessage(method="WebcastChatMessage", payload=nested, msg_id=801),
        wire.BaseProtoMessage(method="WebcastGiftMessage", payload=bytes(rng.randrange(256) for _ in range(4000)),
                              msg_id=802),
        wire.BaseProtoMessage(method="WebcastImDeleteMessage", payload=b"\x12\x05\xff\xff\xff", msg_id=803),
        wire.BaseProtoMessage(method="WebcastRoomPinMessage", payload=b"\x12\x80\x80\x80\x80\x10", msg_id=804),
        wire.BaseProtoMessage(method="WebcastQuestionSelectedMessage", payload=b"\x12\x03\x2a\x01\xff",
                              msg_id=805),
        wire.BaseProtoMessage(method="WebcastEmoteChatMessage", payload=b"\x08" * 3000, msg_id=806),
        wire.malformed_comment(807),
        wire.truncated_gift(808),
    ]
    absurd = wire.gift(820, wire.MINH, "Rose", 2**31 - 1, end=True, diamonds=2**31 - 1, streakable=False)
    fake_tiktok.sessions = [[
        ("send", wire.push_frame(wire.fetch_result([wire.comment(800, wire.LAN, "trước"), *broken, absurd,
                                                    wire.comment(830, wire.LAN, "y" * 1_000_000),
                                                    wire.comment(840, wire.LAN, "sau")]))),
        ("send", b"\x00\x01 not a frame at all"),
        ("send", wire.push_frame(wire.fetch_result([wire.comment(850, wire.WEI, "还在"), wire.live_end(860)]))),
        ("hold",),
    ]]
    events = await collect(open_tiktok_source("@shop_test", 424242, options=fast_options()))
    comments = [e for e in events if isinstance(e, Comment)]
    assert [c.text[:3] for c in comments] == ["trư", "yyy", "sau", "还在"]
    assert len(comments[1].text) == MAX_TEXT
    gifts = [e for e in events if isinstance(e, Gift)]
    assert [(g.gift.count, g.gift.diamonds) for g in gifts] == [(MAX_GIFT_COUNT, MAX_DIAMONDS)]
    assert isinstance(events[-1], LiveEnded)
    assert any("malformed" in r.getMessage() for r in caplog.records)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)
