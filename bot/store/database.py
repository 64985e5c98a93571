"""Opening a store: URL normalising, SQLite pragmas, and Alembic `upgrade head` on open.

Several processes (fleet rooms, a dashboard) may open one database at once, even a new one:
on SQLite they create and migrate it one at a time under an exclusive lock on `FILE.lock`,
on PostgreSQL under a transaction-scoped advisory lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number: every livebot process migrating one PostgreSQL database takes this lock.
PG_MIGRATION_LOCK = 0x6C697665626F74  # "livebot"
BUSY_TIMEOUT_MS = 5000  # how long one SQLite statement waits for another connection's lock
LOCK_WAIT_S = 60.0  # how long an open waits for another process's create+migrate before giving up
LOCKED_RETRY_S = 30.0  # how long a migration retries "database is locked" (a long write elsewhere)

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
    # busy_timeout first, so the journal_mode switch below waits for another process's lock
    # instead of failing at once with "database is locked".
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    # WAL: readers (report, dashboard) never block the writer; NORMAL sync keeps every
    # committed transaction across a process kill (only an OS crash can lose the last ones).
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
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
    """Bring the schema to the newest revision (creates every table on an empty database).

    On PostgreSQL the upgrade runs in one transaction holding an advisory lock, so a second
    process waits, then finds the schema at head; SQLite callers hold `creation_lock` instead.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def migrate_retrying_locked(engine: Engine, *, retry_s: float | None = None) -> None:
    """`migrate`, retried while SQLite says the database is locked (another process's long write)."""
    deadline = time.monotonic() + (LOCKED_RETRY_S if retry_s is None else retry_s)
    delay = 0.1
    while True:
        try:
            migrate(engine)
            return
        except OperationalError as exc:
            if not _is_locked(exc) or time.monotonic() > deadline:
                raise
            log.warning("store: database is locked while opening it; retrying in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _is_locked(exc: OperationalError) -> bool:
    message = str(exc.orig or exc).lower()
    return "database is locked" in message or "database table is locked" in message


@contextmanager
def creation_lock(path: Path | None, *, wait_s: float = LOCK_WAIT_S) -> Iterator[None]:
    """Hold an exclusive `flock` on `PATH.lock` (None: no lock), so processes opening one SQLite file
    create and migrate it one at a time; without it two of them both create `alembic_version`."""
    if path is None:
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:  # a read-only folder: reading still works, a concurrent create may race
        log.warning("store: cannot open lock file %s (%s); opening without it", lock_path, exc.strerror)
        yield
        return
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoreError(f"{lock_path} has been held by another process for {wait_s:g} s; "
                                     "is a livebot stuck opening this database?") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock; the file stays for the next opener


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
        with creation_lock(path):
            migrate_retrying_locked(engine)
    except StoreError:
        engine.dispose()
        raise
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
