"""The whole host on embedded defaults: a replay goes through triage, director, offline responder,
guard, espeak, the sprite avatar, the stage clock and PyAV into an MP4, with the store beside it.

Nothing is stubbed: the frames are tapped on their way to the real outputs.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import av
import numpy as np
import pytest

from bot.config import Settings
from bot.events import StageFrame
from bot.paths import SAMPLE_CATALOG, SAMPLE_SESSION
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import run_show_async
from bot.report.build import build_report
from bot.report.percentile import percentile

FPS = 25


def session_slice(tmp: Path, until: float) -> Path:
    """The sample session up to `until` seconds, ending with live_end (bad lines kept: they must be skipped)."""
    out = []
    for line in SAMPLE_SESSION.read_text(encoding="utf-8").splitlines():
        try:
            t = json.loads(line).get("t")
        except json.JSONDecodeError:
            out.append(line)
            continue
        if t is None or (isinstance(t, int | float) and t <= until):
            out.append(line)
    out.append(json.dumps({"t": until, "type": "live_end"}))
    path = tmp / "slice.jsonl"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("e2e")
    video = tmp / "show.mp4"
    db = f"sqlite:///{tmp}/show.db"
    frames: list[tuple[bool, str, float]] = []

    def tap(show) -> None:  # noqa: ANN001
        real_write = show.stage.write

        async def write(frame: StageFrame) -> None:
            rms = float(np.sqrt(np.mean(frame.audio.astype(np.float64) ** 2)))
            frames.append((frame.speaking, frame.viseme, rms))
            await real_write(frame)

        show.stage.write = write

    opts = ShowOptions(source=f"replay:{session_slice(tmp, 70.0)}", catalog=SAMPLE_CATALOG, outputs=[str(video)],
                       db=db, realtime=False, settings=Settings())
    summary = asyncio.run(run_show_async(opts, on_show=tap))
    return {"summary": summary, "video": video, "db": db, "frames": frames, "report": build_report(db, "last")}


def test_video_has_matching_audio_and_video_durations(demo_run: dict) -> None:
    with av.open(str(demo_run["video"])) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        n_video = sum(1 for _ in c.decode(v))
    with av.open(str(demo_run["video"])) as c:
        a = c.streams.audio[0]
        samples = sum(f.samples for f in c.decode(a))
        rate = a.rate
    video_s = n_video / FPS
    audio_s = samples / rate
    assert n_video == demo_run["summary"].frames >= 70 * FPS
    assert abs(audio_s - video_s) <= 1 / FPS, (audio_s, video_s)


def test_mouth_moves_while_the_voice_speaks_and_rests_in_silence(demo_run: dict) -> None:
    frames = demo_run["frames"]
    voiced = [vis for speaking, vis, rms in frames if speaking and rms > 300]
    between_lines = [vis for speaking, vis, rms in frames if not speaking]
    silent = [frames[i][1] for i in range(2, len(frames) - 2)
              if all(frames[j][2] < 1.0 for j in range(i - 2, i + 3))]  # true silence, with a margin for the lead
    assert len(voiced) > 200 and len(between_lines) > 10 and len(silent) > 10
    assert sum(v != "X" for v in voiced) / len(voiced) > 0.8
    assert all(v == "X" for v in between_lines)
    assert sum(v == "X" for v in silent) / len(silent) > 0.9
    assert len(set(voiced)) >= 4  # several mouth shapes, not one open/close


def test_replies_answer_in_the_viewers_language_with_catalog_prices(demo_run: dict) -> None:
    replies = demo_run["report"]["replies"]
    kinds = {r["kind"] for r in replies}
    assert {"answer", "thanks", "greeting", "disclosure"} <= kinds
    answers = {r["trigger"]["text"]: r["text"] for r in replies if r["kind"] == "answer" and r["trigger"]}
    vi = next(v for k, v in answers.items() if "ao do" in k.lower() or "áo đỏ giá" in k.lower())
    assert "199.000đ" in vi
    zh = [v for k, v in answers.items() if re.search(r"[\u4e00-\u9fff]", k) and "多少钱" in k]
    assert zh and "199.000đ" in zh[0] and re.search(r"[\u4e00-\u9fff]", zh[0])
    en = [v for k, v in answers.items() if "how much" in k.lower()]
    assert en and "199.000đ" in en[0]
    thanks = [r for r in replies if r["kind"] == "thanks" and r["trigger"] and r["trigger"]["type"] == "gift"]
    minh = [r for r in thanks if r["trigger"]["user"]["nickname"] == "Minh"]
    assert len(minh) == 1 and "5" in minh[0]["text"]  # one thank-you per streak, with its final count


def test_hostile_comments_never_produce_a_price_outside_the_catalog(demo_run: dict) -> None:
    allowed = {"249.000đ", "199.000đ", "389.000đ", "299.000đ", "329.000đ", "459.000đ"}
    for r in demo_run["report"]["replies"]:
        for price in re.findall(r"\d[\d.]*đ", r["text"]):
            assert price in allowed, (price, r["text"])
        assert "1.000đ" not in r["text"] and "1k" not in r["text"]


def test_report_timings_and_problems(demo_run: dict) -> None:
    report = demo_run["report"]
    for r in report["replies"]:
        assert r["t_first_audio"] <= r["t_done"]
        if r["trigger"] is not None and r["kind"] == "answer":
            assert r["t_first_audio"] >= r["t_received"] and r["latency_ms"] >= 0
    assert report["session"]["counts"]["comment"] > 10
    assert any("line" in p for p in demo_run["summary"].problems)  # the malformed log lines were reported
    # the run's closing "answer latency" and the report's percentile agree on the same latencies (answers)
    answers = [r["latency_ms"] for r in report["replies"] if r["kind"] == "answer" and r["latency_ms"] is not None]
    assert demo_run["summary"].latency_p50_ms == percentile(answers, 50)
    assert demo_run["summary"].latency_p95_ms == percentile(answers, 95)
