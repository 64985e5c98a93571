"""Ingest throughput: TikTok wire frames -> TikTokLive decode/dispatch -> our mapper -> supervisor sink.

Prints events/s on one core and writes bench/out/ingest.json. Run: .venv/bin/python bench/bench_ingest.py
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "sources")]

import sources_tiktok_wire as wire  # noqa: E402 - needs the path set above
from TikTokLive.client.ws.ws_utils import (  # noqa: E402
    extract_webcast_push_frame,
    extract_webcast_response_message,
)

from bot.sources.supervisor import SupervisedSource, SupervisorOptions  # noqa: E402
from bot.sources.tiktok.connector import TikTokConnector  # noqa: E402

MESSAGES_PER_FRAME = 10
FRAMES = 2000


def build_frames() -> list[bytes]:
    frames = []
    msg_id = 1
    for n in range(FRAMES):
        msgs = []
        for k in range(MESSAGES_PER_FRAME):
            kind = (n + k) % 5
            if kind == 0:
                msgs.append(wire.comment(msg_id, wire.LAN, f"áo đỏ giá bao nhiêu vậy shop? {n}"))
            elif kind == 1:
                msgs.append(wire.comment(msg_id, wire.WEI, f"这件红色上衣多少钱？{n}"))
            elif kind == 2:
                msgs.append(wire.gift(msg_id, wire.MINH, "Rose", 1 + n % 5, end=n % 5 == 4))
            elif kind == 3:
                msgs.append(wire.like(msg_id, wire.LAN, 15))
            else:
                msgs.append(wire.viewers(msg_id, 1000 + n))
            msg_id += 1
        frames.append(wire.push_frame(wire.fetch_result(msgs), log_id=n))
    return frames


async def run(frames: list[bytes]) -> dict[str, float]:
    connector = TikTokConnector("@bench", room_id=1)
    client = connector.new_client()
    client._room_id = 1
    source = SupervisedSource(connector, SupervisorOptions(queue_limit=10**9))
    source.now()
    connector.attach(client, source)
    start_cpu, start = time.process_time(), time.perf_counter()
    for frame in frames:
        result = extract_webcast_response_message(extract_webcast_push_frame(frame))
        async for event in client._parse_webcast_response(result):
            client.emit(event.get_type(), event)
    wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    emitted = source._queue.qsize()
    await client.web.close()
    messages = len(frames) * MESSAGES_PER_FRAME
    return {"frames": len(frames), "platform_messages": messages, "events_out": emitted,
            "wall_s": round(wall, 3), "cpu_s": round(cpu, 3),
            "messages_per_s": round(messages / wall, 1), "messages_per_cpu_s": round(messages / cpu, 1),
            "us_per_message": round(wall / messages * 1e6, 1)}


def main() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    frames = build_frames()
    figures = asyncio.run(run(frames))
    figures["python"] = sys.version.split()[0]
    for k, v in figures.items():
        print(f"{k:>20}: {v}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "ingest.json").write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
