"""`livebot avatar prepare VIDEO --out DIR`: make a photoreal avatar from a short video of the seller."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from bot.avatar.photoreal.errors import PhotorealError

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
