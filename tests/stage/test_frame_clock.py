"""The stage clock: every frame carries exactly its own audio slice; cuts stop within one frame;
live pacing follows a monotonic deadline and drops late frames (counted) without desync."""

from __future__ import annotations

import asyncio
import time

import numpy as np
import pytest

from bot.avatar.loader import load_avatar
from bot.events import Sentence, SpeechSegment, StageFrame
from bot.frames import AudioStarted, HostFree, OnScreen, ReplyEnd, ReplyFinished, StageSignal
from bot.paths import DEFAULT_AVATAR_DIR
from bot.speech.speaker import Speaker, make_engine
from bot.stage.frame_clock import FrameClock

FPS, SR = 25, 44100
SPF = SR // FPS


@pytest.fixture(scope="module")
def renderer():  # noqa: ANN201
    return load_avatar(DEFAULT_AVATAR_DIR, 720, 1280, FPS)


@pytest.fixture(scope="module")
def speaker() -> Speaker:
    return Speaker(make_engine("espeak"), stage_rate=SR)


class Recorder:
    """The stage's feed and signal sink in one: records when replies are heard and end; answers every
    call for a line with nothing (the tests queue the speech themselves)."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.done: dict[int, tuple[float, bool]] = {}
        self.calls_for_lines: list[float] = []
        self.clock: FrameClock | None = None

    def signal(self, sig: StageSignal) -> None:
        match sig:
            case HostFree(t_free):
                self.calls_for_lines.append(t_free)
                assert self.clock is not None
                self.clock.line_answered()
            case AudioStarted(reply_id, t):
                self.first[reply_id] = t
            case ReplyFinished(reply_id, t, cut):
                self.done[reply_id] = (t, cut)

    async def settle(self, t: float) -> None:
        return None

    def screen_at(self, t: float, sku: str | None) -> OnScreen:
        return OnScreen()

    def gives_way(self, reply_id: int) -> bool:
        return False


def make_clock(renderer, hooks: Recorder, realtime: bool) -> FrameClock:  # noqa: ANN001
    clock = FrameClock(renderer, FPS, SR, realtime=realtime, write=None, signal=hooks.signal,  # type: ignore[arg-type]
                       feed=hooks)
    hooks.clock = clock
    return clock


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
    clock = make_clock(renderer, hooks, realtime=False)
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


def test_the_stage_calls_for_the_next_line_before_it_runs_dry_and_waits_for_it(renderer, speaker: Speaker) -> None:  # noqa: ANN001
    a = seg(speaker, 1, "Áo thun đỏ giá 199.000đ.")
    hooks = Recorder()
    clock = make_clock(renderer, hooks, realtime=False)
    frames: list[StageFrame] = []
    answered_at: list[int] = []

    def answer(sig: StageSignal) -> None:
        if isinstance(sig, HostFree) and not hooks.calls_for_lines:
            clock.push(a)  # the first call: a line arrives; the second: the show ends
            clock.push(ReplyEnd(1))
        elif isinstance(sig, HostFree):
            answered_at.append(len(frames))
            clock.finish()
        hooks.signal(sig)

    clock.signal = answer
    run_clock(clock, frames)
    first, second = hooks.calls_for_lines
    assert first == 0.0  # nothing buffered at the start: free now
    # the second call comes while at most the look-ahead (0.3 s) is left, and says when the voice ends
    assert abs(second - len(a.pcm) / SR) <= 1 / FPS
    assert (second - answered_at[0] / FPS) <= clock.lookahead_s + 1e-9
    assert len(frames) == -(-len(a.pcm) // SPF) and hooks.done[1][1] is False


def test_cut_stops_voice_and_mouth_within_one_frame(renderer, speaker: Speaker) -> None:  # noqa: ANN001
    long = seg(speaker, 7, "Đây là một câu rất dài để kiểm tra việc dừng giữa chừng khi người kiểm duyệt bấm bỏ qua.")
    hooks = Recorder()
    clock = make_clock(renderer, hooks, realtime=False)
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
    clock = make_clock(renderer, Recorder(), realtime=True)
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
    clock = make_clock(renderer, hooks, realtime=False)
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
