"""`livebot report` and `livebot catalog import`: print what a session did; load products."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from bot.catalog.importer import CatalogError, load_catalog_file
from bot.report.build import build_report, list_sessions_at
from bot.report.experiments import compare_variants, render_comparison
from bot.report.render import render_table, to_json, write_csv
from bot.store.catalog_repo import save_products
from bot.store.database import StoreError

FORMATS = ("table", "json", "csv")


def _fail(message: str) -> typer.Exit:
    Console(stderr=True).print(f"[red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(1)


def report_command(db: str, session: str, fmt: str, plot: Path | None) -> None:
    """Print the report of one session as a table, JSON or CSV; optionally write charts to a PNG."""

    if fmt not in FORMATS:
        raise _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        report = build_report(db, session)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if fmt == "json":
        sys.stdout.write(to_json(report) + "\n")
    elif fmt == "csv":
        write_csv(report, sys.stdout)
    else:
        Console().print(render_table(report))
    if plot is not None:
        from bot.report.plot import plot_report

        try:
            plot_report(report, plot)
        except OSError as exc:
            raise _fail(f"cannot write {plot}: {exc.strerror}") from None
        Console(stderr=True).print(f"charts written to {plot}", highlight=False)


def list_command(db: str, fmt: str) -> None:
    """Print every session in the database (id, room, source, times): a table, or JSON (DESIGN §2.7)."""
    import json

    from rich.table import Table

    if fmt not in ("table", "json"):
        raise _fail(f"--list prints table or json, not {fmt!r}")
    try:
        sessions = list_sessions_at(db)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if fmt == "json":
        keep = ("id", "room", "source", "started", "ended", "attempt", "replies", "orders")
        sys.stdout.write(json.dumps([{k: s[k] for k in keep} for s in sessions], ensure_ascii=False, indent=2)
                         + "\n")
        return
    table = Table(title=f"{len(sessions)} sessions (times UTC)")
    for col in ("id", "room", "started", "ended", "replies", "orders"):
        table.add_column(col, no_wrap=True)  # a room's name and its times are read whole
    table.add_column("source", overflow="fold", min_width=12)
    for s in sessions:
        room = (s["room"] or "–") + (f" (restart {s['attempt'] - 1})" if s["attempt"] > 1 else "")
        table.add_row(str(s["id"]), room, _when(s["started"])[5:], _when(s["ended"])[11:] or "running",
                      str(s["replies"]), str(s["orders"]), s["source"])
    Console().print(table)


def compare_variants_command(db: str, sessions: str, fmt: str) -> None:
    """Print the script-variant comparison (table or JSON) over the chosen sessions."""
    import json


    if fmt not in ("table", "json"):
        raise _fail(f"--compare-variants prints table or json, not {fmt!r}")
    try:
        result = compare_variants(db, sessions)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    if fmt == "json":
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    else:
        Console().print(render_comparison(result))


def catalog_import_command(file: Path, db: str) -> None:
    """Load or update products from FILE into the store; print the count and each bad row."""

    try:
        catalog, problems = load_catalog_file(file)
    except CatalogError as exc:
        raise _fail(str(exc)) from None
    out = Console()
    for p in problems:
        out.print(f"[yellow]{file}:{p.line}[/] skipped: {p.reason}" + (f" (sku {p.sku})" if p.sku else ""),
                  highlight=False)
    try:
        saved = save_products(db, catalog)
    except StoreError as exc:
        raise _fail(str(exc)) from None
    out.print(f"loaded {saved} products from {file} ({len(problems)} rows skipped)", highlight=False)
    if not saved and problems:
        raise typer.Exit(1)


def _when(iso: str | None) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM' (UTC) for a narrow table column."""
    return iso[:16].replace("T", " ") if iso else ""
