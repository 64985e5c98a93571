"""`--engine ray`: rooms as Ray actors on a real local Ray (127.0.0.1), one instance shared by this module.

Nothing is mocked: the rooms are real replay shows (offline brain, espeak) writing one SQLite file from their
actors' processes; the actor that dies is killed with `ray.kill`; the CLI test joins this module's Ray as a
second driver the way `--ray-address HEAD:6379` joins a cluster.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import FleetSettings
from bot.fleet.fleet_file import RoomSpec
from bot.fleet.room_run import CANNOT_START, CLEAN, CRASHED, RoomResult, RoomRun
from bot.paths import DEFAULT_AVATAR_DIR, SAMPLE_CATALOG
from bot.report.build import build_report
from tests.fleet.fleet_materials import finish, fleet_env, room_by, start_fleet, wait_for, write_event_log, write_fleet

ray = pytest.importorskip("ray", reason="the `ray` extra is not installed (pip install 'livebot[ray]')")

from bot.fleet.ray_engine import (  # noqa: E402 - after the skip: this module imports ray at its top
    NAMESPACE,
    RayEngine,
    RayRoomHandle,
    actor_name,
    room_gpus,
    settings_env,
)


@pytest.fixture(scope="module")
def engine() -> Iterator[RayEngine]:
    """One local Ray for the module (it takes ~10-20 s to start here), started the way `--engine ray` does.

    room_gpus only counts for photoreal rooms: one test asks for more GPUs than any machine has."""
    eng = RayEngine(None, FleetSettings(room_gpus=1000))
    assert eng.started_here and ray.is_initialized()
    assert [n["NodeManagerAddress"] for n in ray.nodes()] == ["127.0.0.1"]  # loopback only
    yield eng
    eng.close()
    assert not ray.is_initialized()


def _spec(tmp_path: Path, name: str, length_s: float, asks: list[str], **kw: object) -> RoomSpec:
    log = write_event_log(tmp_path / f"{name}.jsonl", length_s, asks)
    return RoomSpec(name=name, source=f"replay:{log}", catalog=kw.pop("catalog", SAMPLE_CATALOG), **kw)


def _wait_all(handles: list[RayRoomHandle], timeout: float = 120) -> dict[str, RoomResult]:
    """Poll every handle's `result()` (never blocking) until all have ended."""
    done: dict[str, RoomResult] = {}
    deadline = time.monotonic() + timeout
    while len(done) < len(handles):
        left = {h.name for h in handles} - set(done)
        assert time.monotonic() < deadline, f"rooms still running after {timeout} s: {sorted(left)}"
        for h in handles:
            if h.name not in done and (r := h.result()) is not None:
                done[h.name] = r
        time.sleep(0.1)
    return done


def _sessions(db_file: Path) -> list[tuple[str, int, str | None, int]]:
    """(room, attempt, ended, id) of every session in the shared file."""
    with sqlite3.connect(db_file) as conn:
        return conn.execute("SELECT room, attempt, ended, id FROM sessions ORDER BY id").fetchall()


def _session_open(db_file: Path, room: str) -> bool:
    if not db_file.exists():
        return False
    try:
        return any(r == room for r, *_ in _sessions(db_file))
    except sqlite3.OperationalError:  # the schema is not there yet
        return False


def _answers(db: str, room: str) -> list[tuple[str, str]]:
    report = build_report(db, room)
    assert report["session"]["room"] == room
    return [(r["trigger"]["user"]["nickname"], r["text"]) for r in report["replies"] if r["kind"] == "answer"]


def test_two_replay_rooms_run_as_actors_and_store_their_answered_sessions(engine: RayEngine, tmp_path: Path) -> None:
    db_file = tmp_path / "fleet.db"
    db = f"sqlite:///{db_file}"
    shop_a = _spec(tmp_path, "shop-a", 20, ["red-shirt", "jeans"])
    shop_b = _spec(tmp_path, "shop-b", 20, ["dress"])
    broken = _spec(tmp_path, "broken", 20, ["dress"], catalog=tmp_path / "no-such.csv")
    handles = [engine.start(s, RoomRun(db=db)) for s in (shop_a, shop_b, broken)]
    assert handles[0].actor_name == "livebot-room-shop-a"
    assert ray.get_actor("livebot-room-shop-b", namespace=NAMESPACE) is not None  # named, while it runs
    results = _wait_all(handles)
    for name in ("shop-a", "shop-b"):
        r = results[name]
        assert (r.code, r.error) == (CLEAN, None)
        assert r.session_s >= 20 and r.session_id is not None and r.cpu_s > 0
    assert results["shop-a"].replies["answer"] == 2 and results["shop-b"].replies["answer"] == 1
    assert results["broken"].code == CANNOT_START
    assert results["broken"].error == f"catalog file not found: {tmp_path / 'no-such.csv'}"
    sessions = _sessions(db_file)
    assert sorted((room, attempt) for room, attempt, _, _ in sessions) == [("shop-a", 1), ("shop-b", 1)]
    assert all(ended is not None for _, _, ended, _ in sessions)
    a, b = _answers(db, "shop-a"), _answers(db, "shop-b")
    assert [who for who, _ in a] == ["Lan", "Hoa"] and [who for who, _ in b] == ["Tuấn"]
    assert "áo thun đỏ" in a[0][1] and "199.000đ" in a[0][1]
    assert "quần jean" in a[1][1] and "28" in a[1][1]
    assert "váy hoa" in b[0][1] and "299.000đ" in b[0][1]
    # An ended room's actor is gone, so its name is free for a restart.
    wait_for("the ended actors to be released", lambda: not _named_actor_alive("shop-a"), timeout=10)


def _named_actor_alive(room: str) -> bool:
    try:
        ray.get_actor(actor_name(room), namespace=NAMESPACE)
    except ValueError:
        return False
    return True


def test_an_actor_killed_mid_show_comes_back_crashed_and_its_name_can_start_again(engine: RayEngine,
                                                                                   tmp_path: Path) -> None:
    db_file = tmp_path / "fleet.db"
    db = f"sqlite:///{db_file}"
    spec = _spec(tmp_path, "doomed", 600, ["red-shirt", "jeans", "dress"])
    handle = engine.start(spec, RoomRun(db=db))
    wait_for("the doomed room's session", lambda: _session_open(db_file, "doomed"))
    assert handle.result() is None
    ray.kill(ray.get_actor(actor_name("doomed"), namespace=NAMESPACE))  # from outside, as a dead node would
    result = _wait_all([handle], timeout=30)["doomed"]
    assert result.code == CRASHED
    assert result.error is not None and result.error.startswith("Ray actor livebot-room-doomed died: ")
    assert "ray.kill" in result.error and "worker-" in result.error  # why, and the worker's log file
    [(room, attempt, ended, _)] = _sessions(db_file)
    assert (room, attempt, ended) == ("doomed", 1, None)  # never closed: the supervisor closes it
    # The supervisor's restart: the same name, attempt 2, a session of its own.
    short = _spec(tmp_path, "doomed", 8, ["dress"])
    again = _wait_all([engine.start(short, RoomRun(db=db, attempt=2))])["doomed"]
    assert again.code == CLEAN
    assert [(r, a) for r, a, _, _ in _sessions(db_file)] == [("doomed", 1), ("doomed", 2)]


def test_stop_ends_a_room_the_clean_way_before_and_during_its_show(engine: RayEngine, tmp_path: Path) -> None:
    db_file = tmp_path / "fleet.db"
    db = f"sqlite:///{db_file}"
    early = engine.start(_spec(tmp_path, "early", 600, ["red-shirt"]), RoomRun(db=db))
    early.stop()  # most likely still building its show: the stop waits for it
    mid = engine.start(_spec(tmp_path, "mid", 600, ["red-shirt", "jeans", "dress"]), RoomRun(db=db))
    wait_for("the mid room's session", lambda: _session_open(db_file, "mid"))
    with pytest.raises(RuntimeError, match="^a room named mid is already running on this Ray cluster"):
        engine.start(_spec(tmp_path, "mid", 8, ["dress"]), RoomRun(db=db))  # another fleet, the same room
    mid.stop()
    results = _wait_all([early, mid], timeout=60)
    for name in ("early", "mid"):
        assert (results[name].code, results[name].error) == (CLEAN, None)
    assert results["early"].session_s < 5  # stopped as its show began
    assert 0 < results["mid"].session_s < 300  # it ended on the stop, not at the log's end (600 s)
    sessions = _sessions(db_file)
    assert sorted(r for r, *_ in sessions) == ["early", "mid"]
    assert all(ended is not None for _, _, ended, _ in sessions)  # store flushed, session closed


def test_the_fleets_settings_reach_the_rooms_but_secrets_stay_home(engine: RayEngine, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # Set after this module's Ray started, so only the actor's runtime env can carry it to the room.
    monkeypatch.setenv("LIVEBOT_TTS", "no-such-tts")
    result = _wait_all([engine.start(_spec(tmp_path, "voiceless", 8, ["dress"]),
                                     RoomRun(db=f"sqlite:///{tmp_path / 'f.db'}"))])["voiceless"]
    assert result.code == CANNOT_START and result.error is not None and "no-such-tts" in result.error
    env = settings_env({"LIVEBOT_TTS": "espeak", "LIVEBOT_FLEET__ROOM_CPUS": "2", "OPENAI_BASE_URL": "http://h",
                        "OPENAI_API_KEY": "sk-x", "LIVEBOT_CONTROL_TOKEN": "t", "LIVEBOT_DASHBOARD_TOKEN": "d",
                        "HOME": "/root"})
    assert env == {"LIVEBOT_TTS": "espeak", "LIVEBOT_FLEET__ROOM_CPUS": "2", "OPENAI_BASE_URL": "http://h"}


def test_a_photoreal_room_declares_gpus_and_one_that_no_node_can_hold_is_refused(engine: RayEngine,
                                                                                  tmp_path: Path) -> None:
    real, sprite = tmp_path / "real", tmp_path / "sprite"
    for folder, kind in ((real, "photoreal"), (sprite, "sprite")):
        folder.mkdir()
        (folder / "avatar.toml").write_text(f'kind = "{kind}"\n', encoding="utf-8")
    fleet = engine.fleet
    assert room_gpus(_spec(tmp_path, "r", 8, [], avatar=real), fleet, sprite) == 1000
    assert room_gpus(_spec(tmp_path, "s", 8, [], avatar=sprite), fleet, real) == 0
    assert room_gpus(_spec(tmp_path, "n", 8, []), fleet, DEFAULT_AVATAR_DIR) == 0  # the bundled sprite
    assert room_gpus(_spec(tmp_path, "n", 8, []), fleet, real) == 1000  # LIVEBOT_AVATAR: a photoreal default
    assert room_gpus(_spec(tmp_path, "r", 8, [], avatar=real), FleetSettings(), sprite) == 0
    assert room_gpus(_spec(tmp_path, "x", 8, [], avatar=tmp_path / "none"), fleet, sprite) == 0  # it says why
    with pytest.raises(RuntimeError, match=r"^room r needs 1000 GPU \(room_gpus\) and the Ray cluster has \d+$"):
        engine.start(_spec(tmp_path, "r", 8, [], avatar=real), RoomRun(db=f"sqlite:///{tmp_path / 'f.db'}"))
    assert not _named_actor_alive("r")  # refused before any actor was made


def test_an_engine_made_inside_a_ray_driver_uses_its_connection_and_leaves_it_up(engine: RayEngine) -> None:
    inner = RayEngine(None, FleetSettings())
    assert not inner.started_here
    inner.close()
    assert ray.is_initialized()


def _joining_env() -> dict[str, str]:
    """`livebot fleet`'s environment to join this module's Ray: its token, and its loopback-only address kept.

    Ray's token (in ~/.ray) guards the cluster; a Ray that is told this machine is no cluster (Ray's own
    switch) keeps 127.0.0.1 instead of swapping in the machine's address, where this private Ray never listens."""
    return fleet_env(RAY_AUTH_MODE="token", RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0")


def test_fleet_run_with_engine_ray_joins_a_cluster_and_runs_two_rooms(engine: RayEngine, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "north", "source": f"replay:{write_event_log(tmp_path / 'n.jsonl', 20, ['red-shirt'])}"},
        {"name": "south", "source": f"replay:{write_event_log(tmp_path / 's.jsonl', 20, ['dress'])}"},
    ])
    db_file = tmp_path / "fleet.db"
    head = ray.get_runtime_context().gcs_address  # 127.0.0.1:PORT, what `ray start --head` prints
    env = _joining_env()
    code, summary, err = finish(start_fleet(fleet, f"sqlite:///{db_file}", "--fast", "--engine", "ray",
                                            "--ray-address", head, env=env))
    assert code == 0, err
    assert summary is not None and summary["ok"] is True
    rooms = room_by(summary["rooms"])
    assert {n: r["state"] for n, r in rooms.items()} == {"north": "ended", "south": "ended"}
    assert rooms["north"]["replies"]["answer"] == rooms["south"]["replies"]["answer"] == 1
    assert sorted((r, a) for r, a, ended, _ in _sessions(db_file) if ended) == [("north", 1), ("south", 1)]
    with sqlite3.connect(db_file) as conn:
        assert sorted(conn.execute("SELECT name, engine, state FROM fleet_rooms")) == [
            ("north", "ray", "ended"), ("south", "ray", "ended")]
    assert ray.is_initialized()  # the fleet left the cluster it joined running


def test_sigterm_to_a_ray_fleet_ends_its_rooms_the_clean_way(engine: RayEngine, tmp_path: Path) -> None:
    fleet = write_fleet(tmp_path / "fleet.yaml", [
        {"name": "long", "source": f"replay:{write_event_log(tmp_path / 'l.jsonl', 600, ['red-shirt', 'dress'])}"},
    ])
    db_file = tmp_path / "fleet.db"
    proc = start_fleet(fleet, f"sqlite:///{db_file}", "--fast", "--engine", "ray",
                       "--ray-address", ray.get_runtime_context().gcs_address, env=_joining_env())
    wait_for("the long room's session", lambda: _session_open(db_file, "long"))
    proc.send_signal(signal.SIGTERM)
    code, summary, err = finish(proc, timeout=60)
    assert code == 0, err
    assert summary is not None and room_by(summary["rooms"])["long"]["state"] == "stopped"
    assert 0 < summary["rooms"][0]["session_s"] < 300  # ended on the signal, not at the log's end
    [(room, attempt, ended, _)] = _sessions(db_file)
    assert (room, attempt) == ("long", 1) and ended is not None  # the room closed its own session
