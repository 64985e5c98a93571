"""How fast the whole host runs a 3-minute replay (`livebot run --fast`), per frame, and its peak memory.

Runs the real CLI in a subprocess twice — with MP4 output and with no output — so encoding
cost per frame is the difference of the two, measured in one run of this script.
Writes bench/out/pipeline.json.
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SESSION = ROOT / "samples" / "session.jsonl"
CATALOG = ROOT / "samples" / "catalog.csv"


def run_once(output: str, db: str) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bot.cli.main", "run", "--source", f"replay:{SESSION}", "--catalog", str(CATALOG),
         "--output", output, "--fast", "--db", db, "--json"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    summary = json.loads(proc.stdout[proc.stdout.index("{"):])
    return {"wall_s": wall, "session_s": summary["session_s"], "frames": summary["frames"],
            "render_ms_per_frame": summary["render_ms_per_frame"], "peak_rss_mb": after.ru_maxrss / 1024,
            "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "replies": summary["replies"]}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        none = run_once("none", f"sqlite:///{tmp}/a.db")
        mp4 = run_once(str(Path(tmp) / "bench.mp4"), f"sqlite:///{tmp}/b.db")
    frames = mp4["frames"]
    result = {
        "machine": f"{platform.machine()} {platform.processor() or ''} cores={__import__('os').cpu_count()}",
        "session_s": mp4["session_s"],
        "wall_s_mp4": round(mp4["wall_s"], 2),
        "wall_over_session_mp4": round(mp4["wall_s"] / mp4["session_s"], 3),
        "wall_s_no_output": round(none["wall_s"], 2),
        "wall_over_session_no_output": round(none["wall_s"] / none["session_s"], 3),
        "render_ms_per_frame": round(mp4["render_ms_per_frame"], 2),
        "mp4_added_wall_ms_per_frame": round((mp4["wall_s"] - none["wall_s"]) * 1000 / frames, 2),
        "cpu_s_mp4": round(mp4["cpu_s"], 1),
        "peak_rss_mb": round(max(mp4["peak_rss_mb"], none["peak_rss_mb"]), 1),
        "frames": frames,
        "replies": mp4["replies"],
    }
    (OUT / "pipeline.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
