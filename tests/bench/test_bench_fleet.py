"""bench_fleet's session slice, generated fleet file, per-room figures and a real two-room fleet (behaviour only)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.bench_fleet import FleetRun, aims, figures, markdown, measure, run_fleet, slice_log, write_fleet
from bot.fleet.fleet_file import load_fleet_file

SESSION = Path(__file__).resolve().parents[2] / "samples" / "session.jsonl"


def test_a_slice_is_the_start_of_the_log_ended_by_live_end(tmp_path: Path) -> None:
    lines = slice_log(SESSION, 100.0, tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()
    source = SESSION.read_text(encoding="utf-8").splitlines()
    assert lines[:-1] == source[:len(lines) - 1]  # the log's own lines, in order, broken one included
    assert json.loads(lines[-1]) == {"t": 100.0, "type": "live_end"}
    events = []
    for line in lines[:-1]:
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    assert len(events) == len(lines) - 2  # the sample's one broken line (t 60.5) is kept for the show to skip
    assert all(e["t"] < 100.0 and e["type"] != "live_end" for e in events)
    later = [json.loads(line) for line in source[len(lines) - 1:] if line.startswith('{"t": 1')]
    assert later and all(e["t"] >= 100.0 for e in later)  # nothing before the cut was left out


def test_the_fleet_file_has_n_rooms_each_with_its_own_output(tmp_path: Path) -> None:
    log = slice_log(SESSION, 20.0, tmp_path / "session.jsonl")
    fleet = load_fleet_file(write_fleet(tmp_path, 3, "mp4", log))
    assert not fleet.problems
    assert [r.name for r in fleet.rooms] == ["room1", "room2", "room3"]
    assert [r.output for r in fleet.rooms] == [[str(tmp_path.resolve() / f"room{i}.mp4")] for i in (1, 2, 3)]
    assert {r.source for r in fleet.rooms} == {f"replay:{tmp_path.resolve() / 'session.jsonl'}"}
    assert all(r.catalog.is_file() for r in fleet.rooms)
    none = load_fleet_file(write_fleet(tmp_path, 2, "none", log))
    assert [r.output for r in none.rooms] == [["none"], ["none"]]


def _room(name: str, session_s: float, cpu_s: float, rss: float, error: str | None = None) -> dict:
    return {"name": name, "ok": error is None, "session_s": session_s, "wall_s": 5.0, "cpu_s": cpu_s,
            "peak_rss_mb": rss, "restarts": 0, "error": error}


def test_figures_per_room_and_the_aims() -> None:
    run = FleetRun(wall_s=20.0, cpu_s=40.0, tree_peak_pss_mb=1000.0,
                   rooms=[_room(f"room{i}", 60.0, 8.0, 250.0 + i) for i in range(1, 5)])
    row = figures(4, "mp4", run, cores=2)
    assert row["session_s"] == 240.0 and row["realtime_factor"] == 12.0
    assert row["cores_used"] == 2.0 and row["cpu_s_per_room"] == 10.0 and row["room_cpu_s_per_room"] == 8.0
    assert row["rt_rooms_per_core"] == 6.0  # 240 session s / 40 CPU s
    assert row["rt_rooms_per_core_show"] == 7.5  # 240 / (4 × 8) the rooms' own CPU
    assert row["rt_rooms_per_core_given"] == 6.0  # 12 / min(4, 2 cores)
    assert row["peak_rss_mb_per_room"] == 254.0 and row["tree_pss_mb_per_room"] == 250.0
    assert row["ok"] and row["failed"] == 0 and row["errors"] == []
    assert aims([row]).count(": met") == 2
    heavy = figures(1, "mp4", FleetRun(10.0, 30.0, 400.0, [_room("room1", 60.0, 29.0, 400.0)]), cores=2)
    assert aims([heavy]).count("NOT met") == 2  # 2 RT rooms per core, 400 MB
    broken = figures(2, "none", FleetRun(10.0, 10.0, 500.0, [_room("room1", 60.0, 5.0, 250.0),
                                                              _room("room2", 0.0, 1.0, 90.0, "catalog missing")],
                                         ok=False), cores=2)
    assert broken["failed"] == 1 and broken["errors"] == ["room2: catalog missing"]
    result = {"commit": "abc", "generated": "now", "session_s": 60.0,
              "machine": {"cores": 2, "load_before": 1.5}, "rows": [row, broken]}
    text = markdown(result)
    assert "| 4 | mp4 |" in text and "| 2 | none |" in text and "noisy" in text
    assert "room2: catalog missing" in text


def test_two_rooms_through_the_real_fleet() -> None:
    rows = measure((2,), ("none",), 8.0, progress=False)
    (row,) = rows
    assert row["ok"] and row["failed"] == 0, row["errors"]
    assert row["session_s"] >= 2 * 8.0  # both rooms rendered their whole slice
    assert row["cpu_s_per_room"] > 0 and row["wall_s"] > 0
    assert 50 < row["peak_rss_mb_per_room"] < 4000 and row["tree_pss_mb_per_room"] > 50


def test_an_mp4_room_writes_its_video(tmp_path: Path) -> None:
    log = slice_log(SESSION, 4.0, tmp_path / "session.jsonl")
    run = run_fleet(write_fleet(tmp_path, 1, "mp4", log), f"sqlite:///{tmp_path / 'fleet.db'}")
    assert run.ok and run.rooms[0]["session_s"] >= 4.0
    assert (tmp_path / "room1.mp4").stat().st_size > 10_000


def test_a_fleet_that_cannot_start_is_a_failed_row_naming_why(tmp_path: Path) -> None:
    bad = tmp_path / "FLEET.yaml"
    bad.write_text("rooms: []\n", encoding="utf-8")
    run = run_fleet(bad, f"sqlite:///{tmp_path / 'fleet.db'}")
    assert not run.ok and run.rooms == []
    row = figures(2, "none", run, cores=2)
    assert row["failed"] == 2 and not row["ok"]
    assert "needs a `rooms:` list" in row["errors"][0]
