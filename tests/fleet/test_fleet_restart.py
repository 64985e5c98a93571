"""A room killed with SIGKILL mid-show is restarted (its new session is attempt 2) while the room beside it, writing
an MP4, goes on without a gap. Real processes, a real kill, the real video read back with PyAV.

Replays run `--fast` here: at the wall clock a loaded machine drops late frames whatever the fleet does, and
timing lives in bench/ (bench_fleet.py); what this checks is that the other room is untouched by the death."""

from __future__ import annotations

import os
import re
import signal
from fractions import Fraction
from pathlib import Path

import av

from bot.report.build import build_report
from tests.fleet.fleet_materials import (
    db_rows,
    finish,
    fleet_env,
    room_by,
    start_fleet,
    wait_for,
    write_event_log,
    write_fleet,
)

STEADY_S = 120.0
VICTIM_S = 170.0


def _video(path: Path) -> tuple[int, Fraction, Fraction, list[int], float]:
    """Frames, nominal and average frame rate, each frame's pts (in frames), and the audio's length in seconds."""
    with av.open(str(path)) as box:
        video, audio = box.streams.video[0], box.streams.audio[0]
        rate, tb = video.base_rate, video.time_base
        pts = [round(f.pts * tb * rate) for f in box.decode(video=0)]
        box.seek(0)
        samples = sum(f.samples for f in box.decode(audio=0))
        return len(pts), rate, video.average_rate, pts, samples / audio.rate


def test_a_killed_room_restarts_as_attempt_2_and_the_other_room_has_no_gap(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "victim", "source": f"replay:{write_event_log(tmp_path / 'v.jsonl', VICTIM_S, ['red-shirt'])}"},
        {"name": "steady", "output": "steady.mp4",
         "source": f"replay:{write_event_log(tmp_path / 's.jsonl', STEADY_S, ['dress', 'jeans', 'linen'])}"},
    ])
    db_file = tmp_path / "fleet.db"
    proc = start_fleet(fleet, f"sqlite:///{db_file}", "--fast",
                       env=fleet_env(LIVEBOT_WIDTH="180", LIVEBOT_HEIGHT="320"))
    try:
        log = tmp_path / "fleet-logs" / "victim.log"
        pid = int(wait_for("the victim's pid in its log", lambda: log.exists() and re.search(
            r"attempt 1: pid (\d+)", log.read_text(encoding="utf-8")))[1])
        wait_for("both rooms' shows to be on", lambda: db_rows(
            db_file, "SELECT room FROM sessions WHERE ended IS NULL ORDER BY room") == [("steady",), ("victim",)],
            every=0.03)
        os.kill(pid, signal.SIGKILL)
    finally:
        code, summary, err = finish(proc)
    assert code == 0, err
    assert summary is not None
    rooms = room_by(summary["rooms"])
    victim, steady = rooms["victim"], rooms["steady"]
    assert (victim["state"], victim["restarts"], len(victim["session_ids"])) == ("ended", 1, 2), err
    assert "killed by SIGKILL" in victim["error"] and "room victim: crashed (killed by SIGKILL" in err
    first, second = victim["session_ids"]
    sessions = db_rows(db_file, "SELECT id, attempt, ended FROM sessions WHERE room='victim' ORDER BY id")
    assert [(s[0], s[1]) for s in sessions] == [(first, 1), (second, 2)]
    assert all(s[2] is not None for s in sessions)  # the killed session was closed by the supervisor
    assert build_report(f"sqlite:///{db_file}", "victim")["session"]["attempt"] == 2
    assert db_rows(db_file, "SELECT state, restarts FROM fleet_rooms WHERE name='victim'") == [("ended", 1)]

    assert (steady["state"], steady["restarts"], len(steady["session_ids"])) == ("ended", 0, 1)
    frames, rate, average, pts, audio_s = _video(tmp_path / "steady.mp4")
    assert rate == average == 25
    assert pts == list(range(pts[0], pts[0] + frames))  # every frame follows the one before: no gap
    assert abs(frames / rate - steady["session_s"]) <= 0.08, (frames, steady["session_s"])
    assert steady["session_s"] >= STEADY_S and abs(audio_s - frames / rate) < 0.1
