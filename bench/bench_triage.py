"""Triage throughput on one core and memory under a sustained flood (issue: the show).

A realistic flood: duplicate comments from thousands of viewers, spammers, emoji, likes, joins,
gift streaks, and a trickle of real questions (understood with the real language/matching code).
Prints events/s and the RSS over time; writes bench/out/triage.json.
"""

from __future__ import annotations

import gc
import json
import os
import random
import resource
import time
from pathlib import Path

from bot.agent.offline import build_question
from bot.catalog.importer import load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.events import Comment, Gift, GiftInfo, Join, Like, Viewer
from bot.paths import SAMPLE_CATALOG
from bot.triage.room_triage import Triage

OUT = Path(__file__).resolve().parent / "out"
QUESTIONS = ["áo đỏ giá bao nhiêu", "quan jean gia bn", "红色上衣多少钱", "how much is the tote bag?",
             "váy hoa còn size M không", "giày trắng có giảm giá không"]
SPAM = ["hay quá", "❤️❤️❤️", "đẹp quá", "🔥🔥", "666", "xinh", "ok", "like"]


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def events(n: int, rate: float, seed: int = 1):  # noqa: ANN201
    rng = random.Random(seed)
    for i in range(n):
        t = i / rate
        r = rng.random()
        uid = str(rng.randrange(50_000))
        user = Viewer(uid, uid, uid)
        if r < 0.45:
            yield Comment(t=t, user=user, text=rng.choice(SPAM))
        elif r < 0.55:
            yield Comment(t=t, user=user, text=rng.choice(QUESTIONS))
        elif r < 0.56:
            yield Comment(t=t, user=user, text=f"{rng.choice(QUESTIONS)} {rng.randrange(10**6)}")
        elif r < 0.75:
            yield Like(t=t, user=user, count=rng.randrange(1, 30))
        elif r < 0.92:
            yield Join(t=t, user=user)
        else:
            yield Gift(t=t, user=user, gift=GiftInfo("Rose", rng.randrange(1, 50), 1))


def main() -> None:
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    matcher = ProductMatcher(catalog)
    triage = Triage(lambda c, cur: build_question(c, matcher, cur))
    build_question(Comment(t=0, user=Viewer("w"), text="áo đỏ giá bao nhiêu"), matcher, None)  # warm lingua
    gc.collect()
    n, rate = 600_000, 2_000.0  # 5 minutes of a room sending 2,000 events a second
    samples = []
    t0 = time.perf_counter()
    for i, ev in enumerate(events(n, rate)):
        triage.ingest(ev)
        if i % 2000 == 1999:
            triage.tick(ev.t)
            triage.take_question(ev.t)
        if i % 60_000 == 0:
            samples.append({"events": i, "session_s": round(ev.t, 1), "rss_mb": round(rss_mb(), 1),
                            "waiting_questions": len(triage.questions), "viewers": len(triage.viewers)})
    wall = time.perf_counter() - t0
    result = {
        "events": n, "wall_s": round(wall, 2), "events_per_s_one_core": round(n / wall),
        "dropped_by_reason": dict(triage.dropped), "rss_over_time": samples,
        "rss_growth_mb_second_half": round(samples[-1]["rss_mb"] - samples[len(samples) // 2]["rss_mb"], 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "triage.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
