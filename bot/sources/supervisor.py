"""Connection supervisor: keeps a live-room connection up and turns its life into events.

Generic over a `Connector` (TikTok, Douyin): it checks the room is live, connects, and on
any failure reconnects with capped exponential backoff and jitter, honouring rate-limit
reset times. History the platform replays after a reconnect is dropped by message id.
Its own state goes into the same stream as `ConnectionHealth` events.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.events import ConnectionHealth, Gift, HealthState, LiveEnded, LiveEvent
from bot.gift_streaks import StreakProgress
from bot.sources.bounds import bounded
from bot.sources.dedupe import MessageIdDeduper
from bot.sources.gift_streak import GiftStreakTracker

log = logging.getLogger(__name__)


class FailureKind(StrEnum):
    RETRY = "retry"  # transient: back off and reconnect
    RATE_LIMITED = "rate_limited"  # the sign server said wait; honour its reset time
    OFFLINE = "offline"  # the room is not live (yet, or any more)
    FATAL = "fatal"  # retrying cannot help (unknown user, bad API key): stop


@dataclass(frozen=True, slots=True)
class Failure:
    """What went wrong with a connection attempt, as the supervisor needs to know it."""

    kind: FailureKind
    detail: str
    retry_after: float | None = None  # seconds, when the platform said how long to wait


class ConnectorSink(Protocol):
    """What a connector reports into while it runs."""

    def now(self) -> float: ...

    def emit(self, event: LiveEvent) -> None: ...

    def activity(self) -> None: ...

    def connected(self) -> None: ...

    def health(self, state: HealthState, detail: str = "") -> None: ...


class Connector(Protocol):
    """One platform's connection: the supervisor owns retries, the connector one attempt."""

    name: str

    async def is_live(self) -> bool:
        """Whether the room is live now; raises when it cannot tell."""
        ...

    async def run(self, sink: ConnectorSink, *, reconnect: bool) -> None:
        """Connect and pump events into `sink` until the connection ends; raise on failure."""
        ...

    async def stop(self) -> None:
        """Ask a running `run()` to end soon (called from another task)."""
        ...

    def classify(self, exc: BaseException) -> Failure:
        """Map an exception out of `is_live()` or `run()` to a Failure."""
        ...

    async def aclose(self) -> None:
        """Release everything; the connector is not used again."""
        ...


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    """Capped exponential backoff with proportional jitter."""

    base_s: float = 5.0  # TikTok drops sockets itself; maintainers advise 5-10 s before reconnecting
    factor: float = 2.0
    cap_s: float = 120.0
    jitter: float = 0.2  # +/- this fraction of the delay

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (0-based)."""
        raw = min(self.cap_s, self.base_s * (self.factor ** max(0, attempt)))
        return max(0.0, raw * (1.0 + rng.uniform(-self.jitter, self.jitter)))


@dataclass(slots=True)
class SupervisorOptions:
    backoff: BackoffPolicy = field(default_factory=BackoffPolicy)
    stall_timeout_s: float = 90.0  # no message at all for this long while live: reconnect
    offline_poll_s: float = 60.0  # live checks are rate-limited upstream; poll sparingly
    rate_limit_cap_s: float = 3600.0  # never sleep longer than this on a rate-limit reset
    stop_grace_s: float = 5.0
    dedupe_capacity: int = 4096
    queue_limit: int = 10_000  # events waiting for the consumer; beyond it new ones are dropped
    gift_idle_s: float = 6.0
    seed: int | None = None  # fixes the jitter for tests


def retry_after_from_headers(headers: Mapping[str, str], now_epoch: float | None = None) -> float | None:
    """Seconds to wait from `Retry-After` or `RateLimit-Reset` (epoch or delta), or None."""
    now_epoch = time.time() if now_epoch is None else now_epoch
    lower = {k.lower(): v for k, v in headers.items()}
    value = lower.get("retry-after")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            with contextlib.suppress(TypeError, ValueError):
                when = email.utils.parsedate_to_datetime(value)
                return max(0.0, when.timestamp() - now_epoch)
    value = lower.get("ratelimit-reset")
    if value:
        try:
            reset = float(value)
        except ValueError:
            return None
        # Euler sends a unix timestamp; the IETF draft sends seconds-to-reset. Tell them apart by size.
        return max(0.0, reset - now_epoch) if reset > 1e9 else max(0.0, reset)
    return None


_END = object()


class SupervisedSource:
    """An `EventSource` that keeps a connector connected and yields its events."""

    def __init__(self, connector: Connector, options: SupervisorOptions | None = None,
                 on_gift_progress: StreakProgress | None = None) -> None:
        self.connector = connector
        self.name = connector.name
        self.options = options or SupervisorOptions()
        self._rng = random.Random(self.options.seed)
        self._dedupe = MessageIdDeduper(self.options.dedupe_capacity)
        self._gifts = GiftStreakTracker(self.options.gift_idle_s, on_progress=on_gift_progress)
        self._queue: asyncio.Queue[object] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._t0: float | None = None
        self._last_activity = 0.0
        self._connected_now = False
        self._ended = False
        self._closing = False
        self.reconnects = 0
        self.overflow_dropped = 0
        self.error: Failure | None = None

    # -- ConnectorSink -------------------------------------------------------------------------
    def now(self) -> float:
        if self._t0 is None:
            self._t0 = time.monotonic()
        return time.monotonic() - self._t0

    def activity(self) -> None:
        self._last_activity = time.monotonic()

    def connected(self) -> None:
        self.activity()
        if not self._connected_now:
            self._connected_now = True
            self._put(ConnectionHealth(t=self.now(), state=HealthState.CONNECTED, detail=self.name))

    def health(self, state: HealthState, detail: str = "") -> None:
        self._put(ConnectionHealth(t=self.now(), state=state, detail=detail))

    def emit(self, event: LiveEvent) -> None:
        self.activity()
        if self._ended:
            return
        event = bounded(event)  # a platform's absurd counts and lengths stop here
        if self._dedupe.seen(event.msg_id):
            log.debug("source %s: duplicate message %s dropped", self.name, event.msg_id)
            return
        if isinstance(event, LiveEnded):
            self._finish_gifts()
            self._ended = True
            self._put(ConnectionHealth(t=event.t, state=HealthState.ENDED, detail="live ended"))
            self._put(event)
            return
        if isinstance(event, Gift):
            for done in self._gifts.fold(event):
                self._put(done)
            return
        self._put(event)

    # -- EventSource ---------------------------------------------------------------------------
    async def events(self) -> AsyncIterator[LiveEvent]:
        """Yield events until the live ends, a fatal error, or `close()`."""
        if self._task is None:
            self.now()
            self._task = asyncio.create_task(self._supervise(), name=f"supervise-{self.name}")
        while True:
            item = await self._queue.get()
            if item is _END:
                self._queue.put_nowait(_END)  # a second reader also stops
                return
            assert isinstance(item, LiveEvent)
            yield item

    async def close(self) -> None:
        """Stop the connection and end the event stream."""
        self._closing = True
        if self._task is not None and not self._task.done():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.connector.stop(), self.options.stop_grace_s)
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self.connector.aclose()
        self._queue.put_nowait(_END)

    @property
    def duplicates_dropped(self) -> int:
        return self._dedupe.duplicates

    # -- the loop ------------------------------------------------------------------------------
    def _put(self, event: LiveEvent) -> None:
        if self._queue.qsize() >= self.options.queue_limit and not isinstance(event, ConnectionHealth):
            self.overflow_dropped += 1
            if self.overflow_dropped in (1, 100) or self.overflow_dropped % 1000 == 0:
                log.warning("source %s: consumer is behind, %d events dropped", self.name,
                            self.overflow_dropped)
            return
        self._queue.put_nowait(event)

    def _finish_gifts(self) -> None:
        for done in self._gifts.flush_all():
            self._put(done)

    async def _supervise(self) -> None:
        try:
            await self._loop()
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not hang the consumer: report and end the stream
            log.exception("source %s: supervisor failed", self.name)
            self.health(HealthState.ENDED, "supervisor error")
        finally:
            self._finish_gifts()
            self._queue.put_nowait(_END)

    async def _loop(self) -> None:
        attempt = 0
        ever_connected = False
        while not self._closing and not self._ended:
            self.health(HealthState.CONNECTING, self.name)
            failure = await self._attempt(reconnect=ever_connected)
            ever_connected = ever_connected or self._connected_now
            if self._connected_now:
                attempt = 0  # a connection that came up resets the backoff
            self._connected_now = False
            if self._ended or self._closing or failure is None:
                return
            if failure.kind is FailureKind.FATAL:
                self.error = failure
                log.error("source %s: giving up: %s", self.name, failure.detail)
                self.health(HealthState.ENDED, failure.detail)
                return
            if failure.kind is FailureKind.OFFLINE and ever_connected:
                log.info("source %s: room is no longer live", self.name)
                self.emit(LiveEnded(t=self.now(), extra={"reason": "room offline after disconnect"}))
                return
            state, delay = self._plan_retry(failure, attempt)
            attempt += 1
            self.reconnects += 1
            log.warning("source %s: %s; retrying in %.1fs", self.name, failure.detail, delay)
            self._put(ConnectionHealth(t=self.now(), state=state, detail=failure.detail,
                                       retry_in=round(delay, 3)))
            await asyncio.sleep(delay)

    def _plan_retry(self, failure: Failure, attempt: int) -> tuple[HealthState, float]:
        opts = self.options
        if failure.kind is FailureKind.RATE_LIMITED:
            backoff = opts.backoff.delay(attempt, self._rng)
            if failure.retry_after is not None:  # wait out the reset, plus jitter so clients spread
                delay = failure.retry_after + self._rng.uniform(0, opts.backoff.jitter * opts.backoff.base_s)
            else:
                delay = backoff
            return HealthState.RATE_LIMITED, min(delay, opts.rate_limit_cap_s)
        if failure.kind is FailureKind.OFFLINE:
            spread = 1.0 + self._rng.uniform(0, opts.backoff.jitter)
            return HealthState.RETRYING, opts.offline_poll_s * spread
        return HealthState.RETRYING, opts.backoff.delay(attempt, self._rng)

    async def _attempt(self, *, reconnect: bool) -> Failure | None:
        """One check-and-connect; None when it ended cleanly (live over, closing)."""
        try:
            if not await self.connector.is_live():
                return Failure(FailureKind.OFFLINE, "room is not live")
        except Exception as exc:
            return self.connector.classify(exc)
        self.activity()
        run = asyncio.create_task(self.connector.run(self, reconnect=reconnect), name=f"run-{self.name}")
        stalled = await self._watch(run)
        for done in self._gifts.flush_stale(self.now()):
            self._put(done)
        if self._ended or self._closing:
            return None
        if stalled:
            return Failure(FailureKind.RETRY, f"stalled: no message for {self.options.stall_timeout_s:.0f}s")
        exc = run.exception()
        if exc is not None:
            return self.connector.classify(exc)
        return Failure(FailureKind.RETRY, "connection closed")

    async def _watch(self, run: asyncio.Task[None]) -> bool:
        """Wait for `run` to end; stop it when no message came for the stall timeout."""
        tick = max(0.01, min(1.0, self.options.stall_timeout_s / 4))
        try:
            while not run.done():
                await asyncio.wait({run}, timeout=tick)
                for done in self._gifts.flush_stale(self.now()):
                    self._put(done)
                if run.done() or self._ended:
                    break
                if time.monotonic() - self._last_activity > self.options.stall_timeout_s:
                    log.warning("source %s: no message for %.0fs, reconnecting", self.name,
                                self.options.stall_timeout_s)
                    await self._stop_run(run)
                    return True
            if self._ended and not run.done():
                await self._stop_run(run)
        except asyncio.CancelledError:
            await self._stop_run(run)
            raise
        return False

    async def _stop_run(self, run: asyncio.Task[None]) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.connector.stop(), self.options.stop_grace_s)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(run), self.options.stop_grace_s)
        if not run.done():
            run.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await run

