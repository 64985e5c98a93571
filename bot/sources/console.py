"""Console source: a moderator types comments as any viewer, in any language, to rehearse a show.

Plain lines are comments from the default viewer. Commands:
  /as HANDLE [Nickname]: text     a comment from that viewer
  /gift HANDLE GIFT [COUNT]       a finished gift streak
  /join HANDLE   /follow HANDLE   /share HANDLE   /like HANDLE [COUNT]
  /buy HANDLE SKU [QTY]           a purchase
  /pin SKU                        the seller pins a product
  /viewers COUNT                  the audience size
  /end                            the live ends
  {"type": "comment_deleted", ...} an event-log line (DESIGN §2.3), as if it arrived now
"""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import TextIO

from bot.events import (
    Comment,
    Follow,
    Gift,
    GiftInfo,
    Join,
    Like,
    LiveEnded,
    LiveEvent,
    ProductPinned,
    Purchase,
    Share,
    Viewer,
    ViewerCount,
)
from bot.frames import ModeratorCommand
from bot.sources.bounds import bounded
from bot.sources.eventlog import event_from_json

log = logging.getLogger(__name__)

MODERATOR_COMMANDS = frozenset({"pause", "resume", "skip", "say", "answer", "block", "product"})

DEFAULT_VIEWER = Viewer(id="console", unique_id="console", nickname="Khách")
_EOF = object()


class ConsoleLineError(ValueError):
    """A console line that is not a valid command; the message says how to write it."""


class ConsoleSource:
    """Reads typed lines (a TTY or a pipe) without blocking the event loop."""

    name = "console"

    def __init__(self, stdin: TextIO | None = None, default_viewer: Viewer = DEFAULT_VIEWER,
                 errors: TextIO | None = None) -> None:
        self._stdin = stdin if stdin is not None else sys.stdin
        self._errors = errors if errors is not None else sys.stderr
        self.default_viewer = default_viewer
        self._viewers: dict[str, Viewer] = {}
        self._t0: float | None = None
        self._closed = False
        self._queue: asyncio.Queue[object] | None = None
        self.problems: list[tuple[int, str]] = []
        # Moderator commands (/pause /resume /skip /say /answer /block /product) go here, not into
        # the event stream; the show connects it to its director.
        self.on_command: Callable[[ModeratorCommand], None] | None = None

    async def events(self) -> AsyncIterator[LiveEvent]:
        """Yield one event per valid line until `/end`, end of input, or `close()`."""
        loop = asyncio.get_running_loop()
        self._queue = queue = asyncio.Queue()
        self._t0 = time.monotonic()
        # A daemon thread, not the default executor: a blocked readline must not hold up shutdown.
        reader = threading.Thread(target=self._read_lines, args=(loop, queue), name="console-stdin",
                                  daemon=True)
        reader.start()
        line_no = 0
        while not self._closed:
            item = await queue.get()
            if item is _EOF:
                return
            line_no += 1
            try:
                event = self.parse_line(str(item), line_no)
            except Exception as exc:  # any line, however broken, is reported and skipped
                reason = str(exc)[:200] if isinstance(exc, ConsoleLineError) else f"{type(exc).__name__}: {exc}"[:200]
                self.problems.append((line_no, reason))
                log.warning("console line %d skipped: %s", line_no, reason)
                print(f"console line {line_no}: {reason}", file=self._errors, flush=True)
                continue
            if event is None:
                continue
            yield bounded(event)
            if isinstance(event, LiveEnded):
                return

    async def close(self) -> None:
        self._closed = True
        if self._queue is not None:
            self._queue.put_nowait(_EOF)

    def _read_lines(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[object]) -> None:
        try:
            for line in self._stdin:
                if self._closed:
                    break
                loop.call_soon_threadsafe(queue.put_nowait, line)
        except (ValueError, OSError) as exc:  # stdin closed under us
            log.debug("console input ended: %s", exc)
        finally:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, _EOF)

    def _moderator(self, kind: str, rest: str, t: float) -> None:
        """A moderator command typed at the console: /pause, /resume, /skip, /say TEXT, /answer TEXT,
        /block HANDLE, /product SKU."""
        if kind in ("say", "answer", "block", "product") and not rest:
            raise ConsoleLineError(f"/{kind} needs an argument")
        if self.on_command is None:
            raise ConsoleLineError(f"/{kind} works only while a show is running")
        if kind == "say":
            cmd = ModeratorCommand("say", t=t, text=rest)
        elif kind == "answer":
            cmd = ModeratorCommand("answer", t=t, comment=Comment(t=t, user=self.default_viewer, text=rest))
        elif kind == "block":
            cmd = ModeratorCommand("block", t=t, viewer_id=rest.lstrip("@"))
        elif kind == "product":
            cmd = ModeratorCommand("product", t=t, sku=rest)
        else:
            cmd = ModeratorCommand(kind, t=t)  # type: ignore[arg-type]
        self.on_command(cmd)

    def _now(self) -> float:
        return 0.0 if self._t0 is None else time.monotonic() - self._t0

    def _viewer(self, handle: str, nickname: str = "") -> Viewer:
        handle = handle.lstrip("@")
        known = self._viewers.get(handle)
        if known is None or (nickname and nickname != known.nickname):
            nickname = nickname or (known.nickname if known else handle)
            known = Viewer(id=handle, unique_id=handle, nickname=nickname)
            self._viewers[handle] = known
        return known

    @staticmethod
    def _event_line(text: str, t: float) -> LiveEvent:
        """A pasted event-log line (DESIGN §2.3), e.g. a recorded comment_deleted; it happens now."""
        try:
            obj = json.loads(text)
        except RecursionError:
            raise ConsoleLineError("JSON nested too deep") from None
        except json.JSONDecodeError as exc:
            raise ConsoleLineError(f"not valid JSON ({exc.msg})") from None
        if isinstance(obj, dict):
            obj = {**obj, "t": t}
        try:
            return event_from_json(obj)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConsoleLineError(str(exc)[:200]) from None

    def parse_line(self, line: str, line_no: int = 0) -> LiveEvent | None:
        """The event a typed line stands for (None for blank lines); raises ConsoleLineError."""
        text = line.strip()
        if not text:
            return None
        t, msg_id = self._now(), f"console-{line_no}"
        if text.startswith("{"):
            return self._event_line(text, t)
        if not text.startswith("/"):
            return Comment(t=t, msg_id=msg_id, user=self.default_viewer, text=text)
        command, _, rest = text.partition(" ")
        command = command.lower()
        if command.lstrip("/") in MODERATOR_COMMANDS:
            self._moderator(command.lstrip("/"), rest.strip(), t)
            return None
        if command == "/as":
            head, colon, said = rest.partition(":")
            words = head.split()
            if not colon or not words or not said.strip():
                raise ConsoleLineError("use /as HANDLE [Nickname]: text")
            viewer = self._viewer(words[0], " ".join(words[1:]))
            return Comment(t=t, msg_id=msg_id, user=viewer, text=said.strip())
        try:
            args = shlex.split(rest)
        except ValueError as exc:
            raise ConsoleLineError(f"cannot read {command} arguments: {exc}") from None
        if command == "/end":
            return LiveEnded(t=t, msg_id=msg_id)
        if command == "/gift":
            _need(args, 2, "/gift HANDLE GIFT [COUNT]")
            count = _count(args[2], "COUNT") if len(args) > 2 else 1
            return Gift(t=t, msg_id=msg_id, user=self._viewer(args[0]),
                        gift=GiftInfo(name=args[1], count=count), streak_end=True)
        if command in ("/join", "/follow", "/share"):
            _need(args, 1, f"{command} HANDLE")
            cls = {"/join": Join, "/follow": Follow, "/share": Share}[command]
            return cls(t=t, msg_id=msg_id, user=self._viewer(args[0]))
        if command == "/like":
            _need(args, 1, "/like HANDLE [COUNT]")
            count = _count(args[1], "COUNT") if len(args) > 1 else 1
            return Like(t=t, msg_id=msg_id, user=self._viewer(args[0]), count=count)
        if command == "/buy":
            _need(args, 2, "/buy HANDLE SKU [QTY]")
            qty = _count(args[2], "QTY") if len(args) > 2 else 1
            return Purchase(t=t, msg_id=msg_id, user=self._viewer(args[0]), sku=args[1], quantity=qty)
        if command == "/pin":
            _need(args, 1, "/pin SKU")
            return ProductPinned(t=t, msg_id=msg_id, sku=args[0])
        if command == "/viewers":
            _need(args, 1, "/viewers COUNT")
            return ViewerCount(t=t, msg_id=msg_id, count=_count(args[0], "COUNT", minimum=0))
        raise ConsoleLineError(f"unknown command {command}; try /as /gift /join /follow /share /like /buy "
                               "/pin /viewers /end")


def _need(args: list[str], n: int, usage: str) -> None:
    if len(args) < n:
        raise ConsoleLineError(f"use {usage}")


def _count(raw: str, what: str, minimum: int = 1) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConsoleLineError(f"{what} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConsoleLineError(f"{what} must be at least {minimum}")
    return value
