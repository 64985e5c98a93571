"""`livebot doctor` against real servers on 127.0.0.1: an RTMP handshake, the fake OpenAI server, a sign server."""

from __future__ import annotations

import http.server
import socket
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.doctor_cmd import (
    check_database,
    check_fonts,
    check_llm,
    check_rtmp,
    check_sign_server,
    check_voices,
    installed_voices_by_language,
)
from bot.cli.main import app
from tests.fakes.openai_server import FakeOpenAI


def _serve(handle) -> tuple[int, threading.Thread, socket.socket]:
    srv = socket.create_server(("127.0.0.1", 0))

    def loop() -> None:
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        with conn:
            handle(conn)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return srv.getsockname()[1], thread, srv


def _rtmp_handshake(conn: socket.socket) -> None:
    """The server side of RTMP's first handshake step: read C0+C1, send S0 (version 3) + S1."""
    got = b""
    while len(got) < 1537:
        chunk = conn.recv(4096)
        if not chunk:
            return
        got += chunk
    if got[:1] == b"\x03":
        conn.sendall(b"\x03" + bytes(1536))


@pytest.fixture
def http_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(404)  # a sign server answers its root with an error page: still up
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as s:
        return s.getsockname()[1]


def test_rtmp_server_that_shakes_hands_is_ready_and_the_key_is_not_printed() -> None:
    port, thread, srv = _serve(_rtmp_handshake)
    with srv:
        finding = check_rtmp(f"rtmp://127.0.0.1:{port}/live/SECRET-KEY")
        thread.join(5)
    assert finding.ok and "handshake" in finding.detail and "SECRET" not in finding.detail


def test_rtmp_port_that_is_not_rtmp_or_is_closed_fails_with_a_fix() -> None:
    port, thread, srv = _serve(lambda conn: (conn.recv(4096), conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")))
    with srv:
        not_rtmp = check_rtmp(f"rtmp://127.0.0.1:{port}/live/key")
        thread.join(5)
    assert not not_rtmp.ok and "not answer as an RTMP server" in not_rtmp.detail and not_rtmp.required
    closed = check_rtmp(f"rtmp://127.0.0.1:{_closed_port()}/live/key")
    assert not closed.ok and "unreachable" in closed.detail and closed.fix
    assert not check_rtmp("http://example.invalid/x").ok


def test_llm_endpoint_answers_with_its_latency() -> None:
    with FakeOpenAI() as server:
        finding = check_llm(base_url=server.base_url, api_key="k", model="fake-model")
        assert server.requests and server.requests[0]["model"] == "fake-model"
    assert finding.ok and " ms" in finding.detail and finding.required


def test_llm_endpoint_failing_or_down_is_a_required_failure() -> None:
    with FakeOpenAI(mode="http500") as server:
        broken = check_llm(base_url=server.base_url, api_key="k", model="m")
    assert not broken.ok and "HTTP 500" in broken.detail and broken.required
    down = check_llm(base_url=f"http://127.0.0.1:{_closed_port()}/v1", api_key="k", model="m")
    assert not down.ok and "unreachable" in down.detail


def test_llm_not_configured_is_fine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    finding = check_llm()
    assert finding.ok and "offline" in finding.detail and not finding.required


def test_sign_server_up_or_down(http_server: str) -> None:
    up = check_sign_server(http_server)
    assert up.ok and "HTTP 404" in up.detail and not up.required
    down = check_sign_server(f"http://127.0.0.1:{_closed_port()}")
    assert not down.ok and "SIGN_API_URL" in down.fix


def test_database_writable_and_not(tmp_path: Path) -> None:
    good = tmp_path / "live.db"
    assert check_database(f"sqlite:///{good}").ok
    with sqlite3.connect(good) as conn:  # the probe was rolled back: nothing left behind
        assert not conn.execute("SELECT name FROM sqlite_master WHERE name='livebot_doctor_probe'").fetchall()
    bad = check_database(f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}")
    assert not bad.ok and bad.required and bad.fix


def test_fonts_cover_vietnamese_and_all_gb2312() -> None:
    finding = check_fonts()
    assert finding.ok and "6763/6763" in finding.detail


def test_voices_per_language_from_the_speech_listing() -> None:
    by_lang = installed_voices_by_language()
    assert set(by_lang) == {"vi", "zh", "en"} and all(any(v.startswith("espeak:") for v in by_lang[lang])
                                                      for lang in by_lang)
    assert check_voices(lambda: by_lang).ok
    missing = check_voices(lambda: {"vi": ["espeak:vi"], "zh": [], "en": ["espeak:en"]})
    assert not missing.ok and "zh" in missing.fix


def test_doctor_command_lines_and_exit_code(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                            http_server: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SIGN_API_URL", http_server)
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        ok = CliRunner().invoke(app, ["doctor", "--db", f"sqlite:///{tmp_path / 'a.db'}"])
    assert ok.exit_code == 0, ok.output
    lines = ok.output.splitlines()
    for name in ("voices", "fonts", "virtual camera", "audio device", "llm", "tiktok sign server", "database"):
        assert any(line[:1] in "✔✘" and f" {name}:" in line for line in lines), name
    assert "ready" in lines[-1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{_closed_port()}/v1")
    bad = CliRunner().invoke(app, ["doctor", "--db", f"sqlite:///{tmp_path / 'a.db'}",
                                   "--rtmp", f"rtmp://127.0.0.1:{_closed_port()}/live/k"])
    assert bad.exit_code == 1
    assert "✘ rtmp:" in bad.output and "✘ llm:" in bad.output and "not ready: rtmp, llm" in bad.output
