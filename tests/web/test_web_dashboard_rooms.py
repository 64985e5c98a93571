"""The dashboard's rooms page over a real SQLite store written by the real StoreWriter and the fleet's
RoomStates, served by real uvicorn, read through the API and in headless Chromium. A supervisor that
died is simulated by moving its room's `updated` back a minute (nothing here runs a fleet)."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import update

from bot.catalog.model import Catalog, Product
from bot.events import Comment, Purchase, ReplyPlan, SpokenReply, Viewer, ViewerCount
from bot.fleet.room_states import RoomStates
from bot.store.catalog_repo import save_products
from bot.store.database import open_engine
from bot.store.tables import FleetRoomRow, LiveSession
from bot.store.writer import StoreWriter
from bot.web.dashboard import create_dashboard_app

ROOM_A = "Phòng 1 · 女装"  # restarted once, supervised, heartbeat fresh
ROOM_B = "Room B"  # supervised, but its supervisor stopped writing a minute ago
ROOM_C = "cửa hàng C"  # run by hand (`livebot run --room`), ended, no fleet row
LAN = Viewer("7001", "lan.nguyen", "Lan")
WEI = Viewer("8001", "wei", "伟")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session(url: str, room: str | None, attempt: int, *, viewers: list[int], commenters: int, replies: int,
             orders: int, end: bool = True) -> int:
    w = StoreWriter(url)
    sid = w.start_session(f"replay:{room or 'plain'}.jsonl", room=room, attempt=attempt)
    for i, n in enumerate(viewers):
        w.log_event(ViewerCount(t=float(i), count=n))
    asks = []
    for i in range(commenters):
        ask = Comment(t=2.0 + i, user=Viewer(str(100 + i), f"u{i}", f"Nguyễn {i}"), text="áo đỏ giá bao nhiêu?")
        w.log_event(ask)
        asks.append(ask)
    for i in range(replies):
        plan = ReplyPlan(id=i + 1, kind="answer", lang="vi", t_received=asks[i].t, trigger=asks[i], skus=["AO-DO-01"])
        w.log_reply(SpokenReply(plan=plan, text="Áo thun đỏ 249.000đ nha", skus=["AO-DO-01"],
                                t_first_audio=asks[i].t + 0.8, t_done=asks[i].t + 3.0))
    for i in range(orders):
        w.log_event(Purchase(t=20.0 + i, user=LAN if i % 2 == 0 else WEI, sku="HONG-02", quantity=1))
    w.close()
    if not end:  # still on air: everything written, `ended` not yet set
        engine = open_engine(url)
        with engine.begin() as conn:
            conn.execute(update(LiveSession.__table__).where(LiveSession.__table__.c.id == sid)  # type: ignore[attr-defined]
                         .values(ended=None))
        engine.dispose()
    return sid


@pytest.fixture
def store(tmp_path: Path) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'rooms.db'}"
    save_products(url, Catalog([Product("AO-DO-01", "Áo thun đỏ", Decimal("249000"), "VND"),
                                Product("HONG-02", "红色上衣", Decimal("59"), "CNY")]))
    ids = {
        "a1": _session(url, ROOM_A, 1, viewers=[40], commenters=3, replies=1, orders=1),  # crashed, closed
        "b1": _session(url, ROOM_B, 1, viewers=[], commenters=4, replies=2, orders=0, end=False),
        "plain": _session(url, None, 1, viewers=[77], commenters=1, replies=1, orders=0, end=False),
        "c1": _session(url, ROOM_C, 1, viewers=[12, 30], commenters=2, replies=0, orders=1),
        "a2": _session(url, ROOM_A, 2, viewers=[120, 150], commenters=2, replies=2, orders=2, end=False),
    }
    states = RoomStates(url, "local")
    now = datetime.now(UTC)
    states.write(ROOM_A, "running", started=now, restarts=1, last_error="exit code -9", session_id=ids["a2"])
    states.write(ROOM_B, "running", started=now, restarts=0, last_error=None, session_id=ids["b1"])
    states.write("Room D", "failed", started=None, restarts=0, last_error="catalog not found: d.csv", session_id=None)
    with states.engine.begin() as conn:  # Room B's supervisor died: its heartbeat stopped a minute ago
        conn.execute(update(FleetRoomRow.__table__).where(FleetRoomRow.__table__.c.name == ROOM_B)  # type: ignore[attr-defined]
                     .values(updated=now - timedelta(seconds=60)))
    states.close()
    return {"url": url, "ids": ids}


@pytest.fixture
def server(store: dict[str, Any]) -> Iterator[str]:
    port = _free_port()
    app = create_dashboard_app(store["url"], token="s3cret")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    # a chart still drawing in a worker thread when the interpreter exits aborts it: let requests finish
    srv.should_exit = True
    thread.join(timeout=10)


def _fonts_drawing(page: Any, selector: str) -> dict[str, int]:
    """Which fonts Chromium used for the text in `selector`, with how many glyphs each drew (DevTools' CSS domain)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    text_node = cdp.send("DOM.describeNode", {"nodeId": node, "depth": 1})["node"]["children"][0]["backendNodeId"]
    text_id = cdp.send("DOM.pushNodesByBackendIdsToFrontend", {"backendNodeIds": [text_node]})["nodeIds"][0]
    used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": text_id})["fonts"]
    cdp.detach()
    return {f["familyName"]: int(f["glyphCount"]) for f in used}


def test_api_rooms_gives_each_room_its_state_and_figures(store: dict[str, Any], server: str) -> None:
    ids = store["ids"]
    assert httpx.get(f"{server}/api/rooms").status_code == 401
    res = httpx.get(f"{server}/api/rooms", headers={"Authorization": "Bearer s3cret"})
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/json")
    rooms = res.json()["rooms"]
    got = [(r["room"], r["state"], r["session_id"], r["viewers"], r["replies"], r["orders"], r["restarts"],
            [s["id"] for s in r["sessions"]]) for r in rooms]
    assert got == [
        (ROOM_A, "running", ids["a2"], 150, 2, 2, 1, [ids["a2"], ids["a1"]]),  # newest session's figures
        (ROOM_B, "no heartbeat", ids["b1"], 4, 2, 0, 0, [ids["b1"]]),  # no viewers event: distinct viewers
        ("Room D", "failed", None, None, 0, 0, 0, []),  # never started a session
        (ROOM_C, "ended", ids["c1"], 30, 0, 1, 0, [ids["c1"]]),
        (None, "live", ids["plain"], 77, 1, 0, 0, [ids["plain"]]),
    ]
    by_room = {r["room"]: r for r in rooms}
    assert [s["attempt"] for s in by_room[ROOM_A]["sessions"]] == [2, 1]
    assert by_room[ROOM_A]["last_error"] == "exit code -9" and by_room[ROOM_A]["heartbeat_age_s"] < 15
    assert by_room[ROOM_B]["fleet_state"] == "running" and by_room[ROOM_B]["heartbeat_age_s"] >= 60
    assert by_room["Room D"]["last_error"] == "catalog not found: d.csv"
    live = httpx.get(f"{server}/api/live", params={"session": ROOM_A}, headers={"Authorization": "Bearer s3cret"})
    assert live.json()["session"]["id"] == ids["a2"]  # a room's live view follows its newest session
    missing = httpx.get(f"{server}/api/live", params={"session": "nowhere"}, headers={"Authorization": "Bearer s3cret"})
    assert missing.status_code == 404 and "nowhere" in missing.json()["detail"]


def test_rooms_page_in_chromium_lists_rooms_and_opens_a_room(store: dict[str, Any], server: str,
                                                              tmp_path: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium not installed (Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    ids = store["ids"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{server}/?token=s3cret")
        page.wait_for_selector("body[data-loaded='1'] #rooms tbody tr")
        names = page.locator("#rooms tbody td.name").all_text_contents()
        assert names == [ROOM_A, ROOM_B, "Room D", ROOM_C, f"session #{ids['plain']} · replay:plain.jsonl"]
        row_a = page.locator(f"#rooms tbody tr[data-room='{ROOM_A}']")
        assert row_a.locator("td.state").text_content() == "running"
        assert [row_a.locator(f"td.{c}").text_content() for c in ("viewers", "replies", "orders")] == ["150", "2", "2"]
        assert row_a.locator("td.sessions").text_content().split() == [f"#{ids['a2']}", "(restart", "1)",
                                                                         f"#{ids['a1']}"]
        assert page.locator(f"#rooms tbody tr[data-room='{ROOM_B}'] td.state").text_content() == "no heartbeat"
        # the hanzi of the room's name are drawn by the font the dashboard serves (a system font here
        # claims them and draws boxes), the Vietnamese letters by the system's
        page.wait_for_function("document.fonts.ready.then(() => true)")
        fonts = _fonts_drawing(page, f"#rooms tbody tr[data-room='{ROOM_A}'] a.room-link")
        assert fonts.get("Livebot Sans") == 2, fonts
        assert sum(fonts.values()) == len(ROOM_A), fonts
        shot = tmp_path / "rooms.png"
        page.screenshot(path=str(shot), full_page=True)

        page.click(f"#rooms tbody tr[data-room='{ROOM_A}'] a.room-link")
        page.wait_for_url(f"**/session/{ids['a2']}")
        page.wait_for_selector("body[data-loaded='1']")
        assert page.text_content("#room-label") == f"room {ROOM_A}"
        assert "restart 1" in page.text_content("#session-label")
        assert page.text_content("#stat-orders") == "2"
        products = page.locator("#products tbody tr td:nth-child(2)").all_text_contents()
        assert "红色上衣" in products and "Áo thun đỏ" in products
        options = page.locator("#session-select option").all_text_contents()
        assert [o.split()[0] for o in options] == [f"#{ids['a2']}", f"#{ids['a1']}"]  # this room's runs only
        assert "restart 1" in options[0] and ROOM_A in options[1]
        page.wait_for_function("document.querySelector('#current-line').textContent.includes('249.000đ')")

        page.select_option("#session-select", str(ids["a1"]))  # the run before the restart
        page.wait_for_function(f"document.querySelector('#session-label').textContent.startsWith('session {ids['a1']} ')")
        assert page.text_content("#stat-orders") == "1" and page.url.endswith(f"/session/{ids['a1']}")
        page.wait_for_function("Array.from(document.querySelectorAll('#charts img')).every(i => i.complete)")
        browser.close()
    assert shot.stat().st_size > 10_000
