"""Running the real `livebot` command in a subprocess, and small shared pieces for the trust tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LIVEBOT = Path(sys.executable).parent / "livebot"


def livebot(*args: str, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
    """Run `livebot ARGS` to its end; stdout and stderr captured as text."""
    full_env = {**os.environ, "COLUMNS": "80", **(env or {})}
    return subprocess.run([str(LIVEBOT), *args], capture_output=True, text=True, timeout=timeout,
                          env=full_env, cwd=cwd or ROOT, check=False)


def summary_json(stdout: str) -> dict[str, Any]:
    """The `--json` summary printed at the end of `livebot run`."""
    return json.loads(stdout[stdout.index("{"):])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening_addresses(port: int) -> set[str]:
    """Local addresses a TCP socket listens on for `port`, from /proc/net/tcp{,6} (the kernel's view)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state = fields[1], fields[3]
            addr_hex, port_hex = local.split(":")
            if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            if len(addr_hex) == 8:
                found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr_hex)[::-1]))
            else:
                raw = b"".join(bytes.fromhex(addr_hex[i:i + 8])[::-1] for i in range(0, 32, 8))
                found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


def one_error_line(stderr: str) -> str:
    """The single `error:` line a user error prints; fails when there is a traceback or several."""
    assert "Traceback" not in stderr and "╭" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    return errors[0]
