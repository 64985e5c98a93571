"""The stage's master clock: audio leads, and every video frame carries its own audio slice.

Frame i covers session time [i/fps, (i+1)/fps). Its audio is exactly sample_rate/fps samples
taken from the segment being spoken (or silence), and its picture is rendered from the same
segment at the same offset, so voice and mouth cannot drift apart whatever path they take.
Live, frames are scheduled against a monotonic deadline (never a fixed sleep); when the
renderer falls behind, late frames are dropped and counted, never delayed into desync.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from bot.avatar.render_contract import AvatarRenderer, AvatarState
from bot.events import SpeechSegment, StageFrame
from bot.frames import (
    AudioStarted,
    HostFree,
    OnScreen,
    ReplyEnd,
    ReplyFinished,
    ReplyGaveWay,
    SentenceStarted,
    StageSignal,
)

log = logging.getLogger(__name__)


StageItem = SpeechSegment | ReplyEnd


@dataclass(slots=True)
class StageStats:
    frames: int = 0
    dropped: int = 0
    speaking_frames: int = 0
    underruns: int = 0  # frames of silence inside a reply: the next sentence was not ready
    render_ms_total: float = 0.0
    max_lateness_ms: float = 0.0


class StageFeed(Protocol):
    """What the stage reads from the show at frame time; everything it tells goes out as a `StageSignal`."""

    async def settle(self, t: float) -> None:
        """Fast mode: bring the room up to session time t (release its events, let triage settle)."""
        ...

    def screen_at(self, t: float, sku: str | None) -> OnScreen:
        """What the screen shows at t around the avatar; `sku` is the product the sentence names, if any."""
        ...

    def gives_way(self, reply_id: int) -> bool:
        """At a sentence end of this reply: give way now (a question is waiting and the line allows it)?"""
        ...


class FrameClock:
    """Makes one frame after another from the queued speech; says when it is free and what it played
    through `signal`, and reads the screen and the give-way rule from its `feed`."""

    def __init__(self, renderer: AvatarRenderer, fps: int, sample_rate: int, realtime: bool,
                 write: Callable[[StageFrame], Awaitable[None]], signal: Callable[[StageSignal], None],
                 feed: StageFeed, lookahead_s: float = 0.3, breath_s: float = 0.32) -> None:
        if sample_rate % fps:
            raise ValueError(f"sample rate {sample_rate} is not a whole number of samples per frame at {fps} fps")
        self.renderer = renderer
        self.fps = fps
        self.sample_rate = sample_rate
        self.spf = sample_rate // fps
        self.realtime = realtime
        self.write = write
        self.signal = signal
        self.feed = feed
        self.lookahead_s = lookahead_s
        self.breath_s = breath_s  # a short rest between two lines, as a person takes a breath
        self._last_reply_end = -1e9
        self.queue: deque[StageItem] = deque()
        self.stats = StageStats()
        self.frame_index = 0
        self._segment: SpeechSegment | None = None
        self._pos = 0
        self._reply_open: int | None = None  # reply whose audio is playing or pending
        self._started: set[int] = set()
        self._cut_ids: deque[int] = deque(maxlen=64)
        self._trimmed: deque[int] = deque(maxlen=64)  # replies ended at a sentence's end
        self._line_pending = False
        self._line_answered = asyncio.Event()
        self._cut_requested = False
        self._stop_after_line = False
        self._stopped = asyncio.Event()
        self._silence = np.zeros(self.spf, dtype=np.int16)
        self._t0 = 0.0

    # -- inputs -----------------------------------------------------------------------------
    def push(self, item: StageItem) -> None:
        rid = item.reply_id if isinstance(item, ReplyEnd) else item.sentence.reply_id
        if rid in self._cut_ids or rid in self._trimmed:
            return  # the moderator skipped this reply (or its comment was deleted); late sentences are not said
        self.queue.append(item)

    def end_after_sentence(self, reply_id: int) -> None:
        """Let the sentence being said finish, then close `reply_id` as cut (its comment was deleted)."""
        if reply_id in self._trimmed or reply_id in self._cut_ids:
            return
        self._trimmed.append(reply_id)
        self.queue = deque(x for x in self.queue
                           if (x.reply_id if isinstance(x, ReplyEnd) else x.sentence.reply_id) != reply_id)
        if self._reply_open == reply_id:  # speaking now: it closes right after this sentence
            self.queue.appendleft(ReplyEnd(reply_id))

    def line_answered(self) -> None:
        """The producer finished handling a `HostFree` (it may have produced nothing)."""
        self._line_pending = False
        self._line_answered.set()

    def cut(self) -> None:
        """Stop the current reply within one frame (moderator skip, live ended)."""
        self._cut_requested = True

    def finish(self) -> None:
        """End after the line being said; stop at once when nothing is being said."""
        self._stop_after_line = True

    def stop_now(self) -> None:
        self._stopped.set()

    @property
    def speaking(self) -> bool:
        return self._segment is not None

    @property
    def buffered_s(self) -> float:
        n = (len(self._segment.pcm) - self._pos) if self._segment is not None else 0
        n += sum(len(x.pcm) for x in self.queue if isinstance(x, SpeechSegment))
        return n / self.sample_rate

    # -- the loop ---------------------------------------------------------------------------
    async def run(self) -> StageStats:
        self._t0 = time.monotonic()
        while not self._stopped.is_set():
            i = self.frame_index
            t = i / self.fps
            if self.realtime:
                lateness = time.monotonic() - (self._t0 + t)
                if lateness < 0:
                    await asyncio.sleep(-lateness)
                elif lateness > 1.0 / self.fps:
                    self._skip_frame()
                    self.stats.max_lateness_ms = max(self.stats.max_lateness_ms, lateness * 1000)
                    continue
            await self.feed.settle(t)
            if self._cut_requested:
                self._do_cut(t)
            self._maybe_request_line(t)
            if not self.realtime and self._line_pending:
                await self._line_answered.wait()  # fast mode: the timeline waits for the decision
            self._advance_queue(t)
            if self._should_stop():
                break
            frame = self._render(i, t)
            await self.write(frame)
            self.frame_index += 1
            self.stats.frames += 1
        self._stopped.set()
        return self.stats

    def _should_stop(self) -> bool:
        return self._stop_after_line and self._segment is None and self._reply_open is None and not self.queue

    def _maybe_request_line(self, t: float) -> None:
        if self._line_pending or self._stop_after_line:
            return
        if self._reply_open is not None and not self._reply_tail_queued():
            return  # the current reply still has sentences coming
        if self.buffered_s <= self.lookahead_s:
            self._line_pending = True
            self._line_answered.clear()
            self.signal(HostFree(t + self.buffered_s))

    def _reply_tail_queued(self) -> bool:
        return any(isinstance(x, ReplyEnd) for x in self.queue)

    def _advance_queue(self, t: float) -> None:
        """Make `_segment` the audio that covers this frame, closing finished replies."""
        while self._segment is None and self.queue:
            item = self.queue.popleft()
            if isinstance(item, ReplyEnd):
                if item.reply_id in self._started or self._reply_open == item.reply_id:
                    self.signal(ReplyFinished(item.reply_id, t, cut=item.reply_id in self._trimmed))
                    self._last_reply_end = t
                self._started.discard(item.reply_id)
                if self._reply_open == item.reply_id:
                    self._reply_open = None
                continue
            rid = item.sentence.reply_id
            if rid not in self._started and t - self._last_reply_end < self.breath_s - 1e-9:
                self.queue.appendleft(item)  # the next line waits for the breath to end
                return
            if rid in self._started and rid == self._reply_open and self.feed.gives_way(rid):
                # A sentence end of a line that gives way (run-of-show): the waiting question goes first.
                self.signal(ReplyGaveWay(rid, item.sentence.index, t))
                self._drop_reply(rid, t)
                continue
            self._segment, self._pos = item, 0
            self._reply_open = rid
            if rid not in self._started:
                self._started.add(rid)
                self.signal(AudioStarted(rid, t))
            self.signal(SentenceStarted(item, t))

    def _take_audio(self) -> tuple[np.ndarray, SpeechSegment | None, float]:
        seg = self._segment
        if seg is None:
            if self._reply_open is not None:
                self.stats.underruns += 1
            return self._silence, None, 0.0
        start = self._pos
        chunk = seg.pcm[start:start + self.spf]
        self._pos += self.spf
        seg_time = start / self.sample_rate
        if len(chunk) < self.spf:
            chunk = np.concatenate([chunk, self._silence[: self.spf - len(chunk)]])
        if self._pos >= len(seg.pcm):
            self._segment = None  # the next frame starts the next sentence
        return chunk, seg, seg_time

    def _render(self, i: int, t: float) -> StageFrame:
        audio, seg, seg_time = self._take_audio()
        screen = self.feed.screen_at(t, seg.sentence.skus[0] if seg is not None and seg.sentence.skus else None)
        state = AvatarState(
            frame_index=i, t=t, segment=seg, seg_time=seg_time,
            expression=seg.sentence.expression if seg is not None else "neutral",
            caption=seg.sentence.text if seg is not None else "",
            product=screen.card, label=screen.label, board=screen.board,
        )
        t_render = time.perf_counter()
        image = self.renderer.render(state)
        self.stats.render_ms_total += (time.perf_counter() - t_render) * 1000
        viseme = self.renderer.viseme_at(state)
        if seg is not None:
            self.stats.speaking_frames += 1
        return StageFrame(index=i, t=t, image=image, audio=audio, sample_rate=self.sample_rate,
                          speaking=seg is not None, viseme=viseme)

    def _skip_frame(self) -> None:
        """Drop a late frame: its audio slice is skipped too, so sync is kept."""
        self._take_audio()
        self.frame_index += 1
        self.stats.dropped += 1

    def _do_cut(self, t: float) -> None:
        self._cut_requested = False
        rid = self._reply_open
        if rid is None:
            return
        self._segment = None
        self._drop_reply(rid, t)

    def _drop_reply(self, rid: int, t: float) -> None:
        """End reply `rid` now: its queued sentences are dropped, later ones ignored, the reply is closed cut."""
        kept: deque[StageItem] = deque()
        for item in self.queue:
            same = (isinstance(item, ReplyEnd) and item.reply_id == rid) or \
                   (isinstance(item, SpeechSegment) and item.sentence.reply_id == rid)
            if not same:
                kept.append(item)
        self.queue = kept
        self._reply_open = None
        self._started.discard(rid)
        self._cut_ids.append(rid)
        self.signal(ReplyFinished(rid, t, cut=True))
