"""Steady room load for soak runs and benchmarks: a deterministic event log of any length.

The mix follows a busy small shop: a price/size question in one of three languages every few
seconds, joins, likes, gift streaks, follows, viewer counts and the odd purchase, all from a
rotating crowd, so caches and per-viewer memories see new names all day.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

QUESTIONS = [
    "áo đỏ giá bao nhiêu vậy shop?", "váy hoa còn size M không ạ", "quần jean bn vậy shop",
    "túi tote có khóa kéo không", "giày trắng size 38 còn ko", "mũ bucket giá sao shop",
    "红色上衣多少钱？", "碎花裙还有M码吗", "保温杯多少钱", "How much is the red shirt?",
    "do you have the floral dress in size S?", "is the tote bag good for a laptop?",
    "chào shop nha", "shop ơi ship Hà Nội mấy ngày", "bình giữ nhiệt giữ được bao lâu",
]
SKUS = ["AO-DO-01", "VAY-HOA-03", "QJ-XANH-04", "TUI-TOTE-06", "MU-BH-07"]


def _viewer(n: int) -> dict[str, str]:
    return {"id": str(100_000 + n), "unique_id": f"viewer_{n}", "nickname": f"Viewer {n}"}


def steady_load(duration_s: float, event_every_s: float = 3.0, seed: int = 11) -> list[dict[str, Any]]:
    """Events for `duration_s` seconds of session, ending with live_end at exactly `duration_s`."""
    rng = random.Random(seed)
    events: list[dict[str, Any]] = [{"t": 0.0, "type": "viewers", "count": 40},
                                    {"t": 0.2, "type": "product_pinned", "sku": SKUS[0]}]
    t, n = 1.0, 0
    while t < duration_s - 1.0:
        n += 1
        who = _viewer(n % 5000)
        roll = rng.random()
        if roll < 0.55:
            events.append({"t": round(t, 2), "type": "comment", "user": who, "text": rng.choice(QUESTIONS)})
        elif roll < 0.75:
            events.append({"t": round(t, 2), "type": "join", "user": who})
        elif roll < 0.85:
            events.append({"t": round(t, 2), "type": "like", "user": who, "count": rng.randint(1, 30)})
        elif roll < 0.92:
            for step, count in enumerate((1, 3, 5)):
                events.append({"t": round(t + 0.4 * step, 2), "type": "gift", "user": who,
                               "gift": {"name": "Rose", "count": count, "diamonds": 1},
                               **({"streak_end": True} if count == 5 else {})})
        elif roll < 0.95:
            events.append({"t": round(t, 2), "type": "follow", "user": who})
        elif roll < 0.97:
            events.append({"t": round(t, 2), "type": "purchase", "user": who, "sku": rng.choice(SKUS),
                           "quantity": 1})
        else:
            events.append({"t": round(t, 2), "type": "viewers", "count": rng.randint(30, 400)})
        if n % 300 == 0:
            events.append({"t": round(t + 0.1, 2), "type": "product_pinned", "sku": SKUS[(n // 300) % len(SKUS)]})
        t += rng.uniform(0.5, 1.5) * event_every_s  # mean gap: event_every_s
    events.append({"t": float(duration_s), "type": "live_end"})
    events.sort(key=lambda e: e["t"])
    return events


def write_log(path: Path, events: list[dict[str, Any]]) -> Path:
    """Write events as a JSON Lines event log (DESIGN §2.3)."""
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events), encoding="utf-8")
    return path
