"""TikTokLive 7.0.x behind the supervisor's `Connector` interface (one attempt per `run`)."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

import httpx
from TikTokLive import TikTokLiveClient
from TikTokLive.client.errors import (
    AgeRestrictedError,
    SignAPIError,
    SignatureRateLimitError,
    UserNotFoundError,
    UserOfflineError,
)
from TikTokLive.events import ConnectEvent, WebsocketResponseEvent
from TikTokLive.events.proto_events import EVENT_MAPPINGS

from bot.sources.supervisor import ConnectorSink, Failure, FailureKind, retry_after_from_headers
from bot.sources.tiktok.mapper import (
    MAPPED_EVENT_CLASSES,
    METHODS,
    SELF_DECODED,
    MalformedMessage,
    TikTokEventMapper,
)
from bot.sources.tiktok.room_lookup import RoomLookup

log = logging.getLogger(__name__)
_METHOD_NAME = re.compile(r"[^\w.-]")


class SkippedMessages:
    """Counts platform messages we skipped; unknown kinds are logged once per kind per session."""

    def __init__(self) -> None:
        self.unknown: dict[str, int] = {}
        self.malformed: dict[str, int] = {}

    def unknown_method(self, method: str) -> None:
        method = _METHOD_NAME.sub("?", method[:80])  # the platform's text: bounded before it is logged
        n = self.unknown.get(method, 0) + 1
        self.unknown[method] = n
        if n == 1:  # new platform methods appear all the time: one line per kind, then only a count
            log.warning("tiktok: skipped message with unknown method %r (logged once per session)", method,
                        extra={"source": "tiktok", "method": method})

    def malformed_message(self, method: str, reason: str) -> None:
        self.malformed[method] = self.malformed.get(method, 0) + 1
        log.warning("tiktok: skipped malformed %s message: %s", method, reason)


class _ReportingClient(TikTokLiveClient):
    """TikTokLiveClient that reports the messages it could not decode instead of dropping them quietly."""

    skipped: SkippedMessages
    on_self_decoded: Callable[[str, Any], None] | None = None

    async def _parse_webcast_response_message(self, webcast_response: Any,
                                              webcast_response_message: Any) -> list[Any]:
        if webcast_response_message is None:
            self.skipped.malformed_message("?", "null message")
            return []
        method = webcast_response_message.method
        if method not in EVENT_MAPPINGS:
            # Only the activity marker goes on: no UnknownEvent carrying the whole fetch result per message.
            events = [WebsocketResponseEvent(raw=webcast_response)]
            decoder = SELF_DECODED.get(method)
            if decoder is None:
                self.skipped.unknown_method(method)
            elif self.on_self_decoded is not None:
                self._self_decode(method, decoder, webcast_response_message.payload or b"")
            return events
        try:
            events = await super()._parse_webcast_response_message(webcast_response, webcast_response_message)
        except Exception as exc:  # TikTokLive trips on some payloads it decoded (RecursionError too)
            size = len(webcast_response_message.payload or b"")
            self.skipped.malformed_message(method, f"payload of {size} bytes breaks the decoder ({exc!r:.80})")
            return [WebsocketResponseEvent(raw=webcast_response)]
        if not any(type(e) is EVENT_MAPPINGS[method] for e in events):
            size = len(webcast_response_message.payload or b"")
            self.skipped.malformed_message(method, f"payload of {size} bytes does not decode")
        return events

    def _self_decode(self, method: str, decoder: type, payload: bytes) -> None:
        try:
            message = decoder().parse(payload)
        except Exception as exc:  # RecursionError on absurd nesting included: skip the one message
            self.skipped.malformed_message(method, f"payload of {len(payload)} bytes does not decode ({exc!r:.80})")
            return
        assert self.on_self_decoded is not None
        self.on_self_decoded(method, message)


class TikTokConnector:
    """Connects to one creator's TikTok LIVE room through TikTokLive and the Euler sign server."""

    def __init__(self, unique_id: str, room_id: int | None = None, *,
                 web_kwargs: dict[str, Any] | None = None) -> None:
        self.unique_id = TikTokLiveClient.parse_unique_id(unique_id)
        if not self.unique_id:
            raise ValueError("empty TikTok user")
        self.room_id = room_id
        self.name = f"tiktok:@{self.unique_id}"
        self._web_kwargs = web_kwargs or {}
        self._client: _ReportingClient | None = None
        self.lookup = RoomLookup(self.name)
        self.skipped = SkippedMessages()
        self.mapper: TikTokEventMapper | None = None

    def new_client(self) -> TikTokLiveClient:
        """A fresh client (fresh cookies) that reports undecodable messages to `self.skipped`."""
        return self._new_client()

    def _new_client(self) -> _ReportingClient:
        # SIGN_API_KEY / SIGN_API_URL are read by TikTokLive itself when the client is built.
        client = _ReportingClient(unique_id=self.unique_id, web_kwargs=dict(self._web_kwargs))
        client.skipped = self.skipped
        client.ignore_broken_payload = True  # we log it ourselves, with the method name
        return client

    async def is_live(self) -> bool:
        """False only on a definite "offline"; a probe that cannot tell lets the sign server decide."""
        if self.room_id is not None and not self.lookup.connected_once:
            self.lookup.path("known_room_id")  # no tiktok.com request before the first connection
            return True
        client = self._new_client()
        try:
            if self.room_id is None:
                found = await self.lookup.find_room_id(client, self.unique_id)
                if found is False:
                    return False
                if found is None:
                    return True  # connect by user name; the sign server resolves the room
                self.room_id = found  # cached for this session (see RoomLookup)
            return await self.lookup.check_alive(client, self.room_id)
        finally:
            await client.web.close()

    def attach(self, client: TikTokLiveClient, sink: ConnectorSink) -> TikTokEventMapper:
        """Register sync handlers on `client` that map its events into `sink`."""
        self.mapper = mapper = TikTokEventMapper(sink.now)

        def on_event(event: Any) -> None:
            # Sync handlers run inline in emission order (coroutine handlers would be reordered).
            method = METHODS.get(type(event)) or next(
                (m for m, cls in SELF_DECODED.items() if type(event) is cls), type(event).__name__)
            try:
                ours = mapper.map(event)
            except MalformedMessage as exc:
                self.skipped.malformed_message(method, str(exc))
                return
            except Exception as exc:  # one bad message must not end the connection
                log.exception("tiktok: mapping %s failed", method)
                self.skipped.malformed_message(method, repr(exc))
                return
            for one in ours if isinstance(ours, list) else [ours] if ours is not None else []:
                sink.emit(one)

        def on_connect(_e: Any) -> None:
            self.lookup.connected_once = True
            sink.connected()

        client.add_listener(ConnectEvent, on_connect)
        client.add_listener(WebsocketResponseEvent, lambda _e: sink.activity())
        for cls in MAPPED_EVENT_CLASSES:
            client.add_listener(cls, on_event)
        if isinstance(client, _ReportingClient):
            client.on_self_decoded = lambda _method, message: on_event(message)
        return mapper

    async def run(self, sink: ConnectorSink, *, reconnect: bool) -> None:
        client = self._client = self._new_client()
        self.attach(client, sink)
        if self.room_id is None:
            self.lookup.by_unique_id(client, self.unique_id, on_room_id=self._learned)
        try:
            # The supervisor checked liveness; history is replayed and de-duplicated upstream.
            task = await client.start(room_id=self.room_id or self.lookup.PLACEHOLDER, fetch_live_check=False,
                                      process_connect_events=True)
            await task  # an abnormal close raises here; no DisconnectEvent comes (TikTokLive 7.0.1)
        finally:
            self._client = None
            try:
                await client.disconnect()
            finally:
                await client.web.close()  # never client.close(): it needs a stopped loop

    def _learned(self, room_id: int) -> None:
        self.room_id = room_id

    async def stop(self) -> None:
        client = self._client
        if client is not None:
            await client.disconnect()

    def classify(self, exc: BaseException) -> Failure:
        detail = f"{type(exc).__name__}: {exc}".strip()[:300]
        if isinstance(exc, SignatureRateLimitError):
            return Failure(FailureKind.RATE_LIMITED, "sign server rate limit", _headers_wait(exc.response))
        rate_response = _broken_rate_limit_response(exc)
        if rate_response is not None:
            return Failure(FailureKind.RATE_LIMITED, "sign server rate limit (429)",
                           _headers_wait(rate_response))
        if isinstance(exc, UserOfflineError):
            return Failure(FailureKind.OFFLINE, "room is not live")
        if isinstance(exc, UserNotFoundError):
            return Failure(FailureKind.FATAL, f"TikTok user @{self.unique_id} not found")
        if isinstance(exc, AgeRestrictedError):
            return Failure(FailureKind.FATAL, "room is age-restricted; a logged-in session is needed")
        if isinstance(exc, SignAPIError) and exc.response is not None and exc.response.status_code == 401:
            return Failure(FailureKind.FATAL, "sign server rejected the API key (SIGN_API_KEY)")
        return Failure(FailureKind.RETRY, detail)

    async def aclose(self) -> None:
        await self.stop()


def _headers_wait(response: httpx.Response | None) -> float | None:
    return retry_after_from_headers(response.headers) if response is not None else None


def _broken_rate_limit_response(exc: BaseException) -> httpx.Response | None:
    """The 429 response behind TikTokLive's TypeError when the sign server omits RateLimit-Remaining.

    TikTokLive 7.0.1 builds SignatureRateLimitError with int(None) and raises TypeError instead;
    the response is still a local of the failing frame, so we can honour its reset headers.
    """
    if not isinstance(exc, TypeError):
        return None
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_name == "calculate_retry_after":
            response = frame.f_locals.get("response")
            return response if isinstance(response, httpx.Response) else None
    return None
