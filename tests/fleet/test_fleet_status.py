"""`livebot fleet status` reads the database alone: a running room whose supervisor stopped writing is called
stale, viewers fall back to the distinct viewers seen when the platform sent no count, orders are counted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from bot.cli.main import app
from bot.events import Comment, Purchase, Viewer
from bot.fleet.room_states import RoomStates
from bot.store.tables import FleetRoomRow
from bot.store.writer import StoreWriter


def _db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'f.db'}"
    w = StoreWriter(url)
    sid = w.start_session("replay:quiet.jsonl", room="quiet")
    for i, name in enumerate(("Lan", "Hoa", "Lan")):
        w.log_event(Comment(t=1.0 + i, user=Viewer(f"70{len(name)}{name}", name.lower(), name), text="chào shop"))
    w.log_event(Purchase(t=5.0, user=Viewer("703Lan", "lan", "Lan"), sku="AO-DO-01", quantity=1))
    assert w.flush()
    w.close()
    states = RoomStates(url, "local")
    now = datetime.now(UTC)
    states.write("quiet", "running", started=now - timedelta(minutes=5), restarts=1, last_error="killed by SIGKILL",
                 session_id=sid)
    states.write("gone", "running", started=now - timedelta(minutes=9), restarts=0, last_error=None, session_id=None)
    rooms = FleetRoomRow.__table__  # type: ignore[attr-defined]
    with states.engine.begin() as conn:  # the supervisor of "gone" died a minute ago: no heartbeat since
        conn.execute(update(rooms).where(rooms.c.name == "gone").values(updated=now - timedelta(minutes=1)))
    states.close()
    return url


def test_status_names_stale_rooms_and_counts_from_the_database(tmp_path: Path) -> None:
    url = _db(tmp_path)
    runner = CliRunner()
    res = runner.invoke(app, ["fleet", "status", "--db", url, "--format", "json"])
    assert res.exit_code == 0, res.output
    rooms = {r["name"]: r for r in json.loads(res.stdout)["rooms"]}
    quiet, gone = rooms["quiet"], rooms["gone"]
    assert (quiet["state"], quiet["stale"], quiet["restarts"], quiet["last_error"]) == ("running", False, 1,
                                                                                     "killed by SIGKILL")
    assert quiet["viewers"] == 2 and quiet["orders"] == 1 and quiet["replies"] == 0  # Lan and Hoa; no count sent
    assert 290 <= quiet["uptime_s"] <= 400
    assert (gone["state"], gone["stale"], gone["session_id"], gone["viewers"]) == ("running", True, None, None)
    assert 470 <= gone["uptime_s"] <= 490  # up to its last heartbeat, not counting on since
    table = runner.invoke(app, ["fleet", "status", "--db", url])
    assert table.exit_code == 0 and "no heartbeat since" in table.stdout and table.stdout.count("running") == 2


def test_status_without_a_database_or_rooms_says_so_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["fleet", "status", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert missing.exit_code == 2 and missing.output.count("\n") == 1 and "no database at" in missing.output
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    StoreWriter(url).close()
    empty = runner.invoke(app, ["fleet", "status", "--db", url])
    assert empty.exit_code == 0 and "no fleet rooms in this database yet" in empty.output
    bad = runner.invoke(app, ["fleet", "status", "--db", url, "--format", "csv"])
    assert bad.exit_code == 2 and "--format must be one of table, json" in bad.output
