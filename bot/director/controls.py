"""Moderator commands: what the console, the control API and the dashboard can ask for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.events import Comment, Lang

CommandKind = Literal["pause", "resume", "skip", "say", "answer", "block", "product"]
COMMAND_KINDS: tuple[str, ...] = ("pause", "resume", "skip", "say", "answer", "block", "product")


@dataclass(slots=True)
class ModeratorCommand:
    kind: CommandKind
    t: float = 0.0
    text: str | None = None  # say: the line to say next
    lang: Lang | None = None
    viewer_id: str | None = None  # block
    sku: str | None = None  # product
    comment: Comment | None = None  # answer: the comment to answer now
