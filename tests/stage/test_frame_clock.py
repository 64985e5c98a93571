"""The stage clock: every frame carries exactly its own audio slice; cuts stop within one frame;
live pacing follows a monotonic deadline and drops late frames (counted) without desync."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from bot.avatar.loader import load_avatar
from bot.events import Sentence, SpeechSegment, StageFrame
from bot.frames import ReplyEnd
from bot.paths import DEFAULT_AVATAR_DIR
from bot.speech.speaker import Speaker, make_engine
from bot.stage.frame_clock import FrameClock, StageHooks

FPS, SR = 25, 44100
SPF = SR // FPS


@pytest.fixture(scope="module")
def renderer():  # noqa: ANN201
    return load_avatar(DEFAULT_AVATAR_DIR, 720, 1280, FPS)


@pytest.fixture(scope="module")
def speaker() -> Speaker:
    return Speaker(make_engine("espeak"), stage_rate=SR)


class Recorder(StageHooks):
    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.done: dict[int, tuple[float, bool]] = {}

    def first_audio(self, reply_id: int, t: float) -> None:
        self.first[reply_id] = t

    def reply_done(self, reply_id: int, t: float, cut: bool) -> None:
        self.done[reply_id] = (t, cut)


def seg(speaker: Speaker, reply_id: int, text: str, lang: str = "vi") -> SpeechSegment:
    return speaker.speak(Sentence(reply_id=reply_id, index=0, text=text, lang=lang))  # type: ignore[arg-type]


def run_clock(clock: FrameClock, frames: list[StageFrame], stop_after: int | None = None) -> None:
    async def write(frame: StageFrame) -> None:
        frames.append(frame)
        if stop_after is not None and len(frames) >= stop_after:
            clock.stop_now()

    clock.write = write
    asyncio.run(clock.run())


def test_frames_carry_exactly_the_segment_audio_in_order(renderer, speaker: Speaker) -> None:  # noqa: ANN001
    a = seg(speaker, 1, "Xin chào các bạn, hôm nay shop có áo mới.")
    b = seg(speaker, 1, "Áo thun đỏ giá 199.000đ.")
    hooks = Recorder()
    clock = FrameClock(renderer, FPS, SR, realtime=False, write=None, hooks=hooks)  # type: ignore[arg-type]
    for item in (a, b, ReplyEnd(1)):
        clock.push(item)
    clock.finish()
    frames: list[StageFrame] = []
    run_clock(clock, frames)
    audio = np.concatenate([f.audio for f in frames])
    assert all(len(f.audio) == SPF for f in frames)
    n_a = -(-len(a.pcm) // SPF) * SPF  # each sentence starts on a frame boundary
    assert np.array_equal(audio[: len(a.pcm)], a.pcm)
    assert np.array_equal(audio[n_a: n_a + len(b.pcm)], b.pcm)
    assert [f.index for f in frames] == list(range(len(frames)))
    assert hooks.first[1] == 0.0 and hooks.done[1][1] is False
    assert len(frames) == -(-len(a.pcm) // SPF) + -(-len(b.pcm) // SPF)


def test_cut_stops_voice_and_mouth_within_one_frame(renderer, speaker: Speaker) -> None:  # noqa: ANN001
    long = seg(speaker, 7, "Đây là một câu rất dài để kiểm tra việc dừng giữa chừng khi người kiểm duyệt bấm bỏ qua.")
    hooks = Recorder()
    clock = FrameClock(renderer, FPS, SR, realtime=False, write=None, hooks=hooks)  # type: ignore[arg-type]
    clock.push(long)
    clock.push(ReplyEnd(7))
    frames: list[StageFrame] = []

    async def write(frame: StageFrame) -> None:
        frames.append(frame)
        if len(frames) == 20:
            clock.cut()
        if len(frames) == 30:
            clock.stop_now()

    clock.write = write
    asyncio.run(clock.run())
    assert frames[19].speaking
    assert not any(f.speaking for f in frames[20:])
    assert all(not f.audio.any() for f in frames[20:]) and all(f.viseme == "X" for f in frames[20:])
    assert hooks.done[7][1] is True
    clock.push(seg(speaker, 7, "Câu trễ."))  # a late sentence of the cut reply is not said
    assert not clock.queue


def test_realtime_pacing_has_no_drift_and_drops_late_frames(renderer, speaker: Speaker) -> None:  # noqa: ANN001
    a = seg(speaker, 3, "Một hai ba bốn năm sáu bảy tám chín mười.")
    clock = FrameClock(renderer, FPS, SR, realtime=True, write=None, hooks=Recorder())  # type: ignore[arg-type]
    clock.push(a)
    clock.push(ReplyEnd(3))
    frames: list[StageFrame] = []
    stalled = False
    t0 = time.monotonic()

    async def write(frame: StageFrame) -> None:
        nonlocal stalled
        frames.append(frame)
        if frame.index == 10 and not stalled:
            stalled = True
            time.sleep(0.2)  # an output hiccup: five frames' worth of time lost
        if frame.index >= 60:
            clock.stop_now()

    clock.write = write
    asyncio.run(clock.run())
    wall = time.monotonic() - t0
    assert abs(wall - 61 / FPS) < 0.12  # paced against the deadline: no accumulated drift
    assert clock.stats.dropped >= 3
    # dropped frames skip their audio too: frame i's audio is still the slice at i*SPF
    for f in frames:
        start = f.index * SPF
        expect = a.pcm[start:start + SPF]
        if len(expect) == SPF:
            assert np.array_equal(f.audio, expect)


def test_end_after_sentence_finishes_the_sentence_then_closes_the_reply_as_cut(renderer, speaker: Speaker) -> None:  # noqa: ANN001
    a = seg(speaker, 1, "Áo thun đỏ giá 199.000đ.")
    b = seg(speaker, 1, "Còn đủ size từ S đến XL nha.")
    c = seg(speaker, 2, "Cảm ơn bạn đã ghé shop.")
    hooks = Recorder()
    clock = FrameClock(renderer, FPS, SR, realtime=False, write=None, hooks=hooks)  # type: ignore[arg-type]
    for item in (a, b, ReplyEnd(1), c, ReplyEnd(2)):
        clock.push(item)
    clock.finish()
    frames: list[StageFrame] = []

    async def write(frame: StageFrame) -> None:
        frames.append(frame)
        if len(frames) == 3:  # the first sentence is being said: its comment is deleted now
            clock.end_after_sentence(1)
            clock.push(seg(speaker, 1, "Câu đến muộn."))  # a late sentence of that reply is not said

    clock.write = write
    asyncio.run(clock.run())
    n_a = -(-len(a.pcm) // SPF)
    n_c = -(-len(c.pcm) // SPF)
    spoken = [f for f in frames if f.speaking]
    assert len(spoken) == n_a + n_c  # all of sentence a, none of b or the late one, then reply 2
    audio = np.concatenate([f.audio for f in frames[:n_a]])
    assert np.array_equal(audio[: len(a.pcm)], a.pcm)
    assert hooks.done[1][1] is True and hooks.done[2][1] is False
    assert hooks.done[1][0] <= hooks.first[2]
