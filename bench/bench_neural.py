"""Wav2Lip-compatible generator speed: frames per second per stream, one stream or several batched.

Standalone (needs only torch + numpy):
    python bench/bench_neural.py                      # CPU here
    python bench/bench_neural.py --device cuda --streams 8 --precision fp16
Writes bench/out/neural.json. Random weights: speed does not depend on the values.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a bare checkout: no install needed

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bot.avatar.photoreal.wav2lip import Wav2LipGenerator  # noqa: E402

STAGE_FPS = 25


def build(device: str, channels_last: bool, compile_model: bool) -> torch.nn.Module:
    model = Wav2LipGenerator().to(device).eval()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    if compile_model:
        model = torch.compile(model, mode="max-autotune")
    return model


def run_batches(
    model: torch.nn.Module, device: str, batch: int, precision: str, channels_last: bool, seconds: float
) -> tuple[float, int]:
    """Run generator batches for ~`seconds`; return (frames per second, frames done)."""
    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(precision)
    # Inputs come from numpy on the host each batch, as in the renderer (copy cost included).
    faces = np.random.default_rng(0).random((batch, 6, 96, 96), dtype=np.float32)
    mels = np.random.default_rng(1).standard_normal((batch, 1, 80, 16)).astype(np.float32)
    cuda = device.startswith("cuda")

    def step() -> None:
        face = torch.from_numpy(faces).to(device, non_blocking=cuda)
        mel = torch.from_numpy(mels).to(device, non_blocking=cuda)
        if channels_last:
            face = face.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            if dtype is not None:
                with torch.autocast(device.split(":")[0], dtype=dtype):
                    out = model(mel, face)
            else:
                out = model(mel, face)
            (out.float().clamp(0, 1) * 255).to(torch.uint8).cpu()

    for _ in range(2):  # warm-up: cuDNN autotune, allocator, oneDNN primitive cache
        step()
    if cuda:
        torch.cuda.synchronize()
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or done == 0:
        step()
        done += batch
    if cuda:
        torch.cuda.synchronize()
    return done / (time.perf_counter() - start), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    parser.add_argument("--streams", type=int, default=1, help="avatars rendered at once (batched together)")
    parser.add_argument("--batch", type=int, default=8, help="frames per stream per inference call")
    parser.add_argument("--precision", default="auto", choices=["auto", "fp32", "fp16", "bf16"])
    parser.add_argument("--seconds", type=float, default=6.0, help="measuring time per configuration")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads (0: torch default)")
    parser.add_argument("--compile", action="store_true", help="torch.compile the generator (GPU)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "neural.json")
    args = parser.parse_args()

    cuda = args.device.startswith("cuda")
    if cuda and not torch.cuda.is_available():
        sys.exit("error: --device cuda asked for, but torch sees no CUDA GPU")
    if args.threads:
        torch.set_num_threads(args.threads)
    precision = args.precision if args.precision != "auto" else ("fp16" if cuda else "fp32")
    channels_last = cuda
    if cuda:
        torch.backends.cudnn.benchmark = True
    model = build(args.device, channels_last, args.compile)

    results = []
    configs = sorted({(1, args.batch), (args.streams, args.batch)})
    for streams, batch in configs:
        total_fps, frames = run_batches(
            model, args.device, streams * batch, precision, channels_last, args.seconds
        )
        row = {
            "streams": streams,
            "batch_per_stream": batch,
            "total_fps": round(total_fps, 2),
            "fps_per_stream": round(total_fps / streams, 2),
            "realtime_at_25fps": total_fps / streams >= STAGE_FPS,
            "frames": frames,
        }
        results.append(row)
        print(
            f"{streams} stream(s) x batch {batch}: {total_fps:.1f} fps total, "
            f"{total_fps / streams:.1f} fps per stream ({'real time' if row['realtime_at_25fps'] else 'too slow'})"
        )
    device_name = torch.cuda.get_device_name(args.device) if cuda else platform.processor() or "cpu"
    report = {
        "device": args.device,
        "device_name": device_name,
        "precision": precision,
        "channels_last": channels_last,
        "compiled": args.compile,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in Wav2LipGenerator().parameters()),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
