"""Soak, shortened for CI: minutes of session time with a steady comment load through the real show
(offline responder, espeak, sprite avatar, stage clock, SQLite store), `--fast`, output none.

`LIVEBOT_SOAK_MINUTES` lengthens it; `bench/bench_soak.py` runs the long form and records figures.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.trust.trust_soak_run import SoakResult, run_soak

MINUTES = float(os.environ.get("LIVEBOT_SOAK_MINUTES", "15"))
FPS, SPF = 25, 1764


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> tuple[SoakResult, Path]:
    tmp = tmp_path_factory.mktemp("soak")
    return run_soak(tmp, MINUTES * 60, event_every_s=3.0, sample_every_s=30.0), tmp


@pytest.mark.slow
def test_no_clock_drift_every_frame_on_the_grid_with_its_audio_slice(soak: tuple[SoakResult, Path]) -> None:
    r, _ = soak
    assert r.frames >= MINUTES * 60 * FPS  # the show ran to the end of the log (and finished its last line)
    assert r.frames == r.summary.frames
    assert r.summary.session_s * FPS == r.frames  # session time is frames / fps exactly
    assert r.off_grid_frames == 0
    assert r.bad_audio_frames == 0
    assert r.audio_samples == r.frames * SPF
    assert r.summary.dropped_frames == 0 and r.summary.underruns == 0


@pytest.mark.slow
def test_memory_and_queues_stay_flat(soak: tuple[SoakResult, Path]) -> None:
    r, _ = soak
    warm = r.window(0.3, 0.5)  # after imports, voices, caches and the first replies of each kind
    late = r.window(0.8, 1.0)
    assert warm and late
    growth = max(s.rss_mb for s in late) - max(s.rss_mb for s in warm)
    assert growth < 25, f"RSS grew {growth:.1f} MB between the warm and the late window"
    for s in r.samples:
        # bounded everywhere: the room is busy but the host keeps up
        assert s.events_q <= 50 and s.stage_q <= 20 and s.open_replies <= 3, s
        assert s.store_backlog <= 2000, s
        assert s.waiting <= 120, s
    assert max(s.waiting for s in late) <= max(s.waiting for s in warm) + 30


@pytest.mark.slow
def test_host_keeps_answering_without_latency_growth(soak: tuple[SoakResult, Path]) -> None:
    r, _ = soak
    replies = r.summary.replies
    assert replies.get("answer", 0) >= MINUTES * 3  # a steady stream of answers, all session long
    early, late = r.latency_p50(0.1, 0.5), r.latency_p50(0.5, 1.0)
    assert early is not None and late is not None
    assert late <= early * 1.5 + 2000, (early, late)  # session-time latency: queueing, not compute
    # still answering in the last minutes, not only at the start
    last = r.samples[-1]
    assert last.replies - r.window(0.8, 1.0)[0].replies >= 3


@pytest.mark.slow
def test_store_holds_every_event_of_the_session(soak: tuple[SoakResult, Path]) -> None:
    r, tmp = soak
    sent = sum(1 for line in (tmp / "soak.jsonl").read_text(encoding="utf-8").splitlines() if line.strip())
    with sqlite3.connect(tmp / "soak.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        stored = db.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        replies = db.execute("SELECT COUNT(*) FROM replies").fetchone()[0]
    assert stored == sent
    assert replies == sum(r.summary.replies.values())
