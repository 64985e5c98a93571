"""Moderator controls on a live show: the console and the HTTP control API steer a real
`livebot run --realtime` (console source, offline brain, espeak, sprite avatar, SQLite)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bot.paths import SAMPLE_CATALOG
from bot.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_console_and_control_api_steer_a_live_show(tmp_path: Path) -> None:
    port = free_port()
    db = f"sqlite:///{tmp_path}/live.db"
    env = {**os.environ, "LIVEBOT_CONTROL_PORT": str(port), "LIVEBOT_CONTROL_TOKEN": "t0k"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli.main", "run", "--source", "console", "--catalog", str(SAMPLE_CATALOG),
         "--output", "none", "--db", db, "--realtime", "--control"],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    api = httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": "Bearer t0k"}, timeout=5)

    def status() -> dict | None:
        try:
            r = api.get("/status")
            return r.json() if r.status_code == 200 else None
        except httpx.HTTPError:
            return None

    def send(line: str) -> None:
        assert proc.stdin is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()

    try:
        wait_for(status, 60, "the control API")
        assert httpx.get(f"http://127.0.0.1:{port}/status").status_code == 401  # token required
        send("/as lan.nguyen Lan: áo đỏ giá bao nhiêu vậy shop?")
        assert api.post("/control/say", json={"text": "Năm phút nữa shop tặng quà nha"}).json()["ok"]
        wait_for(lambda: any("tặng quà" in r["text"] for r in (status() or {}).get("replies", [])), 60,
                 "the moderator line to be said")
        send("/block spammer")
        send("/as spammer Spam: quần jean giá bao nhiêu?")
        assert api.post("/control/product", json={"sku": "GIAY-TT-08"}).status_code == 200
        assert api.post("/control/product", json={"sku": "NOPE"}).status_code == 404
        wait_for(lambda: (status() or {}).get("current_product") == "GIAY-TT-08", 30, "the product switch")
        send("/pause")
        wait_for(lambda: (status() or {}).get("paused") is True, 10, "pause")
        send("/resume")
        wait_for(lambda: (status() or {}).get("paused") is False, 10, "resume")
        send("/say Một câu rất dài để kiểm tra bỏ qua, shop sẽ nói thật lâu về chất liệu, kiểu dáng và màu sắc.")
        wait_for(lambda: ((status() or {}).get("current_line") or {}).get("kind") == "moderator", 30, "the long line")
        assert api.post("/control/skip").json()["ok"]
        send("/end")
        assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        if proc.poll() is None:
            proc.kill()
        api.close()
    report = build_report(db, "last")
    texts = [r["text"] for r in report["replies"]]
    answer = next(r for r in report["replies"] if r["kind"] == "answer" and r["trigger"]
                  and r["trigger"]["user"]["unique_id"] == "lan.nguyen")
    assert "199.000đ" in answer["text"]
    assert any("tặng quà" in t for t in texts)
    assert not any(r["trigger"] and r["trigger"]["user"]["unique_id"] == "spammer" for r in report["replies"])
    assert report["dropped"].get("blocked_viewer", 0) >= 1
    skipped = [r for r in report["replies"] if r["kind"] == "moderator" and "rất dài" in r["text"]]
    assert skipped and skipped[0]["cut"] is True
    json.dumps(report)  # the report stays serialisable
