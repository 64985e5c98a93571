"""One lip-sync renderer for many rooms: faces of every room and avatar in one generator call per tick.

Why this shape:
- Rooms are OS processes (or Ray actors), so the renderer is a process of its own that owns the model
  and listens on `multiprocessing.connection` (TCP 127.0.0.1 or a Unix socket, with an authkey): plain
  Python on both ends, pickled typed messages, nothing to install.
- A room registers each avatar's idle-loop face crops once (`AvatarFaces`); a request then carries only
  loop frame numbers and mel windows (~5 KB a frame), and the answer is 96×96 faces (~27 KB a frame).
  The room blends them into its own frames, so full frames never cross the socket.
- One batcher thread owns the model. It takes whole requests from every room round-robin until the
  batch is full, every connected room has something waiting, or the oldest request has waited
  `max_wait_s`; then one `generate` call serves them all, whatever their avatar.
- A slow room never stalls the others: each room has a reader thread (bounded pending queue: the
  oldest request is answered `dropped` when it overflows) and a writer thread (bounded outbox: the
  oldest reply is shed when the room stops reading). The batcher only appends, it never waits on a
  socket. A request whose budget ran out before its turn is answered `expired` without inference.
- The room's own clock decides what is late (see `shared_photoreal_avatar`); the renderer only
  honours the budget each request states.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Client, Connection, Listener

import numpy as np

from bot.avatar.photoreal.lip_sync import FACE_SIZE, LipSyncModel
from bot.avatar.photoreal.lip_sync_wire import (
    AvatarFaces,
    BatchInfo,
    FaceReply,
    FaceRequest,
    Hello,
    RendererStats,
    StatsRequest,
    Welcome,
    format_address,
)
from bot.avatar.photoreal.mel import MEL_STEP, N_MELS

logger = logging.getLogger(__name__)

RECENT_BATCHES = 64  # batch records kept for stats and tests


@dataclass(slots=True)
class _Pending:
    room: _RoomLink
    request: FaceRequest
    deadline: float | None  # this process's monotonic clock


@dataclass(eq=False)
class _RoomLink:
    """One connected room: its socket, waiting requests and the replies its writer thread still has to send."""

    name: str
    conn: Connection
    pending: deque[_Pending] = field(default_factory=deque)
    outbox: deque[object] = field(default_factory=deque)
    ready: threading.Condition = field(default_factory=threading.Condition)
    closed: bool = False


class SharedLipSyncServer:
    """The batching renderer; `listen` starts its threads, `stop` ends them. One model, many rooms."""

    def __init__(self, model: LipSyncModel, *, max_batch: int = 32, max_wait_s: float = 0.008,
                 checkpoint: str = "", max_pending: int = 4, max_outbox: int = 8) -> None:
        self.model = model
        self.max_batch = max(1, max_batch)
        self.max_wait_s = max(0.0, max_wait_s)
        self.checkpoint = checkpoint
        self.max_pending = max(1, max_pending)
        self.max_outbox = max(1, max_outbox)
        self.address = ""
        self._avatars: dict[str, np.ndarray] = {}  # key -> crops; kept for the server's life (few avatars)
        self._rooms: list[_RoomLink] = []
        self._work = threading.Condition()
        self._stats = RendererStats()
        self._recent: deque[BatchInfo] = deque(maxlen=RECENT_BATCHES)
        self._next_room = 0  # round-robin start, so no room always goes first
        self._stopped = threading.Event()
        self._listener: Listener | None = None
        self._authkey = b""
        self._threads: list[threading.Thread] = []

    # -- lifecycle --------------------------------------------------------------------------------
    def listen(self, address: str | tuple[str, int], authkey: bytes) -> str:
        """Open the socket (port 0 picks a free one) and start serving; returns the address as text."""
        self._authkey = authkey
        self._listener = Listener(address, authkey=authkey)
        self.address = format_address(self._listener.address)
        for target, name in ((self._accept_loop, "lipsync-accept"), (self._batch_loop, "lipsync-batcher")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("shared lip-sync renderer listening on %s (max batch %d, max wait %.0f ms)",
                    self.address, self.max_batch, self.max_wait_s * 1000)
        return self.address

    def stop(self) -> None:
        """Close every room's link and the socket; threads end within a moment."""
        self._stopped.set()
        with self._work:
            rooms = list(self._rooms)
            self._work.notify_all()
        for room in rooms:
            self._close(room)
        if self._listener is not None:
            try:  # accept() does not wake up when its socket closes: knock once so it sees the stop
                Client(self._listener.address, authkey=self._authkey).close()
            except OSError:
                pass
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=2.0)

    def room_names(self) -> list[str]:
        """The rooms linked now."""
        with self._work:
            return [room.name for room in self._rooms]

    def stats(self) -> RendererStats:
        """A copy of the counters, with the recent batches."""
        with self._work:
            return replace(self._stats, expired=dict(self._stats.expired), dropped=dict(self._stats.dropped),
                           shed=dict(self._stats.shed), recent=list(self._recent))

    # -- per-room threads -------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopped.is_set():
            try:
                conn = self._listener.accept()
            except OSError as exc:  # includes AuthenticationError: a stranger, not a room
                if self._stopped.is_set():
                    return
                logger.warning("shared lip-sync renderer refused a connection: %s", exc)
                continue
            if self._stopped.is_set():
                conn.close()
                return
            threading.Thread(target=self._read_loop, args=(conn,), name="lipsync-room", daemon=True).start()

    def _read_loop(self, conn: Connection) -> None:
        try:
            hello = conn.recv()
            if not isinstance(hello, Hello):
                logger.warning("shared lip-sync renderer: first message was %s, not Hello", type(hello).__name__)
                conn.close()
                return
            conn.send(Welcome(self.max_batch, self.checkpoint))
        except (EOFError, OSError):
            conn.close()
            return
        room = _RoomLink(hello.room, conn)
        with self._work:
            self._rooms.append(room)
        threading.Thread(target=self._write_loop, args=(room,), name=f"lipsync-out-{room.name}", daemon=True).start()
        logger.info("room %s joined the shared lip-sync renderer", room.name)
        try:
            while not self._stopped.is_set():
                self._handle(room, conn.recv())
        except (EOFError, OSError):
            pass  # the room ended or died: its requests go with it
        except Exception as exc:  # a malformed message must not take the renderer down for everyone
            logger.warning("room %s sent something unreadable (%s); closing its link", room.name, exc)
        self._close(room)
        logger.info("room %s left the shared lip-sync renderer", room.name)

    def _handle(self, room: _RoomLink, message: object) -> None:
        if isinstance(message, AvatarFaces):
            crops = np.asarray(message.crops)
            if crops.dtype != np.uint8 or crops.ndim != 4 or crops.shape[1:] != (FACE_SIZE, FACE_SIZE, 3):
                logger.warning("room %s: avatar %s crops are %s %s, expected (N, 96, 96, 3) uint8",
                               room.name, message.key, crops.dtype, crops.shape)
                return
            with self._work:
                self._avatars[message.key] = crops
        elif isinstance(message, FaceRequest):
            self._enqueue(room, message)
        elif isinstance(message, StatsRequest):
            self._post(room, self.stats())
        else:
            logger.warning("room %s sent a %s; ignored", room.name, type(message).__name__)

    def _enqueue(self, room: _RoomLink, request: FaceRequest) -> None:
        bad = self._problem(request)
        if bad:
            logger.warning("room %s request %d: %s", room.name, request.ticket, bad)
            self._post(room, FaceReply(request.ticket, bad))
            return
        deadline = None if request.budget_s is None else time.monotonic() + request.budget_s
        shed: _Pending | None = None
        with self._work:
            if len(room.pending) >= self.max_pending:
                shed = room.pending.popleft()  # the oldest is the likeliest to be late already
                self._stats.dropped[room.name] = self._stats.dropped.get(room.name, 0) + 1
            room.pending.append(_Pending(room, request, deadline))
            self._work.notify_all()
        if shed is not None:
            self._post(room, FaceReply(shed.request.ticket, "dropped"))

    def _problem(self, request: FaceRequest) -> str:
        k = len(request.loop_ids)
        crops = self._avatars.get(request.key)
        if crops is None:
            return "unknown-avatar"
        if not 0 < k <= self.max_batch or request.mels.shape != (k, N_MELS, MEL_STEP):
            return "bad-request"
        if int(np.min(request.loop_ids)) < 0 or int(np.max(request.loop_ids)) >= len(crops):
            return "bad-request"
        return ""

    def _post(self, room: _RoomLink, message: object) -> None:
        """Queue a message for the room's writer; never blocks: a full outbox sheds its oldest reply."""
        with room.ready:
            if room.closed:
                return
            if len(room.outbox) >= self.max_outbox:
                room.outbox.popleft()
                with self._work:
                    self._stats.shed[room.name] = self._stats.shed.get(room.name, 0) + 1
            room.outbox.append(message)
            room.ready.notify()

    def _write_loop(self, room: _RoomLink) -> None:
        while True:
            with room.ready:
                while not room.outbox and not room.closed:
                    room.ready.wait()
                if room.closed:
                    return
                message = room.outbox.popleft()
            try:
                room.conn.send(message)  # may block on a room that stopped reading: only this thread waits
            except (OSError, ValueError):
                self._close(room)
                return

    def _close(self, room: _RoomLink) -> None:
        with self._work:
            if room in self._rooms:
                self._rooms.remove(room)
            room.pending.clear()
        with room.ready:
            room.closed = True
            room.ready.notify_all()
        room.conn.close()

    # -- the batcher ------------------------------------------------------------------------------
    def _batch_loop(self) -> None:
        while not self._stopped.is_set():
            with self._work:
                while not self._stopped.is_set() and not any(r.pending for r in self._rooms):
                    self._work.wait(0.5)
                if self._stopped.is_set():
                    return
                self._gather_wait()
                batch, expired = self._take()
            for item in expired:
                self._post(item.room, FaceReply(item.request.ticket, "expired"))
            if batch:
                self._run(batch)

    def _gather_wait(self) -> None:
        """Hold the batch open (lock held by the caller) until it is full, everyone asked, or max_wait ran out."""
        opened = time.monotonic()
        while not self._stopped.is_set():
            waiting = [r for r in self._rooms if r.pending]
            frames = sum(len(p.request.loop_ids) for r in waiting for p in r.pending)
            left = opened + self.max_wait_s - time.monotonic()
            if frames >= self.max_batch or len(waiting) == len(self._rooms) or left <= 0:
                return
            self._work.wait(left)

    def _take(self) -> tuple[list[_Pending], list[_Pending]]:
        """Whole requests, one room at a time in turn, up to max_batch faces; late ones set apart."""
        batch: list[_Pending] = []
        expired: list[_Pending] = []
        size = 0
        now = time.monotonic()
        rooms = self._rooms[self._next_room % len(self._rooms):] + self._rooms[: self._next_room % len(self._rooms)]
        self._next_room += 1
        progress = True
        while progress:
            progress = False
            for room in rooms:
                while room.pending and room.pending[0].deadline is not None and room.pending[0].deadline < now:
                    expired.append(room.pending.popleft())
                    self._stats.expired[room.name] = self._stats.expired.get(room.name, 0) + 1
                if not room.pending or size + len(room.pending[0].request.loop_ids) > self.max_batch:
                    continue
                item = room.pending.popleft()
                batch.append(item)
                size += len(item.request.loop_ids)
                progress = True
        return batch, expired

    def _run(self, batch: list[_Pending]) -> None:
        with self._work:
            crops = [self._avatars[item.request.key][item.request.loop_ids] for item in batch]
            self._stats.batches += 1
            batch_id = self._stats.batches
        mels = np.concatenate([item.request.mels for item in batch]).astype(np.float32, copy=False)
        try:
            faces = self.model.generate(mels, np.concatenate(crops))
        except Exception as exc:  # e.g. CUDA out of memory: those rooms show their clip's mouth, the rest go on
            logger.error("shared lip-sync batch %d failed: %s", batch_id, exc)
            for item in batch:
                self._post(item.room, FaceReply(item.request.ticket, "failed"))
            return
        info = BatchInfo(batch_id, len(faces), tuple(sorted({i.room.name for i in batch})),
                         tuple(sorted({i.request.key for i in batch})))
        with self._work:
            self._stats.faces += len(faces)
            self._stats.mixed_batches += len(info.avatars) > 1
            self._recent.append(info)
        start = 0
        for item in batch:
            k = len(item.request.loop_ids)
            self._post(item.room, FaceReply(item.request.ticket, "ok", faces[start : start + k], info))
            start += k
