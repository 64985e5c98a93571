"""Start the shared lip-sync renderer in its own process; the fleet holds the handle and stops it at the end.

The child is started with `spawn` (torch and CUDA do not survive a fork of a threaded parent) and
serves until the handle stops it or the parent's end of the control pipe closes, so a crashed fleet
never leaves a renderer holding the GPU.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from bot.avatar.avatar_spec import AvatarError, read_toml
from bot.avatar.photoreal.errors import PhotorealError
from bot.avatar.photoreal.lip_sync import LipSyncModel
from bot.avatar.photoreal.lip_sync_wire import (
    ADDRESS_ENV,
    AUTHKEY_ENV,
    RendererStats,
    SharedLipSyncSettings,
    parse_address,
)
from bot.avatar.photoreal.photoreal_renderer import checkpoint_of
from bot.avatar.photoreal.shared_lip_sync import SharedLipSyncServer

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0  # loading torch and a 145 MB checkpoint, maybe onto a GPU


@dataclass(frozen=True, slots=True)
class RendererSpec:
    """What the renderer process loads and how it batches (picklable: it crosses to the child)."""

    checkpoint: Path
    device: str = "auto"
    precision: str = "auto"
    trusted: bool = False
    listen: str = "127.0.0.1:0"
    max_batch: int = 32
    max_wait_s: float = 0.008
    log_file: str | None = None  # where the renderer logs (the fleet's log folder); None: the parent's stderr


@dataclass
class SharedLipSyncHandle:
    """The running renderer: where rooms reach it, and how the fleet ends it."""

    address: str
    authkey: bytes = field(repr=False)
    process: BaseProcess = field(repr=False)
    control: Connection = field(repr=False)

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def env(self) -> dict[str, str]:
        """Variables for each room's process: its `Settings().photoreal` then points at this renderer."""
        return {ADDRESS_ENV: self.address, AUTHKEY_ENV: self.authkey.hex()}

    def settings(self, base: SharedLipSyncSettings | None = None) -> SharedLipSyncSettings:
        """`base` (or the defaults) pointed at this renderer, for rooms built in this process."""
        # validated again (not model_copy): the key becomes a SecretStr, as if it came from the environment
        fields = (base or SharedLipSyncSettings()).model_dump()
        return SharedLipSyncSettings.model_validate({**fields, "shared_renderer": self.address,
                                                     "authkey": self.authkey.hex()})

    def stop(self, timeout: float = 5.0) -> RendererStats | None:
        """Ask the renderer to end; its counters for the whole run, None when it had died or had to be killed."""
        stats = None
        try:
            self.control.send("stop")
            if self.control.poll(timeout):
                kind, stats = self.control.recv()
                stats = stats if kind == "stopped" else None
        except (OSError, EOFError, ValueError, TypeError):
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            logger.warning("shared lip-sync renderer (pid %s) did not stop in %.0f s; killing it", self.pid, timeout)
            self.process.kill()
            self.process.join(timeout)
        self.control.close()
        return stats

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests)."""
        self.process.kill()
        self.process.join(5.0)

    def __enter__(self) -> SharedLipSyncHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def alive(self) -> bool:
        return self.process.is_alive()


def _serve(spec: RendererSpec, authkey: bytes, control: Connection) -> None:
    """The renderer process's body: load, listen, say where, serve until told to stop."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s lipsync %(message)s",
                        filename=spec.log_file, force=True)
    try:
        server, address = open_renderer(spec, authkey)
    except PhotorealError as exc:
        control.send(("error", str(exc)))
        return
    control.send(("ready", address))
    try:
        control.recv()  # "stop", or EOFError when the parent is gone: end either way
    except (EOFError, OSError):
        pass
    stats = close_renderer(server)
    with contextlib.suppress(OSError):
        control.send(("stopped", stats))


def open_renderer(spec: RendererSpec, authkey: bytes) -> tuple[SharedLipSyncServer, str]:
    """Load the spec's model and listen: the server and the address rooms reach it at (PhotorealError if not)."""
    try:
        where = parse_address(spec.listen)  # before the model: a typo costs no load
    except ValueError as exc:
        raise PhotorealError(str(exc)) from None
    try:
        model = LipSyncModel.from_checkpoint(spec.checkpoint, spec.device, spec.precision, trusted=spec.trusted)
    except OSError as exc:
        raise PhotorealError(f"{spec.checkpoint}: {exc}") from None
    server = SharedLipSyncServer(model, max_batch=spec.max_batch, max_wait_s=spec.max_wait_s,
                                 checkpoint=str(Path(spec.checkpoint).resolve()))
    try:
        return server, server.listen(where, authkey)
    except OSError as exc:  # a port in use, a socket path that cannot be made
        raise PhotorealError(f"cannot listen on {spec.listen}: {exc}") from None


def close_renderer(server: SharedLipSyncServer) -> RendererStats:
    """Stop serving; the whole run's counters, also logged in one line."""
    server.stop()
    stats = replace(server.stats(), recent=[])
    logger.info("served %d faces in %d batches (%d mixing avatars); late %s, dropped %s", stats.faces, stats.batches,
                stats.mixed_batches, stats.expired or "none", stats.dropped or "none")
    return stats


def start_shared_lip_sync(spec: RendererSpec, *, authkey: bytes | None = None,
                          timeout_s: float = START_TIMEOUT_S) -> SharedLipSyncHandle:
    """Start the renderer process and wait until it listens; PhotorealError says why it could not.

    `authkey` defaults to a fresh random key; pass the old one to restart a renderer its rooms already know.
    """
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    authkey = authkey or secrets.token_bytes(16)
    process = context.Process(target=_serve, args=(spec, authkey, child), name="livebot-lipsync", daemon=True)
    process.start()
    child.close()
    if not parent.poll(timeout_s):
        process.kill()
        raise PhotorealError(f"shared lip-sync renderer did not start within {timeout_s:.0f} s")
    try:
        kind, text = parent.recv()
    except EOFError:
        process.join(5.0)
        raise PhotorealError(f"shared lip-sync renderer exited at start (code {process.exitcode})") from None
    if kind != "ready":
        process.join(5.0)
        raise PhotorealError(f"shared lip-sync renderer: {text}")
    logger.info("shared lip-sync renderer up at %s (pid %s)", text, process.pid)
    return SharedLipSyncHandle(text, authkey, process, parent)


def photoreal_avatar_settings(folder: Path) -> dict[str, object] | None:
    """avatar.toml of a photoreal avatar folder, None for any other kind (sprite rooms need no renderer)."""
    try:
        data = read_toml(Path(folder) / "avatar.toml")
    except (OSError, AvatarError):
        return None  # the room itself reports an unreadable avatar when it starts
    return data if data.get("kind") == "photoreal" else None


def renderer_specs_for(avatars: Iterable[Path | None], settings: SharedLipSyncSettings) -> dict[Path, RendererSpec]:
    """Each photoreal avatar folder -> the renderer it needs; folders naming one checkpoint get equal specs.

    Sprite avatars, unreadable folders and photoreal ones without a readable checkpoint are left out: such a room
    either needs no renderer or names its own problem when it starts."""
    specs: dict[Path, RendererSpec] = {}
    for folder in avatars:
        data = photoreal_avatar_settings(folder) if folder is not None else None
        if data is None or folder is None:
            continue
        try:
            checkpoint = checkpoint_of(Path(folder), data).resolve()
        except PhotorealError:
            continue
        if not checkpoint.is_file():  # the room says "checkpoint not found" itself, once, with its name
            continue
        specs[Path(folder)] = RendererSpec(checkpoint, device=str(data.get("device", "auto")),
                                           precision=str(data.get("precision", "auto")),
                                           trusted=bool(data.get("trusted_checkpoint", False)),
                                           max_batch=settings.max_batch, max_wait_s=settings.max_wait_s)
    return specs
