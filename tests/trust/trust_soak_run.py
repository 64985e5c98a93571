"""One soak run in-process: a steady-load replay through the whole show, with the stage tapped.

The tap watches every frame on its way to the real outputs (timestamps, audio slice sizes) and
samples memory, queue sizes and reply latency every minute of session time. Shared by the CI
soak test and `bench/bench_soak.py`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.events import StageFrame
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import ShowSummary, run_show_async
from tests.trust.trust_load import steady_load, write_log

_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_mb() -> float:
    """Resident memory of this process now (not the peak)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


@dataclass(slots=True)
class SoakSample:
    t: float  # session seconds
    wall_s: float
    rss_mb: float
    events_q: int
    waiting: int
    stage_q: int
    store_backlog: int
    open_replies: int
    replies: int
    latency_p50_ms: float | None  # replies said during the last sample window, session time


@dataclass(slots=True)
class SoakResult:
    summary: ShowSummary
    frames: int = 0
    audio_samples: int = 0
    off_grid_frames: int = 0  # frames whose t is not exactly index / fps, or whose index skips
    bad_audio_frames: int = 0  # frames whose audio slice is not exactly sample_rate / fps samples
    samples: list[SoakSample] = field(default_factory=list)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (t_first_audio, latency_ms)
    wall_s: float = 0.0

    def latency_p50(self, start: float, end: float) -> float | None:
        """Median latency of replies first heard in [start, end) as fractions of the run."""
        last = self.frames / 25
        return _median([ms for t, ms in self.latencies if start * last <= t < end * last])

    def window(self, start: float, end: float) -> list[SoakSample]:
        """Samples whose session time lies in [start, end) as fractions of the run."""
        last = self.samples[-1].t if self.samples else 0.0
        return [s for s in self.samples if start * last <= s.t < end * last or (end >= 1.0 and s.t == last)]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def run_soak(tmp: Path, duration_s: float, event_every_s: float = 3.0, sample_every_s: float = 60.0,
             outputs: list[str] | None = None, settings: Settings | None = None) -> SoakResult:
    """Replay `duration_s` of steady load with `--fast`; return the tapped figures and the summary."""
    log_path = write_log(tmp / "soak.jsonl", steady_load(duration_s, event_every_s))
    result: dict[str, Any] = {"frames": 0, "audio": 0, "off_grid": 0, "bad_audio": 0, "samples": [],
                              "latencies": []}
    wall0 = time.perf_counter()

    def tap(show: Any) -> None:
        real_write = show.stage.write
        fps, spf = show.stage.fps, show.stage.spf
        every = int(sample_every_s * fps)
        fresh: list[float] = []  # latencies of replies said since the last sample
        real_done = show.ledger.on_done

        def on_done(reply: Any) -> None:
            real_done(reply)
            if reply.latency_ms is not None:
                fresh.append(reply.latency_ms)
                result["latencies"].append((reply.t_first_audio, reply.latency_ms))

        show.ledger.on_done = on_done

        async def write(frame: StageFrame) -> None:
            n = result["frames"]
            if frame.index != n or frame.t != n / fps:
                result["off_grid"] += 1
            if len(frame.audio) != spf:
                result["bad_audio"] += 1
            result["frames"] = n + 1
            result["audio"] += len(frame.audio)
            if n % every == 0:
                window_p50 = _median(fresh)
                fresh.clear()
                w = show.triage.waiting
                result["samples"].append(SoakSample(
                    t=frame.t, wall_s=time.perf_counter() - wall0, rss_mb=rss_mb(),
                    events_q=show.events_q.qsize(), waiting=sum(w.values()), stage_q=len(show.stage.queue),
                    store_backlog=show.store.backlog, open_replies=len(show.ledger.open_ids),
                    replies=show.ledger.count, latency_p50_ms=window_p50))
            await real_write(frame)

        show.stage.write = write

    opts = ShowOptions(source=f"replay:{log_path}", catalog=SAMPLE_CATALOG, outputs=outputs or ["none"],
                       db=f"sqlite:///{tmp / 'soak.db'}", realtime=False, settings=settings or Settings())
    summary = asyncio.run(run_show_async(opts, on_show=tap))
    return SoakResult(summary=summary, frames=result["frames"], audio_samples=result["audio"],
                      off_grid_frames=result["off_grid"], bad_audio_frames=result["bad_audio"],
                      samples=result["samples"], latencies=result["latencies"], wall_s=time.perf_counter() - wall0)
