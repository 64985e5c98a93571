"""How the TikTok connector finds a room before connecting, and which path it took.

Only a definite "offline" answer keeps the source waiting. A probe or room-id look-up that
fails (blocked, captcha page, timeout, `MissingRoomIdInResponse`) cannot tell, so the source
connects anyway and lets the sign server answer: it knows whether the room is live.

The room id is cached per session (on the connector), not on disk: TikTok gives each
broadcast a new room id, so yesterday's would point at a live that has ended.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any, Literal

import httpx
from TikTokLive.client.errors import UserOfflineError

log = logging.getLogger(__name__)

# TikTok's fetch result names the room in `internal_ext`: "...|wss_push_room_id:7329...|..."
_EXT_ROOM = re.compile(r"wss_push_room_id:(\d+)")


def room_id_from_fetch(result: Any) -> int | None:
    """The room id a sign-server fetch result names (internal_ext or route params), or None."""
    match = _EXT_ROOM.search(getattr(result, "internal_ext", "") or "")
    if match:
        return int(match.group(1))
    raw = (getattr(result, "route_params", None) or {}).get("room_id", "")
    return int(raw) if str(raw).isdigit() else None


def _why(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:160]


class RoomLookup:
    """Probes and look-ups for one creator; logs each decision as a structured `path`."""

    PLACEHOLDER = 1  # TikTokLive's start() scrapes the page unless given a room id; the real one comes back

    def __init__(self, name: str) -> None:
        self.name = name
        self.connected_once = False
        self.last_path: str | None = None

    def path(self, path: str, reason: str = "") -> None:
        self.last_path = path
        log.info("tiktok: connect path %s%s", path, f" ({reason})" if reason else "",
                 extra={"source": self.name, "path": path, "reason": reason})

    async def find_room_id(self, client: Any, unique_id: str) -> int | None | Literal[False]:
        """The room id; False when TikTok says the creator is offline; None when it cannot tell."""
        try:
            room_id = int(await client.web.fetch_room_id_from_html(unique_id))
            self.path("room_id_from_page")
            return room_id
        except UserOfflineError:
            self.path("offline", "profile page says offline")
            return False
        except Exception as exc:  # blocked, captcha, timeout: try the API next
            first = exc
        try:
            room_id = int(await client.web.fetch_room_id_from_api(unique_id))
            self.path("room_id_from_api", f"page: {_why(first)}")
            return room_id
        except UserOfflineError:
            self.path("offline", "room API says offline")
            return False
        except Exception as exc:
            self.path("sign_server_by_user", f"look-up failed: page {_why(first)}; api {_why(exc)}")
            return None

    async def check_alive(self, client: Any, room_id: int) -> bool:
        """Whether the room is live; True when the probe errors (the sign server decides)."""
        try:
            alive = bool(await client.web.fetch_is_live(room_id=room_id))
        except Exception as exc:
            self.path("probe_inconclusive", _why(exc))
            return True
        if not alive:
            self.path("offline", "live check says not live")
            return False
        self.path("probe_live")
        return True

    def by_unique_id(self, client: Any, unique_id: str, on_room_id: Callable[[int], None]) -> None:
        """Make `client` ask the sign server by user name and learn the room id from its answer."""
        http: httpx.AsyncClient = client.web.signer.sdk_client.get_async_httpx_client()

        async def ask_by_name(request: httpx.Request) -> None:
            if request.url.path.endswith("/webcast/fetch"):
                request.url = request.url.copy_remove_param("room_id").copy_set_param("unique_id", unique_id)

        hooks = http.event_hooks
        http.event_hooks = {"request": [*hooks.get("request", []), ask_by_name],
                            "response": list(hooks.get("response", []))}
        fetch = client.web.fetch_signed_websocket

        async def fetch_and_learn(*args: Any, **kwargs: Any) -> Any:
            result = await fetch(*args, **kwargs)
            room_id = room_id_from_fetch(result)
            if room_id is None:
                raise RuntimeError(f"sign server did not say which room @{unique_id} is live in")
            client._room_id = room_id  # TikTokLive enters this room on the socket
            client.web.params["room_id"] = str(room_id)
            on_room_id(room_id)
            self.path("room_id_from_sign_server")
            return result

        client.web.fetch_signed_websocket = fetch_and_learn
