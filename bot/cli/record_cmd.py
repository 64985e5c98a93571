"""`livebot record`: write a room's events to an event log (DESIGN §2.3) for later replay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from rich.console import Console

from bot.config import Settings
from bot.events import ConnectionHealth
from bot.session_clock import SessionClock
from bot.sources.base import EventSource, SourceError
from bot.sources.eventlog import EventLogWriter
from bot.sources.spec import open_source

log = logging.getLogger(__name__)


def record_command(source: str, out: Path, max_seconds: float | None = None) -> None:
    """Record `source` (a `--source` spec) into `out`, one flushed line per event, until it ends.

    Ctrl-C / SIGTERM and `max_seconds` stop it cleanly. A bad spec prints one line and exits 2.
    """
    console = Console(stderr=True)
    try:
        counts = asyncio.run(_record(source, out, max_seconds, console))
    except SourceError as exc:
        console.print(f"livebot record: {exc}", markup=False, highlight=False)
        raise SystemExit(2) from None
    summary = ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no events"
    console.print(f"recorded {sum(counts.values())} events to {out}: {summary}",
                  markup=False, highlight=False)


def open_source_for_record(spec: str, settings: Settings | None = None) -> EventSource:
    """The source a spec names, on a wall-clock session timeline (a recording is always live)."""
    s = settings or Settings()
    return open_source(spec, SessionClock(realtime=True), options=s.supervisor, douyin_url=s.douyin.sidecar,
                       douyin_gift_warn_s=s.douyin.gift_warn_s)


async def record_events(source: EventSource, writer: EventLogWriter, *, max_seconds: float | None = None,
                        stop: asyncio.Event | None = None, console: Console | None = None) -> Counter[str]:
    """Copy events from `source` to `writer` until it ends, `stop` is set, or `max_seconds` pass."""
    stop = stop or asyncio.Event()
    counts: Counter[str] = Counter()
    state = "connecting"
    started = time.monotonic()

    async def pump() -> None:
        nonlocal state
        async for event in source.events():
            writer.write(event)
            counts[event.type] += 1
            if isinstance(event, ConnectionHealth):
                state = str(event.state)
                if event.detail.startswith("warning:") and console is not None:
                    console.print(f"livebot record: {event.detail}", markup=False, highlight=False)
            if status is not None:
                status.update(_status_text(source.name, state, counts, time.monotonic() - started))

    status = console.status(_status_text(source.name, state, counts, 0.0)) if console is not None else None
    with status if status is not None else contextlib.nullcontext():
        pump_task = asyncio.create_task(pump())
        stop_task = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({pump_task, stop_task}, timeout=max_seconds,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop_task.cancel()
            await source.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(pump_task, 10.0)
            if not pump_task.done():
                pump_task.cancel()
    if pump_task.done() and not pump_task.cancelled() and pump_task.exception() is not None:
        raise pump_task.exception()  # type: ignore[misc]
    return counts


async def _record(spec: str, out: Path, max_seconds: float | None, console: Console) -> Counter[str]:
    source = open_source_for_record(spec)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
    writer = EventLogWriter(out)
    try:
        return await record_events(source, writer, max_seconds=max_seconds, stop=stop,
                                   console=console if sys.stderr.isatty() else None)
    finally:
        writer.close()
        for sig in installed:
            loop.remove_signal_handler(sig)


def _status_text(name: str, state: str, counts: Counter[str], elapsed: float) -> str:
    room = " ".join(f"{k} {v}" for k, v in sorted(counts.items()) if k != ConnectionHealth.type)
    return f"recording {name} [{state}] {elapsed:5.0f}s  {room or 'waiting for events'}"

