"""`livebot orders import FILE`: load a TikTok Shop order export so reports can show what sold."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from bot.config import Settings
from bot.store.database import StoreError
from bot.store.orders_import import import_orders


def orders_import_command(
    file: Path = typer.Argument(..., help="TikTok Shop order export (CSV)"),
    db: str | None = typer.Option(None, "--db", help="database URL (default LIVEBOT_DB, else sqlite:///livebot.db)"),
    session: str | None = typer.Option(None, "--session",
                                       help="session id or 'last' (default: matched by order time)"),
    currency: str | None = typer.Option(None, "--currency", help="currency when the export has none"),
) -> None:
    """Import orders (insert or update by order id + SKU); bad rows are listed with their line."""
    # Here, not at the top: main.py imports this module for every `--help`, which must stay instant.

    err = Console(stderr=True)
    if not file.is_file():
        err.print(f"[red]error:[/] order export not found: {file}", highlight=False)
        raise typer.Exit(1)
    try:
        result = import_orders(db or Settings().db, file, session, default_currency=currency)
    except (StoreError, UnicodeDecodeError, OSError) as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    out = Console()
    for p in result.problems:
        out.print(f"[yellow]{file}:{p.line_no}[/] skipped: {p.reason}", highlight=False)
    by_session = sorted(result.sessions.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
    placed = ", ".join(f"session {sid}: {n}" if sid is not None else f"no session: {n}"
                       for sid, n in by_session)
    out.print(f"imported {result.saved} order lines from {file} ({len(result.problems)} rows skipped)"
              + (f" — {placed}" if placed else ""), highlight=False)
    if not result.saved and result.problems:
        raise typer.Exit(1)
