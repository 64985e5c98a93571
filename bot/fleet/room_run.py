"""One fleet room run to its end in this process: the body of a room's process or Ray actor."""

from __future__ import annotations

import asyncio
import logging
import resource
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.avatar.photoreal.lip_sync_wire import SharedLipSyncSettings
from bot.config import Settings
from bot.fleet.fleet_file import RoomSpec
from bot.pipeline.assembly import SetupError, ShowOptions
from bot.pipeline.runner import run_show_async
from bot.pipeline.show import Show

log = logging.getLogger(__name__)

# How a room's run ended, as the supervisor reads it (also the room process's exit status).
CLEAN, CRASHED, CANNOT_START = 0, 1, 2


@dataclass(frozen=True, slots=True)
class RoomRun:
    """What one attempt of a room needs besides its spec: the shared database, pacing, which attempt, and the
    shared lip-sync renderer that draws its photoreal avatar (None: its own model, or a sprite avatar)."""

    db: str
    realtime: bool = False
    attempt: int = 1
    lip_sync: SharedLipSyncSettings | None = field(default=None, repr=False)  # repr=False: it holds the key


@dataclass(slots=True)
class RoomResult:
    """How one attempt of a room ended, with the figures the fleet's summary shows (picklable)."""

    name: str
    code: int
    error: str | None = None
    session_id: int | None = None
    session_s: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    replies: dict[str, int] = field(default_factory=dict)
    latency_p50_ms: float | None = None
    events: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def run_room(spec: RoomSpec, run: RoomRun, on_show: Callable[[Show], None] | None = None) -> RoomResult:
    """Run the room's show in this process; never raises (a crash comes back as CRASHED with its reason).

    `on_show` gets the built show on its event loop (a Ray actor stops it from another thread through it)."""
    t0, cpu0 = time.monotonic(), _cpu_s()
    if not spec.catalog.exists():
        return RoomResult(spec.name, CANNOT_START, f"catalog file not found: {spec.catalog}")
    try:
        settings = Settings()
        if run.lip_sync is not None:
            settings = settings.model_copy(update={"photoreal": run.lip_sync})
        opts = ShowOptions(source=spec.source, catalog=spec.catalog, outputs=list(spec.output),
                           llm=spec.llm or settings.llm.kind, tts=spec.tts or settings.tts, avatar=spec.avatar,
                           prompts=spec.prompts, db=run.db, realtime=run.realtime, room=spec.name,
                           attempt=run.attempt, settings=settings)
        summary = asyncio.run(run_show_async(opts, None, on_show))
    except SetupError as exc:
        return RoomResult(spec.name, CANNOT_START, str(exc), wall_s=time.monotonic() - t0)
    except Exception as exc:  # a crash: the supervisor restarts the room; keep where it happened for the log
        log.error("room %s crashed: %s", spec.name, "".join(traceback.format_exception(exc)[-3:]).strip())
        return RoomResult(spec.name, CRASHED, f"{type(exc).__name__}: {exc}", wall_s=time.monotonic() - t0,
                          cpu_s=_cpu_s() - cpu0)
    return RoomResult(spec.name, CLEAN, None, summary.session_id, summary.session_s, summary.wall_s,
                      _cpu_s() - cpu0, summary.peak_rss_mb, dict(summary.replies), summary.latency_p50_ms,
                      dict(summary.events))


def _cpu_s() -> float:
    """CPU seconds (user + system) this process has used, threads included."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
