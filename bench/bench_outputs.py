"""Output speed and sync: ms per frame and CPU share per output at 720×1280 and 1080×1920, then a
long accelerated run checking frames written vs expected, drops and A/V drift at the end.

Run: .venv/bin/python bench/bench_outputs.py [--frames 100] [--long-minutes 5]
Writes bench/out/outputs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from bot.events import StageFrame
from bot.output.calibration import calibration_frames, probe_media
from bot.output.factory import build_output, open_outputs
from bot.output.sink import Output, StreamFormat

OUT_DIR = Path(__file__).resolve().parent / "out"
RTMP_MODULE = Path("/usr/lib/nginx/modules/ngx_rtmp_module.so")


def moving_frames(fmt: StreamFormat, n: int) -> Iterator[StageFrame]:
    """A textured picture with a moving disc and a voice-like tone: what an encoder really sees."""
    yy, xx = np.mgrid[0:fmt.height, 0:fmt.width].astype(np.float32)
    rng = np.random.default_rng(7)
    texture = (rng.integers(0, 24, (fmt.height, fmt.width, 1), dtype=np.uint8))
    base = np.dstack([(xx / fmt.width * 180), (yy / fmt.height * 160), np.full_like(xx, 90)]).astype(np.uint8)
    base = base + texture
    cycle = []
    for k in range(25):  # one second of motion, precomputed so the source costs ~nothing
        img = base.copy()
        cx = fmt.width * (0.2 + 0.6 * k / 25)
        cy = fmt.height * (0.5 + 0.2 * np.sin(k / 4))
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 < (fmt.width * 0.15) ** 2
        img[disc] = (230, 190, 160)
        cycle.append(img)
    spf = fmt.sample_rate // fmt.fps
    t = np.arange(spf) / fmt.sample_rate
    for i in range(n):
        tone = (6000 * np.sin(2 * np.pi * (180 + 40 * np.sin(i / 7)) * (t + i * spf / fmt.sample_rate)))
        yield StageFrame(index=i, t=i / fmt.fps, image=cycle[i % 25], audio=tone.astype(np.int16),
                         sample_rate=fmt.sample_rate, speaking=True)


class _FakeCamBackend:
    """Stands in for the v4l2loopback kernel device, which cannot exist on this machine."""

    def __init__(self, *, width: int, height: int, fps: float, fourcc: int, device: str | None, **kw: object):
        self.last: np.ndarray | None = None

    def close(self) -> None:
        pass

    def send(self, frame: np.ndarray) -> None:
        self.last = frame

    def device(self) -> str:
        return "/dev/video-bench"

    def native_fourcc(self) -> int | None:
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_nginx(workdir: Path) -> tuple[subprocess.Popen[bytes], int] | None:
    """A loopback nginx-rtmp (Debian nginx + libnginx-mod-rtmp), or None when it is not installed."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists() or not RTMP_MODULE.exists():
        return None
    port = _free_port()
    (workdir / "logs").mkdir(exist_ok=True)
    user = "user root;" if os.geteuid() == 0 else ""
    conf = workdir / "nginx.conf"
    conf.write_text(f"load_module {RTMP_MODULE};\n{user}\ndaemon off;\nworker_processes 1;\n"
                    f"error_log {workdir}/logs/error.log warn;\npid {workdir}/nginx.pid;\n"
                    "events { worker_connections 64; }\n"
                    f"rtmp {{ server {{ listen 127.0.0.1:{port}; application live {{ live on; }} }} }}\n")
    proc = subprocess.Popen([nginx, "-p", str(workdir), "-c", str(conf)], stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    return None


def measure(out: Output, fmt: StreamFormat, n: int, pace: bool) -> dict[str, float]:
    """Mean/p95 ms inside write(), and process CPU seconds per wall second over the run."""
    frames = list(moving_frames(fmt, n))
    out.open(fmt)
    times = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for f in frames:
        if pace:
            delay = wall0 + f.index / fmt.fps - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        t = time.perf_counter()
        out.write(f)
        times.append((time.perf_counter() - t) * 1000)
    out.close()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    arr = np.array(times)
    return {"frames": n, "ms_per_frame": round(float(arr.mean()), 2),
            "p95_ms": round(float(np.percentile(arr, 95)), 2),
            "fps_capacity": round(1000 / float(arr.mean()), 1),
            # Too short a run makes the CPU share noise.
            "cpu_per_wall": round(cpu / wall, 2) if wall > 0.5 else None, "wall_s": round(wall, 3)}


def long_run(minutes: float, tmp: Path) -> dict[str, float | int]:
    """Fast-mode fan-out to an MP4 and `none` for `minutes` of stream: frames, drops, drift."""
    fmt = StreamFormat(width=360, height=640, fps=25, sample_rate=44100)
    path = tmp / "long.mp4"
    fan = open_outputs([str(path), "none"], fmt)
    expected = round(minutes * 60 * fmt.fps)
    t0 = time.perf_counter()
    for f in calibration_frames(fmt, seconds=minutes * 60, period_s=10.0):
        fan.write(f)
    stats = fan.close()
    encode_s = time.perf_counter() - t0
    probe = probe_media(path)
    offs = probe.offsets_ms()
    return {
        "stream_minutes": minutes, "size": "360x640", "expected_frames": expected,
        "written_mp4": stats[0].written, "written_none": stats[1].written,
        "dropped": sum(s.dropped for s in stats), "decoded_video_frames": probe.video_frames,
        "speed_x_realtime": round(minutes * 60 / encode_s, 1),
        "offset_first_ms": round(offs[0], 2), "offset_last_ms": round(offs[-1], 2),
        "drift_ms": round(offs[-1] - offs[0], 2), "flash_beep_pairs": len(offs),
        "audio_end_minus_video_end_ms": round((probe.audio_end - probe.video_end) * 1000, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=100)
    ap.add_argument("--long-minutes", type=float, default=5.0)
    args = ap.parse_args()
    import pyvirtualcam

    pyvirtualcam.register_backend("bench-fake", _FakeCamBackend)
    results: dict[str, object] = {"cpu_count": os.cpu_count(), "per_output": {}}
    with tempfile.TemporaryDirectory() as tmpname:
        tmp = Path(tmpname)
        nginx = start_nginx(tmp)
        try:
            for w, h in [(720, 1280), (1080, 1920)]:
                fmt = StreamFormat(width=w, height=h, fps=25, sample_rate=44100)
                cases: list[tuple[str, Output, bool]] = [
                    ("mp4", build_output(str(tmp / f"b{w}.mp4")), False),
                    ("flv", build_output(str(tmp / f"b{w}.flv")), False),
                    ("virtualcam-fake", build_output("virtualcam", camera_backend="bench-fake",
                                                     audio_device="none"), False),
                    ("none", build_output("none"), False),
                ]
                if nginx is not None:
                    cases.insert(2, ("rtmp-realtime", build_output(f"rtmp://127.0.0.1:{nginx[1]}/live/b{w}"),
                                     True))
                for name, out, pace in cases:
                    key = f"{name}@{w}x{h}"
                    r = measure(out, fmt, args.frames, pace)
                    results["per_output"][key] = r  # type: ignore[index]
                    if name.startswith("virtualcam"):
                        r["note"] = "the camera paces itself to 25 fps: ms/frame is the frame period"
                    print(f"{key:28s} {r['ms_per_frame']:7.2f} ms/frame (p95 {r['p95_ms']:.2f}) "
                          f"cpu/wall {r['cpu_per_wall']}")
        finally:
            if nginx is not None:
                nginx[0].terminate()
                nginx[0].wait(timeout=10)
        results["rtmp"] = "measured" if nginx is not None else "skipped: nginx-rtmp not installed"
        lr = long_run(args.long_minutes, tmp)
        results["long_run"] = lr
        print("long run:", json.dumps(lr))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "outputs.json").write_text(json.dumps(results, indent=2))
    print(f"wrote {OUT_DIR / 'outputs.json'}")


if __name__ == "__main__":
    main()
