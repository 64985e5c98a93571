"""The Ray engine (`livebot fleet run --engine ray`): each room attempt is one Ray actor running `run_room`.

Ray is an optional extra (`livebot[ray]`): only the CLI's `--engine ray` imports this module. Without an
address a private local Ray starts on 127.0.0.1 and is shut down by `close()`; with one, the fleet joins that
cluster and leaves it running. Ray never restarts an actor (`max_restarts=0`): the fleet supervisor does, so
each restart is a new session with attempt+1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import ray
from ray.exceptions import ActorAlreadyExistsError, GetTimeoutError, RayActorError, RayError

from bot.avatar.avatar_spec import AvatarError, read_toml
from bot.config import FLAT_NAMES, FleetSettings, Settings
from bot.fleet.fleet_file import RoomSpec
from bot.fleet.room_run import CRASHED, RoomResult, RoomRun, run_room
from bot.pipeline.show import Show
from bot.store.database import sqlite_path

log = logging.getLogger(__name__)

NAMESPACE = "livebot"
ACTOR_PREFIX = "livebot-room-"
# A local Ray is a stand-in for the local engine: every room runs and the machine's cores are shared, so
# it declares CPUs for this many rooms (Ray's CPUs are only a scheduling count) or the real cores if more.
LOCAL_ROOM_SLOTS = 64
LOCAL_OBJECT_STORE_BYTES = 128 * 2**20  # rooms pass only specs and results through it; Ray's floor is 75 MiB
_SECRET_WORDS = ("KEY", "TOKEN", "PASSWORD", "SECRET")
_RAY_AUTH_LOGGER = "ray._private.authentication.authentication_token_setup"


def actor_name(room: str) -> str:
    """The room's actor in the `livebot` namespace (`ray list actors` shows it)."""
    return ACTOR_PREFIX + room


def settings_env(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The driver's livebot settings variables to hand each room's actor; secrets stay on the nodes.

    Ray keeps a runtime environment in its control store, readable by whoever reaches the cluster, so keys
    and tokens (OPENAI_API_KEY, LIVEBOT_CONTROL_TOKEN, …) are not sent: set them where `ray start` runs."""
    env = os.environ if environ is None else environ
    return {k: v for k, v in env.items()
            if (k.startswith("LIVEBOT_") or k in FLAT_NAMES) and not any(w in k.upper() for w in _SECRET_WORDS)}


def room_gpus(spec: RoomSpec, fleet: FleetSettings, default_avatar: Path) -> float:
    """GPUs a room declares: `room_gpus` for a photoreal avatar (its own, else the default), none for a sprite."""
    if fleet.room_gpus <= 0:
        return 0.0
    try:
        kind = read_toml((spec.avatar or default_avatar) / "avatar.toml").get("kind", "sprite")
    except AvatarError:
        return 0.0  # the room itself names what is wrong with its avatar when it starts
    return fleet.room_gpus if kind == "photoreal" else 0.0


def absolute_db(db: str) -> str:
    """A relative SQLite URL made absolute: an actor's working folder need not be the fleet's."""
    path = sqlite_path(db)
    if path is None or path.is_absolute():
        return db
    return f"sqlite:///{Path(path).resolve()}"


@ray.remote
class RoomActor:
    """One room attempt in its own Ray worker process; threaded (2) so a stop can reach the running show."""

    def __init__(self, room: str) -> None:
        self.room = room
        self._lock = threading.Lock()
        self._stop_asked = False
        self._show: Show | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        handler = logging.StreamHandler()  # the worker's .err file under the node's Ray session logs
        handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s room {room.replace('%', '%%')} "
                                               "%(name)s: %(message)s"))
        logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)

    def run(self, spec: RoomSpec, run: RoomRun) -> RoomResult:
        """The room's whole show; returns how it ended."""
        log.info("room %s attempt %d: actor pid %d", spec.name, run.attempt, os.getpid())
        result = run_room(spec, run, self._on_show)
        log.info("room %s attempt %d ended: code %d %s", spec.name, run.attempt, result.code, result.error or "")
        return result

    def _on_show(self, show: Show) -> None:
        # On the show's loop thread, before the show runs: a stop that came early is applied once it starts.
        with self._lock:
            self._show, self._loop = show, asyncio.get_running_loop()
            early = self._stop_asked
        if early:
            self._loop.call_soon(show.request_stop)

    def request_stop(self) -> None:
        """The clean end (DESIGN §2.5a): the show finishes its line, flushes the store, closes its outputs."""
        with self._lock:
            self._stop_asked = True
            show, loop = self._show, self._loop
        if show is not None and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed: the show has ended anyway
                loop.call_soon_threadsafe(show.request_stop)

    def where(self) -> str:
        """The node and the worker's log file, for a crash report."""
        try:
            err = os.readlink("/proc/self/fd/2")
        except OSError:
            err = f"pid {os.getpid()}"
        return f"{ray.util.get_node_ip_address()}:{err}"


class RayRoomHandle:
    """One attempt of a room as a Ray actor; polled with `ray.wait(timeout=0)`, never blocked on."""

    def __init__(self, name: str, actor: Any, ref: Any, where: Any) -> None:
        self.name = name
        self.actor_name = actor_name(name)
        self._actor, self._ref, self._where = actor, ref, where
        self._t0 = time.monotonic()
        self._done: RoomResult | None = None
        self._killed = False

    def result(self) -> RoomResult | None:
        if self._done is not None:
            return self._done
        ready, _ = ray.wait([self._ref], timeout=0)
        if not ready:
            return None
        try:
            self._done = ray.get(self._ref)
        except RayActorError as exc:  # killed, its worker or node died: the supervisor restarts the room
            self._done = self._crashed(f"Ray actor {self.actor_name} died: {_last_line(exc)}")
        except RayError as exc:
            self._done = self._crashed(f"Ray actor {self.actor_name} failed: {type(exc).__name__}: {_last_line(exc)}")
        self._end_actor()
        return self._done

    def _crashed(self, reason: str) -> RoomResult:
        where = self._where_text()
        return RoomResult(self.name, CRASHED, f"{reason} (log: {where})" if where else reason,
                          wall_s=time.monotonic() - self._t0)

    def _where_text(self) -> str | None:
        try:
            return ray.get(self._where, timeout=0)
        except (RayError, GetTimeoutError):
            return None

    def _end_actor(self) -> None:
        # Its show is over: free the CPUs (and the name) for a restart or another room.
        if not self._killed:
            self._killed = True
            with contextlib.suppress(RayError, ValueError):
                ray.kill(self._actor, no_restart=True)

    def stop(self) -> None:
        if self._done is None and not self._killed:
            with contextlib.suppress(RayError):
                self._actor.request_stop.remote()

    def kill(self) -> None:
        if self._done is None and not self._killed:
            self._killed = True
            with contextlib.suppress(RayError, ValueError):
                ray.kill(self._actor, no_restart=True)


@contextlib.contextmanager
def _loopback_only() -> Iterator[None]:
    """While a local Ray starts: its node is 127.0.0.1 and its servers listen there only.

    On Linux Ray swaps 127.0.0.1 for the machine's address (so other nodes could join) unless told, as on
    macOS, that this is no cluster; the processes it starts keep the setting, the fleet's own process drops it."""
    constants = ray._private.ray_constants
    # Ray reads this variable into ray_constants.ENABLE_RAY_CLUSTER (a Ray name, not one of ours)
    env_before = os.environ.get("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER")
    had = hasattr(constants, "ENABLE_RAY_CLUSTER")
    before = getattr(constants, "ENABLE_RAY_CLUSTER", True)
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    if had:
        constants.ENABLE_RAY_CLUSTER = False
    try:
        yield
    finally:
        if had:
            constants.ENABLE_RAY_CLUSTER = before
        if env_before is None:
            os.environ.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
        else:
            os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = env_before


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Only errors from logger `name` while the block runs."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(before)


def _last_line(exc: BaseException) -> str:
    """Ray's errors are many lines; the last one says why ("…killed by `ray.kill`")."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[-1] if lines else type(exc).__name__


class RayEngine:
    """Rooms as Ray actors, on a local Ray it starts (address None) or on the cluster at `address`."""

    name = "ray"

    def __init__(self, address: str | None, fleet: FleetSettings) -> None:
        self.fleet = fleet
        self.address = address
        self.started_here = False
        if ray.is_initialized():  # this process is already a Ray driver (a notebook, a Ray job): use it
            log.info("ray engine: using this process's Ray connection")
        elif address:
            ray.init(address=address, namespace=NAMESPACE, logging_level=logging.WARNING, log_to_driver=False)
        else:
            self._start_local()

    def _start_local(self) -> None:
        cpus = max(float(os.cpu_count() or 1), self.fleet.room_cpus * LOCAL_ROOM_SLOTS)
        t0 = time.monotonic()
        # Ray warns that a new local Ray uses token auth, its default, as it should: not worth a line.
        with _quiet(_RAY_AUTH_LOGGER), _loopback_only():
            ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False, namespace=NAMESPACE,
                     num_cpus=int(cpus + 0.999), object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                     logging_level=logging.WARNING, log_to_driver=False)
        self.started_here = True
        log.info("ray engine: local Ray on 127.0.0.1 started in %.1f s (%d CPUs declared)",
                 time.monotonic() - t0, int(cpus + 0.999))

    @property
    def lip_sync_host(self) -> str:
        """Loopback for a local Ray; on a cluster this node's address, which every node's rooms can reach."""
        return "127.0.0.1" if self.started_here else ray.util.get_node_ip_address()

    def start(self, spec: RoomSpec, run: RoomRun) -> RayRoomHandle:
        # A room the shared renderer draws needs no GPU of its own (the renderer, beside the fleet, has it).
        gpus = 0.0 if run.lip_sync is not None else room_gpus(spec, self.fleet, Settings().avatar)
        self._check_fits(spec.name, self.fleet.room_cpus, gpus)
        options: dict[str, Any] = {
            "name": actor_name(spec.name), "namespace": NAMESPACE, "num_cpus": self.fleet.room_cpus,
            "num_gpus": gpus, "max_restarts": 0, "max_concurrency": 2,
        }
        env = settings_env()
        if env:
            options["runtime_env"] = {"env_vars": env}
        try:
            actor = RoomActor.options(**options).remote(spec.name)  # type: ignore[attr-defined]
        except ActorAlreadyExistsError:
            raise RuntimeError(f"a room named {spec.name} is already running on this Ray cluster (actor "
                               f"{actor_name(spec.name)} in namespace {NAMESPACE})") from None
        ref = actor.run.remote(spec, replace(run, db=absolute_db(run.db)))
        log.info("room %s attempt %d: Ray actor %s (%g CPU, %g GPU)", spec.name, run.attempt,
                 actor_name(spec.name), self.fleet.room_cpus, gpus)
        return RayRoomHandle(spec.name, actor, ref, actor.where.remote())

    def _check_fits(self, room: str, cpus: float, gpus: float) -> None:
        """A room that no node could ever hold is named now instead of waiting forever to be placed."""
        total = ray.cluster_resources()
        for kind, want in (("CPU", cpus), ("GPU", gpus)):
            have = total.get(kind, 0.0)
            if want <= have:
                continue
            what = f"room {room} needs {want:g} {kind} (room_{kind.lower()}s) and the Ray cluster has {have:g}"
            if self.started_here:  # a local Ray never grows
                raise RuntimeError(what)
            log.warning("%s: it waits until a node that has them joins", what)

    def close(self) -> None:
        """Shut down the local Ray this engine started; a joined cluster (or an outer connection) stays up."""
        if self.started_here and ray.is_initialized():
            ray.shutdown()
            self.started_here = False
