"""StoreWriter: logs events, replies, drops and pins without ever blocking the frame clock.

Callers only put items on a bounded queue; one background thread turns them into rows and
writes them in batched transactions, committing at least every `commit_every_s` so a
SIGKILL loses at most that much. A locked database or a full disk is retried with the batch
kept (new items wait in the bounded queue); the show never stops for the store.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.events import Dropped, LiveEvent, ScreenAnswer, SpokenReply
from bot.store.database import open_engine
from bot.store.rows import RowBuilder
from bot.store.tables import LiveSession

log = logging.getLogger(__name__)

_STOP = object()


class StoreWriter:
    """Writes one live session to the store from a background thread (see module doc)."""

    def __init__(self, url: str, *, max_queue: int = 200_000, commit_every_s: float = 0.25,
                 max_batch: int = 5_000) -> None:
        self.url = url
        self.engine: Engine = open_engine(url)
        self.session_id: int | None = None
        self.lost = 0  # items dropped because the queue was full (database down for long)
        self.written = 0
        self._commit_every_s = commit_every_s
        self._max_batch = max_batch
        self._q: queue.Queue[Any] = queue.Queue(maxsize=max_queue)
        self._enqueued = 0
        self._done_cond = threading.Condition()
        self._processed = 0
        self._last_full_log = 0.0
        self._rows = RowBuilder(self.engine)
        self._reply_index = 0
        self._ended = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    # ---- caller side: cheap, never waits on the database ------------------------------------

    def start_session(self, source: str, started: datetime | None = None, variant: str | None = None,
                      settings: dict[str, Any] | None = None, room: str | None = None,
                      attempt: int = 1) -> int:
        """Create the session row (once, at start-up) and return its id; `room` names a fleet room and
        `attempt` > 1 marks a restart of it."""
        started = started or datetime.now(UTC)
        if started.tzinfo is None:
            started = started.astimezone(UTC)
        row = {"source": source, "started": started, "variant": variant, "settings": settings, "room": room,
               "attempt": attempt}
        for attempt in range(20):
            try:
                with self.engine.begin() as conn:
                    sid = conn.execute(insert(LiveSession).returning(LiveSession.id), row).scalar_one()
                break
            except OperationalError as exc:
                if attempt == 19:
                    raise
                log.error("store: cannot create session yet (%s); retrying", _short(exc))
                time.sleep(0.25)
        self.session_id = int(sid)
        self._reply_index = 0
        self._ended = False
        self._rows.forget_session()
        log.info("store: session %d started (source %s)", self.session_id, source.split("?", 1)[0])
        return self.session_id

    def log_event(self, ev: LiveEvent) -> None:
        """Queue one room event (a purchase also becomes an order, a pin also a pin row)."""
        self._put(("event", self._sid(), ev))

    def log_reply(self, reply: SpokenReply) -> None:
        """Queue a reply after it was said; replies are numbered in the order they arrive here."""
        idx = self._reply_index
        self._reply_index += 1
        self._put(("reply", self._sid(), reply, idx))

    def log_dropped(self, d: Dropped) -> None:
        self._put(("drop", self._sid(), d))

    def log_pin(self, sku: str, t: float) -> None:
        self._put(("pin", self._sid(), sku, t))

    def log_screen(self, entry: ScreenAnswer) -> None:
        """Queue an on-screen answer after it left the board (DESIGN §2.7 `screen`)."""
        self._put(("screen", self._sid(), entry))

    def end_session(self) -> None:
        """Mark the session ended (now); the write happens in order after everything queued."""
        if self.session_id is not None and not self._ended:
            self._ended = True
            self._put(("end", self.session_id, datetime.now(UTC)), block=True)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued so far is written (or given up); True when it was."""
        target = self._enqueued
        deadline = time.monotonic() + timeout
        with self._done_cond:
            while self._processed < target:
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    return False
                self._done_cond.wait(left)
        return True

    def close(self) -> None:
        """End the session if open, write everything queued, stop the thread, release the database."""
        if self._closed:
            return
        self.end_session()
        self._closed = True
        self._q.put(_STOP)
        self._thread.join(timeout=120)
        if self._thread.is_alive():
            log.error("store: writer still busy after 120 s at close; %d items unwritten", self._q.qsize())
        self.engine.dispose()

    @property
    def backlog(self) -> int:
        """Items queued but not yet written: flat in a healthy show, growing while the DB is unavailable."""
        return self._q.qsize()

    def _sid(self) -> int:
        if self.session_id is None:
            raise RuntimeError("StoreWriter.start_session() must be called before logging")
        return self.session_id

    def _put(self, item: tuple[Any, ...], block: bool = False) -> None:
        if self._closed:
            log.warning("store: %s logged after close; ignored", item[0])
            return
        try:
            if block:
                self._q.put(item, timeout=5)
            else:
                self._q.put_nowait(item)
            self._enqueued += 1
        except queue.Full:
            self.lost += 1
            now = time.monotonic()
            if now - self._last_full_log > 5:
                self._last_full_log = now
                log.error("store: queue full (database unavailable?); %d items lost so far", self.lost)

    # ---- writer thread ------------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[tuple[Any, ...]] = []
            try:
                first = self._q.get(timeout=self._commit_every_s)
            except queue.Empty:
                continue
            deadline = time.monotonic() + self._commit_every_s
            item = first
            while True:
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
                if len(batch) >= self._max_batch or time.monotonic() >= deadline:
                    break
                try:
                    item = self._q.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._write_with_retry(batch, stopping)
                with self._done_cond:
                    self._processed += len(batch)
                    self._done_cond.notify_all()

    def _write_with_retry(self, batch: list[tuple[Any, ...]], stopping: bool) -> None:
        delay = 0.2
        first_error_at: float | None = None
        while True:
            try:
                self._write(batch)
                if first_error_at is not None:
                    waited = time.monotonic() - first_error_at
                    log.warning("store: database writable again after %.1f s", waited)
                self.written += len(batch)
                return
            except OperationalError as exc:
                # Locked, disk full, server gone: keep the batch and try again; new items queue up.
                now = time.monotonic()
                if first_error_at is None:
                    first_error_at = now
                    log.error("store: write failed (%s); keeping %d items and retrying",
                              _short(exc), len(batch))
                if stopping and now - first_error_at > 30:
                    log.error("store: giving up on %d items at close after 30 s of errors", len(batch))
                    return
                self._rows.rollback()
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
            except DBAPIError as exc:
                # A row the database refuses (bad data): write the rest one by one, report the bad one.
                log.error("store: batch refused (%s); writing items one by one", _short(exc))
                self._rows.rollback()
                self._write_one_by_one(batch)
                return

    def _write_one_by_one(self, batch: list[tuple[Any, ...]]) -> None:
        for item in batch:
            try:
                self._write([item])
                self.written += 1
            except DBAPIError as exc:
                self._rows.rollback()
                log.error("store: dropped %s item at t=%s: %s", item[0], _item_t(item), _short(exc))

    def _write(self, batch: list[tuple[Any, ...]]) -> None:
        with self.engine.begin() as conn:
            self._rows.write(conn, batch)
            for item in batch:
                if item[0] == "end":
                    conn.execute(update(LiveSession).where(LiveSession.id == item[1]).values(ended=item[2]))
        self._rows.commit()


def _item_t(item: tuple[Any, ...]) -> str:
    obj = item[2]
    if isinstance(obj, LiveEvent):
        return f"{obj.t:.2f} ({obj.type})"
    if isinstance(obj, SpokenReply):
        return f"{obj.plan.t_received:.2f} (reply {obj.plan.id})"
    if isinstance(obj, Dropped):
        return f"{obj.event.t:.2f} (dropped {obj.reason})"
    return str(item[-1])


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0][:200] if text else type(exc).__name__

