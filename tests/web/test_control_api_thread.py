"""Moderator commands from the control API reach the show on the event loop's thread, never a worker's."""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any

import httpx

from bot.frames import ModeratorCommand
from bot.web.control_api import serve_control_api


class _RecordingShow:
    """Stands in for the show: records each command and the thread it arrived on (the API is real)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def command(self, cmd: ModeratorCommand) -> None:
        self.calls.append((cmd.kind, threading.get_ident()))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_commands_arrive_on_the_loop_thread() -> None:
    show = _RecordingShow()
    port = _free_port()

    async def main() -> tuple[int, list[Any]]:
        loop_thread = threading.get_ident()
        server = asyncio.create_task(serve_control_api(show, "127.0.0.1", port, None))

        def post_all() -> list[int]:
            codes = []
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as api:
                for _ in range(100):
                    try:
                        api.get("/ready-probe")  # a 404 once the server listens
                        break
                    except httpx.HTTPError:
                        threading.Event().wait(0.05)
                for path, body in (("pause", None), ("say", {"text": "Xin chào"}), ("resume", None),
                                   ("block", {"viewer_id": "v1"})):
                    codes.append(api.post(f"/control/{path}", json=body).status_code)
            return codes

        codes = await asyncio.to_thread(post_all)
        server.cancel()
        await asyncio.gather(server, return_exceptions=True)
        return loop_thread, codes

    loop_thread, codes = asyncio.run(main())
    assert codes == [200, 200, 200, 200]
    assert [kind for kind, _ in show.calls] == ["pause", "say", "resume", "block"]
    assert {thread for _, thread in show.calls} == {loop_thread}
