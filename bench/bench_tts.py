"""TTS speed per engine and per installed Piper voice: real-time factor, time to first audio and
the voice's load time (paid before the show starts, by Speaker.prepare).

Run: .venv/bin/python bench/bench_tts.py   — prints a table and writes bench/out/tts.json.
RTF = synthesis wall time / audio duration (lower is faster). "first audio" = time until the
first sentence's SpeechSegment is ready from Speaker.stream (spoken form, synth, resample,
loudness included). Piper voices: `joe` (PyPI) and every voice in LIVEBOT_VOICES_DIR
(`livebot voices install`), each measured in its own language on a fresh engine.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Settings  # noqa: E402
from bot.events import LANGS, Lang, Sentence  # noqa: E402
from bot.paths import PROMPTS_DIR  # noqa: E402
from bot.prompts.book import PromptBook  # noqa: E402
from bot.speech.engine import SpeechEngine  # noqa: E402
from bot.speech.speaker import Speaker, make_engine  # noqa: E402
from bot.speech.voice_catalog import installed_voices, voices_dir  # noqa: E402

LINES: dict[str, list[str]] = {
    "vi": ["Xin chào cả nhà, chào mừng mọi người đến với phiên live hôm nay!",
           "Áo sơ mi lụa màu đỏ giá chỉ 249.000đ, giảm 20% cho mười bạn đầu tiên.",
           "Size XL còn 3 cái thôi, freeship toàn quốc nha.",
           "Bạn Lan hỏi chất liệu: đây là lụa tơ tằm, mặc rất mát."],
    "zh": ["大家好，欢迎来到直播间！", "这件红色上衣只要¥59，前十名再打八折。",
           "XL码还剩3件，全国包邮哦。", "小兰问面料：这是真丝的，穿起来很凉快。"],
    "en": ["Hi everyone, welcome to the live show!", "This red silk shirt is only $12.99, 20% off for the first ten.",
           "Only 3 left in size XL, with free shipping.", "Lan asked about the fabric: it is pure silk and very cool."],
}
REPEATS = 3


def bench_engine(engine: SpeechEngine, lang: Lang, prompts: PromptBook | None = None) -> dict[str, float]:
    speaker = Speaker(engine, prompts=prompts)
    sentences = [Sentence(reply_id=1, index=i, text=t, lang=lang) for i, t in enumerate(LINES[lang])]
    rtfs, firsts, audio, raw_rtfs = [], [], 0.0, []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        first = None
        total_audio = 0.0
        for seg in speaker.stream(sentences):
            if first is None:
                first = time.perf_counter() - t0
            total_audio += seg.duration
        wall = time.perf_counter() - t0
        rtfs.append(wall / total_audio)
        firsts.append(first or 0.0)
        audio = total_audio
        # Engine alone, no spoken form / resample / loudness.
        t1 = time.perf_counter()
        raw_audio = 0.0
        for s in sentences:
            out = engine.synthesize(s.text, lang)
            raw_audio += len(out.pcm) / out.sample_rate
        raw_rtfs.append((time.perf_counter() - t1) / raw_audio)
    return {"audio_s": round(audio, 3), "rtf": round(statistics.median(rtfs), 4),
            "engine_rtf": round(statistics.median(raw_rtfs), 4),
            "first_audio_ms": round(statistics.median(firsts) * 1000, 1)}


def bench_piper_voices() -> dict[str, dict[str, float]]:
    """joe and each installed voice in its own language; a fresh engine each, so load time is real."""
    try:
        from bot.speech.piper_engine import PiperEngine
    except ImportError as exc:
        return {"piper": {"error": str(exc)}}  # type: ignore[dict-item]
    folder = voices_dir(Settings().voices.dir)  # LIVEBOT_VOICES_DIR, as the show reads it
    voices = [("joe", "en")] + [(v.name, v.lang) for v in installed_voices(folder)
                                if not v.problem and v.lang in LANGS]
    from bot.speech.voice_catalog import read_voice_config
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        # A prompts folder with the lexicon but no voices.yaml: the voice under test is the one spoken.
        shutil.copy(PROMPTS_DIR / "lexicon.yaml", Path(tmp) / "lexicon.yaml")
        prompts = PromptBook(Path(tmp))
        for name, lang in voices:
            try:
                engine = PiperEngine(voices={lang: name}, voices_dir=folder)
                t0 = time.perf_counter()
                engine.load_voice(lang)  # type: ignore[arg-type]
                load_ms = (time.perf_counter() - t0) * 1000
                model = engine.resolve(name)
                config = read_voice_config(Path(f"{model}.json"))
                out[f"piper_{lang}_{name}"] = {**bench_engine(engine, lang, prompts),  # type: ignore[arg-type]
                                               "voice_load_ms": round(load_ms, 1),
                                               "model_mb": round(model.stat().st_size / 2**20, 1),
                                               "dataset": str(config.get("dataset", "")),  # type: ignore[dict-item]
                                               "sample_rate": int(config["audio"]["sample_rate"])}
            except Exception as exc:  # report, do not die: the other figures still count
                out[f"piper_{lang}_{name}"] = {"error": str(exc)}  # type: ignore[dict-item]
    return out


def main() -> None:
    results: dict[str, dict[str, float]] = {}
    espeak = make_engine("espeak")
    for lang in ("vi", "zh", "en"):
        results[f"espeak_{lang}"] = bench_engine(espeak, lang)  # type: ignore[arg-type]
    results.update(bench_piper_voices())
    # The test machines are shared: the load during the run says how far to trust the figures.
    results["machine"] = {"load_avg_1min": round(os.getloadavg()[0], 2), "cores": os.cpu_count() or 0,
                          "measured": datetime.now(UTC).isoformat(timespec="seconds")}
    print(f"{'engine / voice':<36}{'audio s':>9}{'RTF':>9}{'engine RTF':>12}{'first audio ms':>16}{'load ms':>9}")
    for name, r in results.items():
        if name == "machine":
            continue
        if "error" in r:
            print(f"{name:<36} error: {r['error']}")
            continue
        print(f"{name:<36}{r['audio_s']:>9}{r['rtf']:>9}{r['engine_rtf']:>12}{r['first_audio_ms']:>16}"
              f"{r.get('voice_load_ms', ''):>9}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "tts.json").write_text(json.dumps(results, indent=2))
    print(f"wrote {out / 'tts.json'}")


if __name__ == "__main__":
    main()
