"""The moderator control API: a small HTTP server beside the show (the dashboard and scripts use it).

Binds to 127.0.0.1 by default; bound anywhere else it refuses to start without a token, and
every request must then carry `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
from typing import Any

from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel, Field

from bot.events import LANGS, Comment, Viewer
from bot.frames import ModeratorCommand

log = logging.getLogger(__name__)


class ControlError(RuntimeError):
    """The control API cannot start as asked (e.g. a public address without a token)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class SayBody(BaseModel):
    text: str = Field(min_length=1, max_length=500)
    lang: str | None = None


class AnswerBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    viewer_id: str = "moderator"
    nickname: str = ""


class BlockBody(BaseModel):
    viewer_id: str = Field(min_length=1, max_length=200)


class ProductBody(BaseModel):
    sku: str = Field(min_length=1, max_length=100)


def create_control_app(show: Any, token: str | None = None) -> FastAPI:
    """Routes: GET /status, POST /control/{pause,resume,skip,say,answer,block,product}."""
    app = FastAPI(title="livebot control", docs_url=None, redoc_url=None)

    async def auth(authorization: str | None = Header(default=None)) -> None:
        if token is None:
            return
        given = (authorization or "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(status_code=401, detail="missing or wrong token")

    guarded = [Depends(auth)]

    @app.get("/status", dependencies=guarded)
    @app.get("/control/status", dependencies=guarded)
    async def status() -> dict[str, Any]:
        return show_status(show)

    # Every handler is `async def`: FastAPI runs it on the show's event loop (uvicorn serves inside it), so
    # a command reaches the director on the loop's thread, never from a worker thread mid-decision.
    def send(cmd: ModeratorCommand) -> dict[str, Any]:
        show.command(cmd)
        return {"ok": True, "command": cmd.kind}

    @app.post("/control/pause", dependencies=guarded)
    async def pause() -> dict[str, Any]:
        return send(ModeratorCommand("pause"))

    @app.post("/control/resume", dependencies=guarded)
    async def resume() -> dict[str, Any]:
        return send(ModeratorCommand("resume"))

    @app.post("/control/skip", dependencies=guarded)
    async def skip() -> dict[str, Any]:
        return send(ModeratorCommand("skip"))

    @app.post("/control/say", dependencies=guarded)
    async def say(body: SayBody) -> dict[str, Any]:
        lang = body.lang if body.lang in LANGS else None
        return send(ModeratorCommand("say", text=body.text, lang=lang))  # type: ignore[arg-type]

    @app.post("/control/answer", dependencies=guarded)
    async def answer(body: AnswerBody) -> dict[str, Any]:
        comment = Comment(t=show.clock.now(), user=Viewer(body.viewer_id, body.viewer_id, body.nickname),
                          text=body.text)
        return send(ModeratorCommand("answer", comment=comment))

    @app.post("/control/block", dependencies=guarded)
    async def block(body: BlockBody) -> dict[str, Any]:
        return send(ModeratorCommand("block", viewer_id=body.viewer_id))

    @app.post("/control/product", dependencies=guarded)
    async def product(body: ProductBody) -> dict[str, Any]:
        if show.cards.catalog.get(body.sku) is None:
            raise HTTPException(status_code=404, detail=f"unknown sku {body.sku}")
        return send(ModeratorCommand("product", sku=body.sku))

    return app


def show_status(show: Any) -> dict[str, Any]:
    """The live view: connection health, current line, queue, recent replies (no private data)."""
    speaking = show.ledger.speaking
    return {
        "session_id": show.state.session_id,
        "t": round(show.clock.now(), 2),
        "connection": show.state.connection,
        "connection_detail": show.state.connection_detail,
        "paused": show.director.paused,
        "current_product": show.director.current_sku,
        "current_line": None if speaking is None else {"kind": speaking.plan.kind, "text": speaking.text},
        "waiting": show.triage.waiting,
        "dropped": dict(show.triage.dropped),
        "events": dict(show.state.events),
        "replies": [{"kind": r.plan.kind, "text": r.text, "t": r.t_first_audio, "latency_ms": r.latency_ms}
                    for r in list(show.ledger.recent)[-10:]],
    }


async def serve_control_api(show: Any, host: str, port: int, token: str | None) -> None:
    """Run the control API inside the show's event loop until cancelled."""
    import uvicorn

    if not is_loopback(host) and not token:
        raise ControlError(f"control API on {host} needs a token (LIVEBOT_CONTROL_TOKEN)")
    config = uvicorn.Config(create_control_app(show, token), host=host, port=port, log_level="warning",
                            lifespan="off")
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign] # the show owns signals
    try:
        await server.serve()
    except asyncio.CancelledError:
        server.should_exit = True
        raise
