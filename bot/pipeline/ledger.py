"""The reply ledger: joins what the director decided with when the stage actually said it."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable

from bot.events import ReplyPlan, SpokenReply

log = logging.getLogger(__name__)


class ReplyLedger:
    """Open replies by id; a reply is emitted (to the store, the report) when the stage is done."""

    def __init__(self, on_done: Callable[[SpokenReply], None], keep_recent: int = 50) -> None:
        self.on_done = on_done
        self._open: dict[int, SpokenReply] = {}
        self.recent: deque[SpokenReply] = deque(maxlen=keep_recent)
        self.count = 0
        self.speaking: SpokenReply | None = None

    def open(self, plan: ReplyPlan) -> SpokenReply:
        reply = SpokenReply(plan=plan, text="")
        self._open[plan.id] = reply
        return reply

    def add_sentence(self, reply_id: int, text: str, skus: list[str]) -> None:
        reply = self._open.get(reply_id)
        if reply is None:
            return
        reply.sentences.append(text)
        reply.text = " ".join(reply.sentences)
        for sku in skus:
            if sku not in reply.skus:
                reply.skus.append(sku)

    def block(self, reply_id: int, sentence: str, reason: str) -> None:
        reply = self._open.get(reply_id)
        if reply is not None:
            reply.blocked.append((sentence, reason))

    def compute_ms(self, reply_id: int, ms: float) -> None:
        reply = self._open.get(reply_id)
        if reply is not None and reply.compute_ms is None:
            reply.compute_ms = round(ms, 1)

    def first_audio(self, reply_id: int, t: float) -> None:
        reply = self._open.get(reply_id)
        if reply is not None and reply.t_first_audio is None:
            reply.t_first_audio = round(t, 3)
            self.speaking = reply

    def heard(self, reply_id: int, triggers: list, t: float) -> None:  # noqa: ANN001 - events
        """The voice reached these viewers' clause at t (first time only)."""
        reply = self._open.get(reply_id)
        if reply is not None:
            for ev in triggers:
                reply.heard.setdefault(id(ev), round(t, 3))

    def done(self, reply_id: int, t: float, cut: bool = False) -> None:
        reply = self._open.pop(reply_id, None)
        if reply is None:
            return
        reply.t_done = round(t, 3)
        reply.cut = cut
        if self.speaking is reply:
            self.speaking = None
        if not reply.sentences:
            log.info("reply %d had nothing left to say after the guard; not logged as spoken", reply_id)
            return
        self.count += 1
        self.recent.append(reply)
        self.on_done(reply)

    def discard(self, reply_id: int) -> None:
        self._open.pop(reply_id, None)

    def plan(self, reply_id: int) -> ReplyPlan | None:
        reply = self._open.get(reply_id)
        return reply.plan if reply is not None else None

    @property
    def open_ids(self) -> list[int]:
        return list(self._open)
