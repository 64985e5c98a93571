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
        speak, write = show.lines.speak, show.stage.write

        def spoken(sentence):  # noqa: ANN001, ANN202
            sentence.pace = pace  # what the director sets while questions wait
            seg = speak(sentence)
            engines.append(f"{sentence.lang}:{seg.engine}")
            speeds.append(seg.speed)
            return seg

        async def tapped(frame: StageFrame) -> None:
            frames.append((frame.speaking, frame.viseme, float(np.abs(frame.audio).mean())))
            await write(frame)

        show.lines.speak, show.stage.write = spoken, tapped

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


LAN = {"id": "7001", "unique_id": "lan.nguyen", "nickname": "Lan"}
WEI = {"id": "8001", "unique_id": "wang.wei", "nickname": "王伟"}


def test_installed_vietnamese_and_chinese_voices_drive_the_mouth(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """`livebot voices install --recommended` from a hub mirror, then `--tts piper` speaks vi and zh
    with those voices (no voices.yaml edit), the mouth following Piper's own alignments."""
    pytest.importorskip("piper", reason="piper-tts is part of the test extras")
    from tests.fakes.hub_mirror import HubMirror
    from tests.speech.test_speech_voices_install import joe, livebot, serve

    onnx = Path(joe.model_path())
    files = (onnx.read_bytes(), json.loads(Path(f"{onnx}.json").read_text(encoding="utf-8")))
    voices = tmp_path / "voices"
    with HubMirror() as mirror:
        serve(mirror, files, "vi_VN-vais1000-medium", "zh_CN-huayan-medium", "en_US-ljspeech-medium")
        proc = livebot("voices", "install", "--recommended", endpoint=mirror.endpoint, voices=voices)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in voices.glob("*.onnx")) == [
        "en_US-ljspeech-medium.onnx", "vi_VN-vais1000-medium.onnx", "zh_CN-huayan-medium.onnx"]
    monkeypatch.setenv("LIVEBOT_VOICES_DIR", str(voices))

    log = tmp_path / "vizh.jsonl"
    lines = [
        {"t": 1.0, "type": "comment", "user": LAN, "text": "áo đỏ giá bao nhiêu vậy shop?"},
        {"t": 6.0, "type": "comment", "user": WEI, "text": "红色上衣多少钱？"},
        {"t": 30.0, "type": "live_end"},
    ]
    log.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n", encoding="utf-8")
    spoken: list[tuple[str, str, str, str]] = []
    frames: list[tuple[bool, str, float]] = []

    def tap(show) -> None:  # noqa: ANN001
        speak, write = show.lines.speak, show.stage.write

        def spoken_with(sentence):  # noqa: ANN001, ANN202
            seg = speak(sentence)
            spoken.append((sentence.lang, seg.engine, seg.voice, sentence.text))
            return seg

        async def tapped(frame: StageFrame) -> None:
            frames.append((frame.speaking, frame.viseme, float(np.abs(frame.audio).mean())))
            await write(frame)

        show.lines.speak, show.stage.write = spoken_with, tapped

    settings = Settings(prompts=Path("prompts"))
    opts = ShowOptions(source=f"replay:{log}", catalog=SAMPLE_CATALOG, outputs=[str(tmp_path / "vizh.mp4")],
                       tts="piper", db=f"sqlite:///{tmp_path}/vizh.db", settings=settings)
    summary = asyncio.run(run_show_async(opts, on_show=tap))
    assert summary.replies.get("answer") == 2
    by_lang = {(lang, engine, voice) for lang, engine, voice, _ in spoken}
    assert ("vi", "piper", "vi_VN-vais1000-medium") in by_lang and ("zh", "piper", "zh_CN-huayan-medium") in by_lang
    assert all(engine == "piper" for lang, engine, _, _ in spoken if lang in ("vi", "zh"))
    voiced = [v for speaking, v, level in frames if speaking and level > 200]
    assert len(voiced) > 50 and sum(v != "X" for v in voiced) / len(voiced) > 0.8
    assert all(v == "X" for speaking, v, _ in frames if not speaking)
