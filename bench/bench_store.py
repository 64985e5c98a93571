"""Store benchmark: event-logging throughput, and a 25 fps loop's frame-time jitter with and
without logging 1,000 events/s. Prints figures and writes bench/out/store.json."""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from bot.events import Comment, Viewer
from bot.store.writer import StoreWriter

OUT = Path(__file__).resolve().parent / "out"


def throughput(url: str, n: int = 50_000) -> dict[str, float]:
    w = StoreWriter(url)
    w.start_session("bench:throughput")
    t0 = time.perf_counter()
    for i in range(n):
        w.log_event(Comment(t=i / 1000, user=Viewer(str(i % 500), f"u{i % 500}"), text=f"comment {i}"))
    enqueue_s = time.perf_counter() - t0
    w.flush(timeout=300)
    total_s = time.perf_counter() - t0
    w.close()
    return {"events": n, "enqueue_us_per_event": enqueue_s / n * 1e6, "events_per_s_written": n / total_s}


def frame_loop(url: str | None, seconds: float = 8.0, fps: int = 25, rate: int = 1000) -> dict[str, float]:
    """Pace a loop at `fps`; each frame logs rate/fps events when `url` is given. Jitter = |late| per frame."""
    w = StoreWriter(url) if url else None
    if w:
        w.start_session("bench:jitter")
    period = 1.0 / fps
    per_frame = rate // fps
    start = time.perf_counter()
    lateness, work = [], []
    i = 0
    for frame in range(int(seconds * fps)):
        due = start + frame * period
        while (now := time.perf_counter()) < due:
            time.sleep(min(0.002, due - now))
        lateness.append((now - due) * 1000)
        t0 = time.perf_counter()
        if w:
            for _ in range(per_frame):
                w.log_event(Comment(t=i / rate, user=Viewer(str(i % 300)), text="x"))
                i += 1
        work.append((time.perf_counter() - t0) * 1000)
    if w:
        w.close()
    lateness.sort()
    return {"frames": len(lateness), "late_ms_p50": statistics.median(lateness),
            "late_ms_p99": lateness[int(len(lateness) * 0.99) - 1], "late_ms_max": lateness[-1],
            "log_call_ms_per_frame_p50": statistics.median(work), "log_call_ms_per_frame_max": max(work)}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        res = {"throughput_sqlite": throughput(f"sqlite:///{tmp}/tp.db"),
               "loop_without_logging": frame_loop(None),
               "loop_with_1000_events_per_s": frame_loop(f"sqlite:///{tmp}/jit.db")}
    for name, figures in res.items():
        print(name, {k: round(v, 3) for k, v in figures.items()})
    (OUT / "store.json").write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
