"""One database shared by many rooms: processes opening a new SQLite file (or PostgreSQL database) at
the same moment all succeed, and four `livebot run` processes writing one SQLite file lose no event.
Everything here is real: spawned processes, real SQLite files, the real PostgreSQL server fixture."""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

import bot.store.database as database
from bot.store.database import StoreError, creation_lock, open_engine
from bot.store.tables import LiveSession

ROOT = Path(__file__).resolve().parents[2]
OPENERS = 4
ROUNDS = 12  # before the fix about half the rounds of 4 openers failed, so 12 rounds show the race


def _open_rounds(url_template: str, rounds: int, barrier: Any, results: Any) -> None:
    """One spawned process: at each round, wait for the others, then open the round's new database."""
    for r in range(rounds):
        barrier.wait()
        try:
            open_engine(url_template.format(r=r)).dispose()
            results.put((r, "ok"))
        except Exception as exc:  # the result is what the test asserts on
            results.put((r, f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"))


def _open_at_once(url_template: str, rounds: int = ROUNDS) -> list[tuple[int, str]]:
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(OPENERS), ctx.Queue()
    procs = [ctx.Process(target=_open_rounds, args=(url_template, rounds, barrier, results)) for _ in range(OPENERS)]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in range(OPENERS * rounds)]
    for p in procs:
        p.join(timeout=30)
    return out


def test_processes_creating_one_new_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    results = _open_at_once(f"sqlite:///{tmp_path}/new{{r}}.db")
    failed = [res for res in results if res[1] != "ok"]
    assert failed == [], f"{len(failed)} of {len(results)} opens failed, first: {failed[0]}"
    for r in range(ROUNDS):
        con = sqlite3.connect(tmp_path / f"new{r}.db")
        assert con.execute("select version_num from alembic_version").fetchall() == [("0003",)]
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        con.close()


def test_processes_migrating_one_new_postgresql_database_at_once_all_succeed(pg_url: str) -> None:
    import psycopg

    prefix = f"race{os.getpid()}_"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for r in range(ROUNDS):
            conn.execute(f'DROP DATABASE IF EXISTS "{prefix}{r}"')
            conn.execute(f'CREATE DATABASE "{prefix}{r}"')
    results = _open_at_once(pg_url.rsplit("/", 1)[0] + f"/{prefix}{{r}}")
    failed = [res for res in results if res[1] != "ok"]
    assert failed == [], f"{len(failed)} of {len(results)} opens failed, first: {failed[0]}"


def test_a_stuck_opener_is_named_after_the_wait(tmp_path: Path) -> None:
    db = tmp_path / "stuck.db"
    with creation_lock(db):
        t0 = time.monotonic()
        with pytest.raises(StoreError, match=r"stuck\.db\.lock has been held by another process"):
            with creation_lock(db, wait_s=0.3):
                pass
        assert time.monotonic() - t0 >= 0.3
    with creation_lock(db, wait_s=0.3):  # released when its holder leaves
        pass


def _hold_exclusive(db: Path) -> sqlite3.Connection:
    """Another connection holding a new rollback-journal file EXCLUSIVE: every other connection waits."""
    holder = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    holder.execute("create table t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_open_retries_while_another_process_holds_the_database_locked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)  # each try gives up fast, so retries happen
    holder = _hold_exclusive(tmp_path / "held.db")
    threading.Timer(1.0, holder.rollback).start()
    with caplog.at_level(logging.WARNING, logger="bot.store.database"):
        open_engine(f"sqlite:///{tmp_path / 'held.db'}").dispose()
    assert "database is locked while opening it; retrying" in caplog.text
    holder.close()
    monkeypatch.setattr(database, "LOCKED_RETRY_S", 0.3)  # a lock held for longer than the retries is an error
    holder = _hold_exclusive(tmp_path / "held2.db")
    with pytest.raises(StoreError, match="database is locked"):
        open_engine(f"sqlite:///{tmp_path / 'held2.db'}")
    holder.close()


# ---- four rooms writing one SQLite file ---------------------------------------------------------

SKUS = ["AO-DO-01", "VAY-HOA-03", "TUI-TOTE-06", "MU-BH-07"]
ASKS = ["áo đỏ giá bao nhiêu vậy shop?", "váy hoa còn size M không", "红色上衣多少钱", "túi tote ship mấy ngày",
        "how much is the bucket hat", "shop ơi xinh quá", "có freeship không", "mũ bucket màu gì"]


def _room_log(seed: int, n: int = 160) -> list[dict[str, Any]]:
    """A short show (DESIGN §2.3): ~40 s of mixed events, a gift streak in three steps, then live_end."""
    rnd = random.Random(seed)
    events: list[dict[str, Any]] = [{"t": 0.0, "type": "viewers", "count": 40 + seed}]
    t = 0.0
    kinds = ["comment", "join", "like", "gift", "follow", "share", "purchase", "viewers", "product_pinned"]
    for i in range(n + seed * 7):  # a different length per room, so a room mixed up with another shows
        t = round(t + rnd.uniform(0.1, 0.3), 2)
        u = rnd.randrange(30)
        kind = rnd.choices(kinds, [30, 20, 15, 8, 5, 4, 4, 4, 3])[0]
        ev: dict[str, Any] = {"t": t, "type": kind}
        if kind not in ("viewers", "product_pinned"):
            ev["user"] = {"id": f"{seed}{u:03d}", "unique_id": f"u{seed}_{u}", "nickname": f"Nguyễn {u}"}
        if kind == "comment":
            ev["text"] = rnd.choice(ASKS)
        elif kind == "like":
            ev["count"] = rnd.randint(1, 20)
        elif kind == "gift":
            ev["gift"] = {"name": f"Rose{i}", "count": 1, "diamonds": 1}
        elif kind == "purchase":
            ev.update(sku=rnd.choice(SKUS), quantity=rnd.randint(1, 3))
        elif kind == "viewers":
            ev["count"] = rnd.randint(30, 300)
        elif kind == "product_pinned":
            ev["sku"] = rnd.choice(SKUS)
        events.append(ev)
    streaker = {"id": f"{seed}999", "unique_id": f"lam{seed}", "nickname": "Lâm 林"}
    events += [{"t": round(5.0 + k * 0.5, 2), "type": "gift", "user": streaker,
                "gift": {"name": "Rose", "count": c, "diamonds": 1}} for k, c in enumerate([1, 3, 6])]
    events.sort(key=lambda e: e["t"])
    events.append({"t": round(t + 1.0, 2), "type": "live_end"})
    return events


def test_four_rooms_writing_one_sqlite_file_lose_no_event(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fleet.db'}"  # new: the four also race to create it
    expected: dict[str, Counter[str]] = {}
    procs: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    starts = []
    for i in range(1, 5):
        room = f"R{i}"
        log_path = tmp_path / f"{room}.jsonl"
        events = _room_log(i)
        log_path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
        expected[room] = Counter(e["type"] for e in events)
        starts.append((room, log_path))
    for room, log_path in starts:
        err = tmp_path / f"{room}.err"
        cmd = [sys.executable, "-m", "bot.cli.main", "run", "--source", f"replay:{log_path}",
               "--catalog", str(ROOT / "samples" / "catalog.csv"), "--fast", "--output", "none",
               "--db", url, "--room", room]
        with err.open("wb") as fh:
            procs.append((room, subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=fh), err))
    for room, proc, err in procs:
        rc = proc.wait(timeout=120)
        assert rc == 0, f"room {room} exited {rc}: {err.read_text(errors='replace')[-2000:]}"

    engine = open_engine(url, create=False)
    with engine.connect() as conn:
        rows = conn.execute(select(LiveSession.id, LiveSession.room, LiveSession.ended, LiveSession.attempt)).all()
        assert sorted(r.room for r in rows) == ["R1", "R2", "R3", "R4"]
        for sid, room, ended, attempt in rows:
            assert ended is not None and attempt == 1, f"room {room}: ended={ended}, attempt={attempt}"
            stored = Counter(dict(conn.execute(
                text("select type, count(*) from events where session_id = :sid group by type"), {"sid": sid}).all()))
            # DESIGN §2.3/§2.7: the store keeps every event as it came, each gift-streak step included
            assert stored == expected[room], f"room {room}: stored {dict(stored)} != input {dict(expected[room])}"
    engine.dispose()
