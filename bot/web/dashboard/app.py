"""FastAPI dashboard: JSON endpoints over the store, PNG charts, and a proxy to the director's control API.

Pages: `/` lists every room (and every session run without one); `/session/ID` is one session's
live view and history, with the other sessions of its room (older runs, restarts).

Everything is served from this process (no CDN). Bound to anything but loopback it refuses to
start without a token; with a token every request needs it (header, cookie or ?token=).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, select

from bot.avatar.font_book import shipped_fonts
from bot.report.build import build_report_from, list_sessions, resolve_session_id
from bot.report.plot import CHARTS, chart_png
from bot.store.database import StoreError, open_engine
from bot.store.tables import EventRow, LiveSession
from bot.web.dashboard.rooms import list_rooms

STATIC_DIR = Path(__file__).resolve().parent / "static"
CONTROL_ACTIONS = ("pause", "resume", "skip", "say", "answer", "block", "product")
COOKIE = "livebot_token"
HEARTBEAT_STALE_S = 10.0  # as FleetSettings().stale_after_s: a supervised room's row older than this: "no heartbeat"

log = logging.getLogger(__name__)


def _loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def create_dashboard_app(db_url: str, control_url: str | None = None, token: str | None = None,
                         control_token: str | None = None, stale_after_s: float = HEARTBEAT_STALE_S) -> FastAPI:
    """The dashboard app over the store at `db_url`; moderator buttons go to `control_url`."""
    engine = open_engine(db_url)
    app = FastAPI(title="livebot dashboard", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.engine = engine
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.middleware("http")
    async def require_token(request: Request, call_next: Any) -> Response:
        if token is None:
            return await call_next(request)
        given = (request.query_params.get("token") or request.cookies.get(COOKIE)
                 or request.headers.get("authorization", "").removeprefix("Bearer ").strip())
        if not given or not hmac.compare_digest(given, token):
            return JSONResponse({"error": "token required"}, status_code=401)
        response = await call_next(request)
        if request.query_params.get("token"):
            response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    @app.get("/")
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "rooms.html")

    fonts = {path.name: path for path in shipped_fonts()}

    @app.get("/fonts/{name}")
    async def font(name: str) -> FileResponse:
        # livebot's own CJK + Vietnamese font, so room and product names draw on a machine without one
        if name not in fonts:
            raise HTTPException(404, f"no font {name!r}")
        return FileResponse(fonts[name], media_type="font/otf", headers={"Cache-Control": "max-age=86400"})

    @app.get("/session/{session}")
    async def session_page(session: str) -> FileResponse:
        return FileResponse(STATIC_DIR / "session.html")

    @app.get("/api/rooms")
    def rooms() -> dict[str, Any]:
        with engine.connect() as conn:
            return {"rooms": [r.as_dict() for r in list_rooms(conn, stale_after_s=stale_after_s)]}

    @app.get("/api/sessions")
    def sessions() -> list[dict[str, Any]]:
        with engine.connect() as conn:
            return list_sessions(conn)

    @app.get("/api/report/{session}")
    def report(session: str) -> dict[str, Any]:
        return _report(engine, session)

    @app.get("/api/chart/{session}/{chart}.png")
    def chart(session: str, chart: str) -> Response:
        if chart not in CHARTS:
            raise HTTPException(404, f"unknown chart {chart!r}")
        return Response(chart_png(_report(engine, session), chart), media_type="image/png")

    @app.get("/api/live")
    async def live(session: str | None = None) -> dict[str, Any]:
        out = await run_in_threadpool(_live_from_store, engine, session)
        if control_url:
            out["control"] = await run_in_threadpool(_call_control, control_url, "GET", "status", None,
                                                     control_token)
        else:
            out["control"] = {"ok": False, "error": "no control API configured (--control-url)"}
        return out

    @app.post("/api/control/{action}")
    async def control(action: str, request: Request) -> JSONResponse:
        if action not in CONTROL_ACTIONS:
            raise HTTPException(404, f"unknown action {action!r}; one of {', '.join(CONTROL_ACTIONS)}")
        if not control_url:
            return JSONResponse({"ok": False, "error": "no control API configured"}, status_code=503)
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            raise HTTPException(400, "body is not JSON") from None
        result = await run_in_threadpool(_call_control, control_url, "POST", action, body, control_token)
        return JSONResponse(result, status_code=200 if result["ok"] else 502)

    return app


def _report(engine: Engine, session: str) -> dict[str, Any]:
    try:
        with engine.connect() as conn:
            return build_report_from(conn, session)
    except StoreError as exc:
        raise HTTPException(404, str(exc)) from None


def _live_from_store(engine: Engine, session: str | None = None) -> dict[str, Any]:
    """`session` (an id, or a room's name: its newest session; default the newest of all): connection
    health, line being said, recent replies."""
    with engine.connect() as conn:
        if session is None:
            sid = conn.execute(select(LiveSession.id).order_by(LiveSession.id.desc()).limit(1)).scalar()
        else:
            try:
                sid = resolve_session_id(conn, session)
            except StoreError as exc:
                raise HTTPException(404, str(exc)) from None
        if sid is None:
            return {"session": None, "health": None, "current": None, "recent": []}
        health_payload = conn.execute(select(EventRow.payload).where(EventRow.session_id == sid,
                                                                     EventRow.type == "connection")
                                      .order_by(EventRow.id.desc()).limit(1)).scalar()
        rep = build_report_from(conn, sid)
    replies = rep["replies"]
    current = replies[-1] if replies else None
    return {"session": rep["session"], "health": health_payload, "current": current,
            "recent": list(reversed(replies[-10:])), "summary": {k: rep["summary"][k] for k in
                                                                  ("viewers", "comments", "answered_share",
                                                                   "latency_ms_p50", "orders")}}


def _call_control(base: str, method: str, action: str, body: dict[str, Any] | None,
                  control_token: str | None) -> dict[str, Any]:
    """One request to the director's control API; failures come back as {'ok': False, 'error': …}."""
    url = f"{base.rstrip('/')}/control/{action}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    if control_token:
        req.add_header("Authorization", f"Bearer {control_token}")
    try:
        with urllib.request.urlopen(req, timeout=3) as resp:  # noqa: S310 - URL is the operator's setting
            text = resp.read().decode("utf-8", "replace")
            try:
                payload: Any = json.loads(text) if text else None
            except json.JSONDecodeError:
                payload = text
            return {"ok": True, "status": resp.status, "response": payload}
    except urllib.error.HTTPError as exc:
        return {"ok": False, "status": exc.code, "error": exc.read().decode("utf-8", "replace")[:500]}
    except (urllib.error.URLError, OSError) as exc:
        log.warning("dashboard: control API %s %s failed: %s", method, action, exc)
        return {"ok": False, "error": f"control API unreachable: {getattr(exc, 'reason', exc)}"}


def dashboard_command(db: str, host: str, port: int, token: str | None,
                      control_url: str | None = None, control_token: str | None = None,
                      stale_after_s: float = HEARTBEAT_STALE_S) -> None:
    """Serve the dashboard; refuses a non-loopback host without a token. The caller passes the control
    API's URL and token (`Settings.control_*`); without a URL the buttons have nothing to reach."""
    import typer
    import uvicorn
    from rich.console import Console

    err = Console(stderr=True)
    if not _loopback(host) and not token:
        err.print(f"[red]error:[/] --host {host} is reachable from other machines; set --token "
                  "(or LIVEBOT_DASHBOARD_TOKEN) to protect the dashboard", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    try:
        app = create_dashboard_app(db, control_url=control_url, token=token, control_token=control_token,
                                   stale_after_s=stale_after_s)
    except StoreError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    err.print(f"dashboard on http://{host}:{port}/", highlight=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")
