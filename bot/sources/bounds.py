"""Sane bounds on what a platform (or a log) sends, applied at every source's edge.

A message may claim a gift streak of 10^12 or a 2 MB comment; the host would read it aloud.
Values are clamped, never rejected: the event still counts, with a figure a person would say.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from bot.events import Comment, CommentDeleted, Gift, GiftInfo, Like, LiveEvent, Purchase, Viewer, ViewerCount

log = logging.getLogger(__name__)

MAX_TEXT = 500  # a live comment box takes 150 characters; a pasted novel is cut, not spoken whole
MAX_NAME = 64
MAX_ID = 128
MAX_GIFT_COUNT = 9_999  # TikTok's combo counter shows four digits; more is a broken message
MAX_DIAMONDS = 100_000  # the dearest TikTok gift costs 44,999 diamonds
MAX_LIKES = 10_000  # per message; TikTok batches taps, a few hundred at most
MAX_VIEWERS = 50_000_000
MAX_QUANTITY = 999
MAX_DELETED_IDS = 200
MAX_DEPTH = 32  # nesting kept in an event's unknown keys; deeper values are dropped


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit]


def nested_deeper_than(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether lists/dicts in `value` nest deeper than `limit` (iterative: never recurses)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth >= limit:
            return True
        stack.extend((c, depth + 1) for c in children)
    return False


def bounded_viewer(v: Viewer) -> Viewer:
    if len(v.id) <= MAX_ID and len(v.unique_id) <= MAX_NAME and len(v.nickname) <= MAX_NAME:
        return v
    return replace(v, id=clip(v.id, MAX_ID), unique_id=clip(v.unique_id, MAX_NAME), nickname=clip(v.nickname, MAX_NAME))


def bounded(ev: LiveEvent) -> LiveEvent:
    """`ev` with counts, lengths and diamonds inside sane bounds (the same object when already so)."""
    user = getattr(ev, "user", None)
    if isinstance(user, Viewer):
        ev.user = bounded_viewer(user)  # type: ignore[attr-defined]
    if isinstance(ev, Comment):
        ev.text = clip(ev.text, MAX_TEXT)
    elif isinstance(ev, Gift):
        g = ev.gift
        info = GiftInfo(name=clip(g.name, MAX_NAME), count=clamp(g.count, 1, MAX_GIFT_COUNT),
                        diamonds=clamp(g.diamonds, 0, MAX_DIAMONDS))
        if info != g:
            log.debug("gift values bounded: count %d diamonds %d", g.count, g.diamonds)
            ev.gift = info
    elif isinstance(ev, Like):
        ev.count = clamp(ev.count, 1, MAX_LIKES)
    elif isinstance(ev, ViewerCount):
        ev.count = clamp(ev.count, 0, MAX_VIEWERS)
    elif isinstance(ev, Purchase):
        ev.quantity = clamp(ev.quantity, 1, MAX_QUANTITY)
    elif isinstance(ev, CommentDeleted):
        ev.message_ids = tuple(clip(m, MAX_ID) for m in ev.message_ids[:MAX_DELETED_IDS])
    if ev.msg_id is not None and len(ev.msg_id) > MAX_ID:
        ev.msg_id = clip(ev.msg_id, MAX_ID)
    if ev.extra and nested_deeper_than(ev.extra):
        ev.extra = {k: v for k, v in ev.extra.items() if not nested_deeper_than(v, MAX_DEPTH - 1)}
    return ev
