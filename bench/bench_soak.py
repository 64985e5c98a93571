"""Soak: an hour of session time (`--fast`, output none) with a steady comment load through the whole
show; memory over time, queue sizes, clock drift and latency early vs late.

`LIVEBOT_SOAK_BENCH_MINUTES` changes the length (default 60, about 4-5 minutes on 2 cores).
Writes bench/out/soak.json.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from tests.trust.trust_soak_run import run_soak  # noqa: E402


def slope_mb_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of RSS over session time, in MB per hour of session."""
    if len(points) < 2:
        return 0.0
    return statistics.linear_regression([t for t, _ in points], [m for _, m in points]).slope * 3600


def main() -> None:
    minutes = float(os.environ.get("LIVEBOT_SOAK_BENCH_MINUTES", "60"))
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        r = run_soak(Path(tmp), minutes * 60, event_every_s=3.0, sample_every_s=60.0)
    warm = [s for s in r.samples if s.t >= min(600.0, 0.3 * r.samples[-1].t)]  # voices, caches, first replies
    fps, spf = 25, 1764
    result = {
        "session_minutes": round(r.frames / fps / 60, 2),
        "wall_s": round(r.wall_s, 1),
        "wall_over_session": round(r.wall_s / (r.frames / fps), 4),
        "frames": r.frames,
        "frames_expected": r.summary.session_s * fps,
        "frames_off_grid": r.off_grid_frames,
        "audio_samples": r.audio_samples,
        "audio_drift_samples": r.audio_samples - r.frames * spf,
        "dropped_frames": r.summary.dropped_frames,
        "underruns": r.summary.underruns,
        "rss_mb_start": round(r.samples[0].rss_mb, 1),
        "rss_mb_after_warmup": round(warm[0].rss_mb, 1),
        "rss_mb_end": round(r.samples[-1].rss_mb, 1),
        "rss_mb_max": round(max(s.rss_mb for s in r.samples), 1),
        "rss_slope_mb_per_hour_after_warmup": round(slope_mb_per_hour([(s.t, s.rss_mb) for s in warm]), 2),
        "events_queue_max": max(s.events_q for s in r.samples),
        "waiting_max": max(s.waiting for s in r.samples),
        "stage_queue_max": max(s.stage_q for s in r.samples),
        "store_backlog_max": max(s.store_backlog for s in r.samples),
        "replies": r.summary.replies,
        "latency_p50_ms_first_half": r.latency_p50(0.1, 0.5),
        "latency_p50_ms_second_half": r.latency_p50(0.5, 1.0),
        "rss_series_mb": [[round(s.t), round(s.rss_mb, 1)] for s in r.samples],
    }
    (OUT / "soak.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "rss_series_mb"}, indent=2))


if __name__ == "__main__":
    main()
