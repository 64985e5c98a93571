"""Fleet tests' materials: short event logs (DESIGN §2.3), fleet files, and `livebot fleet` as a real process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from bot.paths import SAMPLE_CATALOG

ROOT = Path(__file__).resolve().parents[2]
LAN = {"id": "7001", "unique_id": "lan.nguyen", "nickname": "Lan"}
HOA = {"id": "7004", "unique_id": "hoa.pham", "nickname": "Hoa"}
TUAN = {"id": "7005", "unique_id": "tuan99", "nickname": "Tuấn"}
MINH = {"id": "7002", "unique_id": "minh.tran", "nickname": "Minh"}

# What each viewer asks; the offline brain answers these from the sample catalog.
ASKS = {"red-shirt": (LAN, "áo đỏ giá bao nhiêu vậy shop?"), "jeans": (HOA, "quần jean còn size 28 không shop"),
        "dress": (TUAN, "váy hoa giá sao ạ"), "linen": (MINH, "áo sơ mi trắng giá bao nhiêu ạ")}


def write_event_log(path: Path, length_s: float, asks: list[str], viewers: int = 15) -> Path:
    """A room of `length_s` seconds: a viewer count, a pin, and the named questions a few seconds apart."""
    events: list[dict[str, Any]] = [{"t": 0.0, "type": "viewers", "count": viewers - 3},
                                    {"t": 0.5, "type": "product_pinned", "sku": "AO-DO-01"}]
    for i, key in enumerate(asks):
        user, text = ASKS[key]
        events.append({"t": 1.0 + i * 0.2, "type": "join", "user": user})
        events.append({"t": 3.0 + i * 6.0, "type": "comment", "user": user, "text": text})
    events.append({"t": length_s, "type": "viewers", "count": viewers})
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    return path


def write_fleet(path: Path, rooms: list[dict[str, Any]]) -> Path:
    """FLEET.yaml with these rooms; the catalog defaults to the sample one."""
    path.write_text(yaml.safe_dump({"rooms": [{"catalog": str(SAMPLE_CATALOG), **r} for r in rooms]},
                                   allow_unicode=True), encoding="utf-8")
    return path


def fleet_env(**extra: str) -> dict[str, str]:
    """The environment for `livebot fleet`: short restart waits and heartbeats, so tests wait seconds, not minutes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEBOT_") or k == "LIVEBOT_VOICES_DIR"}
    env.update(LIVEBOT_FLEET__BACKOFF_S="0.2", LIVEBOT_FLEET__HEARTBEAT_S="0.5", LIVEBOT_FLEET__STOP_GRACE_S="30",
               PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def livebot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot.cli.main", *args]


def start_fleet(fleet: Path, db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(livebot("fleet", "run", str(fleet), "--db", db, "--json", *args), cwd=fleet.parent,
                            env=env or fleet_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str], timeout: float = 150) -> tuple[int, dict[str, Any] | None, str]:
    """Wait for the fleet; its exit status, its JSON summary (None when it printed none) and its stderr."""
    out, err = proc.communicate(timeout=timeout)
    try:
        summary = json.loads(out) if out.strip() else None
    except json.JSONDecodeError as exc:
        raise AssertionError(f"not JSON on stdout: {out!r}\nstderr: {err}") from exc
    return proc.returncode, summary, err


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(livebot(*args), env=env or fleet_env(), capture_output=True, text=True, timeout=120)


def wait_for(what: str, check: Callable[[], Any], timeout: float = 90.0, every: float = 0.1) -> Any:
    """Poll until `check()` is truthy (and return it); fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def db_rows(db_file: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    """Read the shared SQLite file the way another process would (WAL readers never block the rooms)."""
    if not db_file.exists():
        return []
    conn = sqlite3.connect(db_file, timeout=5)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # the schema is not there yet
        return []
    finally:
        conn.close()


def room_by(rooms: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in rooms}
