"""The platform's moderation and the seller's choices through the whole live show: the real TikTokLive
client against the loopback fakes, triage, director, espeak, the stage clock and SQLite, on the wall clock."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sources_tiktok_wire as wire

from bot.config import Settings
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import run_show_async
from bot.report.build import build_report

ASKED_FIRST = "áo đỏ giá bao nhiêu?"  # a plain question, asked before the seller's choices
DELETED_EARLY = "quần jean giá bn"  # deleted on the platform before the host gets to it
PINNED = "giày trắng size 38 còn không?"
SELECTED = "how much is the tote bag?"


async def test_deletions_pause_stickers_and_sellers_choice_in_a_live_show(fake_tiktok, tmp_path: Path) -> None:
    answering_first = asyncio.Event()
    fake_tiktok.sessions = [[
        ("send", wire.push_frame(wire.fetch_result([
            wire.comment(10, wire.LAN, ASKED_FIRST),
            wire.comment(11, wire.MINH, DELETED_EARLY),
            wire.sticker(12, wire.MINH),
            wire.comment(13, wire.WEI, PINNED),  # the plain copy; the pin below replaces it
        ]))),
        ("sleep", 0.3),
        ("send", wire.push_frame(wire.fetch_result([
            wire.im_delete(20, [11]),
            wire.room_pin(21, 13, wire.WEI, PINNED),
            wire.question_selected(22, 9001, wire.MINH, SELECTED),
        ]))),
        ("wait", answering_first),  # the host starts answering comment 10 ...
        ("sleep", 0.2),
        ("send", wire.push_frame(wire.fetch_result([wire.im_delete(30, [10])]))),  # ... and it is deleted
        ("sleep", 0.5),
        ("send", wire.push_frame(wire.fetch_result([wire.comment(40, wire.LAN, "kính râm giá sao shop?"),
                                                    wire.pause(41)]))),
        ("sleep", 5.0),
        ("send", wire.push_frame(wire.fetch_result([wire.pause(42, paused=False)]))),
        ("sleep", 6.0),
        ("send", wire.push_frame(wire.fetch_result([wire.live_end(99)]))),
        ("hold",),
    ]]
    paused_at: list[tuple[bool, float]] = []
    watchers: list[asyncio.Task[None]] = []  # kept referenced for the show's lifetime

    def watch(show) -> None:  # noqa: ANN001 - the Show
        async def look() -> None:
            was = False
            while True:
                speaking = show.ledger.speaking
                trig = speaking.plan.trigger if speaking is not None else None
                if getattr(trig, "msg_id", None) == "10":
                    answering_first.set()
                if show.director.paused != was:
                    was = show.director.paused
                    paused_at.append((was, show.clock.now()))
                await asyncio.sleep(0.02)

        watchers.append(asyncio.get_running_loop().create_task(look()))

    db = f"sqlite:///{tmp_path}/moderation.db"
    opts = ShowOptions(source="tiktok:@shop_test?room_id=424242", catalog=SAMPLE_CATALOG, outputs=["none"],
                       db=db, realtime=True, settings=Settings())
    try:
        summary = await asyncio.wait_for(run_show_async(opts, on_show=watch), 120)
    finally:
        for w in watchers:
            w.cancel()
    report = build_report(db, "last")
    replies = report["replies"]
    answers = [r for r in replies if r["kind"] == "answer" and r["trigger"]]
    texts = [r["trigger"]["text"] for r in answers]

    # The seller's choices are answered first, and marked as such in the report.
    assert texts[:2] in ([PINNED, SELECTED], [SELECTED, PINNED]), texts
    flags = {r["trigger"]["text"]: r["trigger"] for r in answers[:2]}
    assert flags[PINNED].get("pinned") is True and "selected" not in flags[PINNED]
    assert flags[SELECTED].get("selected") is True
    # Deleted before the host got to it: never answered. Deleted while answered: cut at the sentence end.
    assert DELETED_EARLY not in texts
    first = [r for r in answers if r["trigger"]["text"] == ASKED_FIRST]
    assert len(first) == 1 and first[0]["cut"] is True
    assert report["dropped"].get("deleted") == 2
    assert summary.events["comment_deleted"] == 2
    # A sticker is chatter: counted, never answered.
    assert all(r["trigger"]["text"] != "[sticker]" for r in answers)
    assert report["dropped"].get("chatter", 0) >= 1
    # Pause / unpause from the platform: nothing new starts while the live is paused.
    assert [p for p, _ in paused_at] == [True, False]
    (_, t_pause), (_, t_resume) = paused_at
    assert t_resume - t_pause > 4.0
    started_in_pause = [r for r in replies if t_pause + 0.6 < r["t_first_audio"] < t_resume]
    assert started_in_pause == []
    assert "kính râm giá sao shop?" in texts  # the question asked as the live paused is answered after
    later = next(r for r in answers if r["trigger"]["text"] == "kính râm giá sao shop?")
    assert later["t_first_audio"] >= t_resume
    assert summary.events["live_end"] == 1
