"""A room's link to the shared lip-sync renderer: send requests, collect replies by ticket, notice when it is gone.

A reader thread takes every reply off the socket as it comes, so the renderer's writer never waits on
this room while its stage is busy; the stage thread only sends and waits on tickets with a timeout.
"""

from __future__ import annotations

import logging
import threading
import time
from multiprocessing.connection import Client, Connection

import numpy as np

from bot.avatar.photoreal.lip_sync_wire import (
    AvatarFaces,
    FaceReply,
    FaceRequest,
    Hello,
    RendererStats,
    StatsRequest,
    Welcome,
    parse_address,
)

logger = logging.getLogger(__name__)


class RendererGone(ConnectionError):
    """The shared renderer cannot be reached or stopped answering; the message says how."""


class LipSyncClient:
    """One connection to the shared renderer, used by one room (thread-safe for one stage thread)."""

    def __init__(self, address: str, authkey: bytes, room: str, answer_timeout_s: float = 3.0) -> None:
        self.address = address
        self.room = room
        self.answer_timeout_s = answer_timeout_s
        self.welcome: Welcome | None = None
        self.gone_reason = ""
        self._authkey = authkey
        self._conn: Connection | None = None
        self._send_lock = threading.Lock()
        self._cv = threading.Condition()
        self._replies: dict[int, FaceReply] = {}
        self._wanted: set[int] = set()
        self._stats: RendererStats | None = None
        self._next_ticket = 1
        self._last_answer = time.monotonic()

    @property
    def alive(self) -> bool:
        return self._conn is not None and not self.gone_reason

    def connect(self) -> Welcome:
        """Connect, say hello and read the renderer's welcome; RendererGone when any step fails."""
        try:
            conn = Client(parse_address(self.address), authkey=self._authkey)
        except (OSError, EOFError, ValueError) as exc:  # refused, no such socket, wrong key
            raise RendererGone(f"cannot connect: {type(exc).__name__}: {exc}") from exc
        try:
            conn.send(Hello(self.room))
            if not conn.poll(self.answer_timeout_s):
                raise RendererGone(f"no welcome within {self.answer_timeout_s:g} s")
            welcome = conn.recv()
        except (OSError, EOFError) as exc:
            conn.close()
            raise RendererGone(f"closed during hello: {type(exc).__name__}") from exc
        if not isinstance(welcome, Welcome):
            conn.close()
            raise RendererGone(f"answered hello with a {type(welcome).__name__}")
        self._conn, self.welcome = conn, welcome
        self._last_answer = time.monotonic()
        threading.Thread(target=self._read_loop, args=(conn,), name=f"lipsync-in-{self.room}", daemon=True).start()
        return welcome

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        with self._cv:
            self.gone_reason = self.gone_reason or "closed"
            self._cv.notify_all()

    def _read_loop(self, conn: Connection) -> None:
        try:
            while True:
                message = conn.recv()
                with self._cv:
                    self._last_answer = time.monotonic()
                    if isinstance(message, FaceReply) and message.ticket in self._wanted:
                        self._replies[message.ticket] = message
                    elif isinstance(message, RendererStats):
                        self._stats = message
                    self._cv.notify_all()
        except (EOFError, OSError) as exc:
            with self._cv:
                self.gone_reason = self.gone_reason or f"connection lost ({type(exc).__name__})"
                self._cv.notify_all()

    def _send(self, message: object) -> None:
        conn = self._conn
        if conn is None or self.gone_reason:
            raise RendererGone(self.gone_reason or "not connected")
        try:
            with self._send_lock:
                conn.send(message)
        except (OSError, ValueError) as exc:
            with self._cv:
                self.gone_reason = self.gone_reason or f"send failed ({type(exc).__name__})"
                self._cv.notify_all()
            raise RendererGone(self.gone_reason) from exc

    def register(self, key: str, crops: np.ndarray) -> None:
        """Send an avatar's idle-loop face crops once; requests then name its loop frames only."""
        self._send(AvatarFaces(key, np.ascontiguousarray(crops, dtype=np.uint8)))

    def request(self, key: str, loop_ids: np.ndarray, mels: np.ndarray, budget_s: float | None) -> int:
        """Ask for faces of consecutive frames; returns the ticket to wait on."""
        with self._cv:
            ticket = self._next_ticket
            self._next_ticket += 1
            self._wanted.add(ticket)
        self._send(FaceRequest(ticket, key, np.asarray(loop_ids, dtype=np.int64),
                               np.ascontiguousarray(mels, dtype=np.float32), budget_s))
        return ticket

    def wait(self, ticket: int, timeout_s: float) -> FaceReply | None:
        """The reply for `ticket` (taken out), None on timeout; RendererGone when the link is lost or silent."""
        end = time.monotonic() + timeout_s
        with self._cv:
            while ticket not in self._replies:
                if self.gone_reason:
                    raise RendererGone(self.gone_reason)
                now = time.monotonic()
                if now - self._last_answer > self.answer_timeout_s and self._wanted - self._replies.keys():
                    # Requests outstanding and nothing at all heard for this long: hung, not just busy.
                    self.gone_reason = f"no answer for {now - self._last_answer:.1f} s"
                    raise RendererGone(self.gone_reason)
                if now >= end:
                    return None
                self._cv.wait(min(end - now, self.answer_timeout_s))
            self._wanted.discard(ticket)
            return self._replies.pop(ticket)

    def forget(self, tickets: set[int]) -> None:
        """Replies to these tickets are no longer wanted (the sentence they were for has ended)."""
        with self._cv:
            self._wanted -= tickets
            for ticket in tickets:
                self._replies.pop(ticket, None)

    def stats(self, timeout_s: float = 2.0) -> RendererStats | None:
        """Ask the renderer for its counters (bench, tests)."""
        with self._cv:
            self._stats = None
        self._send(StatsRequest())
        end = time.monotonic() + timeout_s
        with self._cv:
            while self._stats is None and not self.gone_reason and time.monotonic() < end:
                self._cv.wait(end - time.monotonic())
            return self._stats
