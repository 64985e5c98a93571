"""Agent-layer speed against the loopback OpenAI-compatible server with a fixed time to first token.

Measures, per turn (medians and p90 over N turns after warm-up):
- bare `openai` streaming call: time to first content token, client overhead (wall − server time);
- LlmResponder (langchain agent + splitter; the guard is timed per sentence): comment-to-first-sentence, overhead per turn;
- the agent layer's added overhead = agent overhead − bare overhead;
- SentenceGuard.check µs per sentence, SentenceSplitter µs per delta.
Writes bench/out/agent.json.  Run: .venv/bin/python bench/bench_agent.py [--turns 20] [--ttft 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.agent.guard import SentenceGuard  # noqa: E402
from bot.agent.llm import make_llm_responder  # noqa: E402
from bot.agent.llm.persona import load_persona  # noqa: E402
from bot.agent.llm.prompt import turn_messages  # noqa: E402
from bot.agent.offline import OfflineResponder  # noqa: E402
from bot.agent.sentences import SentenceSplitter  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Comment, Viewer  # noqa: E402
from bot.frames import Question, TurnFacts  # noqa: E402
from bot.paths import PROMPTS_DIR  # noqa: E402
from bot.prompts.book import PromptBook  # noqa: E402
from tests.fakes import agent_catalog  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values) * 1000, 2), "p90_ms": round(pct(values, 0.9) * 1000, 2)}


def server_time(fake: FakeOpenAI, start: int) -> float:
    return sum(done - received for received, done in fake.timings[start:])


async def bare_turns(fake: FakeOpenAI, messages: list[dict[str, str]], n: int) -> tuple[list[float], list[float]]:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=fake.base_url, api_key="sk-bench", max_retries=0)
    first, overhead = [], []
    for _ in range(n):
        mark = len(fake.timings)
        t0 = time.perf_counter()
        t_first = None
        stream = await client.chat.completions.create(model="fake-model", messages=messages, stream=True)
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content and t_first is None:
                t_first = time.perf_counter() - t0
        wall = time.perf_counter() - t0
        await asyncio.sleep(0.01)  # let the server thread record its finish time
        first.append(t_first or wall)
        overhead.append(wall - server_time(fake, mark))
    await client.close()
    return first, overhead


async def agent_turns(fake: FakeOpenAI, responder, question: Question, n: int) -> tuple[list[float], list[float]]:
    first, overhead = [], []
    for _ in range(n):
        responder.memory._by_viewer.clear()  # same prompt size every turn, as in the bare loop
        responder.room._said.clear()
        mark = len(fake.timings)
        t0 = time.perf_counter()
        t_first = None
        async for _sentence in responder.respond(question):
            if t_first is None:
                t_first = time.perf_counter() - t0
        wall = time.perf_counter() - t0
        await asyncio.sleep(0.01)
        first.append(t_first or wall)
        overhead.append(wall - server_time(fake, mark))
    return first, overhead


def guard_speed(guard: SentenceGuard, facts: TurnFacts, rounds: int = 300) -> float:
    sentences = [("vi", "Dạ áo thun đỏ đang giảm còn 249.000đ, giá gốc 299.000đ ạ."),
                 ("vi", "Bạn nhập mã SALE50 để được giảm thêm nha!"),
                 ("vi", "Áo còn 12 cái thôi, chất cotton mát lắm."),
                 ("zh", "奶茶礼盒只要¥59，还剩3件哦。"),
                 ("en", "The coffee mug is $12.99 and holds 350 ml."),
                 ("vi", "Áo này chỉ 99k thôi, giảm 70% luôn!")]
    for lang, s in sentences:
        guard.check(s, lang, facts)
    t0 = time.perf_counter()
    for _ in range(rounds):
        for lang, s in sentences:
            guard.check(s, lang, facts)
    return (time.perf_counter() - t0) / (rounds * len(sentences)) * 1e6


def splitter_speed(rounds: int = 200) -> float:
    text = "Dạ áo thun đỏ đang giảm còn 249.000đ ạ. Giá gốc 299.000đ nha! Bạn đặt ở giỏ hàng vàng nhé. "
    deltas = [text[i:i + 4] for i in range(0, len(text), 4)]
    t0 = time.perf_counter()
    for _ in range(rounds):
        s = SentenceSplitter()
        for d in deltas:
            s.feed(d)
        s.flush()
    return (time.perf_counter() - t0) / (rounds * len(deltas)) * 1e6


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--turns", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--ttft", type=float, default=0.2)
    ap.add_argument("--chunk-delay", type=float, default=0.015)
    args = ap.parse_args()

    catalog = agent_catalog()
    shirt = catalog.get("AO-DO-01")
    book = PromptBook(PROMPTS_DIR)
    offline = OfflineResponder(catalog, book)
    guard = SentenceGuard(book, offline=offline)
    question = Question(Comment(t=0.0, user=Viewer(id="1", nickname="Lan"), text="áo đỏ giá bao nhiêu vậy shop?"),
                        "vi", "price", products=[shirt])
    with FakeOpenAI(ttft_s=args.ttft, chunk_delay_s=args.chunk_delay) as fake:
        os.environ["OPENAI_BASE_URL"] = fake.base_url
        os.environ["OPENAI_API_KEY"] = "sk-bench"
        settings = Settings(llm_model="fake-model", llm_deadline_s=5.0)
        responder = make_llm_responder(settings, catalog, book, offline, first_sentence_s=3.0)
        persona = load_persona(book)
        assert persona is not None
        messages = turn_messages(persona, question, [shirt], [], [], False)

        await bare_turns(fake, messages, args.warmup)
        bare_first, bare_over = await bare_turns(fake, messages, args.turns)
        await agent_turns(fake, responder, question, args.warmup)
        agent_first, agent_over = await agent_turns(fake, responder, question, args.turns)
        await responder.aclose()

    facts = TurnFacts(products=list(catalog))
    result = {
        "ttft_s": args.ttft, "chunk_delay_s": args.chunk_delay, "turns": args.turns,
        "bare_openai_first_token": summary(bare_first),
        "bare_openai_overhead": summary(bare_over),
        "agent_comment_to_first_sentence": summary(agent_first),
        "agent_overhead": summary(agent_over),
        "agent_layer_added_overhead_ms": round((statistics.median(agent_over) - statistics.median(bare_over)) * 1000, 2),
        "guard_us_per_sentence": round(guard_speed(guard, facts), 1),
        "splitter_us_per_delta": round(splitter_speed(), 2),
        "cpu_count": os.cpu_count(),
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "agent.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    for key, value in result.items():
        print(f"{key:36s} {value}")


if __name__ == "__main__":
    asyncio.run(main())
