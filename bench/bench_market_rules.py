"""Market claim rule cost per sentence, and false blocks over every bundled script/template line.

Run: .venv/bin/python bench/bench_market_rules.py  (writes bench/out/market_rules.json)"""

from __future__ import annotations

import json
import time
from pathlib import Path

import yaml

from bot.agent.guard import SentenceGuard
from bot.agent.guard.market_rules import MarketClaimRule, _scalar_lines
from bot.frames import TurnFacts
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook

SENTENCES = {
    "vi": ["Dạ áo thun đỏ đang giảm còn 199.000đ, giá gốc 249.000đ ạ.", "Form rộng unisex, nam nữ mặc đều đẹp.",
           "Áo này chất lượng tốt nhất luôn nha!", "Cam kết 100% hiệu quả."],
    "zh": ["红色T恤现在只要¥59哦。", "今天第一款是红色上衣，纯棉面料。", "这是最好的面料。", "全网最低价。"],
    "en": ["The red T-shirt is $12.99 right now.", "Soft cotton that stays cool all day.",
           "This is the best deal today!", "It cures back pain."],
}


def main() -> None:
    book = PromptBook(PROMPTS_DIR)
    rule = MarketClaimRule(book)
    guard = SentenceGuard(book)
    out: dict[str, float | int] = {}
    for lang, lines in SENTENCES.items():
        n = 2000
        t0 = time.perf_counter()
        for i in range(n):
            rule.check(lines[i % len(lines)], lang, TurnFacts())  # type: ignore[arg-type]
        out[f"market_rule_us_per_sentence_{lang}"] = round((time.perf_counter() - t0) / n * 1e6, 1)
        t0 = time.perf_counter()
        for i in range(n):
            guard.check(lines[i % len(lines)], lang, TurnFacts())  # type: ignore[arg-type]
        out[f"builtin_guard_us_per_sentence_{lang}"] = round((time.perf_counter() - t0) / n * 1e6, 1)
    checked = hits = 0
    for name in ("show.yaml", "templates.yaml"):
        text = (PROMPTS_DIR / name).read_text(encoding="utf-8")
        main_lang = (yaml.safe_load(text) or {}).get("language")
        for value, _line, lang in _scalar_lines(text, name, main_lang):
            if lang is not None:
                checked += 1
                hits += rule.check(value, lang, TurnFacts()) is not None
    out["bundled_lines_checked"] = checked
    out["bundled_lines_false_blocks"] = hits
    for k, v in out.items():
        print(f"{k:42s} {v}")
    Path("bench/out").mkdir(parents=True, exist_ok=True)
    Path("bench/out/market_rules.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
