"""SIGKILL mid-session: `livebot run --realtime` on a replay is killed with -9 after a few seconds.

On restart the store opens cleanly and holds every event of the replay up to the kill, except at
most the last second (the writer commits at least every 0.25 s).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from bot.paths import SAMPLE_CATALOG
from tests.trust.trust_cli import LIVEBOT, ROOT, livebot, summary_json


def _dense_log(path: Path, seconds: float) -> list[dict]:
    events = [{"t": round(0.1 * i, 2), "type": "like" if i % 3 else "comment",
               "user": {"id": str(1000 + i % 50), "unique_id": f"v{i % 50}", "nickname": f"V{i % 50}"},
               **({"count": 1} if i % 3 else {"text": f"áo đỏ giá bao nhiêu #{i}"})}
              for i in range(1, int(seconds * 10))]
    events.append({"t": seconds, "type": "live_end"})
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    return events


def test_sigkill_loses_at_most_the_last_second_and_the_store_reopens(tmp_path: Path) -> None:
    log = tmp_path / "dense.jsonl"
    events = _dense_log(log, 60.0)
    db = tmp_path / "kill.db"
    proc = subprocess.Popen([str(LIVEBOT), "run", "--source", f"replay:{log}", "--catalog", str(SAMPLE_CATALOG),
                             "--realtime", "--no-control", "--db", f"sqlite:///{db}"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    # wait for the show to start (the session row exists), then let it run a few seconds
    deadline = time.monotonic() + 60
    first_seen = 0.0
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(db, timeout=1) as conn:
                if conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] > 0:
                    first_seen = time.monotonic()
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.1)
    time.sleep(4.0)
    os.kill(proc.pid, signal.SIGKILL)
    killed = time.monotonic()
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = conn.execute("SELECT t, type, payload FROM events ORDER BY id").fetchall()
        session_end = conn.execute("SELECT ended FROM sessions").fetchone()[0]
    assert session_end is None  # the killed session was never closed: honest, not faked
    assert len(stored) >= 20
    last_t = max(t for t, _, _ in stored)
    expected = [e for e in events if e["t"] <= last_t]
    # a prefix of the replay, in order, nothing invented and nothing skipped
    assert [(round(t, 2), ty) for t, ty, _ in stored] == [(e["t"], e["type"]) for e in expected]
    # The first event (t=0.1) was seen at most 0.1 + 0.25 s (commit) + 0.1 s (polling) after it happened,
    # so the session time at the kill is at most this; what is missing is the tail after last_t.
    session_at_kill = killed - first_seen + 0.1 + 0.35
    assert session_at_kill - last_t <= 1.0 + 0.35, (session_at_kill, last_t)
    assert last_t >= 3.0
    # the same database opens and takes a new session cleanly
    r = livebot("run", "--source", f"replay:{log}", "--catalog", str(SAMPLE_CATALOG), "--fast",
                "--db", f"sqlite:///{db}", "--json")
    assert r.returncode == 0, r.stderr[-2000:]
    assert summary_json(r.stdout)["session_id"] == 2
