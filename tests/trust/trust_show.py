"""Running a whole show in-process for a fault test: a replay log, a frame tap, the report after."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.catalog.importer import load_catalog_file
from bot.config import Settings
from bot.events import StageFrame
from bot.language.money import format_money
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import ShowSummary, run_show_async
from bot.report.build import build_report

OnFrame = Callable[[Any, StageFrame], None]


def catalog_prices() -> set[str]:
    """Every price and promo price of the sample catalog, as captions write them."""
    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    out: set[str] = set()
    for p in catalog:
        out.add(format_money(p.price, p.currency))
        if p.promo_price is not None:
            out.add(format_money(p.promo_price, p.currency))
    return out


MONEY = re.compile(r"\d[\d.,]*\s?(?:đ|₫|k\b|K\b|nghìn|ngàn|triệu|元|块)|[¥$€]\s?\d[\d.,]*|\d[\d.,]*\s?%")


def money_figures(text: str) -> list[str]:
    """Money amounts and percentages in a caption (what the guard must back with the catalog)."""
    return [m.group(0).strip() for m in MONEY.finditer(text)]


def comment_log(tmp: Path, comments: list[tuple[float, str]], end: float, name: str = "log.jsonl") -> Path:
    """A replay with these comments (each from a different viewer) and live_end at `end`."""
    rows: list[dict[str, Any]] = [{"t": 0.0, "type": "viewers", "count": 50}]
    for i, (t, text) in enumerate(comments):
        rows.append({"t": t, "type": "comment", "text": text,
                     "user": {"id": str(9000 + i), "unique_id": f"viewer{i}", "nickname": f"Khách {chr(65 + i % 26)}"}})
    rows.append({"t": end, "type": "live_end"})
    path = tmp / name
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@dataclass
class ShowRun:
    summary: ShowSummary
    report: dict[str, Any]
    db: Path
    speaking_frames: int = 0
    loud_frames: int = 0  # speaking frames whose audio is clearly voice, not silence
    engines: list[str] = field(default_factory=list)  # the engine that voiced each sentence, in order


def run_log(tmp: Path, log: Path, *, llm: str = "offline", tts: str = "espeak", prompts: Path | None = None,
            outputs: list[str] | None = None, on_frame: OnFrame | None = None, db_name: str = "show.db",
            realtime: bool = False) -> ShowRun:
    """Run the replay with `--fast` through the real show; tap frames and the voice on the way."""
    db = tmp / db_name
    counts = {"speaking": 0, "loud": 0}
    engines: list[str] = []

    def tap(show: Any) -> None:
        real_write = show.stage.write
        real_speak = show.lines.speak

        def speak(sentence: Any) -> Any:
            seg = real_speak(sentence)
            engines.append(seg.engine)
            return seg

        async def write(frame: StageFrame) -> None:
            if frame.speaking:
                counts["speaking"] += 1
                if float(np.sqrt(np.mean(frame.audio.astype(np.float64) ** 2))) > 300:
                    counts["loud"] += 1
            if on_frame is not None:
                on_frame(show, frame)
            await real_write(frame)

        show.lines.speak = speak
        show.stage.write = write

    opts = ShowOptions(source=f"replay:{log}", catalog=SAMPLE_CATALOG, outputs=outputs or ["none"], llm=llm, tts=tts,
                       prompts=prompts, db=f"sqlite:///{db}", realtime=realtime, settings=Settings())
    summary = asyncio.run(run_show_async(opts, on_show=tap))
    return ShowRun(summary, build_report(f"sqlite:///{db}", "last"), db, counts["speaking"], counts["loud"], engines)
