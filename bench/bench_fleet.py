"""Cost per room: 1, 2, 4, 8 sprite rooms (720×1280, 25 fps, offline brain, `--fast`) side by side on this machine.

Each fleet is a generated FLEET.yaml in a temp folder: N rooms replaying the first SESSION_S seconds of
`samples/session.jsonl` with `samples/catalog.csv`, all in one SQLite database, once with MP4 output
(`roomI.mp4`) and once with `--output none`. Per (N, output): the fleet's wall seconds, session seconds
rendered per wall second (real-time factor), CPU seconds and peak memory per room, and real-time rooms
per core. Writes bench/out/fleet.json (its Markdown goes into BENCHMARKS.md) and bench/out/fleet.png.

    python bench/bench_fleet.py            # N = 1, 2, 4, 8: ~600 CPU s, so ~5-6 minutes on 2 quiet cores
    python bench/bench_fleet.py --quick    # N = 1, 2 on a 30 s slice, to bench/out/fleet-quick/: a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SESSION = ROOT / "samples" / "session.jsonl"
CATALOG = ROOT / "samples" / "catalog.csv"

ROOMS = (1, 2, 4, 8)
QUICK_ROOMS = (1, 2)
SESSION_S = 90.0  # of the sample's 170 s: 15 rooms × 2 outputs of the whole show would pass 10 minutes here
QUICK_SESSION_S = 30.0
OUTPUTS = ("mp4", "none")
AIM_ROOMS_PER_CORE = 3.0  # issue 18: ≥ 3 real-time sprite rooms per core with file output
AIM_RSS_MB = 300.0  # … and ≤ 300 MB per room
SAMPLE_EVERY_S = 0.5  # how often the process tree's memory is read


@dataclass(slots=True)
class FleetRun:
    """One fleet run as measured from outside: wall, CPU and memory of the whole process tree, and each room."""

    wall_s: float
    cpu_s: float  # every process of the run, supervisor and startup included (rusage of the waited-for tree)
    tree_peak_pss_mb: float  # the largest sum of RSS over the tree seen while it ran
    rooms: list[dict[str, Any]] = field(default_factory=list)
    ok: bool = True
    error: str | None = None  # the fleet as a whole printed no summary


def slice_log(src: Path, seconds: float, dest: Path) -> Path:
    """The first `seconds` of an event log, ended by `live_end` there; lines that are not events stay as they are."""
    kept: list[str] = []
    for line in src.read_text(encoding="utf-8").splitlines():
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:
            kept.append(line)  # the sample's broken line: the show reports and skips it, so the slice keeps it
            continue
        if isinstance(ev, dict) and isinstance(ev.get("t"), int | float) and (
                ev["t"] >= seconds or ev.get("type") == "live_end"):
            break
        kept.append(line)
    kept.append(json.dumps({"t": float(seconds), "type": "live_end"}))
    dest.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return dest


def write_fleet(folder: Path, rooms: int, output: str, log: Path, catalog: Path = CATALOG) -> Path:
    """FLEET.yaml in `folder`: `rooms` rooms replaying `log`, each to `roomI.mp4` (output "mp4") or nowhere."""
    entries = [{"name": f"room{i}", "source": f"replay:{log.name}", "catalog": str(catalog),
                "output": f"room{i}.mp4" if output == "mp4" else "none"} for i in range(1, rooms + 1)]
    path = folder / "FLEET.yaml"
    path.write_text(yaml.safe_dump({"rooms": entries}, sort_keys=False), encoding="utf-8")
    return path


class _TreeMemory:
    """Samples the PSS of a process's descendants (and its own, with `with_top`) in a thread; keeps the peak sum.

    PSS, not RSS: rooms forked from the fleet's fork server share its loaded code and language models, and
    RSS would count those pages once per room; PSS splits each shared page among its sharers, so the sum is
    what the fleet really holds."""

    def __init__(self, pid: int, with_top: bool = True) -> None:
        self.pid, self.with_top, self.peak_mb = pid, with_top, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        try:
            top = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._done.wait(SAMPLE_EVERY_S):
            try:
                procs = [top] * self.with_top + top.children(recursive=True)
            except psutil.NoSuchProcess:
                return
            total = 0
            for p in procs:
                try:
                    total += p.memory_full_info().pss
                except psutil.NoSuchProcess:
                    pass  # a room that ended between listing and reading
            self.peak_mb = max(self.peak_mb, total / 2**20)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak_mb


def _wait(pid: int) -> tuple[int, float, float]:
    """Reap `pid`: its exit code, CPU seconds and peak RSS MB of it and the descendants it waited for."""
    _, status, usage = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def _json_in(text: str, where: str) -> dict[str, Any]:
    """The JSON object a `--json` command printed (log lines may come before it)."""
    start = text.find("{")
    if start < 0:
        raise RuntimeError(f"{where}: printed no JSON: {text[-300:]!r}")
    return json.loads(text[start:])


def run_fleet(fleet_yaml: Path, db: str) -> FleetRun:
    """`livebot fleet run FLEET.yaml --fast --json --db DB`, measured from outside."""
    out = fleet_yaml.with_suffix(".out")
    cmd = [sys.executable, "-m", "bot.cli.main", "fleet", "run", str(fleet_yaml), "--fast", "--json", "--db", db]
    t0 = time.perf_counter()
    with out.open("w", encoding="utf-8") as stdout, (fleet_yaml.parent / "fleet.err").open("w") as stderr:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=stdout, stderr=stderr)
        memory = _TreeMemory(proc.pid)
        code, cpu_s, _ = _wait(proc.pid)
        proc.returncode = code  # reaped by wait4 above, which Popen cannot know
    wall = time.perf_counter() - t0
    peak = memory.stop()
    try:
        summary = _json_in(out.read_text(encoding="utf-8"), "livebot fleet run")
    except (RuntimeError, json.JSONDecodeError) as exc:
        tail = (fleet_yaml.parent / "fleet.err").read_text(encoding="utf-8", errors="replace")[-300:]
        return FleetRun(wall, cpu_s, peak, [], ok=False, error=f"exit {code}: {exc}; stderr: {tail!r}")
    rooms = [{"name": r["name"], "ok": r.get("code") == 0 and not r.get("error"), "session_s": r["session_s"],
              "wall_s": r["wall_s"], "cpu_s": r["cpu_s"], "peak_rss_mb": r["peak_rss_mb"],
              "restarts": r.get("restarts", 0), "error": r.get("error")} for r in summary["rooms"]]
    return FleetRun(wall, cpu_s, peak, rooms, ok=bool(summary.get("ok")) and code == 0)


def figures(n: int, output: str, run: FleetRun, cores: int) -> dict[str, Any]:
    """The table row for one fleet run (formulas in `NOTES`)."""
    session = sum(r["session_s"] for r in run.rooms)
    room_cpu = sum(r["cpu_s"] for r in run.rooms)
    rtf = session / run.wall_s if run.wall_s else 0.0
    return {
        "rooms": n, "output": output, "ok": run.ok, "failed": n - sum(r["ok"] for r in run.rooms),
        "restarts": sum(r.get("restarts") or 0 for r in run.rooms),
        "session_s": round(session, 1), "wall_s": round(run.wall_s, 1), "realtime_factor": round(rtf, 2),
        "cpu_s_per_room": round(run.cpu_s / n, 1), "room_cpu_s_per_room": round(room_cpu / n, 1),
        "cores_used": round(run.cpu_s / run.wall_s, 2) if run.wall_s else 0.0,
        "rt_rooms_per_core": round(session / run.cpu_s, 2) if run.cpu_s else 0.0,
        "rt_rooms_per_core_show": round(session / room_cpu, 2) if room_cpu else 0.0,
        "rt_rooms_per_core_given": round(rtf / min(n, cores), 2),
        "peak_rss_mb_per_room": round(max((r["peak_rss_mb"] for r in run.rooms), default=0.0), 1),
        "tree_pss_mb_per_room": round(run.tree_peak_pss_mb / n, 1),
        "errors": ([f"fleet: {run.error}"] if run.error else [])
        + [f"{r['name']}: {r['error']}" for r in run.rooms if r.get("error")][:3],
    }


def measure(rooms: tuple[int, ...], outputs: tuple[str, ...], session_s: float,
            progress: bool = True) -> list[dict[str, Any]]:
    """Every (N, output) fleet, each in a fresh temp folder with its own database; the table rows."""
    cores = os.cpu_count() or 1
    rows = []
    for n in rooms:
        for output in outputs:
            with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
                folder = Path(tmp)
                log = slice_log(SESSION, session_s, folder / "session.jsonl")
                run = run_fleet(write_fleet(folder, n, output, log), f"sqlite:///{folder / 'fleet.db'}")
            row = figures(n, output, run, cores)
            rows.append(row)
            if progress:
                print(f"   {n} rooms, {output}: {json.dumps(row, ensure_ascii=False)}", flush=True)
    return rows


COLUMNS = [("rooms", "rooms"), ("output", "output"), ("wall_s", "fleet wall s"), ("session_s", "session s"),
           ("realtime_factor", "session s / wall s"), ("cores_used", "cores used"),
           ("cpu_s_per_room", "CPU s / room"), ("rt_rooms_per_core", "RT rooms / core"),
           ("rt_rooms_per_core_show", "RT rooms / core, show only"),
           ("rt_rooms_per_core_given", "RT rooms / given core"), ("peak_rss_mb_per_room", "peak RSS MB / room"),
           ("tree_pss_mb_per_room", "fleet PSS MB / room"), ("failed", "failed")]

NOTES = ("session s: session seconds rendered by all rooms together; session s / wall s: the fleet's real-time "
         "factor (startup included); cores used = CPU s of the whole process tree (supervisor, imports and every "
         "room, from the reaped processes' rusage) / fleet wall s; CPU s / room = that CPU s / N; "
         "**RT rooms / core = session s / CPU s** (= real-time factor / cores used: how many rooms one fully used "
         "core keeps in real time); RT rooms / core, show only = session s / the CPU s the rooms report for "
         "their show alone (no imports, no supervisor: what a long live room costs); RT rooms / given core = "
         "real-time factor / min(N, cores), what this machine gave while shared; peak RSS / room: the largest "
         "room's own peak RSS (shared pages counted in full); fleet PSS / room: the peak of the summed PSS of "
         "every process in the run (supervisor and fork server included) / N — what one room really costs, since "
         "rooms share the fork server's loaded code and language models.")


def _cell(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table."""
    lines = ["| " + " | ".join(h for _, h in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(_cell(r.get(k)) for k, _ in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def aims(rows: list[dict[str, Any]]) -> str:
    """One line per aim of issue 18, met or not, from the MP4 rows."""
    mp4 = [r for r in rows if r["output"] == "mp4" and r["ok"]]
    if not mp4:
        return "Aims: no MP4 fleet ended cleanly, nothing to judge."
    worst_core = min(r["rt_rooms_per_core"] for r in mp4)
    largest = max(r["rooms"] for r in mp4)
    # Memory per room is judged where a fleet is a fleet: at its largest N, the supervisor's share is small.
    worst_mem = max(r["tree_pss_mb_per_room"] for r in mp4 if r["rooms"] == largest)
    core = "met" if worst_core >= AIM_ROOMS_PER_CORE else "NOT met"
    mem = "met" if worst_mem <= AIM_RSS_MB else "NOT met"
    smaller = ", ".join(f"{r['tree_pss_mb_per_room']:.0f} MB at {r['rooms']}" for r in mp4 if r["rooms"] != largest)
    return (f"Aims with MP4 output: ≥ {AIM_ROOMS_PER_CORE:g} RT rooms per core: {core} (lowest {worst_core:.2f}); "
            f"≤ {AIM_RSS_MB:g} MB per room: {mem} ({worst_mem:.0f} MB fleet PSS per room at {largest} rooms"
            + (f"; smaller fleets carry the supervisor and fork server on fewer rooms: {smaller}" if smaller else "")
            + ").")


def markdown(result: dict[str, Any]) -> str:
    """The BENCHMARKS.md section."""
    m = result["machine"]
    fails = [f"{r['rooms']} rooms {r['output']}: {e}" for r in result["rows"] for e in r["errors"]]
    parts = [f"Commit {result['commit']}, {result['generated']}; `livebot fleet run FLEET.yaml --fast --json` (local "
             f"engine: a process per room); each room replays the first "
             f"{result['session_s']:g} s of `samples/session.jsonl` with `samples/catalog.csv`, sprite avatar "
             f"720×1280 at 25 fps, offline brain, espeak, `--fast`, one SQLite database per fleet. "
             f"Machine: {m['cores']} cores, load average {m['load_before']} before the run, {m.get('load_after', '?')} "
             f"after" + (" — shared with other work, so the figures are noisy" if _busy(m) else "") + ".",
             "", table(result["rows"]), "", aims(result["rows"]), "", NOTES, "Plot: `bench/out/fleet.png`."]
    if fails:
        parts += ["", "Rooms that did not end cleanly: " + "; ".join(fails)]
    return "\n".join(parts)


def _busy(m: dict[str, Any]) -> bool:
    """Other work ran beside the bench: more load than the fleet's own rooms account for."""
    return max(m.get("load_before", 0.0), m.get("load_after", 0.0) - m.get("cores", 1)) > 0.5


def plot(rows: list[dict[str, Any]], path: Path) -> None:
    """Real-time factor and RT rooms per core (left), memory per room (right), against N, per output."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for output, color in zip(OUTPUTS, ("tab:blue", "tab:orange"), strict=False):
        mine = [r for r in rows if r["output"] == output]
        if not mine:
            continue
        ns = [r["rooms"] for r in mine]
        left.plot(ns, [r["realtime_factor"] for r in mine], "o-", color=color, label=f"{output}: session s / wall s")
        left.plot(ns, [r["rt_rooms_per_core"] for r in mine], "s--", color=color, label=f"{output}: RT rooms / core")
        right.plot(ns, [r["peak_rss_mb_per_room"] for r in mine], "o-", color=color, label=f"{output}: peak RSS / room")
        right.plot(ns, [r["tree_pss_mb_per_room"] for r in mine], "s--", color=color, label=f"{output}: fleet PSS / N")
    left.axhline(AIM_ROOMS_PER_CORE, color="grey", linestyle=":", label="aim: RT rooms / core")
    right.axhline(AIM_RSS_MB, color="grey", linestyle=":", label="aim: MB / room")
    ticks = sorted({r["rooms"] for r in rows})
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(ticks, [str(n) for n in ticks])
        ax.set_xlabel("rooms")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    left.set_ylabel("real-time factor / rooms per core")
    left.set_ylim(bottom=0)
    right.set_ylabel("MB per room")
    right.set_ylim(bottom=0)
    fig.suptitle("bench_fleet: sprite rooms, --fast")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def print_rich(rows: list[dict[str, Any]]) -> None:
    """The table in the terminal."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title="bench_fleet: cost per room")
    for _, head in COLUMNS:
        t.add_column(head, justify="right")
    for r in rows:
        t.add_row(*(_cell(r.get(k)) for k, _ in COLUMNS))
    Console(width=200).print(t)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"N = {QUICK_ROOMS} on a {QUICK_SESSION_S:g} s slice")
    ap.add_argument("--rooms", type=lambda s: tuple(int(x) for x in s.split(",")), help="e.g. 1,2,4,8")
    ap.add_argument("--session-s", type=float, help=f"seconds of the sample each room replays (default {SESSION_S:g})")
    ap.add_argument("--outputs", type=lambda s: tuple(s.split(",")), default=OUTPUTS, help="mp4,none")
    ap.add_argument("--out", type=Path, help="where fleet.json and fleet.png go (default bench/out, "
                    "bench/out/fleet-quick with --quick so a smoke run leaves the table alone)")
    args = ap.parse_args(argv)
    rooms = args.rooms or (QUICK_ROOMS if args.quick else ROOMS)
    session_s = args.session_s or (QUICK_SESSION_S if args.quick else SESSION_S)
    out = args.out or (OUT / "fleet-quick" if args.quick else OUT)
    load_before = round(os.getloadavg()[0], 2)
    t0 = time.perf_counter()
    rows = measure(rooms, args.outputs, session_s)
    result: dict[str, Any] = {
        "title": "Cost per room (bench_fleet)", "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "commit": _commit(), "session_s": session_s,
        "machine": {"cores": os.cpu_count(), "load_before": load_before, "load_after": round(os.getloadavg()[0], 2)},
        "rows": rows,
        "bench_wall_s": round(time.perf_counter() - t0, 1),
    }
    result["markdown"] = markdown(result)
    out.mkdir(parents=True, exist_ok=True)
    (out / "fleet.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    plot(rows, out / "fleet.png")
    print_rich(rows)
    print(aims(rows))
    print(f"wrote {out / 'fleet.json'} and {out / 'fleet.png'} in {result['bench_wall_s']} s")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
