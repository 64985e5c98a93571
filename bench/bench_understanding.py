"""How fast the host understands comments: clean + detect language + match products + intent.

Runs on one core (affinity pinned where the OS allows), over the sample session's comments plus
variants, and measures lingua's memory. Prints figures and writes bench/out/understanding.json.
Usage: .venv/bin/python bench/bench_understanding.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from bot.agent.offline import OfflineResponder, build_question
from bot.catalog.importer import load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.events import Comment, Viewer
from bot.language.detect import LINGUA, detect_language
from bot.language.intent import detect_intent, is_hostile
from bot.language.text import clean_comment
from bot.paths import PROMPTS_DIR, SAMPLE_CATALOG, SAMPLE_SESSION
from bot.prompts.book import PromptBook
from bot.sources.eventlog import read_event_log

OUT = Path(__file__).resolve().parent / "out" / "understanding.json"

# Comments that go past the word lists to lingua (plain English / Vietnamese sentences).
EXTRA = [
    "the colour looks lovely on the model", "ship tới Hà Nội mất mấy ngày vậy shop",
    "my sister bought one last week and loved it", "hôm qua mình đặt rồi mà chưa thấy giao",
    "can you show the back of the jacket", "mặc đi làm có được không shop",
    "这个颜色有点暗", "主播身高多少", "wow so pretty", "xinh xỉu luôn á",
]


def rss_mb() -> float:
    """Resident memory of this process now (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        cores = 1
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1

    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    matcher = ProductMatcher(catalog)
    texts = [e.text for e in read_event_log(SAMPLE_SESSION) if isinstance(e, Comment)] + EXTRA

    rss_start = rss_mb()
    t0 = time.perf_counter()
    LINGUA.confidences("the first call loads the language models")
    lingua_load_ms = (time.perf_counter() - t0) * 1000
    rss_lingua = rss_mb()

    def understand(text: str) -> None:
        cleaned = clean_comment(text)
        lang = detect_language(cleaned)
        matcher.match(cleaned, lang)
        detect_intent(cleaned, lang)
        is_hostile(cleaned, lang)

    for text in texts:  # warm caches (regex compile, lingua models)
        understand(text)
    per_comment: list[float] = []
    started = time.perf_counter()
    for _ in range(args.rounds):
        for text in texts:
            t = time.perf_counter()
            understand(text)
            per_comment.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - started
    n = len(per_comment)

    # The whole offline turn: understanding plus a templated, catalog-grounded answer.
    responder = OfflineResponder(catalog, PromptBook(PROMPTS_DIR))
    viewer = Viewer(id="1", nickname="Lan")
    comments = [Comment(t=0.0, user=viewer, text=text) for text in texts]
    started_turn = time.perf_counter()
    for _ in range(max(1, args.rounds // 2)):
        for c in comments:
            responder.answer(build_question(c, matcher, catalog.get("AO-DO-01")))
    turn_s = time.perf_counter() - started_turn
    turns = max(1, args.rounds // 2) * len(comments)

    per_comment.sort()
    result = {
        "cores": cores,
        "comments": n,
        "distinct_comments": len(texts),
        "understand_comments_per_s": round(n / elapsed, 1),
        "understand_ms_mean": round(statistics.fmean(per_comment), 3),
        "understand_ms_p50": round(per_comment[n // 2], 3),
        "understand_ms_p99": round(per_comment[int(n * 0.99)], 3),
        "understand_ms_max": round(per_comment[-1], 3),
        "offline_turns_per_s": round(turns / turn_s, 1),
        "offline_turn_ms_mean": round(turn_s / turns * 1000, 3),
        "lingua_first_call_ms": round(lingua_load_ms, 1),
        "rss_before_lingua_mb": round(rss_start, 1),
        "rss_after_lingua_mb": round(rss_lingua, 1),
        "lingua_models_mb": round(rss_lingua - rss_start, 1),
        "rss_end_mb": round(rss_mb(), 1),
    }
    for key, value in result.items():
        print(f"{key:28s} {value}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
