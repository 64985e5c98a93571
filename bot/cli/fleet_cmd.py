"""`livebot fleet run` and `livebot fleet status` (DESIGN §2.7 "Many rooms")."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.live import Live
from rich.table import Table

from bot.config import Settings
from bot.fleet.fleet_file import FleetFileError, RoomSpec, load_fleet_file
from bot.fleet.fleet_lip_sync import FleetLipSync
from bot.fleet.fleet_status import read_fleet_status, status_table
from bot.fleet.fleet_supervisor import FleetSupervisor, RoomTrack, not_clean
from bot.fleet.local_engine import LocalEngine, room_log_dir
from bot.fleet.room_engine import RoomEngine
from bot.fleet.room_run import RoomRun
from bot.fleet.room_states import RoomStates
from bot.store.database import StoreError

ENGINES = ("local", "ray")
STATUS_FORMATS = ("table", "json")
_STATE_COLOURS = {"running": "green", "ended": "green", "stopped": "green", "starting": "cyan",
                  "restarting": "yellow", "failed": "red"}


def _stdout() -> Console:
    """Standard output; piped or captured, wide enough that the tables keep their columns whole."""
    out = Console()
    return out if out.is_terminal else Console(width=160)


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _engine(name: str, ray_address: str | None, db: str, settings: Settings) -> RoomEngine:
    """The engine the rooms run on; Ray only when asked, and only then imported."""
    if name == "local":
        return LocalEngine(room_log_dir(db, settings.fleet.log_dir), settings.log_format)
    try:
        from bot.fleet.ray_engine import RayEngine  # optional extra: a plain fleet never loads Ray
    except ImportError as exc:
        raise _fail(f"--engine ray needs Ray ({exc.name or exc}): pip install 'livebot[ray]'") from None
    try:
        return RayEngine(address=ray_address, fleet=settings.fleet)
    except Exception as exc:  # no cluster at that address, or Ray could not start here: one line, no traceback
        raise _fail(f"cannot start Ray{f' at {ray_address}' if ray_address else ''}: {exc}") from None


def _pacing(spec: RoomSpec, realtime: bool, fast: bool) -> bool:
    """As `livebot run`: a replay as fast as it renders unless --realtime; a live room at the wall clock."""
    return realtime or (not spec.source.startswith("replay:") and not fast)


def _live_line(tracks: list[RoomTrack], t0: float) -> str:
    parts = []
    for t in tracks:
        extra = f" (restart {t.restarts})" if t.restarts and t.state != "failed" else ""
        parts.append(f"{t.name} [{_STATE_COLOURS.get(t.state, 'default')}]{t.state}[/]{extra}")
    return f"[bold]fleet {time.monotonic() - t0:5.0f} s[/] · " + " · ".join(parts)


def summary_table(rows: list[dict[str, Any]]) -> Table:
    """The fleet's end: one line per room with its figures and its last error."""
    table = Table(title=f"livebot fleet — {len(rows)} rooms")
    for col in ("room", "state", "restarts", "sessions", "replies", "answer p50", "wall s", "CPU s", "peak MB"):
        table.add_column(col, no_wrap=True, justify="left" if col in ("room", "state", "sessions") else "right")
    table.add_column("last error", overflow="fold")
    for r in rows:
        replies = sum(r["replies"].values())
        answers = r["replies"].get("answer", 0)
        table.add_row(r["name"], f"[{_STATE_COLOURS.get(r['state'], 'default')}]{r['state']}[/]", str(r["restarts"]),
                      ",".join(map(str, r["session_ids"])) or "–", f"{replies} ({answers} answers)",
                      "–" if r["latency_p50_ms"] is None else f"{r['latency_p50_ms']:.0f} ms",
                      f"{r['wall_s']:.1f}", f"{r['cpu_s']:.1f}", f"{r['peak_rss_mb']:.0f}", r["error"] or "")
    return table


def fleet_run_command(file: Path, db: str, realtime: bool, fast: bool, engine_name: str, ray_address: str | None,
                      as_json: bool) -> None:
    """Run every room of FILE to its end; exit non-zero naming the rooms that did not end cleanly."""
    if realtime and fast:
        raise _fail("choose one of --realtime and --fast")
    if engine_name not in ENGINES:
        raise _fail(f"--engine must be one of {', '.join(ENGINES)}, not {engine_name!r}")
    if ray_address and engine_name != "ray":
        raise _fail("--ray-address goes with --engine ray")
    try:
        fleet_file = load_fleet_file(file)
    except FleetFileError as exc:
        raise _fail(str(exc)) from None
    settings = Settings()
    try:
        states = RoomStates(db, engine_name)  # opens (and migrates) the shared database before any room does
    except StoreError as exc:
        raise _fail(str(exc)) from None
    try:
        engine = _engine(engine_name, ray_address, db, settings)
    except typer.Exit:
        states.close()
        raise
    out, err = _stdout(), Console(stderr=True)

    def notify(line: str) -> None:
        err.print(line, highlight=False, soft_wrap=True)

    lip_sync = FleetLipSync(settings.photoreal, settings.fleet.max_restarts, notify)
    lip_sync.start(fleet_file.rooms, settings.avatar, engine.lip_sync_host, room_log_dir(db, settings.fleet.log_dir))
    rooms = [(spec, RoomRun(db=db, realtime=_pacing(spec, realtime, fast), lip_sync=lip_sync.for_room(spec.name)))
             for spec in fleet_file.rooms]
    t0 = time.monotonic()
    live = Live(console=out, refresh_per_second=4, transient=True) \
        if out.is_terminal and not as_json else None

    def tick(tracks: list[RoomTrack]) -> None:
        lip_sync.keep_up()
        if live is not None:
            live.update(_live_line(tracks, t0))

    if isinstance(engine, LocalEngine) and fleet_file.rooms:
        notify(f"fleet: {len(fleet_file.rooms)} rooms from {file}; each room's log: {engine.log_dir}/ROOM.log")
    supervisor = FleetSupervisor(engine, rooms, fleet_file.problems, settings.fleet, states, notify=notify,
                                 on_tick=tick)
    try:
        if live is not None:
            with live:
                tracks = supervisor.run()
        else:
            tracks = supervisor.run()
    finally:
        engine.close()
        lip_sync.stop()
        states.close()
    rows = [t.summary() for t in tracks]
    bad = not_clean(tracks)
    if as_json:
        sys.stdout.write(json.dumps({"rooms": rows, "ok": not bad}, ensure_ascii=False, indent=2) + "\n")
    else:
        out.print(summary_table(rows))
    if bad:
        named = ", ".join(f"{t.name} ({t.state})" for t in bad)
        raise _fail(f"{len(bad)} of {len(tracks)} rooms did not end cleanly: {named}", code=1)


def fleet_status_command(db: str, fmt: str) -> None:
    """Print each room's state from the database: a table, or JSON `{"rooms": [...]}`."""
    if fmt not in STATUS_FORMATS:
        raise _fail(f"--format must be one of {', '.join(STATUS_FORMATS)}, not {fmt!r}")
    try:
        rooms = read_fleet_status(db, Settings().fleet.stale_after_s)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if fmt == "json":
        sys.stdout.write(json.dumps({"rooms": [r.as_dict() for r in rooms]}, ensure_ascii=False, indent=2) + "\n")
    elif not rooms:
        _stdout().print("no fleet rooms in this database yet (start some with `livebot fleet run FLEET.yaml`)")
    else:
        _stdout().print(status_table(rooms))
