"""`livebot fleet run` with photoreal rooms: one shared lip-sync renderer process serves the rooms whose
avatars name one checkpoint, and a room whose checkpoint is missing is named without stopping the others.

Real parts: avatars prepared from a real H.264 clip, the slim Wav2Lip-layout generator on CPU, real room
processes, the renderer in its own process on 127.0.0.1, the offline brain answering short replays.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
from pathlib import Path

import pytest
from conftest import STAGE_H, STAGE_W

from bot.avatar.photoreal.lip_sync_wire import SharedLipSyncSettings
from bot.fleet.fleet_file import RoomSpec
from bot.fleet.fleet_lip_sync import FleetLipSync
from tests.fleet.fleet_materials import finish, fleet_env, room_by, start_fleet, write_event_log, write_fleet

pytest.importorskip("torch", reason="torch (the neural extra) is not installed")


def test_two_photoreal_rooms_share_one_renderer_and_a_room_without_its_checkpoint_is_named(
        avatar_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    missing = tmp_path / "no-model"
    shutil.copytree(avatar_dirs[0], missing)
    toml = missing / "avatar.toml"
    toml.write_text(re.sub(r'(?m)^checkpoint = ".*"$', 'checkpoint = "nowhere.pth"', toml.read_text()))
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "a", "avatar": str(avatar_dirs[0]),
         "source": f"replay:{write_event_log(tmp_path / 'a.jsonl', 14, ['red-shirt'])}"},
        {"name": "b", "avatar": str(avatar_dirs[1]),
         "source": f"replay:{write_event_log(tmp_path / 'b.jsonl', 14, ['dress'])}"},
        {"name": "c", "avatar": str(missing), "source": "replay:a.jsonl"},
    ])
    env = fleet_env(LIVEBOT_WIDTH=str(STAGE_W), LIVEBOT_HEIGHT=str(STAGE_H))
    code, summary, err = finish(start_fleet(fleet, f"sqlite:///{tmp_path / 'fleet.db'}", "--fast", env=env),
                                timeout=240)
    assert code == 1, err
    assert summary is not None and summary["ok"] is False
    rooms = room_by(summary["rooms"])
    assert rooms["c"]["state"] == "failed" and rooms["c"]["restarts"] == 0, err
    assert err.count("room c: cannot start") == 1 and "nowhere.pth" in err and "Traceback" not in err
    for name in ("a", "b"):
        assert rooms[name]["state"] == "ended" and rooms[name]["code"] == 0, err
        assert rooms[name]["replies"]["answer"] == 1
    started = [line for line in err.splitlines() if "shared lip-sync renderer at" in line]
    assert len(started) == 1 and started[0].endswith(f"for a, b; its log: {tmp_path / 'fleet-logs' / 'lip-sync.log'}")
    assert re.search(r"lip-sync renderer drew [1-9]\d* faces in \d+ batches", err), err
    log = (tmp_path / "fleet-logs" / "lip-sync.log").read_text(encoding="utf-8")
    assert "room a joined" in log and "room b joined" in log, log
    served = re.search(r"served (\d+) faces in \d+ batches \((\d+) mixing avatars\)", log)
    assert served is not None and int(served.group(1)) > 0 and int(served.group(2)) > 0, log  # a's and b's faces
    for name in ("a", "b"):  # no room loaded a model of its own (room c did, to find its checkpoint missing)
        room_log = (tmp_path / "fleet-logs" / f"{name}.log").read_text(encoding="utf-8")
        assert "lip-sync runs on CPU" not in room_log and "is gone" not in room_log, room_log
    assert "lip-sync runs on CPU" in (tmp_path / "fleet-logs" / "c.log").read_text(encoding="utf-8")


def test_a_renderer_that_dies_is_started_again_at_its_address_until_the_restarts_run_out(
        avatar_dirs: tuple[Path, Path], tmp_path: Path) -> None:
    lines: list[str] = []
    rooms = [RoomSpec(name="a", source="replay:x", catalog=tmp_path / "c.csv", avatar=avatar_dirs[0]),
             RoomSpec(name="b", source="replay:x", catalog=tmp_path / "c.csv", avatar=avatar_dirs[1]),
             RoomSpec(name="plain", source="replay:x", catalog=tmp_path / "c.csv")]
    fleet = FleetLipSync(SharedLipSyncSettings(), max_restarts=1, notify=lines.append)
    fleet.start(rooms, Path("avatars/default"), "127.0.0.1", tmp_path / "logs")
    try:
        a, b = fleet.for_room("a"), fleet.for_room("b")
        assert a is not None and a == b and a.shared_renderer and a.authkey is not None
        assert fleet.for_room("plain") is None  # the sprite room draws itself
        (handle,) = fleet._handles.values()
        os.kill(handle.pid, signal.SIGKILL)
        handle.process.join(10)
        fleet.keep_up()
        (again,) = fleet._handles.values()
        assert again.alive() and again.pid != handle.pid and again.address == a.shared_renderer
        assert again.authkey == handle.authkey  # the rooms' links reconnect with what they hold
        assert lines[-1] == f"fleet: the shared lip-sync renderer at {a.shared_renderer} died (exit -9); starting it again"
        os.kill(again.pid, signal.SIGKILL)
        again.process.join(10)
        fleet.keep_up()
        fleet.keep_up()  # given up: said once
        assert lines[-1].endswith("died 2 times; its rooms show their sprite avatar from now on")
        assert sum("died 2 times" in line for line in lines) == 1
    finally:
        fleet.stop()


def test_ray_rooms_reach_the_fleets_renderer_and_ask_for_no_gpu(avatar_dirs: tuple[Path, Path],
                                                                  tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the `ray` extra is not installed (pip install 'livebot[ray]')")
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": name, "avatar": str(folder), "source": f"replay:{write_event_log(tmp_path / f'{name}.jsonl', 12, [ask])}"}
        for name, folder, ask in (("a", avatar_dirs[0], "red-shirt"), ("b", avatar_dirs[1], "dress"))])
    # room_gpus would keep a photoreal room that loads its own model off this GPU-less machine: served, it asks none
    env = fleet_env(LIVEBOT_WIDTH=str(STAGE_W), LIVEBOT_HEIGHT=str(STAGE_H), LIVEBOT_FLEET__ROOM_GPUS="1")
    code, summary, err = finish(start_fleet(fleet, f"sqlite:///{tmp_path / 'fleet.db'}", "--fast", "--engine", "ray",
                                            env=env), timeout=240)
    assert code == 0, err
    assert summary is not None and {r["name"]: r["state"] for r in summary["rooms"]} == {"a": "ended", "b": "ended"}
    assert all(r["replies"]["answer"] == 1 for r in summary["rooms"])
    assert "shared lip-sync renderer at 127.0.0.1:" in err and "for a, b" in err
    log = (tmp_path / "fleet-logs" / "lip-sync.log").read_text(encoding="utf-8")
    assert "room a joined" in log and "room b joined" in log, log
    served = re.search(r"served (\d+) faces", log)
    assert served is not None and int(served.group(1)) > 0, log
