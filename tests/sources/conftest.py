"""Loopback stand-ins for TikTok's remote services: the Euler sign server and the push WebSocket.

Both bind to 127.0.0.1 on ports the OS picks. The real TikTokLive client talks to them through
its own HTTP and WebSocket code; `SIGN_API_URL` and the webcast base URL point it here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sources_tiktok_wire as wire
from aiohttp import web
from sources_sidecar import FakeSidecar
from websockets.asyncio.server import ServerConnection, serve

Step = tuple[Any, ...]  # ("send", bytes) | ("close", code) | ("sleep", s) | ("wait", asyncio.Event) | ("hold",)


@dataclass
class FakeTikTok:
    """Scripted sign server + push server. `sessions[i]` is what the i-th socket does."""

    history: list[Any] = field(default_factory=list)
    sessions: list[list[Step]] = field(default_factory=list)
    sign_failures: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    alive: bool = True
    fetch_calls: int = 0
    ws_connections: int = 0
    received: list[str] = field(default_factory=list)
    sign_url: str = ""
    ws_url: str = ""
    probe: str = "ok"  # "ok" | "error" (500) | "malformed" (a 200 that is not JSON) | "empty" (no entries)
    lookup: str = "ok"  # the profile page and room API: "ok" | "blocked" | "offline"
    tiktok_requests: list[str] = field(default_factory=list)  # every request that went to "tiktok.com"
    sign_queries: list[dict[str, str]] = field(default_factory=list)

    async def sign_fetch(self, request: web.Request) -> web.Response:
        self.fetch_calls += 1
        self.sign_queries.append(dict(request.query))
        # By room id, or by user name when the room id could not be looked up (Euler resolves it).
        assert request.query.get("room_id") == "424242" or request.query.get("unique_id") == "shop_test"
        if self.sign_failures:
            status, headers, body = self.sign_failures.pop(0)
            return web.Response(status=status, headers=headers, body=body)
        result = wire.fetch_result(list(self.history), is_first=True, push_server=self.ws_url)
        return web.Response(body=bytes(result), headers={"X-Set-TT-Cookie": "ttwid=fake_cookie; Path=/"})

    async def check_alive(self, request: web.Request) -> web.Response:
        self.tiktok_requests.append(request.path)
        if self.probe == "error":
            return web.Response(status=500, text="upstream error")
        if self.probe == "malformed":
            return web.Response(text="<html>captcha</html>", content_type="text/html")
        if self.probe == "empty":
            return web.json_response({"data": []})  # TikTokLive raises MissingRoomIdInResponse
        return web.json_response({"data": [{"alive": self.alive, "room_id": 424242}]})

    async def live_page(self, request: web.Request) -> web.Response:
        self.tiktok_requests.append(request.path)
        if self.lookup == "blocked":
            return web.Response(text="<html>Please verify you are human</html>", content_type="text/html")
        status = 4 if self.lookup == "offline" else 2
        state = {"LiveRoom": {"liveRoomUserInfo": {"user": {"roomId": "424242", "status": status}}}}
        script = f'<script id="SIGI_STATE" type="application/json">{json.dumps(state)}</script>'
        return web.Response(text=f"<html>{script}</html>", content_type="text/html")

    async def room_api(self, request: web.Request) -> web.Response:
        self.tiktok_requests.append(request.path)
        if self.lookup == "blocked":
            return web.Response(status=403, text="blocked")
        status = 4 if self.lookup == "offline" else 2
        return web.json_response({"data": {"user": {"roomId": "424242", "status": status}}})

    async def push(self, ws: ServerConnection) -> None:
        index = self.ws_connections
        self.ws_connections += 1
        script = self.sessions[index] if index < len(self.sessions) else [("hold",)]

        async def read() -> None:
            with contextlib.suppress(Exception):
                async for raw in ws:
                    frame = wire.WebcastPushFrame().parse(raw if isinstance(raw, bytes) else raw.encode())
                    self.received.append(frame.payload_type)

        reader = asyncio.create_task(read())
        try:
            for step in script:
                if step[0] == "send":
                    await ws.send(step[1])
                elif step[0] == "sleep":
                    await asyncio.sleep(step[1])
                elif step[0] == "wait":  # the test says when (e.g. once the host is speaking)
                    await step[1].wait()
                elif step[0] == "close":
                    await ws.close(code=step[1], reason="fake server")
                    return
                elif step[0] == "hold":
                    await ws.wait_closed()
        finally:
            reader.cancel()


@pytest.fixture
async def fake_tiktok(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeTikTok]:
    from TikTokLive.client.web.web_settings import WebDefaults

    fake = FakeTikTok()
    app = web.Application()
    app.router.add_get("/webcast/fetch", fake.sign_fetch)
    app.router.add_get("/webcast/room/check_alive/", fake.check_alive)
    app.router.add_get("/@{user}/live", fake.live_page)
    app.router.add_get("/api-live/user/room/", fake.room_api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    http_port = runner.addresses[0][1]
    server = await serve(fake.push, "127.0.0.1", 0, subprotocols=["echo-protocol"])  # type: ignore[list-item]
    ws_port = server.sockets[0].getsockname()[1]
    fake.sign_url = f"http://127.0.0.1:{http_port}"
    fake.ws_url = f"ws://127.0.0.1:{ws_port}/webcast/im/push/v2/"
    monkeypatch.setenv("SIGN_API_URL", fake.sign_url)
    monkeypatch.delenv("SIGN_API_KEY", raising=False)
    # The live check goes to TikTok's webcast API; point that base URL here too.
    monkeypatch.setattr(WebDefaults, "tiktok_webcast_url", f"{fake.sign_url}/webcast")
    monkeypatch.setattr(WebDefaults, "tiktok_app_url", fake.sign_url)  # profile page and room API too
    try:
        yield fake
    finally:
        server.close()
        await server.wait_closed()
        await runner.cleanup()


@pytest.fixture
async def sidecar(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeSidecar]:
    fake = FakeSidecar([])
    server = await serve(fake.handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    fake.url = f"ws://127.0.0.1:{port}"
    monkeypatch.setenv("LIVEBOT_DOUYIN_SIDECAR", fake.url)  # shows and `record` read it through Settings
    try:
        yield fake
    finally:
        server.close()
        await server.wait_closed()
