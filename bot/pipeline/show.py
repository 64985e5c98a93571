"""The show: wires source → triage → director → agent → speech → stage clock → outputs, and the
store beside them. Each stage owns one job and its state; this file only routes frames between them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from bot.agent.turn import TurnWriter
from bot.avatar.product_cards import ProductCards
from bot.avatar.render_contract import AvatarRenderer
from bot.director.answer_board import AnswerBoard
from bot.director.director import Director
from bot.director.showcase import PinResolver, Showcase
from bot.events import (
    Comment,
    CommentDeleted,
    ConnectionHealth,
    Dropped,
    LiveEnded,
    LiveEvent,
    LivePaused,
    LiveResumed,
    ProductPinned,
    ScreenAnswer,
    SpokenReply,
    StageFrame,
)
from bot.frames import (
    AudioStarted,
    HostFree,
    ModeratorCommand,
    OnScreen,
    ReplyFinished,
    ReplyGaveWay,
    SentenceStarted,
    StageSignal,
)
from bot.output.fanout import OutputFanout
from bot.pipeline.ledger import ReplyLedger
from bot.pipeline.line_producer import LineProducer, Speak
from bot.pipeline.on_air import LinesOnAir
from bot.session_clock import SessionClock
from bot.sources.base import EventSource
from bot.stage.frame_clock import FrameClock, StageStats
from bot.triage.room_triage import Triage

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ShowState:
    """What people watching the show see: the status line, the dashboard's live view."""

    session_id: int | None = None
    connection: str = "connected"
    connection_detail: str = ""
    events: Counter[str] = field(default_factory=Counter)
    replies: Counter[str] = field(default_factory=Counter)
    latencies_ms: deque[float] = field(default_factory=lambda: deque(maxlen=2000))  # answers only
    ended: bool = False
    started_wall: float = field(default_factory=time.monotonic)


class Show:
    """Routes room events to triage, moderator commands to the director, stage signals to the lines on air;
    it is the stage's `StageFeed` (the screen, the give-way rule, the fast timeline)."""

    def __init__(self, *, source: EventSource, clock: SessionClock, triage: Triage, director: Director,
                 turn: TurnWriter, speak: Speak, renderer: AvatarRenderer, fanout: OutputFanout,
                 cards: ProductCards, store: object, fps: int, sample_rate: int, label: str = "",
                 fast_events: list[LiveEvent] | None = None, resolve_pin: PinResolver | None = None,
                 board: AnswerBoard | None = None) -> None:
        self.source = source
        self.clock = clock
        self.triage = triage
        self.director = director
        self.fanout = fanout
        self.cards = cards
        self.store = store
        self.board = board
        self.state = ShowState()
        self.ledger = ReplyLedger(self._reply_spoken)
        self.showcase = Showcase(director, cards.catalog, self.store.log_pin, resolve_pin)  # type: ignore[attr-defined]
        self._label = label
        self.events_q: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=10_000)
        self._fast_events: deque[LiveEvent] | None = deque(fast_events) if fast_events is not None else None
        self._source_done = False
        self._producer: asyncio.Task[None] | None = None
        self.stage = FrameClock(renderer, fps, sample_rate, clock.realtime, self._write, self._on_stage, self)
        self.on_air = LinesOnAir(self.ledger, board, self._dropped, self.stage.end_after_sentence)
        self.lines = LineProducer(director, turn, speak, self.stage, self.on_air, self.showcase, clock.now)
        self.dropped_at_end = 0
        self.triage.connect(self._dropped, None if board is None else
                            lambda item, c: board.question(item.key, item.question, c, self.clock.now()))

    # -- running ----------------------------------------------------------------------------
    async def run(self) -> StageStats:
        self.clock.start()
        consumer = asyncio.create_task(self._consume_events(), name="triage")
        pump = asyncio.create_task(self._pump_live(), name="source") if self._fast_events is None else None
        try:
            stats = await self.stage.run()
        finally:
            for task in (pump, consumer, self._producer):
                if task is not None and not task.done():
                    task.cancel()
            await asyncio.gather(*(t for t in (pump, consumer, self._producer) if t is not None),
                                 return_exceptions=True)
            await self.source.close()
            self.dropped_at_end += self.triage.close_unanswered(self.clock.now())
            if self.board is not None:
                self.board.close(self.clock.now())
        return stats

    def request_stop(self) -> None:
        """Ctrl-C / SIGTERM: finish the line being said, then end cleanly."""
        log.info("stop requested: finishing the current line")
        self._source_done = True
        self.stage.finish()

    def command(self, cmd: ModeratorCommand) -> None:
        """A moderator's command, on the event loop's thread (see runner / control API for the hand-off)."""
        cmd.t = self.clock.now() if cmd.t == 0.0 else cmd.t
        if cmd.kind == "skip":
            self.stage.cut()
        else:
            self.director.command(cmd)

    def model_pinned(self, sku: str) -> None:
        """The model's pin tool chose a product (any thread): the showcase applies it between lines."""
        self.showcase.model_pin(sku)

    async def _pump_live(self) -> None:
        try:
            async for ev in self.source.events():
                await self.events_q.put(ev)
        except Exception as exc:  # a source that dies ends the show cleanly, with the reason shown
            log.error("source %s stopped: %s", self.source.name, exc)
            self.state.connection, self.state.connection_detail = "ended", str(exc)
        await self.events_q.join()
        self._source_done = True
        self.stage.finish()

    async def _consume_events(self) -> None:
        while True:
            ev = await self.events_q.get()
            try:
                self._on_event(ev)
            except Exception:  # one bad event must never stop the show
                log.exception("event at t=%.2f (%s) could not be handled; skipped", ev.t, ev.type)
            finally:
                self.events_q.task_done()

    def _on_event(self, ev: LiveEvent) -> None:
        self.state.events[ev.type] += 1
        self.store.log_event(ev)  # type: ignore[attr-defined]
        if isinstance(ev, LiveEnded):
            self._source_done = True
            self.state.ended = True
            self.stage.finish()
        elif isinstance(ev, ConnectionHealth):
            self.state.connection, self.state.connection_detail = str(ev.state), ev.detail
        elif isinstance(ev, CommentDeleted):  # gone from what waits, and a line answering it ends early
            self.triage.delete(frozenset(ev.message_ids), ev.user_id)
            self.on_air.deleted(ev)
        elif isinstance(ev, LivePaused | LiveResumed):  # the seller paused the live: as a moderator's pause
            self.command(ModeratorCommand("pause" if isinstance(ev, LivePaused) else "resume", t=ev.t))
        elif isinstance(ev, ProductPinned):
            self.showcase.platform_pin(ev)
        else:
            self.triage.ingest(ev)

    # -- the stage's signals ------------------------------------------------------------------
    def _on_stage(self, signal: StageSignal) -> None:
        match signal:
            case HostFree(t_free):  # the stage waits for this task's answer in fast mode
                self._producer = asyncio.create_task(self.lines.produce(t_free), name="line")
            case AudioStarted(reply_id, t):
                self.ledger.first_audio(reply_id, t)
            case SentenceStarted(segment, t):
                self.on_air.segment_started(segment, t)
            case ReplyFinished(reply_id, t, cut):
                self.director.line_ended(t)
                self.on_air.done(reply_id, t, cut)
            case ReplyGaveWay(reply_id, next_index, _t):
                draft = self.on_air.gave_way(reply_id)
                if draft is not None:
                    log.info("reply %d gave way to a waiting question after sentence %d", reply_id, next_index)
                    self.director.resume_later(draft, next_index)

    # -- the stage's feed ---------------------------------------------------------------------
    async def settle(self, t: float) -> None:
        self.clock.advance_to(t)
        if self._fast_events is None:
            return
        while self._fast_events and self._fast_events[0].t <= t and not self._source_done:
            await self.events_q.put(self._fast_events.popleft())
        await self.events_q.join()
        if not self._fast_events and not self._source_done:
            self._source_done = True
            self.stage.finish()

    def screen_at(self, t: float, sku: str | None) -> OnScreen:
        return OnScreen(self.cards.card(sku or self.director.current_sku), self._label,
                        self.board.lines(t) if self.board is not None else ())

    def gives_way(self, reply_id: int) -> bool:
        return self.on_air.yieldable(reply_id) and self.triage.questions_waiting() > 0

    # -- sinks ------------------------------------------------------------------------------
    async def _write(self, frame: StageFrame) -> None:
        self.fanout.write(frame)

    def _reply_spoken(self, reply: SpokenReply) -> None:
        self.state.replies[reply.plan.kind] += 1
        if reply.latency_ms is not None and reply.plan.kind == "answer":  # what a viewer who asked waits
            self.state.latencies_ms.append(reply.latency_ms)
        self.store.log_reply(reply)  # type: ignore[attr-defined]

    def _dropped(self, d: Dropped) -> None:
        self.store.log_dropped(d)  # type: ignore[attr-defined]

    def screen_hidden(self, entry: ScreenAnswer) -> None:
        """An on-screen answer went off the board: the report lists it (DESIGN §2.7 `screen`)."""
        self.store.log_screen(entry)  # type: ignore[attr-defined]

    @property
    def comments_seen(self) -> int:
        return self.state.events[Comment.type]
