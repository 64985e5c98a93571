"""Sessions carry their room (DESIGN §2.7): `report --list`, `--session ROOM`, the restart attempt."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.main import app
from bot.events import Comment, Viewer
from bot.store.writer import StoreWriter

LAN = Viewer("7001", "lan.nguyen", "Lan")


def _rooms_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'rooms.db'}"
    w = StoreWriter(url)
    for room, attempt, text in (("shop-a", 1, "a1"), ("shop-b", 1, "b1"), ("shop-a", 2, "a2")):
        w.start_session(f"replay:{room}.jsonl", room=room, attempt=attempt)
        w.log_event(Comment(t=1.0, user=LAN, text=text))
        w.end_session()
        assert w.flush()
    w.start_session("console")  # a plain `livebot run` without --room
    w.close()
    return url


def test_list_json_names_every_session_with_its_room(tmp_path: Path) -> None:
    url = _rooms_db(tmp_path)
    res = CliRunner().invoke(app, ["report", "--db", url, "--list", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert [(r["id"], r["room"], r["attempt"]) for r in rows] == [(4, None, 1), (3, "shop-a", 2),
                                                                 (2, "shop-b", 1), (1, "shop-a", 1)]
    assert {"id", "room", "source", "started", "ended"} <= rows[0].keys()
    assert rows[1]["source"] == "replay:shop-a.jsonl" and rows[1]["ended"] is not None


def test_session_by_room_name_is_that_rooms_newest(tmp_path: Path) -> None:
    url = _rooms_db(tmp_path)
    res = CliRunner().invoke(app, ["report", "--db", url, "--session", "shop-a", "--format", "json"])
    assert res.exit_code == 0, res.output
    session = json.loads(res.stdout)["session"]
    assert (session["id"], session["room"], session["attempt"]) == (3, "shop-a", 2)
    bad = CliRunner().invoke(app, ["report", "--db", url, "--session", "shop-z"])
    assert bad.exit_code == 1 and "no room 'shop-z'" in bad.output


def test_list_table_marks_restarts(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["report", "--db", _rooms_db(tmp_path), "--list"])
    assert res.exit_code == 0, res.output
    assert "shop-a (restart 1)" in res.stdout and "shop-b" in res.stdout
