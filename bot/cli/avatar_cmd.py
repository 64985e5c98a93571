"""`livebot avatar prepare VIDEO --out DIR` makes a photoreal avatar from a short video of the seller;
`livebot avatar serve DIR` runs the lip-sync renderer that many rooms share."""

from __future__ import annotations

import logging
import secrets
import signal
import threading
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.live import Live

from bot.avatar.photoreal.errors import PhotorealError
from bot.avatar.photoreal.lip_sync_wire import ADDRESS_ENV, AUTHKEY_ENV
from bot.avatar.photoreal.shared_lip_sync_process import close_renderer, open_renderer, renderer_specs_for
from bot.config import Settings

logger = logging.getLogger(__name__)


def avatar_prepare_command(
    video: Annotated[Path, typer.Argument(help="a 2-10 s video of the seller facing the camera")],
    out: Annotated[Path, typer.Option("--out", help="folder to write the avatar into")],
    fps: Annotated[int, typer.Option(help="stage frame rate")] = 25,
    width: Annotated[int, typer.Option(help="stage width in pixels")] = 720,
    height: Annotated[int, typer.Option(help="stage height in pixels")] = 1280,
    max_seconds: Annotated[float, typer.Option(help="use at most this much of the video")] = 6.0,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Wav2Lip-compatible generator checkpoint to name in avatar.toml")
    ] = None,
) -> None:
    """Track the face, cache the idle loop, face crops and blend mask, write avatar.toml."""
    from bot.avatar.photoreal.prepare import prepare_avatar

    try:
        summary = prepare_avatar(
            video, out, fps=fps, width=width, height=height, max_seconds=max_seconds, checkpoint=checkpoint
        )
    except (PhotorealError, ImportError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(
        f"avatar written to {summary.folder}: {summary.frame_count} frames "
        f"({summary.loop_frames}-frame idle loop), face {summary.face_px} px, "
        f"face lost in {summary.lost_frames} frame(s)"
    )
    if checkpoint is None:
        typer.echo(f"next: set checkpoint = \"/path/to/wav2lip_gan.pth\" in {summary.folder / 'avatar.toml'}")


def avatar_serve_command(
    avatar: Annotated[Path, typer.Argument(help="a photoreal avatar folder; its avatar.toml names the checkpoint")],
    listen: Annotated[str, typer.Option(help="HOST:PORT (port 0: any free one) or unix:/PATH")] = "127.0.0.1:8766",
    key_file: Annotated[Path, typer.Option(help="where the rooms' key is written (owner-only) when "
                                                "LIVEBOT_PHOTOREAL__AUTHKEY is not set")] = Path("lip-sync.key"),
    max_batch: Annotated[int | None, typer.Option(help="faces per model call, across rooms")] = None,
) -> None:
    """Serve lip-sync faces to every room that names this renderer, until Ctrl-C or SIGTERM."""
    base = Settings().photoreal
    spec = renderer_specs_for([avatar], base).get(avatar)
    if spec is None:
        typer.echo(f"error: {avatar}: not a photoreal avatar whose avatar.toml names a checkpoint that exists",
                   err=True)
        raise typer.Exit(code=1)
    spec = replace(spec, listen=listen, max_batch=max_batch or spec.max_batch)
    if base.authkey is not None:
        authkey, where = bytes.fromhex(base.authkey.get_secret_value()), f"${AUTHKEY_ENV}"
    else:
        authkey, where = secrets.token_bytes(16), str(key_file)
        key_file.write_text(authkey.hex() + "\n", encoding="utf-8")
        key_file.chmod(0o600)  # the key lets anyone who reaches the port use the GPU: owner only
    try:
        server, address = open_renderer(spec, authkey)
    except PhotorealError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    typer.echo(f"shared lip-sync renderer at {address} ({spec.checkpoint.name}, {spec.device}); key in {where}")
    typer.echo(f"rooms: {ADDRESS_ENV}={address} {AUTHKEY_ENV}=<the key>  (Ctrl-C stops it)")
    stopping = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    console = Console(stderr=True)
    try:
        with Live(console=console, refresh_per_second=2, transient=True) if console.is_terminal else nullcontext() \
                as live:
            while not stopping.wait(0.5):
                if live is not None:
                    stats = server.stats()
                    live.update(f"rooms: {', '.join(server.room_names()) or 'none'} · {stats.faces} faces in "
                                f"{stats.batches} batches ({stats.mixed_batches} mixing avatars)")
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    stats = close_renderer(server)
    mean = stats.faces / stats.batches if stats.batches else 0.0
    typer.echo(f"served {stats.faces} faces in {stats.batches} batches (mean {mean:.1f}, "
               f"{stats.mixed_batches} mixing avatars); late {sum(stats.expired.values())}, "
               f"dropped {sum(stats.dropped.values())}")
