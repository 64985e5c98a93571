"""Start the shared lip-sync renderer in its own process; the fleet holds the handle and stops it at the end.

The child is started with `spawn` (torch and CUDA do not survive a fork of a threaded parent) and
serves until the handle stops it or the parent's end of the control pipe closes, so a crashed fleet
never leaves a renderer holding the GPU.
"""

from __future__ import annotations

import logging
import multiprocessing
import secrets
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from bot.avatar.photoreal.errors import PhotorealError
from bot.avatar.photoreal.lip_sync import LipSyncModel
from bot.avatar.photoreal.lip_sync_wire import (
    ADDRESS_ENV,
    AUTHKEY_ENV,
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
        return (base or SharedLipSyncSettings()).model_copy(
            update={"shared_renderer": self.address, "authkey": self.authkey.hex()})

    def stop(self, timeout: float = 5.0) -> None:
        """Ask the renderer to end; kill it when it has not within `timeout`."""
        try:
            self.control.send("stop")
        except OSError:
            pass
        self.process.join(timeout)
        if self.process.is_alive():
            logger.warning("shared lip-sync renderer (pid %s) did not stop in %.0f s; killing it", self.pid, timeout)
            self.process.kill()
            self.process.join(timeout)
        self.control.close()

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests)."""
        self.process.kill()
        self.process.join(5.0)

    def __enter__(self) -> SharedLipSyncHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve(spec: RendererSpec, authkey: bytes, control: Connection) -> None:
    """The renderer process's body: load, listen, say where, serve until told to stop."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s lipsync %(message)s")
    try:
        model = LipSyncModel.from_checkpoint(spec.checkpoint, spec.device, spec.precision, trusted=spec.trusted)
        server = SharedLipSyncServer(model, max_batch=spec.max_batch, max_wait_s=spec.max_wait_s,
                                     checkpoint=str(Path(spec.checkpoint).resolve()))
        address = server.listen(parse_address(spec.listen), authkey)
    except (PhotorealError, ValueError, OSError) as exc:
        control.send(("error", str(exc)))
        return
    control.send(("ready", address))
    try:
        control.recv()  # "stop", or EOFError when the parent is gone: end either way
    except (EOFError, OSError):
        pass
    server.stop()


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
        data = tomllib.loads((Path(folder) / "avatar.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None  # the room itself reports an unreadable avatar when it starts
    return data if data.get("kind") == "photoreal" else None


def renderer_spec_for(avatars: Iterable[Path | None], settings: SharedLipSyncSettings) -> RendererSpec | None:
    """The spec for the rooms' photoreal avatars (one checkpoint for all), None when no room has one."""
    found: dict[Path, tuple[Path, dict[str, object]]] = {}
    for folder in avatars:
        data = photoreal_avatar_settings(folder) if folder is not None else None
        if data is not None:
            found[checkpoint_of(Path(folder), data).resolve()] = (Path(folder), data)  # type: ignore[arg-type]
    if not found:
        return None
    if len(found) > 1:
        named = "; ".join(f"{f} uses {c}" for c, (f, _) in found.items())
        raise PhotorealError(f"rooms name different lip-sync checkpoints, one renderer serves one: {named}")
    checkpoint, (_, data) = next(iter(found.items()))
    return RendererSpec(checkpoint, device=str(data.get("device", "auto")),
                        precision=str(data.get("precision", "auto")),
                        trusted=bool(data.get("trusted_checkpoint", False)),
                        max_batch=settings.max_batch, max_wait_s=settings.max_wait_s)
