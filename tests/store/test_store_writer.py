"""StoreWriter against real SQLite and a real PostgreSQL server: rows, migrations, durability, locks."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlmodel import SQLModel

from bot.events import (
    Comment,
    ConnectionHealth,
    Dropped,
    Gift,
    GiftInfo,
    HealthState,
    Like,
    ProductPinned,
    Purchase,
    ReplyPlan,
    SpokenReply,
    Viewer,
)
from bot.store.database import create_store_engine, open_engine
from bot.store.tables import DropRow, EventRow, LiveSession, MentionRow, OrderRow, PinRow, ReplyRow, ViewerRow
from bot.store.writer import StoreWriter

LAN = Viewer("7001", "lan.nguyen", "Lan")
MINH = Viewer("7002", "minh", "Minh")
ROOT = Path(__file__).resolve().parents[2]


def _write_show(url: str) -> int:
    w = StoreWriter(url)
    sid = w.start_session("replay:sample.jsonl", variant="A")
    w.log_event(ConnectionHealth(t=0.0, state=HealthState.CONNECTED))
    ask = Comment(t=1.5, user=LAN, text="áo đỏ giá bao nhiêu vậy shop?", msg_id="m1")
    w.log_event(ask)
    w.log_event(Gift(t=2.1, user=MINH, gift=GiftInfo("Rose", 5, 1)))
    w.log_event(ProductPinned(t=5.5, sku="AO-DO-01"))
    plan = ReplyPlan(id=1, kind="answer", lang="vi", t_received=1.5, trigger=ask, skus=["AO-DO-01"])
    w.log_reply(SpokenReply(plan=plan, text="Áo đỏ giá 249.000đ nha Lan", skus=["AO-DO-01"],
                            t_first_audio=2.4, t_done=5.0, compute_ms=620.0))
    w.log_dropped(Dropped(event=Comment(t=1.6, user=MINH, text="hi"), reason="flood"))
    w.log_event(Purchase(t=6.0, user=LAN, sku="AO-DO-01", quantity=2, amount=498000, currency="VND"))
    w.log_pin("QUAN-01", 7.0)
    for i in range(500):
        w.log_event(Like(t=8 + i / 100, user=Viewer(str(9000 + i % 50)), count=1))
    w.close()
    return sid


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_writer_logs_every_kind_of_row(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}" if backend == "sqlite" else request.getfixturevalue("fresh_pg_url")
    sid = _write_show(url)
    engine = open_engine(url)
    with engine.connect() as conn:
        def count(table: type[SQLModel]) -> int:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()

        assert count(EventRow) == 505
        assert count(ViewerRow) == 52
        s = conn.execute(select(LiveSession)).one()
        assert s.id == sid and s.variant == "A" and s.ended is not None and s.ended >= s.started
        reply = conn.execute(select(ReplyRow)).one()
        trig = conn.execute(select(EventRow.id, EventRow.msg_id).where(EventRow.id == reply.trigger_event_id)).one()
        assert trig.msg_id == "m1"
        assert reply.trigger_user["unique_id"] == "lan.nguyen" and reply.latency_ms == 900.0
        assert reply.skus == ["AO-DO-01"] and reply.compute_ms == 620.0
        assert conn.execute(select(MentionRow.sku, MentionRow.t)).one() == ("AO-DO-01", 2.4)
        assert sorted(conn.execute(select(PinRow.sku, PinRow.t)).all()) == [("AO-DO-01", 5.5), ("QUAN-01", 7.0)]
        drop = conn.execute(select(DropRow.reason, DropRow.event_id, DropRow.event_type)).one()
        assert drop == ("flood", None, "comment")  # the dropped comment was never logged as an event
        order = conn.execute(select(OrderRow.sku, OrderRow.quantity, OrderRow.amount, OrderRow.currency,
                                    OrderRow.source, OrderRow.buyer)).one()
        assert order == ("AO-DO-01", 2, "498000", "VND", "purchase_event", "lan.nguyen")
    engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrations_from_empty_match_the_models(backend: str, tmp_path: Path,
                                                 request: pytest.FixtureRequest) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = f"sqlite:///{tmp_path / 'm.db'}" if backend == "sqlite" else request.getfixturevalue("fresh_pg_url")
    engine = open_engine(url)
    open_engine(url).dispose()  # a second open is a no-op upgrade
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar() == "0003"
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    engine.dispose()


def test_sqlite_is_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    open_engine(f"sqlite:///{path}").dispose()
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_lone_surrogate_in_a_comment_does_not_stop_the_writer(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'surrogate.db'}"
    w = StoreWriter(url)
    w.start_session("replay:hostile.jsonl")
    ask = Comment(t=1.0, user=LAN, text="red shirt price \ud800?", msg_id="m1")
    w.log_event(ask)
    plan = ReplyPlan(id=1, kind="answer", lang="en", t_received=1.0, trigger=ask)
    w.log_reply(SpokenReply(plan=plan, text="Lan \ud800, the red T-shirt is $12.99.", t_first_audio=1.5))
    w.log_reply(SpokenReply(plan=ReplyPlan(id=2, kind="thanks", lang="en", t_received=2.0), text="Thanks!"))
    w.close()
    engine = create_store_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(ReplyRow.trigger_text, ReplyRow.text).order_by(ReplyRow.idx)).all()
    assert [tuple(r) for r in rows] == [("red shirt price ??", "Lan ?, the red T-shirt is $12.99."), (None, "Thanks!")]


_CHILD = textwrap.dedent("""
    import sys, time
    from bot.events import Like, Viewer
    from bot.store.writer import StoreWriter
    w = StoreWriter(sys.argv[1])
    w.start_session("replay:kill-test")
    t0 = time.monotonic()
    print("started", flush=True)
    i = 0
    while True:  # 1,000 events/s, t = seconds since start, until killed
        now = time.monotonic() - t0
        while i < now * 1000:
            w.log_event(Like(t=i / 1000, user=Viewer(str(i % 100)), count=1))
            i += 1
        time.sleep(0.005)
""")


def test_sigkill_mid_write_loses_at_most_about_a_second(tmp_path: Path) -> None:
    path = tmp_path / "kill.db"
    url = f"sqlite:///{path}"
    child = subprocess.Popen([sys.executable, "-c", _CHILD, url], stdout=subprocess.PIPE, text=True,
                             cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert child.stdout is not None and child.stdout.readline().strip() == "started"
    started = time.monotonic()
    time.sleep(3.0)
    logged_until = time.monotonic() - started  # the child has logged events up to about this t
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    engine = create_store_engine(url)
    with engine.connect() as conn:
        n, max_t = conn.execute(select(func.count(), func.max(EventRow.t))).one()
    engine.dispose()
    assert max_t is not None and max_t >= logged_until - 1.0, (n, max_t, logged_until)
    assert n >= (logged_until - 1.0) * 1000
    w = StoreWriter(url)  # the database opens cleanly and takes new sessions
    assert w.start_session("replay:after-kill") == 2
    w.close()


def test_locked_database_is_retried_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    w = StoreWriter(f"sqlite:///{path}")
    w.start_session("console")
    blocker = sqlite3.connect(path, timeout=0, check_same_thread=False)
    blocker.execute("BEGIN EXCLUSIVE")  # another process holding the write lock (longer than busy_timeout)
    released = threading.Event()

    def release_later() -> None:
        time.sleep(6.5)
        blocker.rollback()
        released.set()

    threading.Thread(target=release_later, daemon=True).start()
    t0 = time.perf_counter()
    for i in range(2000):
        w.log_event(Comment(t=i / 100, user=LAN, text=f"c{i}"))
    assert time.perf_counter() - t0 < 0.5  # the caller never waits for the database
    assert w.flush(timeout=30)
    assert released.is_set()
    w.close()
    assert sqlite3.connect(path).execute("select count(*) from events").fetchone()[0] == 2000


def test_logging_before_start_session_is_a_clear_error(tmp_path: Path) -> None:
    w = StoreWriter(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(RuntimeError, match="start_session"):
        w.log_event(Comment(t=0.0, user=LAN, text="x"))
    w.close()
