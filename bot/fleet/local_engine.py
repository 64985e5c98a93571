"""The local engine: each room in its own OS process (forked from a fork server that holds the loaded
pipeline, see `room_template`); its `RoomResult` comes back through a pipe.

A room's process writes nothing to the fleet's console: its stdout, stderr and logs go to
`LOG_DIR/ROOM.log` (one file per room, each attempt appended after a header line with its pid), so
the supervisor's status line stays readable and an operator has each room's whole story in one file.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import json
import logging
import multiprocessing
import multiprocessing.forkserver
import os
import re
import select
import signal
import sys
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

import psutil

from bot.fleet.fleet_file import RoomSpec
from bot.fleet.room_run import CRASHED, RoomResult, RoomRun, run_room
from bot.store.database import sqlite_path

log = logging.getLogger(__name__)


def _room_context() -> multiprocessing.context.BaseContext:
    """Rooms fork from a fork server that loaded `room_template` (shared code and models, quick starts);
    where there is no fork server (Windows) each room is a fresh spawned interpreter."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    # The fork server must hold one thread when it forks; OpenBLAS would start one per core at import
    # (the rooms inherit this: their numpy does no BLAS-heavy work, and torch keeps its own threads).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["bot.fleet.room_template"])
    return ctx


_ROOMS = _room_context()
_SAMPLE_S = 1.0  # how often a running room's CPU and memory are read (for a room that dies without a result)
_EXIT_GRACE_S = 10.0  # a room that sent its result but does not exit is killed after this long
_PR_SET_PDEATHSIG = 1


def room_log_dir(db: str, configured: Path | None) -> Path:
    """Where rooms' logs go: the configured folder, else fleet-logs/ beside the SQLite file, else ./fleet-logs."""
    if configured is not None:
        return configured
    path = sqlite_path(db)
    return (path.resolve().parent if path is not None else Path.cwd()) / "fleet-logs"


def room_log_path(log_dir: Path, room: str) -> Path:
    """One log file per room; characters a file name should not carry become '_'."""
    return log_dir / (re.sub(r"[^\w.-]", "_", room) + ".log")


class _RoomLogFormatter(logging.Formatter):
    """Log lines with the room's name, as text or as one JSON object a line (LIVEBOT_LOG_FORMAT=json)."""

    def __init__(self, room: str, as_json: bool) -> None:
        super().__init__("%(asctime)s %(levelname)s " + room.replace("%", "%%") + " %(name)s: %(message)s")
        self.room, self.as_json = room, as_json

    def format(self, record: logging.LogRecord) -> str:
        if not self.as_json:
            return super().format(record)
        out = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"), "level": record.levelname, "room": self.room,
               "logger": record.name, "msg": record.getMessage()}
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def _detach_from_terminal(parent_pid: int) -> None:
    """Ctrl-C at the terminal reaches the supervisor only (it stops rooms itself); the room ends if it dies."""
    os.setpgrp()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)  # SIGTERM = the clean end
    # A forked room's parent is the fork server, which outlives a killed supervisor while rooms run,
    # so the kernel's parent-death signal alone is not enough: watch the supervisor itself.
    threading.Thread(target=_end_with, args=(parent_pid,), name="supervisor-watch", daemon=True).start()



def _end_with(supervisor_pid: int) -> None:
    """Wait for the supervisor's process to end, then end this room the clean way (SIGTERM to itself)."""
    try:
        pidfd = os.pidfd_open(supervisor_pid)  # Linux 5.3+: readable when the process has ended
    except ProcessLookupError:
        pidfd = None  # already gone
    except (OSError, AttributeError):
        pidfd = -1  # no pidfd here: poll instead
    if pidfd is not None and pidfd >= 0:
        select.select([pidfd], [], [])
    elif pidfd == -1:
        while psutil.pid_exists(supervisor_pid):
            time.sleep(1.0)
    log.warning("the fleet's supervisor (pid %d) is gone: ending this room the clean way", supervisor_pid)
    os.kill(os.getpid(), signal.SIGTERM)


def _log_to_file(path: Path, room: str, as_json: bool) -> None:
    """The room's stdout, stderr (a native crash's trace too) and logs all go to its log file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for std in (1, 2):
        os.dup2(fd, std)
    os.close(fd)
    sys.stdout = open(1, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115 - lives as long as the room
    sys.stderr = open(2, "w", encoding="utf-8", buffering=1, closefd=False)  # noqa: SIM115
    faulthandler.enable(sys.stderr)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RoomLogFormatter(room, as_json))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def _room_process(spec: RoomSpec, run: RoomRun, conn: Connection, log_path: Path, parent_pid: int,
                  as_json: bool) -> None:
    """The body of a room's process: run the room, send its result, exit with its code."""
    _detach_from_terminal(parent_pid)
    _log_to_file(log_path, spec.name, as_json)
    log.info("room %s attempt %d: pid %d, db %s", spec.name, run.attempt, os.getpid(), run.db.split("@")[-1])
    result = run_room(spec, run)
    log.info("room %s attempt %d ended: code %d %s", spec.name, run.attempt, result.code, result.error or "")
    try:
        conn.send(result)
    except OSError:  # the supervisor is gone (the room ended on its SIGTERM): nobody to tell
        log.warning("room %s: the fleet's supervisor is gone; result not sent", spec.name)
    conn.close()
    sys.exit(result.code)


def exit_reason(exitcode: int | None) -> str:
    """How a process ended, in words: 'killed by SIGKILL', 'exited with status 3'."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


class LocalRoomHandle:
    """One attempt of a room as an OS process; polled, never waited on."""

    def __init__(self, name: str, process: BaseProcess, conn: Connection, log_path: Path) -> None:
        self.name, self.process, self.log_path = name, process, log_path
        self._conn = conn
        self._result: RoomResult | None = None
        self._got_at: float | None = None
        self._t0 = time.monotonic()
        self._sampled_at = 0.0
        self._cpu_s = 0.0
        self._peak_mb = 0.0
        self._done: RoomResult | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def result(self) -> RoomResult | None:
        if self._done is not None:
            return self._done
        self._receive()
        alive = self.process.is_alive()
        now = time.monotonic()
        if alive and self._result is None:
            if now - self._sampled_at >= _SAMPLE_S:
                self._sample()
                self._sampled_at = now
            return None
        if alive and self._got_at is not None and now - self._got_at < _EXIT_GRACE_S:
            return None  # it said how it ended and is closing; give it a moment to exit
        if alive:
            log.warning("room %s sent its result but did not exit; killing pid %s", self.name, self.pid)
            self.process.kill()
        self.process.join(timeout=5)
        self._receive()  # a result sent just before the exit
        self._conn.close()
        self._done = self._result or RoomResult(
            self.name, CRASHED, f"{exit_reason(self.process.exitcode)} (log: {self.log_path})",
            wall_s=now - self._t0, cpu_s=self._cpu_s, peak_rss_mb=self._peak_mb)
        return self._done

    def _receive(self) -> None:
        if self._result is not None or self._conn.closed:
            return
        try:
            if self._conn.poll():
                self._result = self._conn.recv()
                self._got_at = time.monotonic()
        except (EOFError, OSError):
            pass  # the process died before sending: result() names how

    def _sample(self) -> None:
        with contextlib.suppress(psutil.Error, TypeError):
            p = psutil.Process(self.pid)
            t = p.cpu_times()
            self._cpu_s = t.user + t.system
            self._peak_mb = max(self._peak_mb, p.memory_info().rss / 2**20)

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # SIGTERM: run_show ends the clean way (DESIGN §2.5a)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()


class LocalEngine:
    """Rooms as processes on this machine."""

    name = "local"
    lip_sync_host = "127.0.0.1"

    def __init__(self, log_dir: Path, log_format: str = "text") -> None:
        self.log_dir = log_dir
        self.as_json = log_format == "json"
        self._handles: list[LocalRoomHandle] = []

    def start(self, spec: RoomSpec, run: RoomRun) -> LocalRoomHandle:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        path = room_log_path(self.log_dir, spec.name)
        ours, theirs = _ROOMS.Pipe(duplex=False)
        proc = _ROOMS.Process(target=_room_process, name=f"livebot-room-{spec.name}",
                              args=(spec, run, theirs, path, os.getpid(), self.as_json))
        proc.start()
        theirs.close()  # only the child holds the sending end: its death reads as EOF here
        handle = LocalRoomHandle(spec.name, proc, ours, path)
        self._handles = [h for h in self._handles if h._done is None] + [handle]
        return handle

    def close(self) -> None:
        """Kill what is still running (the supervisor has already stopped rooms the clean way)."""
        for h in self._handles:
            if h._done is None and h.process.is_alive():
                h.process.kill()
                h.process.join(timeout=5)
        if self._handles and all(not h.process.is_alive() for h in self._handles):
            # Stop and reap the fork server, so its CPU and its rooms' (which it reaped) count in the
            # fleet's own rusage; the standard library has no public call for it.
            forkserver = getattr(multiprocessing.forkserver, "_forkserver", None)
            with contextlib.suppress(AttributeError, OSError, ChildProcessError):
                forkserver._stop()  # type: ignore[union-attr]
