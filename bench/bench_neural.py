"""Wav2Lip-compatible generator speed: frames per second per stream, one stream or several batched.

Standalone (needs only torch + numpy):
    python bench/bench_neural.py                      # CPU here
    python bench/bench_neural.py --device cuda --streams 8 --precision fp16
    python bench/bench_neural.py --streams 2 --channel-divisor 8 --stage 288x512   # tiny, on CPU
With --streams N > 1 it also runs N rooms (one process each, each its own avatar) through one shared
lip-sync renderer process, as a fleet does, and reports each room's fps and the total
(`run_shared_rooms`). Writes bench/out/neural.json. Random weights: speed does not depend on them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import queue
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a bare checkout: no install needed

import numpy as np  # noqa: E402
import torch  # noqa: E402

from bot.avatar.photoreal.avatar_folder import PreparedAvatar  # noqa: E402
from bot.avatar.photoreal.lip_sync_client import LipSyncClient  # noqa: E402
from bot.avatar.photoreal.lip_sync_wire import SharedLipSyncSettings  # noqa: E402
from bot.avatar.photoreal.prepare import face_crops, lower_face_mask  # noqa: E402
from bot.avatar.photoreal.shared_lip_sync_process import RendererSpec, start_shared_lip_sync  # noqa: E402
from bot.avatar.photoreal.shared_photoreal_avatar import SharedPhotorealAvatar, fallback_sprite  # noqa: E402
from bot.avatar.photoreal.wav2lip import Wav2LipGenerator  # noqa: E402
from bot.avatar.render_contract import AvatarState  # noqa: E402
from bot.events import Sentence, SpeechSegment  # noqa: E402

STAGE_FPS = 25
SAMPLE_RATE = 44100
LOOP_FRAMES = 50


@dataclass(frozen=True, slots=True)
class SharedRun:
    """One shared-renderer measurement: how many rooms, which generator, what stage, how paced."""

    streams: int
    device: str
    precision: str
    divisor: int
    width: int
    height: int
    seconds: float
    paced: bool
    max_batch: int
    max_wait_s: float


def synthetic_avatar(room: int, width: int, height: int) -> PreparedAvatar:
    """A room's own avatar without a video: a seeded noise clip with a face box that drifts (no files)."""
    rng = np.random.default_rng(100 + room)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    still = np.repeat(np.repeat(base, 8, axis=0), 8, axis=1)[:height, :width]
    side = min(width, height) // 3
    frames, boxes = [], []
    for i in range(LOOP_FRAMES):
        x1 = (width - side) // 2 + int(4 * np.sin(i / 5))
        y1 = height // 5
        frames.append(np.ascontiguousarray(np.roll(still, i, axis=1)))
        boxes.append((x1, y1, x1 + side, y1 + side))
    box_array = np.array(boxes, dtype=np.int64)
    return PreparedAvatar(Path(f"bench-avatar-{room}"), STAGE_FPS, np.stack(frames), box_array,
                          face_crops(frames, box_array), lower_face_mask(), {})


def _room(run: SharedRun, room: int, address: str, authkey: str, go, results) -> None:
    """One room's process: its avatar through the shared renderer, frame after frame of one long sentence."""
    settings = SharedLipSyncSettings(shared_renderer=address, authkey=authkey, dead_after_s=30.0)
    link = settings.link(f"room-{room}", realtime=run.paced)
    assert link is not None
    sprite = fallback_sprite(ROOT, link, {}, run.width, run.height, STAGE_FPS)
    avatar = SharedPhotorealAvatar(synthetic_avatar(room, run.width, run.height), link, sprite, width=run.width,
                                   height=run.height, fps=STAGE_FPS)
    t = np.arange(int(run.seconds * SAMPLE_RATE)) / SAMPLE_RATE
    pcm = (8000 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.int16)
    segment = SpeechSegment(sentence=Sentence(reply_id=1, index=0, text="bench", lang="en"), pcm=pcm,
                            sample_rate=SAMPLE_RATE)
    count = int(run.seconds * STAGE_FPS)
    go.wait()
    start = time.perf_counter()
    for i in range(count):
        if run.paced:  # the live stage: frame i is due at i/25 s, never earlier
            time.sleep(max(0.0, start + i / STAGE_FPS - time.perf_counter()))
        avatar.render(AvatarState(frame_index=i, t=i / STAGE_FPS, segment=segment, seg_time=i / STAGE_FPS))
    wall = time.perf_counter() - start
    results.put({"room": room, "frames": count, "fps": round(count / wall, 2), "late_frames": avatar.late_frames,
                 "sprite_frames": avatar.sprite_frames, "shared_faces": avatar.shared_faces})
    avatar.close()


def run_shared_rooms(run: SharedRun) -> dict[str, object]:
    """N room processes, N avatars, one renderer process: fps per room and in all, and the batches it made."""
    checkpoint = Path(tempfile.mkdtemp(prefix="bench-lipsync")) / "random.pth"
    torch.save(Wav2LipGenerator(run.divisor).state_dict(), checkpoint)
    spec = RendererSpec(checkpoint, device=run.device, precision=run.precision, max_batch=run.max_batch,
                        max_wait_s=run.max_wait_s)
    context = multiprocessing.get_context("spawn")
    go, results = context.Event(), context.Queue()
    with start_shared_lip_sync(spec) as handle:
        rooms = [context.Process(target=_room, args=(run, i, handle.address, handle.authkey.hex(), go, results))
                 for i in range(run.streams)]
        for process in rooms:
            process.start()
        time.sleep(1.0)
        go.set()
        per_room = []
        while len(per_room) < len(rooms):
            try:
                per_room.append(results.get(timeout=1.0))
            except queue.Empty:
                dead = [p.exitcode for p in rooms if p.exitcode not in (None, 0)]
                if dead:
                    sys.exit(f"error: a bench room process failed (exit codes {dead}); see its traceback above")
        per_room.sort(key=lambda r: r["room"])
        for process in rooms:
            process.join(30)
        probe = LipSyncClient(handle.address, handle.authkey, "bench-probe")
        probe.connect()
        stats = probe.stats()
        probe.close()
    shutil.rmtree(checkpoint.parent, ignore_errors=True)
    total = sum(r["fps"] for r in per_room)
    summary: dict[str, object] = {
        "streams": run.streams, "stage": f"{run.width}x{run.height}", "paced": run.paced,
        "total_fps": round(total, 2), "min_fps_per_stream": min(r["fps"] for r in per_room),
        "rooms": per_room,
        "batches": stats.batches if stats else None,
        "mean_batch": round(stats.faces / stats.batches, 1) if stats and stats.batches else None,
        "mixed_batches": stats.mixed_batches if stats else None,
    }
    fps_text = ", ".join(f"{r['fps']:.1f}" for r in per_room)
    print(f"shared renderer, {run.streams} rooms ({summary['stage']}{', paced' if run.paced else ''}): "
          f"{total:.1f} fps total, per room {fps_text}; mean batch {summary['mean_batch']}, "
          f"late faces {[r['late_frames'] for r in per_room]}")
    return summary


def build(device: str, channels_last: bool, compile_model: bool, divisor: int = 1) -> torch.nn.Module:
    model = Wav2LipGenerator(divisor).to(device).eval()
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
    parser.add_argument("--channel-divisor", type=int, default=1, help="slim generator (8: the tests' tiny one)")
    parser.add_argument("--stage", default="720x1280", help="room frame size WxH for the shared-renderer run")
    parser.add_argument("--paced", action="store_true", help="shared run: rooms keep 25 fps and count late "
                                                             "faces, instead of rendering as fast as they can")
    parser.add_argument("--max-batch", type=int, default=32, help="shared renderer: faces per generator call")
    parser.add_argument("--max-wait-ms", type=float, default=8.0, help="shared renderer: batch gathering wait")
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
    model = build(args.device, channels_last, args.compile, args.channel_divisor)

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
    shared = None
    if args.streams > 1:
        del model  # the renderer process loads its own copy
        width, height = (int(v) for v in args.stage.lower().split("x"))
        shared = run_shared_rooms(SharedRun(streams=args.streams, device=args.device, precision=precision,
                                            divisor=args.channel_divisor, width=width, height=height,
                                            seconds=args.seconds, paced=args.paced, max_batch=args.max_batch,
                                            max_wait_s=args.max_wait_ms / 1000))
    device_name = torch.cuda.get_device_name(args.device) if cuda else platform.processor() or "cpu"
    report = {
        "device": args.device,
        "device_name": device_name,
        "precision": precision,
        "channels_last": channels_last,
        "compiled": args.compile,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "channel_divisor": args.channel_divisor,
        "parameters": sum(p.numel() for p in Wav2LipGenerator(args.channel_divisor).parameters()),
        "results": results,
    }
    if shared is not None:
        report["shared_renderer"] = shared
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
