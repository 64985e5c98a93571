"""Room throughput: how many viewers' questions the host answers, how fast, as the room gets busier.

Generates rooms (DESIGN §2.3 event logs) at 0.2-5 catalog questions per second, in vi/zh/en, with a
crowd asking the same thing, chatter, joins, gifts and likes, and runs each through the real show:
the offline brain with `--fast`, and `--llm openai` against the loopback FakeOpenAI (300 ms to first
token) with `--realtime`, since only wall-clock pacing lets LLM time show on the session timeline.
Realtime rooms are shorter (60 s of questions) to keep `make bench` within minutes.

Per (rate, brain): questions asked, fraction answered by voice / on screen only / not at all, latency
p50/p95 (comment -> first audio of the line answering it), lines per minute, viewers per answer line.
Reads a reply's `triggers` and the top-level `screen` when the report has them (DESIGN §2.7), and
falls back to `trigger` when not. Writes bench/out/room.json and bench/out/room.png.

Against any report (e.g. `make demo`'s):
    livebot report --db sqlite:///livebot-demo.db --format json > demo.json
    python bench/bench_room.py --report demo.json --questions-from samples/session.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
BASELINE = ROOT / "bench" / "room_baseline.json"

from bot.agent.offline import build_question  # noqa: E402
from bot.catalog.importer import load_catalog_file  # noqa: E402
from bot.catalog.matching import ProductMatcher  # noqa: E402
from bot.catalog.model import Product  # noqa: E402
from bot.events import Comment, Viewer  # noqa: E402
from bot.language.text import is_cjk  # noqa: E402
from bot.paths import SAMPLE_CATALOG  # noqa: E402
from bot.report.percentile import percentile  # noqa: E402

RATES = (0.2, 0.5, 1.0, 2.0, 5.0)
SEED = 14
TTFT_S = 0.3
START_S = 4.0  # the host opens with its disclosure line; the room starts asking after it
TAIL_S = 20.0  # quiet after the last question: the host may still catch up
QUESTION_S = {"offline": 100.0, "openai": 60.0}  # realtime rooms cost wall time, so shorter
LANG_WEIGHTS = {"vi": 0.6, "zh": 0.2, "en": 0.2}
KIND_WEIGHTS = {"price": 0.3, "stock": 0.12, "size": 0.13, "promo": 0.1, "buy": 0.12, "two": 0.1, "pinned": 0.13}
VI_STYLE_WEIGHTS = {"accented": 0.5, "plain": 0.25, "teen": 0.25}
DUPLICATE_P = 0.25  # a question that repeats one asked in the last few seconds, by another viewer
CATALOG_INTENTS = ("price", "stock", "promo", "spec", "buy")

# {p}/{q}: product names as viewers write them in that language and style; {s}: a size the product has.
TEMPLATES: dict[str, dict[str, list[str]]] = {
    "vi.accented": {
        "price": ["{p} giá bao nhiêu vậy shop?", "{p} bao nhiêu tiền ạ?", "shop ơi {p} giá sao ạ"],
        "stock": ["{p} còn hàng không shop?", "{p} còn không ạ"],
        "size": ["{p} còn size {s} không ạ?", "{p} có size {s} không shop"],
        "promo": ["{p} có khuyến mãi gì không shop?", "{p} có mã giảm giá không ạ"],
        "buy": ["chốt {p} cho mình 1 cái nha", "mình lấy {p} nha shop", "đặt {p} thế nào shop?"],
        "two": ["{p} với {q} giá bao nhiêu vậy?", "{p} và {q} bao nhiêu tiền shop"],
        "pinned": ["sp đang ghim giá bao nhiêu shop?", "mẫu này còn size {s} không ạ", "sản phẩm này giá sao shop"],
    },
    "vi.plain": {
        "price": ["{p} gia bao nhieu shop", "{p} bao nhieu tien vay"],
        "stock": ["{p} con hang khong shop"],
        "size": ["{p} con size {s} khong"],
        "promo": ["{p} co khuyen mai khong shop"],
        "buy": ["chot {p} cho minh nha"],
        "two": ["{p} voi {q} gia bao nhieu"],
        "pinned": ["sp dang ghim gia bao nhieu", "mau nay con size {s} ko"],
    },
    "vi.teen": {
        "price": ["{p} bn v shop", "{p} giá bn z", "ib giá {p} đi shop"],
        "stock": ["{p} còn k shop", "{p} con ko sh"],
        "size": ["{p} sz {s} còn k"],
        "promo": ["{p} có km k shop"],
        "buy": ["chốt {p} nhaaa", "lấy 1 {p} nha sh"],
        "two": ["{p} vs {q} bn v"],
        "pinned": ["sp nay bn z shop", "sp đang ghim còn k"],
    },
    "zh": {
        "price": ["{p}多少钱？", "{p}怎么卖"],
        "stock": ["{p}还有货吗"],
        "size": ["{p}有{s}码吗"],
        "promo": ["{p}有优惠吗"],
        "buy": ["我要买{p}", "{p}怎么下单"],
        "two": ["{p}和{q}一共多少钱"],
        "pinned": ["这个多少钱", "这款还有{s}码吗"],
    },
    "en": {
        "price": ["How much is the {p}?", "price of the {p} pls"],
        "stock": ["Is the {p} in stock?", "{p} still available?"],
        "size": ["Do you have the {p} in size {s}?"],
        "promo": ["Any discount on the {p}?"],
        "buy": ["I want to buy the {p}", "how do I order the {p}?"],
        "two": ["How much are the {p} and the {q}?"],
        "pinned": ["how much is this one?", "is this one in stock?"],
    },
}
CHATTER = {
    "vi": ["đẹp quá", "❤️❤️❤️", "haha", "mới vào nè", "shop ơi xinh quá", "chào shop", "🔥🔥", "hóng quá",
           "ủng hộ shop", "chào mọi người"],
    "zh": ["好看", "来了来了", "👍👍", "主播好", "哈哈哈"],
    "en": ["love this", "hi from Manila", "lol 😂", "so cute omg", "hello shop", "😍😍"],
}
NAMES = {
    "vi": ["Lan", "Minh", "Tuấn", "Hoa", "Linh", "Ngọc", "Thảo", "Huy", "Vy", "Khoa", "Trang", "Phúc", "My", "Duy"],
    "zh": ["王伟", "李娜", "张敏", "刘洋", "陈静", "杨帆"],
    "en": ["Emma", "Jake", "Mia", "Noah", "Ava", "Liam", "Zoe"],
}
GIFTS = ("Rose", "Heart", "Finger Heart", "TikTok")
PINS = ("AO-DO-01", "VAY-HOA-03", "QJ-XANH-04", "TUI-TOTE-06")  # what the shop pins, in turn
PIN_EVERY_S = 30.0


@dataclass(frozen=True, slots=True)
class Truth:
    """A comment the generator (or the classifier) knows is a catalog-answerable question."""

    t: float
    text: str
    user_id: str
    lang: str = ""
    kind: str = ""


@dataclass(slots=True)
class Room:
    rate: float
    events: list[dict[str, Any]]
    questions: list[Truth]


# -- the room generator ---------------------------------------------------------------------------

def _plain(text: str) -> str:
    """Vietnamese typed without diacritics, as many viewers do."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn")


def _names(p: Product) -> dict[str, list[str]]:
    """How viewers write this product, per language/style, from the catalog's own aliases."""
    cjk = [a for a in p.aliases if any(is_cjk(ch) for ch in a)]
    vi = [a for a in p.aliases if not a.isascii() and a not in cjk] or [p.name.lower()]
    zh = ([p.extra["name_zh"]] if p.extra.get("name_zh") else []) + cjk
    en = [p.extra.get("name_en") or p.name]
    return {"vi.accented": vi, "vi.plain": [_plain(a) for a in vi], "vi.teen": vi, "zh": zh or [p.name],
            "en": en}


def _sizes(p: Product) -> list[str]:
    desc = p.description
    letters = re.findall(r"\b(XS|S|M|L|XL|XXL)\b", desc)
    if letters:
        return letters
    span = re.search(r"(\d{2}) (?:đến|to) (\d{2})", desc)
    return [str(n) for n in range(int(span[1]), int(span[2]) + 1)] if span else []


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _question(rng: random.Random, lang: str, kind: str, p: Product, q: Product) -> str:
    """One way a viewer asks `kind` about `p` (and `q` for two products), in `lang`."""
    style = f"vi.{_pick(rng, VI_STYLE_WEIGHTS)}" if lang == "vi" else lang
    sizes = _sizes(p)
    if kind == "size" and not sizes:
        kind = "stock"
    templates = [x for x in TEMPLATES[style][kind] if sizes or "{s}" not in x] or TEMPLATES[style]["price"]
    return rng.choice(templates).format(p=rng.choice(_names(p)[style]), q=rng.choice(_names(q)[style]),
                                        s=rng.choice(sizes or ["M"]))


def _poisson(rng: random.Random, rate: float, t0: float, t1: float) -> list[float]:
    out, t = [], t0
    while rate > 0:
        t += rng.expovariate(rate)
        if t >= t1:
            break
        out.append(round(t, 3))
    return out


def make_room(rate: float, question_s: float, *, seed: int = SEED, tail_s: float = TAIL_S,
              catalog_path: Path = SAMPLE_CATALOG) -> Room:
    """A room asking `rate` catalog questions a second for `question_s` seconds, then `tail_s` of quiet."""
    # One random stream per kind of thing, so a shorter room is the start of the longer one at that rate.
    def stream(name: str) -> random.Random:
        return random.Random(f"{seed}:{rate}:{name}")

    catalog, _ = load_catalog_file(catalog_path)
    products = list(catalog)
    by_sku = {p.sku: p for p in products}
    end_q = START_S + question_s
    events: list[dict[str, Any]] = [{"t": 0.0, "type": "viewers", "count": int(60 + 200 * rate)}]
    pins = [(round(0.5 + PIN_EVERY_S * i, 3), PINS[i % len(PINS)]) for i in range(int(end_q // PIN_EVERY_S) + 1)]
    events += [{"t": t, "type": "product_pinned", "sku": sku} for t, sku in pins]
    counters = {"asker": 100000, "chatter": 200000, "gifter": 300000}

    def viewer(rng: random.Random, role: str, lang: str) -> dict[str, str]:
        counters[role] += 1
        n = counters[role]
        nick = f"{rng.choice(NAMES[lang])} {n % 100000}"
        return {"id": str(n), "unique_id": f"{_plain(nick).lower().replace(' ', '.')}.{role}", "nickname": nick}

    def arrive(rng: random.Random, user: dict[str, str], t: float) -> None:
        if rng.random() < 0.5:  # half the viewers are seen joining shortly before they type
            events.append({"t": round(max(0.1, t - rng.uniform(1, 10)), 3), "type": "join", "user": user})

    questions: list[Truth] = []
    recent: list[tuple[float, str, str, str, Product, Product]] = []  # what a crowd may repeat
    rng = stream("questions")
    for t in _poisson(stream("question times"), rate, START_S, end_q):
        recent = [r for r in recent if t - r[0] < 8.0]
        if recent and rng.random() < DUPLICATE_P:
            _, text, lang, kind, p, q = rng.choice(recent)
            if rng.random() < 0.5:  # the same words again, or the same question put another way
                text = _question(rng, lang, kind, p, q)
        else:
            lang, kind = _pick(rng, LANG_WEIGHTS), _pick(rng, KIND_WEIGHTS)
            p = by_sku[next(sku for tp, sku in reversed(pins) if tp <= t)] if kind == "pinned" \
                else rng.choice(products)
            q = rng.choice([x for x in products if x.sku != p.sku])
            if kind == "size" and not _sizes(p):
                kind = "stock"  # a hat or a candle has no sizes to ask about
            text = _question(rng, lang, kind, p, q)
            recent.append((t, text, lang, kind, p, q))
        user = viewer(rng, "asker", lang)
        arrive(rng, user, t)
        events.append({"t": t, "type": "comment", "user": user, "text": text})
        questions.append(Truth(t=t, text=text, user_id=user["id"], lang=lang, kind=kind))
    rng = stream("chatter")
    for t in _poisson(stream("chatter times"), 0.1 + 0.6 * rate, 1.0, end_q):
        lang = _pick(rng, LANG_WEIGHTS)
        user = viewer(rng, "chatter", lang)
        arrive(rng, user, t)
        events.append({"t": t, "type": "comment", "user": user, "text": rng.choice(CHATTER[lang])})
    rng = stream("gifts")
    gifters = [viewer(rng, "gifter", _pick(rng, LANG_WEIGHTS)) for _ in range(8)]
    for t in _poisson(stream("gift times"), 0.05 + 0.05 * rate, 2.0, end_q):
        user, gift = rng.choice(gifters), rng.choice(GIFTS)
        steps = rng.randint(1, 3)
        for k in range(steps):
            ev: dict[str, Any] = {"t": round(t + 0.6 * k, 3), "type": "gift", "user": user,
                                  "gift": {"name": gift, "count": 1 + 2 * k, "diamonds": 1}}
            if k == steps - 1:
                ev["streak_end"] = True
            events.append(ev)
    rng = stream("likes")
    for t in _poisson(stream("like times"), 0.5, 1.0, end_q):
        events.append({"t": t, "type": "like", "user": rng.choice(gifters), "count": rng.randint(5, 30)})
    events.sort(key=lambda e: e["t"])
    events.append({"t": round(end_q + tail_s, 3), "type": "live_end"})
    return Room(rate=rate, events=events, questions=questions)


def write_log(room: Room, path: Path) -> Path:
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in room.events), encoding="utf-8")
    return path


# -- ground truth for a log the generator did not write -------------------------------------------

def questions_from_log(log: Path, catalog_path: Path = SAMPLE_CATALOG) -> list[Truth]:
    """The log's catalog-answerable questions, as the project's own understanding sees them.

    A comment counts when it is not hostile and names a catalog product, or asks a catalog intent
    (price, stock, promo, spec, buy) while a product is pinned: in a live sale "còn size M k?" is
    about the product on screen.
    """
    catalog, _ = load_catalog_file(catalog_path)
    matcher = ProductMatcher(catalog)
    by_sku = {p.sku: p for p in catalog}
    current: Product | None = None
    out: list[Truth] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(ev, dict) or not isinstance(ev.get("t"), int | float):
            continue  # not an event (DESIGN §2.3: the show skips it too)
        if ev.get("type") == "product_pinned":
            current = by_sku.get(str(ev.get("sku")), current)
        if ev.get("type") != "comment" or not ev.get("text"):
            continue
        u = ev.get("user") or {}
        user = Viewer(str(u.get("id", "")), str(u.get("unique_id", "")), str(u.get("nickname", "")))
        q = build_question(Comment(t=float(ev["t"]), user=user, text=str(ev["text"])), matcher, current)
        if q.hostile or q.intent in ("greeting", "human_check"):
            continue
        if q.products or (q.intent in CATALOG_INTENTS and current is not None):
            out.append(Truth(t=float(ev["t"]), text=str(ev["text"]), user_id=user.id, lang=q.lang, kind=q.intent))
    return out


# -- the figures ----------------------------------------------------------------------------------

def _triggers(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """Every comment an entry answers: `triggers` when the report has them, else `trigger`."""
    trigs = entry.get("triggers")
    if trigs is None:
        trigs = [entry["trigger"]] if entry.get("trigger") else []
    return [t for t in trigs if t and t.get("type", "comment") == "comment"]


class _Matcher:
    """Finds the ground-truth question a report trigger is: same viewer and text, nearest t."""

    def __init__(self, questions: list[Truth]) -> None:
        self.questions = questions
        self.by_user_text: dict[tuple[str, str], list[int]] = {}
        self.by_text: dict[str, list[int]] = {}
        for i, q in enumerate(questions):
            self.by_user_text.setdefault((q.user_id, q.text), []).append(i)
            self.by_text.setdefault(q.text, []).append(i)

    def __call__(self, trig: dict[str, Any]) -> int | None:
        text, t = str(trig.get("text") or ""), trig.get("t")
        uid = str((trig.get("user") or {}).get("id") or "")
        found = self.by_user_text.get((uid, text)) if uid else None
        if not found:  # a trigger without a viewer id: the same words at (almost) the same time
            found = [i for i in self.by_text.get(text, []) if t is None or abs(self.questions[i].t - t) < 0.05]
        if not found:
            return None
        return min(found, key=lambda i: abs(self.questions[i].t - t) if t is not None else 0.0)


def room_metrics(report: dict[str, Any], questions: list[Truth]) -> dict[str, Any]:
    """The room's figures from a report JSON dict (DESIGN §2.5/§2.7) and its ground-truth questions.

    Answered by voice: a spoken line (not a filler) names the question among its triggers and was
    heard (has a first audio). On screen only: a `screen` entry lists it and no line spoke to it.
    Latency: question's t -> first audio of the first line answering it.
    """
    match = _Matcher(questions)
    voice_t: dict[int, float] = {}
    screen_t: dict[int, float] = {}
    spoken_lines = answer_lines = 0
    per_line: list[int] = []
    for r in report.get("replies") or []:
        if r.get("kind") == "filler":  # a filler never stands in for an answer
            continue
        spoken_lines += 1
        heard = r.get("t_first_audio")
        hit = {i for i in (match(tr) for tr in _triggers(r)) if i is not None}
        if not hit or heard is None:
            continue
        answer_lines += 1
        per_line.append(len(hit))
        for i in hit:
            voice_t[i] = min(voice_t.get(i, heard), heard)
    for s in report.get("screen") or []:
        shown = s.get("t_shown")
        for tr in _triggers(s):
            i = match(tr)
            if i is not None and shown is not None:
                screen_t[i] = min(screen_t.get(i, shown), shown)
    n = len(questions)
    screen_only = set(screen_t) - set(voice_t)
    latency = [max(0.0, (voice_t[i] - questions[i].t) * 1000) for i in voice_t]
    screen_latency = [max(0.0, (screen_t[i] - questions[i].t) * 1000) for i in screen_only]
    minutes = float((report.get("session") or {}).get("duration_s") or 0.0) / 60

    def frac(k: int) -> float | None:
        return round(k / n, 3) if n else None

    return {
        "questions": n,
        "answered_voice": frac(len(voice_t)),
        "answered_screen_only": frac(len(screen_only)),
        "unanswered": frac(n - len(voice_t) - len(screen_only)),
        "latency_p50_ms": percentile(latency, 50),
        "latency_p95_ms": percentile(latency, 95),
        "screen_latency_p50_ms": percentile(screen_latency, 50),
        "lines_per_min": round(spoken_lines / minutes, 2) if minutes else None,
        "answer_lines_per_min": round(answer_lines / minutes, 2) if minutes else None,
        "viewers_per_answer_line": round(sum(per_line) / len(per_line), 2) if per_line else None,
        "report_has_triggers": any("triggers" in r for r in report.get("replies") or []),
        "report_has_screen": "screen" in report,
    }


# -- running the rooms ----------------------------------------------------------------------------

def understood(room: Room, catalog_path: Path = SAMPLE_CATALOG) -> float:
    """The share of the room's questions the project's own understanding reads as catalog questions."""
    fd, name = tempfile.mkstemp(suffix=".jsonl")
    os.close(fd)
    path = Path(name)
    try:
        seen = {(q.user_id, q.text) for q in questions_from_log(write_log(room, path), catalog_path)}
    finally:
        path.unlink()
    return round(sum((q.user_id, q.text) in seen for q in room.questions) / max(1, len(room.questions)), 3)


def run_room(tmp: Path, room: Room, llm: str) -> dict[str, Any]:
    """One room through the real show (offline `--fast`, openai `--realtime`); its figures."""
    from bot.config import Settings
    from bot.pipeline.assembly import ShowOptions
    from bot.pipeline.runner import run_show_async
    from bot.report.build import build_report

    name = f"{llm}-{room.rate}"
    log = write_log(room, tmp / f"{name}.jsonl")
    db = f"sqlite:///{tmp / (name + '.db')}"
    opts = ShowOptions(source=f"replay:{log}", catalog=SAMPLE_CATALOG, outputs=["none"], llm=llm, db=db,
                       realtime=(llm != "offline"), settings=Settings())
    t0 = time.perf_counter()
    summary = asyncio.run(run_show_async(opts))
    wall = time.perf_counter() - t0
    figures = room_metrics(build_report(db, "last"), room.questions)
    figures.update(wall_s=round(wall, 1), session_s=round(summary.session_s, 1),
                   dropped_frames=summary.dropped_frames, understood=understood(room))
    return figures


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


COLUMNS = [("rate", "q/s"), ("brain", "brain"), ("questions", "questions"), ("answered_n", "answered"),
           ("answered_voice", "voice"),
           ("answered_screen_only", "screen only"), ("unanswered", "unanswered"),
           ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms"), ("lines_per_min", "lines/min"),
           ("answer_lines_per_min", "answer lines/min"), ("viewers_per_answer_line", "viewers/answer line")]


def rows_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One table row per (brain, rate); `answered_n` (questions answered by voice) is what p50/p95 are over."""
    return [{"rate": float(rate), "brain": brain, **figs,
             "answered_n": round(figs["questions"] * (figs["answered_voice"] or 0))}
            for brain, per_rate in result["rooms"].items() for rate, figs in per_rate.items()]


def table(rows: Iterable[dict[str, Any]], markdown: bool = True) -> str:
    """The figures as a Markdown table (a plain one for the terminal looks the same)."""
    def cell(v: Any) -> str:
        if v is None:
            return "–"
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"
        return str(v)

    head = "| " + " | ".join(h for _, h in COLUMNS) + " |"
    lines = [head, "|" + "---|" * len(COLUMNS)] if markdown else [head]
    lines += ["| " + " | ".join(cell(r.get(k)) for k, _ in COLUMNS) + " |" for r in rows]
    return "\n".join(lines)


def describe(result: dict[str, Any]) -> str:
    """What a table was measured on, in one line."""
    has = result.get("report_fields", {})
    fields = ", ".join(f"`{k}` {'yes' if v else 'no'}" for k, v in has.items())
    dropped = [f"{brain} {min(d)}-{max(d)}" for brain, per_rate in result["rooms"].items()
               if (d := [f.get("dropped_frames", 0) for f in per_rate.values()])]
    code = f" ({result['code']})" if result.get("code") else ""
    return (f"commit {result['commit']}{code}, {result['generated']}; report has {fields}; "
            f"dropped frames per room: {', '.join(dropped)} (realtime on a shared machine drops some). "
            f"Questions for {result['question_s']['offline']:.0f} s (offline, `--fast`) / "
            f"{result['question_s']['openai']:.0f} s (openai at {result['llm_ttft_ms']:.0f} ms TTFT, `--realtime`), "
            f"then {result['tail_s']:.0f} s of tail; seed {result['seed']}.")


def markdown(result: dict[str, Any], baseline: dict[str, Any] | None) -> str:
    """The BENCHMARKS.md section: this run, and the committed baseline when it is another run."""
    parts = []
    if result.get("is_baseline"):
        parts.append(f"Baseline, before the issue-14 changes: {describe(result)}")
    else:
        parts.append(f"This run: {describe(result)}")
    parts += ["", table(rows_of(result))]
    if baseline is not None and not result.get("is_baseline"):
        parts += ["", f"Baseline, before the issue-14 changes: {describe(baseline)}", "", table(rows_of(baseline))]
    parts += ["", "voice / screen only / unanswered: fractions of the catalog questions asked; answered: how many "
              "were answered by voice, the sample p50/p95 are over (few answers make p95 noisy); latency: "
              "question -> first audio of the line answering it; lines/min: spoken lines (not "
              "fillers) per minute of session; viewers/answer line: questions a spoken answer line answers. "
              "Plot: `bench/out/room.png`."]
    return "\n".join(parts)


def plot(result: dict[str, Any], path: Path) -> None:
    """Voice and screen-only fractions, and p95 latency, against questions per second, per brain."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for (brain, per_rate), color in zip(result["rooms"].items(), ("tab:blue", "tab:orange", "tab:green"),
                                        strict=False):
        rates = [float(r) for r in per_rate]
        figs = list(per_rate.values())
        left.plot(rates, [f["answered_voice"] or 0 for f in figs], "o-", color=color, label=f"{brain}: voice")
        left.plot(rates, [f["answered_screen_only"] or 0 for f in figs], "s--", color=color,
                  label=f"{brain}: screen only")
        right.plot(rates, [(f["latency_p95_ms"] or 0) / 1000 for f in figs], "o-", color=color,
                   label=f"{brain}: p95")
        right.plot(rates, [(f["latency_p50_ms"] or 0) / 1000 for f in figs], "s:", color=color,
                   label=f"{brain}: p50")
    ticks = sorted({float(r) for per_rate in result["rooms"].values() for r in per_rate})
    for ax in (left, right):
        ax.set_xscale("log")
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_xticks(ticks, [f"{r:g}" for r in ticks])
        ax.set_xlabel("questions per second")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    left.set_ylabel("fraction of questions answered")
    left.set_ylim(0, 1.05)
    right.set_ylabel("reply latency, s")
    fig.suptitle(f"bench_room — commit {result['commit']}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def bench(rates: tuple[float, ...], brains: tuple[str, ...], question_s: dict[str, float],
          save_baseline: bool = False) -> dict[str, Any]:
    from tests.fakes.openai_server import FakeOpenAI

    rooms: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for brain in brains:
            rooms[brain] = {}
            server = FakeOpenAI(mode="correct", ttft_s=TTFT_S) if brain == "openai" else None
            if server is not None:
                # The show hangs up a stream it no longer needs (a busy room's answer is cut to one
                # sentence); the fake server would log each hang-up as a traceback.
                logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
                server.start()
                os.environ.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench-local",
                                  LIVEBOT_LLM_MODEL="fake-model")
            try:
                for rate in rates:
                    room = make_room(rate, question_s[brain])
                    figs = run_room(Path(tmp), room, brain)
                    rooms[brain][f"{rate:g}"] = figs
                    print(f"   {brain} {rate:g} q/s: {json.dumps(figs)}", flush=True)
            finally:
                if server is not None:
                    server.stop()
    every = [f for per_rate in rooms.values() for f in per_rate.values()]
    return {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "commit": _commit(),
        "is_baseline": save_baseline, "seed": SEED, "rates": list(rates), "question_s": question_s,
        "tail_s": TAIL_S, "llm_ttft_ms": TTFT_S * 1000,
        "report_fields": {"triggers": any(f["report_has_triggers"] for f in every),
                          "screen": any(f["report_has_screen"] for f in every)},
        "rooms": rooms,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--report", type=Path, help="figures for this report JSON instead of running rooms")
    ap.add_argument("--questions-from", type=Path, help="the event log the report's session replayed")
    ap.add_argument("--catalog", type=Path, default=SAMPLE_CATALOG)
    ap.add_argument("--rates", type=lambda s: tuple(float(x) for x in s.split(",")), default=RATES)
    ap.add_argument("--brains", type=lambda s: tuple(s.split(",")), default=("offline", "openai"))
    ap.add_argument("--question-s", type=float, help="seconds of questions per room (both brains)")
    ap.add_argument("--save-baseline", action="store_true", help=f"also write {BASELINE.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    if args.report is not None:
        if args.questions_from is None:
            ap.error("--report needs --questions-from LOG.jsonl (the log its session replayed)")
        report = json.loads(args.report.read_text(encoding="utf-8"))
        figs = room_metrics(report, questions_from_log(args.questions_from, args.catalog))
        print(json.dumps(figs, indent=2))
        return 0
    question_s = dict(QUESTION_S) if args.question_s is None else dict.fromkeys(QUESTION_S, args.question_s)
    t0 = time.perf_counter()
    result = bench(args.rates, args.brains, question_s, args.save_baseline)
    result["bench_wall_s"] = round(time.perf_counter() - t0, 1)
    baseline = None
    if args.save_baseline:
        BASELINE.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    elif BASELINE.is_file():
        baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    result["title"] = "Room throughput (bench_room)"
    result["markdown"] = markdown(result, baseline)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "room.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    plot(result, OUT / "room.png")
    print(table(rows_of(result)))
    print(f"wrote {OUT / 'room.json'} and {OUT / 'room.png'} in {result['bench_wall_s']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
