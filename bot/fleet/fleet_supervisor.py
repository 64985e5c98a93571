"""The fleet's supervisor: starts every room on a `RoomEngine`, restarts crashed ones with backoff, stops all cleanly.

Engine-agnostic (local processes or Ray actors): it only polls handles, so one slow or hung room never holds
up the others, and every state change goes to the `fleet_rooms` table for `livebot fleet status`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.config import FleetSettings
from bot.fleet.fleet_file import RoomProblem, RoomSpec
from bot.fleet.room_engine import RoomEngine, RoomHandle
from bot.fleet.room_run import CANNOT_START, CLEAN, RoomResult, RoomRun
from bot.fleet.room_states import ENDED, FAILED, LIVE_STATES, RESTARTING, RUNNING, STARTING, STOPPED, RoomStates

log = logging.getLogger(__name__)

POLL_S = 0.2  # how often every room's handle is looked at
SEEN_S = 0.5  # how often a starting room's session is looked for (it is running once its session is open)


@dataclass(slots=True)
class RoomTrack:
    """One room through the fleet's run: its attempts, their results, where it stands now."""

    name: str
    spec: RoomSpec | None  # None for a fleet-file entry that could not be read
    run: RoomRun | None
    state: str = STARTING
    code: int | None = None
    restarts: int = 0
    error: str | None = None
    handle: RoomHandle | None = None
    results: list[RoomResult] = field(default_factory=list)
    session_ids: list[int] = field(default_factory=list)
    first_t: float | None = None  # monotonic: the first attempt's start
    end_t: float | None = None
    attempt_t: float = 0.0  # monotonic: this attempt's start
    started: datetime | None = None  # wall clock of this attempt's start, as the table shows it
    backoff_s: float = 0.0
    restart_at: float | None = None

    @property
    def attempt(self) -> int:
        return self.restarts + 1

    @property
    def ok(self) -> bool:
        """Ended cleanly, or stopped by the fleet's Ctrl-C / SIGTERM."""
        return self.state in (ENDED, STOPPED)

    def summary(self, now: float | None = None) -> dict[str, Any]:
        """The room's line of the fleet's summary (`fleet run --json`: these keys are the contract)."""
        end = self.end_t if self.end_t is not None else (now or time.monotonic())
        replies: dict[str, int] = {}
        for r in self.results:
            for kind, n in r.replies.items():
                replies[kind] = replies.get(kind, 0) + n
        p50 = next((r.latency_p50_ms for r in reversed(self.results) if r.latency_p50_ms is not None), None)
        return {"name": self.name, "state": self.state, "code": self.code, "restarts": self.restarts,
                "session_ids": list(self.session_ids),
                "session_s": round(sum(r.session_s for r in self.results), 2),
                "wall_s": round(end - self.first_t, 2) if self.first_t is not None else 0.0,
                "cpu_s": round(sum(r.cpu_s for r in self.results), 2),
                "peak_rss_mb": round(max((r.peak_rss_mb for r in self.results), default=0.0), 1),
                "replies": replies, "latency_p50_ms": p50, "error": self.error}


class FleetSupervisor:
    """Drives one fleet to its end; `run()` returns every room's track (problems included, as failed)."""

    def __init__(self, engine: RoomEngine, rooms: list[tuple[RoomSpec, RoomRun]], problems: list[RoomProblem],
                 fleet: FleetSettings, states: RoomStates | None = None,
                 notify: Callable[[str], None] = lambda line: None,
                 on_tick: Callable[[list[RoomTrack]], None] = lambda tracks: None) -> None:
        self.engine, self.fleet, self.states = engine, fleet, states
        self.notify, self.on_tick = notify, on_tick
        self.tracks = [RoomTrack(spec.name, spec, run, backoff_s=fleet.backoff_s) for spec, run in rooms]
        self.tracks += [RoomTrack(p.name, None, None, FAILED, CANNOT_START, error=str(p)) for p in problems]
        self._stop_asked = threading.Event()
        self._kill_asked = threading.Event()
        self._stop_deadline: float | None = None
        self._baseline = states.baseline_session_id() if states is not None else 0
        self._beat_at = self._seen_at = 0.0

    # -- the loop -----------------------------------------------------------------------------------------
    def run(self) -> list[RoomTrack]:
        """Run every room to its end; Ctrl-C / SIGTERM here stops them all the clean way."""
        with self._signals():
            for t in self.tracks:
                if t.spec is None:
                    self.notify(t.error or f"room {t.name}: cannot start")
                    self._record(t)
                else:
                    self._start(t)
            while any(t.state in LIVE_STATES for t in self.tracks):
                self._step(time.monotonic())
                self.on_tick(self.tracks)
                time.sleep(POLL_S)
            self.on_tick(self.tracks)
        return self.tracks

    def request_stop(self) -> None:
        """Stop every room the clean way (a second request kills them now)."""
        if self._stop_asked.is_set():
            self._kill_asked.set()
        self._stop_asked.set()

    def _step(self, now: float) -> None:
        if self._stop_asked.is_set() and self._stop_deadline is None:
            self._begin_stop(now)
        if self._stop_deadline is not None and (now >= self._stop_deadline or self._kill_asked.is_set()):
            for t in self.tracks:
                if t.handle is not None:
                    t.handle.kill()
        for t in self.tracks:
            if t.handle is not None:
                result = t.handle.result()
                if result is not None:
                    self._ended(t, result, now)
            elif t.state == RESTARTING and t.restart_at is not None and now >= t.restart_at:
                self._start(t)
        if now - self._seen_at >= SEEN_S:
            self._seen_at = now
            self._look_for_sessions()
        if now - self._beat_at >= self.fleet.heartbeat_s:
            self._beat_at = now
            self._heartbeat()

    def _begin_stop(self, now: float) -> None:
        self._stop_deadline = now + self.fleet.stop_grace_s
        running = [t for t in self.tracks if t.handle is not None]
        self.notify(f"fleet: stopping {len(running)} rooms (up to {self.fleet.stop_grace_s:g} s to finish "
                    "their lines)")
        for t in running:
            t.handle.stop()  # type: ignore[union-attr]
        for t in self.tracks:
            if t.state == RESTARTING:  # waiting out its backoff: it is not started again
                self._finish(t, STOPPED, now)

    # -- one room's changes -------------------------------------------------------------------------------
    def _start(self, t: RoomTrack) -> None:
        assert t.spec is not None and t.run is not None
        now = time.monotonic()
        t.attempt_t, t.started, t.restart_at = now, datetime.now(UTC), None
        if t.first_t is None:
            t.first_t = now
        try:
            t.handle = self.engine.start(t.spec, dataclasses.replace(t.run, attempt=t.attempt))
        except Exception as exc:  # the engine could not place it at all (Ray out of resources, spawn failed)
            t.handle, t.code, t.error = None, CANNOT_START, f"cannot start on {self.engine.name}: {exc}"
            self.notify(f"room {t.name}: {t.error}")
            self._finish(t, FAILED, now)
            return
        t.state = STARTING
        self._record(t)

    def _ended(self, t: RoomTrack, result: RoomResult, now: float) -> None:
        t.handle = None
        t.results.append(result)
        t.code = result.code
        sid = result.session_id or self._this_attempts_session(t)
        if sid is not None and sid not in t.session_ids:
            t.session_ids.append(sid)
        if result.code != CLEAN:
            t.error = result.error or "ended without saying why"
        if self._stop_asked.is_set():
            self._finish(t, STOPPED, now)
        elif result.code == CLEAN:
            self._finish(t, ENDED, now)
        elif result.code == CANNOT_START:
            self.notify(f"room {t.name}: cannot start: {t.error}")
            self._finish(t, FAILED, now)
        elif t.restarts < self.fleet.max_restarts:
            self._schedule_restart(t, now)
        else:
            self.notify(f"room {t.name}: crashed again ({t.error}); gave up after {t.restarts} restarts")
            self._finish(t, FAILED, now)
        if result.code != CLEAN and sid is not None and self.states is not None:
            self.states.close_session(sid)  # a killed room never marked its session ended

    def _schedule_restart(self, t: RoomTrack, now: float) -> None:
        if now - t.attempt_t >= self.fleet.stable_s:  # it ran well for a while: start the backoff over
            t.backoff_s = self.fleet.backoff_s
        wait = t.backoff_s
        t.backoff_s = min(t.backoff_s * 2, self.fleet.backoff_max_s)
        t.restarts += 1
        t.restart_at = now + wait
        t.state = RESTARTING
        self.notify(f"room {t.name}: crashed ({t.error}); restart {t.restarts} of {self.fleet.max_restarts} "
                    f"in {wait:g} s")
        self._record(t)

    def _finish(self, t: RoomTrack, state: str, now: float) -> None:
        t.state, t.end_t, t.restart_at = state, now, None
        self._record(t)

    # -- the database -------------------------------------------------------------------------------------
    def _this_attempts_session(self, t: RoomTrack) -> int | None:
        """This attempt's session, when the room got as far as starting one (a killed room never said)."""
        if self.states is None:
            return None
        newest = self.states.newest_session(t.name)
        if newest is None or newest.id <= self._baseline or newest.attempt != t.attempt:
            return None
        return newest.id

    def _look_for_sessions(self) -> None:
        for t in self.tracks:
            if t.state == STARTING and t.handle is not None and (sid := self._this_attempts_session(t)) is not None:
                t.state = RUNNING  # its session is open: the show is on
                if sid not in t.session_ids:
                    t.session_ids.append(sid)
                self._record(t)

    def _heartbeat(self) -> None:
        if self.states is not None:
            self.states.heartbeat([t.name for t in self.tracks if t.state in LIVE_STATES])

    def _record(self, t: RoomTrack) -> None:
        if self.states is not None:
            self.states.write(t.name, t.state, started=t.started, restarts=t.restarts, last_error=t.error,
                              session_id=t.session_ids[-1] if t.session_ids else None)

    @contextlib.contextmanager
    def _signals(self) -> Any:
        """SIGINT/SIGTERM ask for the clean stop while the fleet runs (main thread only, as Python allows)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        before = {sig: signal.signal(sig, lambda *_: self.request_stop()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in before.items():
                signal.signal(sig, handler)


def not_clean(tracks: list[RoomTrack]) -> list[RoomTrack]:
    """The rooms that did not end cleanly (the exit status says so, naming them)."""
    return [t for t in tracks if not t.ok]
