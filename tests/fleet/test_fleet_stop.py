"""SIGTERM to `livebot fleet run` ends every room the clean way (DESIGN §2.5a): each room finishes its line,
its session is marked ended, the fleet exits 0 and every room reads `stopped`. Real processes, a real signal."""

from __future__ import annotations

import signal
from pathlib import Path

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
