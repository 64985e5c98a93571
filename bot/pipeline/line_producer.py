"""Making one line: the director decides, the agent writes sentence by sentence, the voice speaks each."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from bot.agent.turn import TurnWriter
from bot.director.director import Director
from bot.director.showcase import Showcase
from bot.events import Sentence, SpeechSegment
from bot.frames import ReplyEnd
from bot.pipeline.on_air import LinesOnAir
from bot.stage.frame_clock import FrameClock

log = logging.getLogger(__name__)

Speak = Callable[[Sentence], SpeechSegment]  # blocking: runs on a worker thread


class LineProducer:
    """One line at a time into the stage's queue; the agent runs at most two sentences ahead of the voice."""

    def __init__(self, director: Director, turn: TurnWriter, speak: Speak, stage: FrameClock, on_air: LinesOnAir,
                 showcase: Showcase, now: Callable[[], float]) -> None:
        self.director = director
        self.turn = turn
        self.speak = speak
        self.stage = stage
        self.on_air = on_air
        self.showcase = showcase
        self.now = now

    async def produce(self, t_free: float) -> None:
        """Decide one line and push its audio to the stage; a line that cannot be made never stops the show."""
        try:
            await self._produce_line(t_free)
        except Exception:  # the next line may work
            log.exception("could not produce a line at t=%.2f; the show goes on", t_free)
        finally:
            self.stage.line_answered()

    async def _produce_line(self, t_free: float) -> None:
        self.showcase.apply_model_pins(self.now())
        draft = self.director.decide(max(t_free, self.now()))
        if draft is None:
            return
        plan = draft.plan
        ledger = self.on_air.ledger
        self.on_air.opened(draft)
        t0 = time.perf_counter()
        sentences: asyncio.Queue[Sentence | None] = asyncio.Queue(maxsize=2)
        spoken = 0

        async def write() -> None:
            try:
                async for s in self.turn.sentences(draft, lambda text, why: ledger.block(plan.id, text, why)):
                    await sentences.put(s)
            finally:
                await sentences.put(None)

        async def voice() -> None:
            nonlocal spoken
            while (s := await sentences.get()) is not None:
                if self.on_air.unsaid(draft, s):
                    continue  # deleted while this line was being written: that part is not said
                try:
                    seg = await asyncio.to_thread(self.speak, s)
                except Exception as exc:  # even the fallback voice failed: skip the sentence, not the show
                    log.error("speech failed for a sentence of reply %d: %s", plan.id, exc)
                    continue
                if s.filler and draft.filler_plan is not None:
                    # The model is late: the filler is its own line, and the answer follows it.
                    fp = draft.filler_plan
                    ledger.open(fp)
                    ledger.compute_ms(fp.id, (time.perf_counter() - t0) * 1000)
                    self.stage.push(seg)
                    self.stage.push(ReplyEnd(fp.id))
                    continue
                if spoken == 0:
                    ledger.compute_ms(plan.id, (time.perf_counter() - t0) * 1000)
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
                ledger.discard(plan.id)
            self.showcase.apply_model_pins(self.now())
