"""The on-screen answer board: every answerable waiting question gets its short answer on screen at
once ("@Lan · Áo thun đỏ · 199.000đ"), and keeps it while the voice is busy with others.

An entry appears when triage accepts the question, gains names when more viewers ask the same,
and goes when the voice reaches it (or the question is forgotten). With more entries than rows,
each stays up at least `min_show_s` before a newer one takes its row. Hidden entries are
reported (DESIGN §2.7 `screen`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable

from bot.events import Comment, ScreenAnswer
from bot.frames import Question

log = logging.getLogger(__name__)

Compose = Callable[[Question], "str | None"]  # catalog facts for a question, guarded; None = cannot answer
Address = Callable[[Comment, str], str]  # a viewer's name as shown, in a language
NAMED_ON_BOARD = 2
MAX_TRIGGERS = 12


class AnswerBoard:
    """Owns the board's entries; single-threaded (the show's event loop)."""

    def __init__(self, compose: Compose, address: Address, on_hidden: Callable[[ScreenAnswer], None],
                 rows: int = 5, min_show_s: float = 2.0, max_show_s: float = 45.0) -> None:
        self.compose = compose
        self.address = address
        self.on_hidden = on_hidden
        self.rows = rows
        self.min_show_s = min_show_s
        self.max_show_s = max_show_s
        self._waiting: OrderedDict[str, ScreenAnswer] = OrderedDict()  # composed, not on screen yet
        self._shown: OrderedDict[str, ScreenAnswer] = OrderedDict()
        self._facts: dict[str, str] = {}
        self._lang: dict[str, str] = {}
        self._lines: tuple[str, ...] = ()
        self.shown_total = 0

    def question(self, key: str, question: Question, comment: Comment, now: float) -> None:
        """A question waits (new, or one more viewer asking it): put its answer up, or add the name."""
        entry = self._shown.get(key) or self._waiting.get(key)
        if entry is not None:
            if comment not in entry.triggers and len(entry.triggers) < MAX_TRIGGERS:
                entry.triggers.append(comment)
                self._lines = ()
            return
        try:
            facts = self.compose(question)
        except Exception:  # the board is a courtesy: a failure never stops the show
            log.exception("answer board could not compose a line")
            return
        if not facts:
            return
        entry = ScreenAnswer(key=key, triggers=[comment], text="", skus=[p.sku for p in question.products])
        self._facts[key], self._lang[key] = facts, question.lang
        self._waiting[key] = entry
        self._fill(now)

    def voiced(self, keys: Iterable[str], t: float) -> None:
        """The voice reached these questions: their rows go."""
        for key in keys:
            if self._waiting.pop(key, None) is not None:  # answered before it had a row: never on screen
                self._facts.pop(key, None)
                self._lang.pop(key, None)
            if key in self._shown:
                self._hide(key, t)
        self._fill(t)

    def forget(self, keys: Iterable[str], t: float) -> None:
        """Questions triage dropped (stale, deleted, blocked): their rows go."""
        self.voiced(keys, t)

    def forget_comments(self, gone: Callable[[Comment], bool], t: float) -> None:
        """The platform deleted these comments: their names leave the board; a row left with nobody
        goes at once and is not reported (a deleted comment is never shown)."""
        for table in (self._shown, self._waiting):
            for key, entry in list(table.items()):
                keep = [c for c in entry.triggers if not gone(c)]
                if len(keep) == len(entry.triggers):
                    continue
                entry.triggers = keep
                self._lines = ()
                if not keep:
                    del table[key]
                    self._facts.pop(key, None)
                    self._lang.pop(key, None)
        self._fill(t)

    def tick(self, now: float) -> None:
        for key, entry in list(self._shown.items()):
            if now - entry.t_shown >= self.max_show_s:
                self._hide(key, now)
        self._fill(now)

    def lines(self, now: float) -> tuple[str, ...]:
        """The rows to draw now, oldest first (the newest sits at the bottom, nearest the caption)."""
        self.tick(now)
        if not self._lines and self._shown:
            self._lines = tuple(self._text(k, e) for k, e in self._shown.items())
        return self._lines if self._shown else ()

    def close(self, t: float) -> None:
        """End of show: everything on screen is hidden and reported."""
        for key in list(self._shown):
            self._hide(key, t)
        self._waiting.clear()

    def _text(self, key: str, entry: ScreenAnswer) -> str:
        lang = self._lang.get(key, "vi")
        names = list(dict.fromkeys(self.address(c, lang) for c in entry.triggers))
        who = ", ".join("@" + n for n in names[:NAMED_ON_BOARD])
        if len(names) > NAMED_ON_BOARD:
            who += f" +{len(names) - NAMED_ON_BOARD}"
        return f"{who} · {self._facts[key]}"

    def _fill(self, now: float) -> None:
        while self._waiting:
            if len(self._shown) >= self.rows:
                oldest_key, oldest = next(iter(self._shown.items()))
                if now - oldest.t_shown < self.min_show_s:
                    return
                self._hide(oldest_key, now)
            key, entry = self._waiting.popitem(last=False)
            entry.t_shown = now
            self._shown[key] = entry
            self.shown_total += 1
            self._lines = ()

    def _hide(self, key: str, t: float) -> None:
        entry = self._shown.pop(key)
        entry.text = self._text(key, entry)
        entry.t_hidden = round(max(t, entry.t_shown), 3)
        self._facts.pop(key, None)
        self._lang.pop(key, None)
        self._lines = ()
        self.on_hidden(entry)
