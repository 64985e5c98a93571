"""Comment-to-first-audio latency through the real show running `--realtime` (paced to the wall clock).

Two runs over the same replay of spaced-out questions: the offline responder, and `--llm openai`
against a loopback OpenAI-compatible server (tests/fakes/openai_server.py) with a fixed
time-to-first-token. Per reply: latency (comment received -> its first audio frame, session time, what
a viewer waits) and compute (decision -> first sentence's audio ready, wall time). Pipeline overhead
is compute minus the LLM's time-to-first-token. Writes bench/out/latency.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"

from bot.config import Settings  # noqa: E402
from bot.paths import SAMPLE_CATALOG  # noqa: E402
from bot.pipeline.assembly import ShowOptions  # noqa: E402
from bot.pipeline.runner import run_show_async  # noqa: E402
from bot.report.percentile import percentile  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402
from tests.trust.trust_show import comment_log  # noqa: E402

TTFT_S = 0.3
QUESTIONS = ["áo đỏ giá bao nhiêu vậy shop?", "How much is the floral dress?", "红色上衣多少钱？",
             "quần jean giá sao shop", "is the tote bag good for a laptop?", "碎花裙还有M码吗",
             "mũ bucket bao nhiêu vậy", "How much are the white sneakers?", "保温杯多少钱",
             "túi tote có khóa kéo không", "do you have the jacket in XL?", "khăn lụa giá sao shop"]
SPACING_S = 8.0




def run(tmp: Path, llm: str) -> dict:
    log = comment_log(tmp, [(3.0 + SPACING_S * i, q) for i, q in enumerate(QUESTIONS)],
                      3.0 + SPACING_S * len(QUESTIONS) + 4.0, name=f"{llm}.jsonl")
    replies: list = []

    def tap(show) -> None:  # noqa: ANN001
        real = show.ledger.on_done

        def done(reply) -> None:  # noqa: ANN001
            real(reply)
            replies.append(reply)

        show.ledger.on_done = done

    opts = ShowOptions(source=f"replay:{log}", catalog=SAMPLE_CATALOG, outputs=["none"], llm=llm,
                       db=f"sqlite:///{tmp / (llm + '.db')}", realtime=True, settings=Settings())
    summary = asyncio.run(run_show_async(opts, on_show=tap))
    answers = [r for r in replies if r.plan.kind == "answer" and r.latency_ms is not None]
    lat = [r.latency_ms for r in answers]
    comp = [r.compute_ms for r in answers if r.compute_ms is not None]
    return {"answers": len(answers), "latency_p50_ms": percentile(lat, 50), "latency_p95_ms": percentile(lat, 95),
            "compute_p50_ms": percentile(comp, 50), "compute_p95_ms": percentile(comp, 95),
            "dropped_frames": summary.dropped_frames, "session_s": summary.session_s, "compute_ms": comp}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        offline = run(Path(tmp), "offline")
        with FakeOpenAI(mode="correct", ttft_s=TTFT_S) as server:
            os.environ.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench-local",
                              LIVEBOT_LLM_MODEL="fake-model")
            llm = run(Path(tmp), "openai")
            calls = len(server.requests)
    overhead = [c - TTFT_S * 1000 for c in llm.pop("compute_ms")]
    offline.pop("compute_ms")
    result = {
        "questions": len(QUESTIONS), "spacing_s": SPACING_S, "llm_ttft_ms": TTFT_S * 1000, "llm_calls": calls,
        "offline": offline, "llm": llm,
        "llm_pipeline_overhead_p50_ms": percentile(overhead, 50), "llm_pipeline_overhead_p95_ms": percentile(overhead, 95),
        "note": "latency: comment received -> first audio frame on the session clock (includes waiting for the "
                "line being said); compute: decision -> first sentence's audio ready (wall)",
    }
    (OUT / "latency.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
