"""SIGTERM to `livebot fleet run` ends every room the clean way (DESIGN §2.5a): each room finishes its line,
its session is marked ended, the fleet exits 0 and every room reads `stopped`; a supervisor killed outright
leaves no room behind. Real processes, real signals."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import psutil
import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from tests.fleet.fleet_materials import db_rows, finish, room_by, start_fleet, wait_for, write_event_log, write_fleet

LENGTH_S = 40.0


def test_sigterm_to_the_fleet_stops_every_room_cleanly(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "east", "source": f"replay:{write_event_log(tmp_path / 'e.jsonl', LENGTH_S, ['red-shirt'])}"},
        {"name": "west", "source": f"replay:{write_event_log(tmp_path / 'w.jsonl', LENGTH_S, ['dress'])}"},
    ])
    db_file = tmp_path / "fleet.db"
    proc = start_fleet(fleet, f"sqlite:///{db_file}", "--realtime")
    try:
        wait_for("both rooms to be running", lambda: db_rows(
            db_file, "SELECT count(*) FROM fleet_rooms WHERE state='running'") == [(2,)])
        assert db_rows(db_file, "SELECT count(*) FROM sessions WHERE ended IS NULL") == [(2,)]
        proc.send_signal(signal.SIGTERM)
    finally:
        code, summary, err = finish(proc)
    assert code == 0, err
    assert summary is not None and summary["ok"] is True
    assert "fleet: stopping 2 rooms" in err
    rooms = room_by(summary["rooms"])
    for name in ("east", "west"):
        r = rooms[name]
        assert (r["state"], r["code"], r["restarts"], r["error"]) == ("stopped", 0, 0, None), err
        assert 0 < r["session_s"] < LENGTH_S  # ended early, by the signal, not by the log's end
    sessions = db_rows(db_file, "SELECT room, ended FROM sessions ORDER BY room")
    assert [s[0] for s in sessions] == ["east", "west"] and all(s[1] is not None for s in sessions)
    assert db_rows(db_file, "SELECT name, state FROM fleet_rooms ORDER BY name") == [("east", "stopped"),
                                                                                   ("west", "stopped")]


def test_a_killed_supervisor_leaves_no_room_running_and_status_calls_it_stale(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "orphan", "source": f"replay:{write_event_log(tmp_path / 'o.jsonl', LENGTH_S, ['jeans'])}"}])
    db_file = tmp_path / "fleet.db"
    proc = start_fleet(fleet, f"sqlite:///{db_file}", "--realtime")
    try:
        wait_for("the room to be running", lambda: db_rows(
            db_file, "SELECT state FROM fleet_rooms WHERE name='orphan'") == [("running",)])
        # rooms are forked by the fleet's fork server (a child of the supervisor, as is the resource tracker)
        rooms = [p for p in psutil.Process(proc.pid).children(recursive=True) if p.ppid() != proc.pid]
        assert len(rooms) == 1
        proc.kill()  # the supervisor dies without a word: the kernel sends its room SIGTERM, the clean end
    finally:
        proc.communicate(timeout=30)
    _, alive = psutil.wait_procs(rooms, timeout=40)
    assert not alive
    assert db_rows(db_file, "SELECT count(*) FROM sessions WHERE room='orphan' AND ended IS NOT NULL") == [(1,)]
    assert "supervisor is gone" in (tmp_path / "fleet-logs" / "orphan.log").read_text(encoding="utf-8")
    monkeypatch.setenv("LIVEBOT_FLEET__HEARTBEAT_S", "0.5")  # as the fleet wrote: stale after 5 x 0.5 s

    def status() -> dict[str, Any]:
        res = CliRunner().invoke(app, ["fleet", "status", "--db", f"sqlite:///{db_file}", "--format", "json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)["rooms"][0]

    row = wait_for("fleet status to call the room stale", lambda: (r := status())["stale"] and r, every=0.5)
    assert (row["name"], row["state"]) == ("orphan", "running")
