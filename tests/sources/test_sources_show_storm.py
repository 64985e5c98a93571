"""A disconnect storm through the whole show: the real TikTokLive client, our supervisor, and the
full pipeline (triage, director, espeak, sprite avatar, SQLite) running live against loopback fakes.
The show keeps going, every comment is stored once, and the health changes are visible."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sources_tiktok_wire as wire
from sources_harness import fast_options

import bot.pipeline.assembly as assembly
from bot.config import Settings
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import run_show_async
from bot.report.build import build_report
from bot.sources.tiktok import open_tiktok_source

QUESTIONS = ["áo đỏ giá bao nhiêu?", "quần jean giá bn", "红色上衣多少钱？", "how much is the tote bag?",
             "váy hoa còn hàng không", "kính râm giá sao shop", "giày trắng size 38 còn không", "nến thơm giá?"]


async def test_show_survives_a_disconnect_storm(fake_tiktok, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    users = [wire.LAN, wire.WEI, wire.MINH]
    sent: list = []
    sessions = []
    for i, text in enumerate(QUESTIONS):
        sent.append(wire.comment(100 + i, users[i % 3], text))
        # every reconnect replays everything said so far, then the socket dies abnormally
        sessions.append([("send", wire.push_frame(wire.fetch_result(list(sent)))), ("sleep", 0.15), ("close", 1011)])
    # the room stays up a while after the storm (the host answers), then the seller ends the live
    sessions.append([("send", wire.push_frame(wire.fetch_result(list(sent)))), ("sleep", 12.0),
                     ("send", wire.push_frame(wire.fetch_result([wire.live_end(999)]))), ("hold",)])
    fake_tiktok.sessions = sessions
    source = open_tiktok_source("@shop_test", 424242, options=fast_options(stall_timeout_s=60.0))
    monkeypatch.setattr(assembly, "open_source", lambda spec, clock, **_: source)

    db = f"sqlite:///{tmp_path}/storm.db"
    opts = ShowOptions(source="tiktok:@shop_test?room_id=424242", catalog=SAMPLE_CATALOG, outputs=["none"],
                       db=db, realtime=True, settings=Settings())
    summary = await asyncio.wait_for(run_show_async(opts), 90)

    assert summary.events["comment"] == len(QUESTIONS)  # replayed history removed: each comment once
    assert summary.events["connection"] >= 2 * len(QUESTIONS)  # retrying + connected each time, all visible
    assert summary.events["live_end"] == 1
    assert source.reconnects >= len(QUESTIONS)
    report = build_report(db, "last")
    answered = {r["trigger"]["text"] for r in report["replies"] if r["kind"] == "answer" and r["trigger"]}
    assert answered, "the host kept answering through the storm"
    assert summary.frames > 0 and summary.dropped_frames <= summary.frames * 0.05
