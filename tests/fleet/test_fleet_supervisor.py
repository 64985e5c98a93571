"""The supervisor's rules: restart a crashed room with doubling backoff up to a limit (reset after a stable run),
never restart a room that cannot start, stop every room cleanly and kill one that overstays its grace.

The engine here is scripted (each attempt's ending is given), so these rules run in milliseconds; the
supervisor, its settings and the `fleet_rooms` table (real SQLite) are the real ones. Real room processes
are tested in test_fleet_run/test_fleet_restart/test_fleet_stop."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import FleetSettings
from bot.fleet.fleet_file import RoomProblem, RoomSpec
from bot.fleet.fleet_supervisor import FleetSupervisor, not_clean
from bot.fleet.room_run import CANNOT_START, CLEAN, CRASHED, RoomResult, RoomRun
from bot.fleet.room_states import RoomStates
from bot.paths import SAMPLE_CATALOG
from tests.fleet.fleet_materials import db_rows


@dataclass
class ScriptedHandle:
    """One attempt that ends `after_s` after its start with `code` (or, when asked to stop, cleanly)."""

    name: str
    code: int | None
    after_s: float
    obeys_stop: bool = True
    t0: float = field(default_factory=time.monotonic)
    stopped: bool = False
    killed: bool = False

    def result(self) -> RoomResult | None:
        if self.killed:
            return RoomResult(self.name, CRASHED, "killed by SIGKILL")
        if self.stopped and self.obeys_stop:
            return RoomResult(self.name, CLEAN)
        if self.code is None or time.monotonic() - self.t0 < self.after_s:
            return None
        return RoomResult(self.name, self.code, None if self.code == CLEAN else f"boom {self.code}")

    def stop(self) -> None:
        self.stopped = True

    def kill(self) -> None:
        self.killed = True


@dataclass
class ScriptedEngine:
    """Each room's attempts, in order: (code or None for 'runs until stopped', seconds it runs, obeys stop)."""

    script: dict[str, list[tuple[int | None, float, bool]]]
    name: str = "scripted"
    starts: list[tuple[str, int, float]] = field(default_factory=list)
    handles: list[ScriptedHandle] = field(default_factory=list)

    def start(self, spec: RoomSpec, run: RoomRun) -> ScriptedHandle:
        self.starts.append((spec.name, run.attempt, time.monotonic()))
        if spec.name == "unplaceable":
            raise RuntimeError("no node has 64 CPUs")
        code, after, obeys = self.script[spec.name][run.attempt - 1]
        handle = ScriptedHandle(spec.name, code, after, obeys)
        self.handles.append(handle)
        return handle

    def close(self) -> None:
        pass


def _rooms(*names: str) -> list[tuple[RoomSpec, RoomRun]]:
    return [(RoomSpec(name=n, source="replay:x.jsonl", catalog=SAMPLE_CATALOG), RoomRun(db="unused")) for n in names]


def _settings(**kw: float) -> FleetSettings:
    return FleetSettings(**{"max_restarts": 3, "backoff_s": 0.05, "backoff_max_s": 0.2, "stable_s": 60.0,
                            "stop_grace_s": 1.0, "heartbeat_s": 0.1, **kw})


def test_a_crashing_room_restarts_with_doubling_backoff_then_fails_and_the_table_says_so(tmp_path: Path) -> None:
    engine = ScriptedEngine({"flaky": [(CRASHED, 0.0, True)] * 5, "calm": [(CLEAN, 0.3, True)]})
    states = RoomStates(f"sqlite:///{tmp_path / 'f.db'}", engine.name)
    lines: list[str] = []
    tracks = FleetSupervisor(engine, _rooms("flaky", "calm"), [], _settings(max_restarts=4), states,
                             notify=lines.append).run()
    by = {t.name: t for t in tracks}
    assert [a for n, a, _ in engine.starts if n == "flaky"] == [1, 2, 3, 4, 5]
    waits = [float(m[1]) for line in lines if (m := re.search(r"restart \d of 4 in ([\d.]+) s", line))]
    assert waits == [0.05, 0.1, 0.2, 0.2]  # doubling, capped at backoff_max_s
    starts = [t for n, _, t in engine.starts if n == "flaky"]
    assert all(b - a >= w for a, b, w in zip(starts, starts[1:], waits, strict=False))
    assert (by["flaky"].state, by["flaky"].restarts, by["flaky"].error) == ("failed", 4, "boom 1")
    assert "gave up after 4 restarts" in lines[-1]
    assert by["calm"].state == "ended" and [t.name for t in not_clean(tracks)] == ["flaky"]
    assert db_rows(tmp_path / "f.db", "SELECT name, state, restarts, last_error, engine FROM fleet_rooms ORDER BY name"
                   ) == [("calm", "ended", 0, None, "scripted"), ("flaky", "failed", 4, "boom 1", "scripted")]


def test_backoff_starts_over_after_a_stable_run() -> None:
    engine = ScriptedEngine({"r": [(CRASHED, 0.0, True), (CRASHED, 0.0, True), (CRASHED, 0.35, True),
                                   (CLEAN, 0.0, True)]})
    lines: list[str] = []
    tracks = FleetSupervisor(engine, _rooms("r"), [], _settings(stable_s=0.3), notify=lines.append).run()
    waits = [float(m[1]) for line in lines if (m := re.search(r"in ([\d.]+) s", line))]
    assert waits == [0.05, 0.1, 0.05]  # the third attempt ran past stable_s: back to the first wait
    assert (tracks[0].state, tracks[0].restarts, tracks[0].ok) == ("ended", 3, True)


def test_a_room_that_cannot_start_is_named_once_and_never_restarted() -> None:
    engine = ScriptedEngine({"good": [(CLEAN, 0.1, True)], "bad": [(CANNOT_START, 0.0, True)]})
    problem = RoomProblem("typo", "fleet.yaml", 7, "source: Field required")
    lines: list[str] = []
    tracks = FleetSupervisor(engine, _rooms("good", "bad", "unplaceable"), [problem], _settings(),
                             notify=lines.append).run()
    assert [n for n, _, _ in engine.starts].count("bad") == 1
    assert sorted(t.name for t in not_clean(tracks)) == ["bad", "typo", "unplaceable"]
    assert lines.count("room typo: fleet.yaml:7: source: Field required") == 1
    assert lines.count("room bad: cannot start: boom 2") == 1
    assert lines.count("room unplaceable: cannot start on scripted: no node has 64 CPUs") == 1
    assert {t.name: t.summary()["code"] for t in tracks} == {"good": 0, "bad": 2, "unplaceable": 2, "typo": 2}


def test_stop_ends_running_rooms_cleanly_skips_waiting_restarts_and_kills_a_room_past_its_grace() -> None:
    engine = ScriptedEngine({"obedient": [(None, 0.0, True)], "stubborn": [(None, 0.0, False)],
                             "waiting": [(CRASHED, 0.0, True), (CLEAN, 0.0, True)]})
    sup = FleetSupervisor(engine, _rooms("obedient", "stubborn", "waiting"), [],
                          _settings(backoff_s=30.0, backoff_max_s=30.0, stop_grace_s=0.5))
    asked_at: list[float] = []

    def stop_soon(tracks: list) -> None:
        if not asked_at and any(t.state == "restarting" for t in tracks):
            asked_at.append(time.monotonic())
            sup.request_stop()

    sup.on_tick = stop_soon
    tracks = sup.run()
    done = time.monotonic()
    by = {t.name: t for t in tracks}
    assert {n: t.state for n, t in by.items()} == {"obedient": "stopped", "stubborn": "stopped",
                                                   "waiting": "stopped"}
    assert not not_clean(tracks)  # stopped by the fleet counts as a clean end
    assert [n for n, _, _ in engine.starts].count("waiting") == 1  # not started again once stopping
    stubborn = next(h for h in engine.handles if h.name == "stubborn")
    obedient = next(h for h in engine.handles if h.name == "obedient")
    assert stubborn.stopped and stubborn.killed and obedient.stopped and not obedient.killed
    assert 0.5 <= done - asked_at[0] < 5.0  # waited out the grace, then killed
