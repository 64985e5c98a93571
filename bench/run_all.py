"""`make bench`: run every benchmark in bench/, then write bench/results.json and BENCHMARKS.md.

Each bench_*.py is a standalone script that prints its figures and writes bench/out/<name>.json;
this runner only orchestrates, records failures honestly, and renders the table (or the Markdown a
benchmark wrote under "markdown", with its "title"). Any bench_*.py is picked up by name.
`run_all.py pace tts` runs only those and keeps the other benchmarks' figures from the last
bench/results.json, so one new bench does not wipe the table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
TIMEOUT_S = 900


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_gb, 1), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}", "gpu": "none"}


def flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, int | float | str | bool) or value is None:
        out[prefix] = value


def main(argv: list[str]) -> int:
    only = set(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    scripts = sorted(p for p in BENCH.glob("bench_*.py")
                     if not only or p.stem in only or p.stem.removeprefix("bench_") in only)
    previous = _previous() if only else {}
    runs: dict[str, Any] = dict(previous.get("runs", {}))
    for script in scripts:
        name = script.stem.removeprefix("bench_")
        print(f"== {script.name}", flush=True)
        t0 = time.perf_counter()
        try:
            proc = subprocess.run([sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True,
                                  timeout=TIMEOUT_S)
            ok = proc.returncode == 0
            tail = (proc.stdout + proc.stderr)[-2000:]
        except subprocess.TimeoutExpired:
            ok, tail = False, f"timed out after {TIMEOUT_S} s"
        runs[name] = {"ok": ok, "seconds": round(time.perf_counter() - t0, 1)}
        if not ok:
            runs[name]["error"] = tail
            print(f"   FAILED: {tail[-500:]}", flush=True)
    results: dict[str, Any] = {"generated": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
                               "runs": dict(sorted(runs.items())),
                               "benchmarks": dict(previous.get("benchmarks", {}))}
    ran = {s.stem.removeprefix("bench_") for s in scripts}
    for path in sorted(OUT.glob("*.json")):
        if only and path.stem not in ran:
            continue  # a stale file from an older run; results.json has that bench's figures
        try:
            results["benchmarks"][path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            results["benchmarks"][path.stem] = {"error": f"unreadable: {exc}"}
    results["benchmarks"] = dict(sorted(results["benchmarks"].items()))
    if only and previous.get("generated"):
        results["partial"] = {"ran": sorted(ran), "others_from": previous["generated"],
                              "others_cpu": previous.get("machine", {}).get("cpu", "")}
    (BENCH / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    (ROOT / "BENCHMARKS.md").write_text(render_markdown(results), encoding="utf-8")
    print(f"wrote {BENCH / 'results.json'} and {ROOT / 'BENCHMARKS.md'}")
    return 0 if all(runs[s.stem.removeprefix("bench_")]["ok"] for s in scripts) else 1


def _previous() -> dict[str, Any]:
    try:
        return json.loads((BENCH / "results.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def render_markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# Benchmarks", "",
        f"Generated {results['generated']} by `make bench` on: {m['cpu']}, {m['cores']} cores, "
        f"{m['memory_gb']} GB, {m['system']}, Python {m['python']}, GPU: {m['gpu']}.", "",
        "These machines are shared and noisy: compare ratios taken in one run, not absolute numbers across runs.", "",
    ]
    if results.get("partial"):
        part = results["partial"]
        lines += [f"Partial run: {', '.join(part['ran'])} ran now; the other figures are from "
                  f"{part['others_from']} ({part.get('others_cpu') or 'machine unknown'}).", ""]
    lines += [
        "| benchmark | ran | seconds |", "|---|---|---|",
    ]
    for name, run in results["runs"].items():
        lines.append(f"| {name} | {'ok' if run['ok'] else 'FAILED'} | {run['seconds']} |")
    for name, data in results["benchmarks"].items():
        if isinstance(data, dict) and isinstance(data.get("markdown"), str):
            # a benchmark whose figures read better as its own table (bench_room) renders it itself
            lines += ["", f"## {data.get('title') or name}", "", data["markdown"]]
            continue
        flat: dict[str, Any] = {}
        flatten("", data, flat)
        lines += ["", f"## {name}", "", "| figure | value |", "|---|---|"]
        for key, value in list(flat.items())[:60]:
            if isinstance(value, float):
                value = f"{value:.4g}"
            lines.append(f"| {key} | {value} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
