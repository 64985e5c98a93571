"""The show: wires source → triage → director → agent → speech → stage clock → outputs, and the
store beside them. Each stage owns one job; they meet only through queues and the hooks below.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.agent.turn import TurnWriter
from bot.avatar.render_contract import AvatarRenderer, ProductCard
from bot.catalog.model import Catalog
from bot.director.answer_board import AnswerBoard
from bot.director.controls import ModeratorCommand
from bot.director.director import Director, LineDraft
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
    Sentence,
    SpeechSegment,
    SpokenReply,
    StageFrame,
)
from bot.language.money import format_money
from bot.output.fanout import OutputFanout
from bot.pipeline.clock import SessionClock
from bot.pipeline.ledger import ReplyLedger
from bot.pipeline.moderation import PlatformDeletions
from bot.sources.base import EventSource
from bot.stage.frame_clock import FrameClock, ReplyEnd, StageHooks, StageStats
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


class Show(StageHooks):
    def __init__(self, *, source: EventSource, clock: SessionClock, triage: Triage, director: Director,
                 turn: TurnWriter, speak: Callable, renderer: AvatarRenderer, fanout: OutputFanout,
                 catalog: Catalog, store: object, fps: int, sample_rate: int, label: str = "",
                 fast_events: list[LiveEvent] | None = None,
                 resolve_pin: Callable[[ProductPinned], str | None] | None = None,
                 images: dict[str, str] | None = None, room_lang: str = "vi",
                 board: AnswerBoard | None = None) -> None:
        self.source = source
        self.clock = clock
        self.triage = triage
        self.director = director
        self.turn = turn
        self.speak = speak  # Sentence -> SpeechSegment, blocking
        self.renderer = renderer
        self.fanout = fanout
        self.catalog = catalog
        self.store = store
        self.resolve_pin = resolve_pin
        self.images = images or {}  # sku -> product image file that exists
        self.room_lang = room_lang
        self._cards: dict[str, ProductCard | None] = {}
        self.pinned_by_agent: list[str] = []  # filled by the LLM's pin tool; applied between lines
        self.state = ShowState()
        self.ledger = ReplyLedger(self._reply_spoken)
        self.deletions = PlatformDeletions()
        self._cut_for_deletion: set[int] = set()
        self._label = label
        self.events_q: asyncio.Queue[LiveEvent] = asyncio.Queue(maxsize=10_000)
        self._fast_events: deque[LiveEvent] | None = deque(fast_events) if fast_events is not None else None
        self._source_done = False
        self._pending_line: float | None = None
        self._producer: asyncio.Task[None] | None = None
        self.stage = FrameClock(renderer, fps, sample_rate, clock.realtime, self._write, self)
        self.triage.on_drop = self._dropped
        self.dropped_at_end = 0
        self.board = board
        self._drafts: dict[int, LineDraft] = {}  # lines on the stage that may give way (by reply id)
        if board is not None:
            self.triage.on_question = lambda item, c: board.question(item.key, item.question, c, self.clock.now())

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
            self._close_unanswered()
            if self.board is not None:
                self.board.close(self.clock.now())
        return stats

    def request_stop(self) -> None:
        """Ctrl-C / SIGTERM: finish the line being said, then end cleanly."""
        log.info("stop requested: finishing the current line")
        self._source_done = True
        self.stage.finish()

    def command(self, cmd: ModeratorCommand) -> None:
        cmd.t = self.clock.now() if cmd.t == 0.0 else cmd.t
        if cmd.kind == "skip":
            self.stage.cut()
        else:
            self.director.command(cmd)

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
            return
        if isinstance(ev, ConnectionHealth):
            self.state.connection, self.state.connection_detail = str(ev.state), ev.detail
            return
        if isinstance(ev, CommentDeleted):
            self._deleted(ev)
            return
        if isinstance(ev, LivePaused | LiveResumed):  # the seller paused the live: as a moderator's pause
            self.command(ModeratorCommand("pause" if isinstance(ev, LivePaused) else "resume", t=ev.t))
            return
        if isinstance(ev, ProductPinned):
            sku = ev.sku if ev.sku in self.catalog else (self.resolve_pin(ev) if self.resolve_pin else None)
            if sku is None:
                log.warning("pinned product %s is not in the catalog; the card is not shown", ev.sku)
                return
            self.director.switch_product(sku, ev.t)
            if sku != ev.sku:
                self.store.log_pin(sku, ev.t)  # type: ignore[attr-defined] # the store logged the platform id
            return
        self.triage.ingest(ev)

    def _deleted(self, ev: CommentDeleted) -> None:
        """Deleted on the platform: gone from triage, and a line answering it ends at its sentence end."""
        self.deletions.add(ev)
        self.triage.delete(frozenset(ev.message_ids), ev.user_id)
        if self.board is not None:
            self.board.forget_comments(self.deletions.covers, ev.t)
        for rid in self.ledger.open_ids:
            plan = self.ledger.plan(rid)
            if plan is None or rid in self._cut_for_deletion:
                continue
            gone = [tr for tr in plan.triggers if self.deletions.covers(tr)]
            for tr in gone:
                self._dropped(Dropped(event=tr, reason="deleted"))
            if gone and len(gone) == len(plan.triggers):
                self._cut_for_deletion.add(rid)
                log.info("reply %d answers a comment deleted on the platform; it ends at this sentence", rid)
                self.stage.end_after_sentence(rid)

    def _deleted_sentence(self, draft: LineDraft, s: Sentence) -> bool:
        """A sentence only for comments the platform deleted (a clause whose askers are all gone)."""
        clauses = [c for c in draft.clauses if set(c.keys) & set(s.answers)]
        if clauses:
            return all(self.deletions.covers(cm) for c in clauses for cm in c.comments)
        triggers = draft.plan.triggers
        return bool(triggers) and all(self.deletions.covers(tr) for tr in triggers)

    # -- stage hooks ------------------------------------------------------------------------
    async def before_frame(self, t: float) -> None:
        self.clock.advance_to(t)
        if self._fast_events is None:
            return
        while self._fast_events and self._fast_events[0].t <= t and not self._source_done:
            await self.events_q.put(self._fast_events.popleft())
        await self.events_q.join()
        if not self._fast_events and not self._source_done:
            self._source_done = True
            self.stage.finish()

    def wants_line(self, t_free: float) -> None:
        if self.clock.realtime:
            self._producer = asyncio.create_task(self._produce(t_free), name="line")
        else:
            self._pending_line = t_free

    async def line_ready(self) -> None:
        if self._pending_line is not None:
            t_free, self._pending_line = self._pending_line, None
            await self._produce(t_free)

    async def _produce(self, t_free: float) -> None:
        """Decide one line and push its audio to the stage, sentence by sentence."""
        try:
            await self._produce_line(t_free)
        except Exception:  # one line that cannot be made must not stop the show; the next one may
            log.exception("could not produce a line at t=%.2f; the show goes on", t_free)
        finally:
            self.stage.line_answered()

    def _apply_agent_pins(self) -> None:
        """The LLM pinned a product: the card switches and the store logs the pin, as a moderator would."""
        while self.pinned_by_agent:
            sku = self.pinned_by_agent.pop(0)
            if sku in self.catalog:
                t = self.clock.now()
                self.director.switch_product(sku, t)
                self.store.log_pin(sku, t)  # type: ignore[attr-defined]
                log.info("agent pinned %s to the showcase", sku)

    async def _produce_line(self, t_free: float) -> None:
        self._apply_agent_pins()
        draft = self.director.decide(max(t_free, self.clock.now()))
        if draft is None:
            return
        plan = draft.plan
        self.ledger.open(plan)
        self._drafts[plan.id] = draft
        t0 = time.perf_counter()
        sentences: asyncio.Queue = asyncio.Queue(maxsize=2)  # the agent runs at most two sentences ahead
        spoken = 0

        async def write() -> None:
            try:
                async for s in self.turn.sentences(draft, lambda text, why: self.ledger.block(plan.id, text, why)):
                    await sentences.put(s)
            finally:
                await sentences.put(None)

        async def voice() -> None:
            nonlocal spoken
            while (s := await sentences.get()) is not None:
                if self._deleted_sentence(draft, s):
                    continue  # deleted while this line was being written: that part is not said
                try:
                    seg = await asyncio.to_thread(self.speak, s)
                except Exception as exc:  # even the fallback voice failed: skip the sentence, not the show
                    log.error("speech failed for a sentence of reply %d: %s", plan.id, exc)
                    continue
                if s.filler and draft.filler_plan is not None:
                    # The model is late: the filler is its own line, and the answer follows it.
                    fp = draft.filler_plan
                    self.ledger.open(fp)
                    self.ledger.compute_ms(fp.id, (time.perf_counter() - t0) * 1000)
                    self.stage.push(seg)
                    self.stage.push(ReplyEnd(fp.id))
                    continue
                if spoken == 0:
                    self.ledger.compute_ms(plan.id, (time.perf_counter() - t0) * 1000)
                self.stage.push(seg)
                spoken += 1

        speaker = asyncio.create_task(voice())
        try:
            await write()
            await speaker
        finally:
            if not speaker.done():
                speaker.cancel()
            # Whatever happened, a reply that reached the stage is closed there, so the host moves on.
            if spoken:
                self.stage.push(ReplyEnd(plan.id))
            else:
                self.ledger.discard(plan.id)
            self._apply_agent_pins()

    def first_audio(self, reply_id: int, t: float) -> None:
        self.ledger.first_audio(reply_id, t)

    def reply_done(self, reply_id: int, t: float, cut: bool) -> None:
        self.director.last_line_end = t
        self.ledger.done(reply_id, t, cut)
        self._drafts.pop(reply_id, None)

    def segment_started(self, segment: SpeechSegment, t: float) -> None:
        # A reply's text is what was said: sentences join it as they start playing, not when made,
        # so a line cut or giving way lists only what viewers heard.
        self.ledger.add_sentence(segment.sentence.reply_id, segment.sentence.text, segment.sentence.skus)
        keys = segment.sentence.answers
        if not keys:
            return
        if self.board is not None:
            self.board.voiced(keys, t)
        draft = self._drafts.get(segment.sentence.reply_id)
        if draft is not None:
            for clause in draft.clauses:
                if set(clause.keys) & set(keys):
                    self.ledger.heard(draft.plan.id, clause.comments, t)

    def should_yield(self, reply_id: int) -> bool:
        draft = self._drafts.get(reply_id)
        return draft is not None and draft.plan.yieldable and len(self.triage.questions) > 0

    def reply_yielded(self, reply_id: int, next_index: int, t: float) -> None:
        draft = self._drafts.pop(reply_id, None)
        if draft is not None:
            log.info("reply %d gave way to a waiting question after sentence %d", reply_id, next_index)
            self.director.resume_later(draft, next_index)

    def board_lines(self, t: float) -> tuple[str, ...]:
        return self.board.lines(t) if self.board is not None else ()

    def card_for(self, sku: str | None) -> ProductCard | None:
        if sku is None:
            return None
        if sku not in self._cards:  # called every frame: build each card once (the catalog is fixed per show)
            self._cards[sku] = self._make_card(sku)
        return self._cards[sku]

    def _make_card(self, sku: str) -> ProductCard | None:
        p = self.catalog.get(sku)
        if p is None:
            return None
        price = format_money(p.price, p.currency)
        if p.promo_price is None:
            return ProductCard(p.sku, p.name, price, "", self.images.get(p.sku, ""))
        # The price a viewer pays now is the big one; the list price goes in the badge.
        was = {"vi": "Giá gốc", "zh": "原价", "en": "Was"}.get(self.room_lang, "Was")
        return ProductCard(p.sku, p.name, format_money(p.promo_price, p.currency), f"{was} {price}",
                           self.images.get(p.sku, ""))

    def current_sku(self) -> str | None:
        return self.director.current_sku

    def label(self) -> str:
        return self._label

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

    def _close_unanswered(self) -> None:
        while (item := self.triage.questions.take_best(self.clock.now())) is not None:
            self.dropped_at_end += 1
            self.triage.dropped["unanswered_at_end"] += 1
            self._dropped(Dropped(event=item.question.comment, reason="unanswered_at_end"))

    @property
    def comments_seen(self) -> int:
        return self.state.events[Comment.type]
