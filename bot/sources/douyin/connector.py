"""Douyin through a local douyinLive sidecar's WebSocket, behind the supervisor's `Connector`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidURI

from bot.events import HealthState, LiveEnded
from bot.sources.douyin.mapper import DouyinEventMapper, LiveStatus, MalformedSidecarMessage
from bot.sources.supervisor import ConnectorSink, Failure, FailureKind

log = logging.getLogger(__name__)

SIDECAR_ENV = "LIVEBOT_DOUYIN_SIDECAR"  # named in messages; Settings.douyin.sidecar reads it
DEFAULT_SIDECAR = "ws://127.0.0.1:1088/ws/{room_id}"
PING_INTERVAL_S = 30.0  # the sidecar answers a text "ping" with "pong"; that also feeds stall detection
GIFT_WARN_S = 300.0  # since spring 2026 a sidecar without a logged-in cookie gets chat but no gifts
GIFT_WARN_MIN_COMMENTS = 10
NO_GIFTS = ("warning: no gifts from the douyin sidecar after {minutes:.0f} min of chat: it needs a logged-in "
            "Douyin cookie to receive gifts (see docs/sources.md)")


def _method_name(raw: object) -> str:
    """The message's method, bounded for logs (the sidecar's text: never a 2 MB key)."""
    return str(raw)[:80] if isinstance(raw, str) else "?"


class RoomNotFound(RuntimeError):
    """The sidecar says the Douyin room does not exist."""


def sidecar_url(room_id: str, configured: str | None = None) -> str:
    """The sidecar URL for a room (`configured`: LIVEBOT_DOUYIN_SIDECAR through Settings): `{room_id}` is
    filled in, else `/ws/<room_id>` is appended."""
    base = (configured or DEFAULT_SIDECAR).strip()
    if "{room_id}" in base:
        return base.format(room_id=room_id)
    base = base.rstrip("/")
    return f"{base}/{room_id}" if base.endswith("/ws") else f"{base}/ws/{room_id}"


class DouyinConnector:
    """One WebSocket session with the sidecar; the sidecar itself signs and reconnects to Douyin."""

    def __init__(self, room_id: str, url: str | None = None, gift_warn_s: float | None = None) -> None:
        if not room_id.strip().isdigit():
            raise ValueError(f"Douyin room id must be digits, got {room_id!r}")
        self.room_id = room_id.strip()
        self.url = sidecar_url(self.room_id, url)
        self.name = f"douyin:{self.room_id}"
        self._ws: ClientConnection | None = None
        self.unknown_methods: dict[str, int] = {}
        self.malformed: int = 0
        self.gift_warn_s = gift_warn_s if gift_warn_s is not None else GIFT_WARN_S
        self.gift_warning: str | None = None
        self._mapper: DouyinEventMapper | None = None
        self._chat_since: float | None = None

    async def is_live(self) -> bool:
        # Live status comes in-band from the sidecar (live_status notices), so connect and listen.
        return True

    async def run(self, sink: ConnectorSink, *, reconnect: bool) -> None:
        # One mapper per session: its gift and comment counts span reconnects.
        mapper = self._mapper = self._mapper or DouyinEventMapper(sink.now)
        async with connect(self.url, open_timeout=10, ping_interval=20, ping_timeout=20,
                           max_size=4 * 1024 * 1024) as ws:
            self._ws = ws
            sink.activity()
            pinger = asyncio.create_task(self._ping(ws))
            try:
                async for raw in ws:
                    sink.activity()
                    self._handle(raw, mapper, sink)
            finally:
                pinger.cancel()
                self._ws = None

    def _handle(self, raw: str | bytes, mapper: DouyinEventMapper, sink: ConnectorSink) -> None:
        text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if text.strip() == "pong":
            return
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            self._skip_malformed("?", f"not JSON ({exc.msg})")
            return
        except RecursionError:  # json.loads recurses once per nesting level
            self._skip_malformed("?", f"JSON nested too deep ({len(text)} bytes)")
            return
        if not isinstance(obj, dict):
            self._skip_malformed("?", "not a JSON object")
            return
        method = _method_name(obj.get("method", "?"))
        try:
            result = mapper.map(obj)
        except MalformedSidecarMessage as exc:
            self._skip_malformed(method, str(exc)[:200])
            return
        except Exception as exc:  # wrongly typed fields, absurd nesting: this message only
            self._skip_malformed(method, f"{type(exc).__name__}: {exc}"[:200])
            return
        if isinstance(result, LiveStatus):
            self._on_status(result, sink)
        elif result is not None:
            sink.emit(result)
        elif obj.get("method") and not mapper.knows(str(obj["method"])):
            n = self.unknown_methods[method] = self.unknown_methods.get(method, 0) + 1
            if n == 1:  # one line per kind per session; the count is kept
                log.info("douyin: skipped message with method %r (logged once per session)", method,
                         extra={"source": self.name, "method": method})
        self._check_gifts(mapper, sink)

    def _check_gifts(self, mapper: DouyinEventMapper, sink: ConnectorSink) -> None:
        """Warn once when a room with chat sends no gifts: the sidecar lacks a logged-in cookie."""
        if self.gift_warning is not None or mapper.gifts_seen or not mapper.comments_seen:
            return
        now = sink.now()
        if self._chat_since is None:
            self._chat_since = now
        if mapper.comments_seen >= GIFT_WARN_MIN_COMMENTS and now - self._chat_since >= self.gift_warn_s:
            self.gift_warning = NO_GIFTS.format(minutes=self.gift_warn_s / 60)
            log.warning("douyin: %s", self.gift_warning.removeprefix("warning: "),
                        extra={"source": self.name, "comments": mapper.comments_seen})
            sink.health(HealthState.CONNECTED, self.gift_warning)

    def _skip_malformed(self, method: str, reason: str) -> None:
        self.malformed += 1
        log.warning("douyin: skipped malformed %s message: %s", method, reason,
                    extra={"source": self.name, "method": method})

    def _on_status(self, status: LiveStatus, sink: ConnectorSink) -> None:
        log.info("douyin: room %s status %s %s", self.room_id, status.code, status.message)
        if status.code == "ROOM_ONLINE":
            sink.connected()
        elif status.code == "ROOM_ENDED":
            sink.emit(LiveEnded(t=sink.now(), extra={"reason": "douyin room ended"}))
        elif status.code == "ROOM_NOT_FOUND":
            raise RoomNotFound(status.message or f"Douyin room {self.room_id} not found")
        else:  # offline, no room yet, status unknown: the sidecar keeps polling; we keep listening
            sink.health(HealthState.CONNECTING, f"{status.code}: {status.message}".strip(": "))

    async def _ping(self, ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            while True:
                await asyncio.sleep(PING_INTERVAL_S)
                await ws.send("ping")

    async def stop(self) -> None:
        ws = self._ws
        if ws is not None:
            await ws.close()

    def classify(self, exc: BaseException) -> Failure:
        if isinstance(exc, RoomNotFound):
            return Failure(FailureKind.FATAL, str(exc))
        if isinstance(exc, InvalidURI):
            return Failure(FailureKind.FATAL, f"bad {SIDECAR_ENV} URL {self.url!r}")
        if isinstance(exc, OSError | InvalidHandshake | TimeoutError):
            return Failure(FailureKind.RETRY, f"douyin sidecar not reachable at {self.url}: {exc}")
        return Failure(FailureKind.RETRY, f"{type(exc).__name__}: {exc}"[:300])

    async def aclose(self) -> None:
        await self.stop()

