"""A fake douyinLive sidecar: scripted WebSocket sessions on 127.0.0.1 (the `sidecar` fixture serves it)."""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.server import ServerConnection


class FakeSidecar:
    """Serves scripted sessions: each connection gets the next list of lines, then a close code.

    A number among the lines is a pause of that many seconds.
    """

    def __init__(self, sessions: list[tuple[list[Any], int | None]]) -> None:
        self.sessions = sessions
        self.connections = 0
        self.paths: list[str] = []
        self.url = ""  # the fixture sets it: what Settings.douyin.sidecar / open_douyin_source(url=) get

    async def handler(self, ws: ServerConnection) -> None:
        index = self.connections
        self.connections += 1
        self.paths.append(ws.request.path if ws.request else "")
        lines, close_code = self.sessions[min(index, len(self.sessions) - 1)]
        for line in lines:
            if isinstance(line, int | float):
                await asyncio.sleep(line)
                continue
            await ws.send(line)
            await asyncio.sleep(0.005)
        if close_code is not None:
            await ws.close(code=close_code)
        else:
            await ws.wait_closed()
