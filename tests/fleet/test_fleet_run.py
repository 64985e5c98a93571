"""`livebot fleet run` end to end on the local engine: real room processes, one shared SQLite file, the offline
brain answering short replays; a broken room is named while the others finish, and the exit status says so."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app
from bot.report.build import build_report
from tests.fleet.fleet_materials import finish, room_by, start_fleet, write_event_log, write_fleet


def _answers(db: str, room: str) -> list[tuple[str, str]]:
    """(asking viewer's nickname, spoken text) of each answer in the room's newest session."""
    report = build_report(db, room)
    assert report["session"]["room"] == room
    return [(r["trigger"]["user"]["nickname"], r["text"]) for r in report["replies"] if r["kind"] == "answer"]


def test_a_broken_room_is_named_while_the_others_finish_with_their_answers(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "shop-a", "source": f"replay:{write_event_log(tmp_path / 'a.jsonl', 22, ['red-shirt', 'jeans'])}"},
        {"name": "shop-b", "source": f"replay:{write_event_log(tmp_path / 'b.jsonl', 22, ['dress', 'linen'])}"},
        {"name": "broken", "source": "replay:a.jsonl", "catalog": "no-such-catalog.csv"},
        {"name": "sourceless", "catalog": "no-such-catalog.csv"},
    ])
    db = f"sqlite:///{tmp_path / 'fleet.db'}"
    code, summary, err = finish(start_fleet(fleet, db))
    assert code == 1, err
    assert summary is not None and summary["ok"] is False
    rooms = room_by(summary["rooms"])
    assert rooms["shop-a"]["state"] == rooms["shop-b"]["state"] == "ended", err
    assert rooms["broken"]["state"] == "failed" and rooms["broken"]["restarts"] == 0  # never restarted
    assert f"room broken: cannot start: catalog file not found: {tmp_path / 'no-such-catalog.csv'}" in err
    assert f"room sourceless: {fleet}:" in err and "source: Field required" in err  # the file's line, named
    assert err.strip().splitlines()[-1].endswith("did not end cleanly: broken (failed), sourceless (failed)")
    for name in ("shop-a", "shop-b"):
        r = rooms[name]
        assert r["code"] == 0 and r["error"] is None and len(r["session_ids"]) == 1
        assert r["session_s"] >= 22 and r["replies"]["answer"] == 2 and r["latency_p50_ms"] is not None
        assert r["wall_s"] > 0 and r["cpu_s"] > 0 and r["peak_rss_mb"] > 50
    a, b = _answers(db, "shop-a"), _answers(db, "shop-b")
    assert [who for who, _ in a] == ["Lan", "Hoa"] and [who for who, _ in b] == ["Tuấn", "Minh"]
    assert "Lan" in a[0][1] and "áo thun đỏ" in a[0][1] and "199.000đ" in a[0][1]
    assert "Hoa" in a[1][1] and "quần jean" in a[1][1] and "28" in a[1][1]
    assert "Tuấn" in b[0][1] and "váy hoa" in b[0][1] and "299.000đ" in b[0][1]
    assert "Minh" in b[1][1] and "sơ mi" in b[1][1]
    assert (tmp_path / "fleet-logs" / "broken.log").read_text(encoding="utf-8").count("catalog file not found") == 1


def test_two_good_rooms_exit_0_and_show_in_the_list_and_the_fleet_status(tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "north", "source": f"replay:{write_event_log(tmp_path / 'n.jsonl', 20, ['red-shirt'], 40)}"},
        {"name": "south", "source": f"replay:{write_event_log(tmp_path / 's.jsonl', 20, ['dress'], 25)}"},
    ])
    db = f"sqlite:///{tmp_path / 'fleet.db'}"
    code, summary, err = finish(start_fleet(fleet, db, "--fast"))
    assert code == 0, err
    assert summary is not None and summary["ok"] is True
    assert {r["name"]: r["state"] for r in summary["rooms"]} == {"north": "ended", "south": "ended"}
    runner = CliRunner()  # the read-only commands in this process: the same code, without a start-up each
    listed = runner.invoke(app, ["report", "--db", db, "--list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    sessions = json.loads(listed.stdout)
    assert sorted(s["room"] for s in sessions) == ["north", "south"]
    assert all(s["ended"] is not None and s["attempt"] == 1 for s in sessions)
    status = runner.invoke(app, ["fleet", "status", "--db", db, "--format", "json"])
    assert status.exit_code == 0, status.output
    rows = room_by(json.loads(status.stdout)["rooms"])
    assert set(rows) == {"north", "south"}
    ids = {s["room"]: s["id"] for s in sessions}
    for name, viewers in (("north", 40), ("south", 25)):
        row = rows[name]
        assert (row["state"], row["stale"], row["restarts"], row["engine"]) == ("ended", False, 0, "local")
        assert row["session_id"] == ids[name] and row["viewers"] == viewers  # the newest viewers count
        assert row["replies"] == sum(room_by(summary["rooms"])[name]["replies"].values())
        assert row["latency_p50_ms"] == room_by(summary["rooms"])[name]["latency_p50_ms"]
        assert row["orders"] == 0 and row["last_error"] is None and row["uptime_s"] > 0
    table = runner.invoke(app, ["fleet", "status", "--db", db])
    assert table.exit_code == 0 and "north" in table.stdout and "south" in table.stdout
    assert table.stdout.count("ended") == 2


def test_a_bad_fleet_file_is_one_line_naming_the_file(tmp_path: Path) -> None:
    runner = CliRunner()
    cases = {"not-yaml.yaml": "rooms: [unclosed\n  - name: x: y\n", "no-rooms.yaml": "shops: []\n",
             "empty-rooms.yaml": "rooms: []\n"}
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        res = runner.invoke(app, ["fleet", "run", str(path), "--db", f"sqlite:///{tmp_path / 'x.db'}"])
        assert res.exit_code == 2, (name, res.output)
        lines = res.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and str(path) in lines[0], (name, res.output)
        assert "Traceback" not in res.output
    missing = runner.invoke(app, ["fleet", "run", str(tmp_path / "nowhere.yaml")])
    assert missing.exit_code == 2 and f"fleet file not found: {tmp_path / 'nowhere.yaml'}" in missing.output
    both = runner.invoke(app, ["fleet", "run", str(tmp_path / "no-rooms.yaml"), "--fast", "--realtime"])
    assert both.exit_code == 2 and "choose one of --realtime and --fast" in both.output
    engine = runner.invoke(app, ["fleet", "run", str(tmp_path / "no-rooms.yaml"), "--engine", "k8s"])
    assert engine.exit_code == 2 and "--engine must be one of local, ray" in engine.output
    assert not (tmp_path / "x.db").exists()  # nothing was started, not even the database
