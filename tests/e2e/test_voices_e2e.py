"""`livebot run --tts piper`: the show speaks with the Piper voice and the mouth follows it."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pytest

from bot.config import Settings
from bot.events import StageFrame
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions
from bot.pipeline.runner import run_show_async

EMMA = {"id": "7010", "unique_id": "emma", "nickname": "Emma"}
JAKE = {"id": "7011", "unique_id": "jake", "nickname": "Jake"}


@pytest.mark.parametrize("pace", [1.0, 1.15], ids=["calm", "busy"])
def test_piper_voice_drives_the_mouth(tmp_path: Path, pace: float) -> None:
    log = tmp_path / "en.jsonl"
    lines = [
        {"t": 1.0, "type": "comment", "user": EMMA, "text": "How much is the red shirt?"},
        {"t": 4.0, "type": "comment", "user": JAKE, "text": "Is the floral dress in stock?"},
        {"t": 30.0, "type": "live_end"},
    ]
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    engines: list[str] = []
    speeds: list[float] = []
    frames: list[tuple[bool, str, float]] = []

    def tap(show) -> None:  # noqa: ANN001
        speak, write = show.speak, show.stage.write

        def spoken(sentence):  # noqa: ANN001, ANN202
            sentence.pace = pace  # what the director sets while questions wait
            seg = speak(sentence)
            engines.append(f"{sentence.lang}:{seg.engine}")
            speeds.append(seg.speed)
            return seg

        async def tapped(frame: StageFrame) -> None:
            frames.append((frame.speaking, frame.viseme, float(np.abs(frame.audio).mean())))
            await write(frame)

        show.speak, show.stage.write = spoken, tapped

    settings = Settings(prompts=Path("prompts"))
    opts = ShowOptions(source=f"replay:{log}", catalog=SAMPLE_CATALOG, outputs=[str(tmp_path / "en.mp4")],
                       tts="piper", db=f"sqlite:///{tmp_path}/en.db", settings=settings)
    summary = asyncio.run(run_show_async(opts, on_show=tap))
    assert summary.replies.get("answer") == 2
    assert any(e == "en:piper" for e in engines)  # English answers in the Piper voice
    assert pace == 1.0 or min(speeds) > 1.14  # every sentence at the busy pace (× its rate)
    assert all(e.endswith("espeak") for e in engines if not e.startswith("en:"))  # vi falls back, with a warning
    voiced = [v for speaking, v, level in frames if speaking and level > 200]
    assert len(voiced) > 50 and sum(v != "X" for v in voiced) / len(voiced) > 0.8
    assert all(v == "X" for speaking, v, _ in frames if not speaking)
