"""RTMP end to end: publish to a real nginx-rtmp on 127.0.0.1 in real time, read back what the
server received, and measure the voice-to-mouth offset there."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from bot.output.calibration import calibration_frames, probe_media
from bot.output.factory import open_output
from bot.output.sink import StreamFormat

FMT = StreamFormat(width=180, height=320, fps=25, sample_rate=44100)
FRAME_MS = 1000 / FMT.fps
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def nginx_rtmp(tmp_path: Path):
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None or not RTMP_MODULE.exists():
        pytest.skip("nginx with the RTMP module is not installed (Debian packages nginx, libnginx-mod-rtmp)")
    port = _free_port()
    record = tmp_path / "record"
    record.mkdir()
    record.chmod(0o777)  # nginx workers run as `nobody` when started as root
    (tmp_path / "logs").mkdir()
    conf = tmp_path / "nginx.conf"
    # As root, workers would run as `nobody` and could not reach the private tmp dir.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(f"""
load_module {RTMP_MODULE};
{user}
daemon off;
master_process on;
worker_processes 1;
error_log {tmp_path}/logs/error.log warn;
pid {tmp_path}/nginx.pid;
events {{ worker_connections 64; }}
rtmp {{
    server {{
        listen 127.0.0.1:{port};
        application live {{
            live on;
            record all;
            record_path {record};
            allow publish 127.0.0.1; deny publish all;
            allow play 127.0.0.1; deny play all;
        }}
    }}
}}
""")
    proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                err = proc.stderr.read().decode() if proc.stderr else ""
                pytest.skip(f"nginx-rtmp did not start: {err[-300:]}")
            time.sleep(0.05)
    yield port, record
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.slow
def test_output_rtmp_through_nginx_keeps_voice_on_the_mouth(nginx_rtmp: tuple[int, Path]) -> None:
    port, record = nginx_rtmp
    out = open_output(f"rtmp://127.0.0.1:{port}/live/x", FMT)
    assert out.realtime and out.name.endswith("/***")  # the stream key never reaches a log
    start = time.monotonic()
    for frame in calibration_frames(FMT, seconds=4.0):
        # The stage clock paces a live output; here the test is that clock.
        delay = start + frame.index / FMT.fps - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        out.write(frame)
    out.close()
    recording = record / "x.flv"
    deadline = time.monotonic() + 10
    while not (recording.exists() and recording.stat().st_size > 0) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # nginx finishes the file when the publisher leaves
    probe = probe_media(recording)
    assert probe.video_frames >= 95, probe
    offsets = probe.offsets_ms()
    assert len(offsets) == 4, probe
    assert all(abs(o) <= FRAME_MS for o in offsets), offsets
    assert abs(probe.audio_end - probe.video_end) <= FRAME_MS / 1000, probe
    print(f"RTMP via nginx: flash→beep offsets {offsets} ms (pid {os.getpid()})")
