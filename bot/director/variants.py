"""Script experiments: show.yaml's `experiment:` block says which run-of-show variant runs when.

    experiment:
      assign: time_slot      # or: session
      slot_minutes: 10       # time_slot only: the variants take turns, one slot each
      variants: [A, B]       # names under `variants:`; `default` is the main `segments:` list

Per session, the variant is picked from the session's start time (stable, evenly spread); `livebot run
--variant NAME` overrides it. By time slot, the variant follows the session clock: A, B, A, B...
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from bot.director.run_of_show import SHOW_FILE
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem
from bot.prompts.check import register_folder_check
from bot.prompts.lined_yaml import LinedYaml

log = logging.getLogger(__name__)

DEFAULT_VARIANT = "default"  # the main `segments:` list
Assign = Literal["session", "time_slot"]


@dataclass(frozen=True, slots=True)
class VariantSchedule:
    """Which variant runs: one per session, or taking turns by time slot on the session clock."""

    variants: tuple[str, ...]
    assign: Assign = "session"
    slot_minutes: float = 10.0

    def session_variant(self, started: datetime | None = None) -> str | None:
        """The variant of a session that starts at `started` (now by default); None when by time slot."""
        if self.assign != "session":
            return None
        stamp = (started or datetime.now(UTC)).isoformat()
        digest = hashlib.sha256(stamp.encode()).digest()
        return self.variants[int.from_bytes(digest[:8], "big") % len(self.variants)]

    def variant_at(self, t: float) -> str:
        """The variant on air at session time `t` (seconds), by time slot."""
        if self.assign != "time_slot":
            raise ValueError("variant_at() is for time-slot experiments; use session_variant() per session")
        return self.variants[int(max(t, 0.0) // (self.slot_minutes * 60.0)) % len(self.variants)]


def parse_experiment(data: Any, where: str, text: str) -> VariantSchedule | None:
    """The `experiment:` block of a parsed show.yaml, validated; None when there is none."""
    if not isinstance(data, dict) or data.get("experiment") is None:
        return None
    raw = data["experiment"]
    doc = LinedYaml(where, data, text)

    def fail(path: list[Any], message: str) -> PromptFileError:
        return PromptFileError(PromptProblem(where, doc.line(["experiment", *path]), f"experiment: {message}"))

    if not isinstance(raw, dict):
        raise fail([], "expected a mapping with assign, variants (and slot_minutes)")
    unknown = set(raw) - {"assign", "slot_minutes", "variants"}
    if unknown:
        raise fail([sorted(map(str, unknown))[0]], f"unknown key {sorted(map(str, unknown))[0]!r}")
    assign = raw.get("assign", "session")
    if assign not in ("session", "time_slot"):
        raise fail(["assign"], f"assign must be session or time_slot, not {assign!r}")
    try:
        slot = float(raw.get("slot_minutes", 10))
    except (TypeError, ValueError):
        raise fail(["slot_minutes"], "slot_minutes is not a number") from None
    if slot <= 0:
        raise fail(["slot_minutes"], "slot_minutes must be more than 0")
    names = raw.get("variants")
    if not isinstance(names, list) or len(names) < 2 or not all(isinstance(n, str | int) for n in names):
        raise fail(["variants"], "variants must list at least two variant names")
    names = [str(n) for n in names]
    if len(set(names)) != len(names):
        raise fail(["variants"], "a variant is listed twice")
    declared = data.get("variants") if isinstance(data.get("variants"), dict) else {}
    for i, name in enumerate(names):
        if name != DEFAULT_VARIANT and name not in {str(k) for k in declared}:
            raise fail(["variants", i], f"variant {name!r} is not declared under `variants:` "
                                        f"(or use {DEFAULT_VARIANT!r} for the main segments)")
    return VariantSchedule(tuple(names), assign, slot)  # type: ignore[arg-type]


_cache: dict[str, tuple[tuple[int, int], VariantSchedule | None]] = {}
_lock = threading.Lock()


def load_experiment(book: PromptBook) -> VariantSchedule | None:
    """The show's experiment, re-read when show.yaml changes; a broken block keeps the last good one."""
    path = book.path(SHOW_FILE)
    if path is None:
        return None
    key = str(path.resolve())
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        stamp = (0, 0)
    with _lock:
        known = _cache.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    try:
        doc = LinedYaml.read(path)
        schedule = parse_experiment(doc.data, doc.file, doc.text)
    except PromptFileError as exc:
        log.warning("experiment block not used, last good kept: %s", exc.problem)
        return known[1] if known is not None else None
    except (OSError, UnicodeDecodeError) as exc:
        log.warning("cannot read %s for its experiment block: %s", path, exc)
        return known[1] if known is not None else None
    with _lock:
        _cache[key] = (stamp, schedule)
    return schedule


def check_experiment(folder: Path) -> list[PromptProblem]:
    """`livebot prompts check`: problems in show.yaml's experiment block (file and line)."""
    path = Path(folder) / SHOW_FILE
    if not path.is_file():
        return []
    try:
        doc = LinedYaml.read(path)
    except (OSError, UnicodeDecodeError, PromptFileError):
        return []  # show.yaml's own check reports these
    try:
        parse_experiment(doc.data, doc.file, doc.text)
    except PromptFileError as exc:
        return [exc.problem]
    return []


register_folder_check(check_experiment)
