"""Opening a store: URL normalising, SQLite pragmas, and Alembic `upgrade head` on open."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """The store cannot be opened or read: bad URL, missing database, unknown session."""


def normalize_url(url: str) -> str:
    """Map `postgresql://` (and `postgres://`) to psycopg 3; everything else passes unchanged."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL: readers (report, dashboard) never block the writer; NORMAL sync keeps every
    # committed transaction across a process kill (only an OS crash can lose the last ones).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def create_store_engine(url: str) -> Engine:
    """An engine for `url` without touching the schema."""
    try:
        engine = create_engine(normalize_url(url), pool_pre_ping=True)
    except ArgumentError as exc:
        raise StoreError(f"bad database URL {url!r}: {exc}") from None
    except ModuleNotFoundError as exc:
        scheme = url.split(":", 1)[0]
        raise StoreError(f"database driver for {scheme!r} is not installed ({exc.name})") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (creates every table on an empty database)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_engine(url: str, *, create: bool = True) -> Engine:
    """Open the store at `url`, migrated to head. With create=False a missing SQLite file is an error."""
    path = sqlite_path(url)
    if path is not None:
        if not create and not path.exists():
            raise StoreError(f"no database at {path} (run livebot with --db {url} first)")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_store_engine(url)
    try:
        migrate(engine)
    except Exception as exc:
        engine.dispose()
        raise StoreError(f"cannot open database {_safe_url(url)}: {exc}") from exc
    return engine


def _safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(normalize_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return "<bad url>"
