"""Sprite avatar render speed: ms per frame at 720×1280 and 1080×1920, idle / speaking / with overlays.

Run: .venv/bin/python bench/bench_render.py   — prints a table and writes bench/out/render.json.
"Speaking" drives the mouth from a real espeak-ng sentence; "overlays" adds caption, product card
and the AI label (their text is rendered once and cached, as in a show). Load time is reported too.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.avatar.loader import load_avatar  # noqa: E402
from bot.avatar.render_contract import AvatarState, ProductCard  # noqa: E402
from bot.events import Sentence, SpeechSegment  # noqa: E402
from bot.paths import DEFAULT_AVATAR_DIR  # noqa: E402
from bot.speech.espeak import EspeakEngine  # noqa: E402

FRAMES = 250  # 10 s of video at 25 fps
SIZES = [(720, 1280), (1080, 1920)]
CARD = ProductCard(sku="AO-DO-01", name="Áo sơ mi lụa đỏ tay ngắn", price_text="249.000đ",
                   promo_text="Giảm 20% hôm nay")
CAPTION = "Áo sơ mi lụa màu đỏ giá chỉ 249.000đ, giảm 20% cho mười bạn đầu tiên."


def speech_segment() -> SpeechSegment:
    syn = EspeakEngine().synthesize(CAPTION, "vi")
    sentence = Sentence(reply_id=1, index=0, text=CAPTION, lang="vi")
    return SpeechSegment(sentence=sentence, pcm=syn.pcm, sample_rate=syn.sample_rate, phonemes=syn.phonemes)


def time_frames(avatar, make_state) -> dict[str, float]:
    for i in range(10):  # warm the caches (precomposed bodies, heads, text) as a running show has
        avatar.render(make_state(i))
    times = []
    for i in range(FRAMES):
        state = make_state(i)
        t0 = time.perf_counter()
        frame = avatar.render(state)
        times.append((time.perf_counter() - t0) * 1000.0)
        assert frame.dtype == np.uint8
    times.sort()
    return {"mean_ms": round(statistics.fmean(times), 3), "p50_ms": round(times[len(times) // 2], 3),
            "p95_ms": round(times[int(len(times) * 0.95)], 3), "max_ms": round(times[-1], 3)}


def main() -> None:
    segment = speech_segment()
    seg_frames = int(segment.duration * 25)
    results: dict[str, object] = {"frames": FRAMES, "speech_s": round(segment.duration, 3)}
    for width, height in SIZES:
        t0 = time.perf_counter()
        avatar = load_avatar(DEFAULT_AVATAR_DIR, width=width, height=height)
        load_ms = (time.perf_counter() - t0) * 1000.0
        cases = {
            "idle": lambda i: AvatarState(frame_index=i, t=i / 25),
            "speaking": lambda i: AvatarState(frame_index=i, t=i / 25, segment=segment,
                                              seg_time=(i % seg_frames) / 25, expression="smile"),
            "overlays": lambda i: AvatarState(frame_index=i, t=i / 25, segment=segment,
                                              seg_time=(i % seg_frames) / 25, caption=CAPTION, product=CARD,
                                              label="AI host"),
        }
        key = f"{width}x{height}"
        results[key] = {"load_ms": round(load_ms, 1), **{name: time_frames(avatar, fn) for name, fn in cases.items()}}
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "render.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"{'size':<10} {'case':<9} {'mean ms':>8} {'p50':>7} {'p95':>7} {'max':>7}")
    for width, height in SIZES:
        key = f"{width}x{height}"
        for name in ("idle", "speaking", "overlays"):
            r = results[key][name]
            print(f"{key:<10} {name:<9} {r['mean_ms']:>8.2f} {r['p50_ms']:>7.2f} {r['p95_ms']:>7.2f} {r['max_ms']:>7.2f}")
        print(f"{key:<10} load {results[key]['load_ms']:.0f} ms")
    print(f"wrote {out / 'render.json'}")


if __name__ == "__main__":
    main()
