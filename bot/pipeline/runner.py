"""Runs a show to its end: signals, the live status line, and the summary people read after."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from bot.config import reveal
from bot.pipeline.assembly import ShowOptions, build_show
from bot.pipeline.show import Show
from bot.report.percentile import percentile
from bot.stage.frame_clock import StageStats
from bot.web.control_api import ControlError, serve_control_api

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ShowSummary:
    session_id: int | None
    source: str
    session_s: float
    wall_s: float
    frames: int
    dropped_frames: int
    render_ms_per_frame: float
    replies: dict[str, int]
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    dropped: dict[str, int]
    events: dict[str, int]
    outputs: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    peak_rss_mb: float = 0.0
    underruns: int = 0

    @property
    def speed(self) -> float:
        """Wall time over session time: below 1 is faster than real time."""
        return self.wall_s / self.session_s if self.session_s else 0.0


def status_line(show: Show) -> str:
    st = show.state
    t = show.clock.now()
    speaking = show.ledger.speaking
    now_line = f"{speaking.plan.kind}: {speaking.text[:60]}" if speaking is not None else "(quiet)"
    waiting = show.triage.waiting
    lat = list(st.latencies_ms)
    p50 = percentile(lat, 50)
    # A source's warning ("warning: no gifts … cookie") stays on the line until the state changes.
    warn = f" ({st.connection_detail})" if st.connection_detail.startswith("warning:") else ""
    return (f"[bold]{int(t // 60):02d}:{t % 60:04.1f}[/] {st.connection}{warn} · "
            f"comments {st.events.get('comment', 0)} · replies {show.ledger.count} · "
            f"waiting q{waiting['questions']} g{waiting['gifts']} j{waiting['joins']} · "
            f"dropped {sum(show.triage.dropped.values())} · p50 {p50 if p50 is not None else '–'} ms · "
            f"frames {show.stage.stats.frames} · {now_line}")


async def run_show_async(opts: ShowOptions, console: Console | None = None,
                         on_show: Any = None) -> ShowSummary:
    show = build_show(opts)
    if on_show is not None:
        on_show(show)
    store = show.store
    source_name = show.source.name
    store.start_session(source_name, variant=opts.variant,  # type: ignore[attr-defined]
                        settings={"llm": opts.llm, "tts": opts.tts, "outputs": opts.outputs,
                                  "realtime": opts.realtime},
                        room=opts.room, attempt=opts.attempt)
    show.state.session_id = store.session_id  # type: ignore[attr-defined]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, show.request_stop)
    control = None
    if opts.control:
        s = opts.settings
        token = reveal(s.control_token)
        if s.control_host not in ("127.0.0.1", "localhost", "::1") and not token:
            raise ControlError(f"control API on {s.control_host} needs a token (LIVEBOT_CONTROL_TOKEN)")
        control = asyncio.create_task(serve_control_api(show, s.control_host, s.control_port, token))
    wall0 = time.monotonic()
    stats: StageStats
    live_ctx: Any = contextlib.nullcontext()
    if console is not None and console.is_terminal:
        live_ctx = Live(status_line(show), console=console, refresh_per_second=4, transient=True)
    with live_ctx as live:
        updater = None
        if live is not None:
            async def refresh() -> None:
                while True:
                    live.update(status_line(show))
                    await asyncio.sleep(0.25)
            updater = asyncio.create_task(refresh())
        try:
            stats = await show.run()
        finally:
            for task in (updater, control):
                if task is not None:
                    task.cancel()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(sig)
            out_stats = await asyncio.to_thread(show.fanout.close)
            store.end_session()  # type: ignore[attr-defined]
            await asyncio.to_thread(store.close)  # type: ignore[attr-defined]
    wall = time.monotonic() - wall0
    lat = list(show.state.latencies_ms)
    problems = [f"{show.source.name} line {p.line_no}: {p.reason}" for p in getattr(show.source, "problems", [])]
    problems += [str(p) for p in show.director.prompts.problems]
    return ShowSummary(
        session_id=show.state.session_id, source=source_name, session_s=stats.frames / show.stage.fps,
        wall_s=wall, frames=stats.frames, dropped_frames=stats.dropped,
        render_ms_per_frame=stats.render_ms_total / max(1, stats.frames - stats.dropped),
        replies=dict(show.state.replies), latency_p50_ms=percentile(lat, 50),
        latency_p95_ms=percentile(lat, 95), dropped=dict(show.triage.dropped),
        events=dict(show.state.events),
        outputs=[{"name": o.name, "written": o.written, "dropped": o.dropped, "failed": o.failed}
                 for o in out_stats],
        problems=problems, peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        underruns=stats.underruns,
    )


def run_show(opts: ShowOptions, console: Console | None = None) -> ShowSummary:
    return asyncio.run(run_show_async(opts, console))


def summary_table(summary: ShowSummary) -> Table:
    """The end-of-run summary as a table people can read at a glance."""
    t = Table(title=f"livebot session {summary.session_id} — {summary.source}", show_header=False)
    t.add_column(style="bold")
    t.add_column()
    t.add_row("session length", f"{summary.session_s:.1f} s ({summary.frames} frames)")
    t.add_row("wall time", f"{summary.wall_s:.1f} s ({summary.speed:.2f}× session length)")
    t.add_row("replies", ", ".join(f"{k} {v}" for k, v in sorted(summary.replies.items())) or "none")
    if summary.latency_p50_ms is not None:
        t.add_row("answer latency", f"p50 {summary.latency_p50_ms:.0f} ms · p95 {summary.latency_p95_ms:.0f} ms")
    t.add_row("events", ", ".join(f"{k} {v}" for k, v in sorted(summary.events.items())))
    t.add_row("not answered", ", ".join(f"{k} {v}" for k, v in sorted(summary.dropped.items())) or "none")
    t.add_row("render", f"{summary.render_ms_per_frame:.1f} ms/frame · dropped frames {summary.dropped_frames}")
    for o in summary.outputs:
        state = f"failed: {o['failed']}" if o["failed"] else "ok"
        t.add_row(f"output {o['name']}", f"{o['written']} frames · dropped {o['dropped']} · {state}")
    t.add_row("peak memory", f"{summary.peak_rss_mb:.0f} MB")
    for p in summary.problems[:10]:
        t.add_row("[yellow]input problem[/]", p)
    return t
