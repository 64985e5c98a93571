"""The dashboard in headless Chromium over a real uvicorn server, a real SQLite store and a
stand-in control API (a real HTTP server on 127.0.0.1 that records what it is sent)."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from bot.catalog.model import Catalog, Product
from bot.events import Comment, ConnectionHealth, HealthState, Purchase, ReplyPlan, SpokenReply, Viewer
from bot.report.build import build_report
from bot.store.catalog_repo import save_products
from bot.store.writer import StoreWriter
from bot.web.dashboard import create_dashboard_app

LAN = Viewer("7001", "lan.nguyen", "Lan")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _fill(url: str) -> None:
    save_products(url, Catalog([Product("AO-DO-01", "Áo đỏ", Decimal("249000"), "VND")]))
    w = StoreWriter(url)
    w.start_session("replay:dash.jsonl")
    w.log_event(ConnectionHealth(t=0.0, state=HealthState.CONNECTED))
    for i in range(7):
        w.log_event(Comment(t=1.0 + i, user=Viewer(str(100 + i), f"u{i}", f"U{i}"), text=f"hello {i}"))
    ask = Comment(t=9.0, user=LAN, text="áo đỏ giá bao nhiêu?")
    w.log_event(ask)
    plan = ReplyPlan(id=1, kind="answer", lang="vi", t_received=9.0, trigger=ask, skus=["AO-DO-01"])
    w.log_reply(SpokenReply(plan=plan, text="Áo đỏ 249.000đ nha Lan", skus=["AO-DO-01"], t_first_audio=9.7,
                            t_done=12.0))
    w.log_event(Purchase(t=20.0, user=LAN, sku="AO-DO-01", quantity=2))
    w.close()


class _Control(BaseHTTPRequestHandler):
    received: list[tuple[str, str, Any]] = []

    def _reply(self, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self._reply({"paused": False, "queue": 3})

    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers.get("Content-Length") or 0)
        self.received.append(("POST", self.path, json.loads(self.rfile.read(n) or b"{}")))
        self._reply({"ok": True})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def servers(tmp_path: Path) -> Any:
    url = f"sqlite:///{tmp_path / 'dash.db'}"
    _fill(url)
    control = ThreadingHTTPServer(("127.0.0.1", 0), _Control)
    _Control.received = []
    threading.Thread(target=control.serve_forever, daemon=True).start()
    control_url = f"http://127.0.0.1:{control.server_address[1]}"
    port = _free_port()
    app = create_dashboard_app(url, control_url=control_url, token="s3cret")
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield url, f"http://127.0.0.1:{port}"
    server.should_exit = True
    control.shutdown()


def test_api_needs_the_token_and_proxies_control(servers: Any) -> None:
    url, base = servers
    assert httpx.get(f"{base}/api/sessions").status_code == 401
    assert httpx.get(f"{base}/api/sessions?token=wrong").status_code == 401
    auth = {"Authorization": "Bearer s3cret"}
    rep = httpx.get(f"{base}/api/report/last", headers=auth).json()
    assert rep == json.loads(json.dumps(build_report(url, "last")))
    live = httpx.get(f"{base}/api/live", headers=auth).json()
    assert live["health"]["state"] == "connected" and live["control"]["response"]["queue"] == 3
    res = httpx.post(f"{base}/api/control/say", headers=auth, json={"text": "xin chào"})
    assert res.status_code == 200 and _Control.received[-1] == ("POST", "/control/say", {"text": "xin chào"})
    assert httpx.post(f"{base}/api/control/format-disk", headers=auth).status_code == 404
    png = httpx.get(f"{base}/api/chart/last/latency.png", headers=auth)
    assert png.status_code == 200 and png.content[:4] == b"\x89PNG"


def test_dashboard_page_in_chromium(servers: Any, tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    url, base = servers
    rep = build_report(url, "last")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        page.goto(f"{base}/?token=s3cret")  # the rooms page: this session, run without a room, is one row
        page.click("#rooms tbody tr a.room-link", timeout=15000)
        page.wait_for_url(f"**/session/{rep['session']['id']}")
        page.wait_for_selector("body[data-loaded='1']", timeout=15000)
        page.wait_for_function("document.querySelector('#health').textContent === 'connected'", timeout=10000)
        s = rep["summary"]
        assert page.text_content("#stat-viewers") == str(s["viewers"]) == "8"
        assert page.text_content("#stat-comments") == str(s["comments"]) == "8"
        assert page.text_content("#stat-orders") == "1"
        assert page.text_content("#stat-revenue") == "498.000đ"
        cells = page.locator("#products tbody tr").first.locator("td").all_text_contents()
        assert cells == ["AO-DO-01", "Áo đỏ", "1", "0", "0", "1", "2", "498.000đ"]
        assert "Áo đỏ 249.000đ nha Lan" in page.text_content("#current-line")
        page.click("button[data-action='pause']")
        page.wait_for_function("document.querySelector('#control-status').textContent.includes('pause: sent')")
        assert ("POST", "/control/pause", {}) in _Control.received
        page.wait_for_function("Array.from(document.querySelectorAll('#charts img')).every(i => i.naturalWidth > 0)")
        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")
