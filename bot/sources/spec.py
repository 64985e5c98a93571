"""Parses a `--source` spec (DESIGN §2.2) and opens the matching source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from bot.session_clock import SessionClock
from bot.sources.base import EventSource, SourceError


@dataclass(frozen=True, slots=True)
class SourceSpec:
    kind: str  # tiktok | douyin | replay | console
    target: str = ""
    room_id: int | None = None


def parse_source_spec(spec: str) -> SourceSpec:
    """`tiktok:@user`, `tiktok:@user?room_id=N`, `douyin:ROOM_ID`, `replay:FILE.jsonl`, `console`."""
    spec = spec.strip()
    if spec == "console":
        return SourceSpec("console")
    kind, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise SourceError(f"bad source {spec!r}: use tiktok:@user, douyin:ROOM_ID, replay:FILE.jsonl or console")
    if kind == "replay":
        return SourceSpec("replay", rest)
    if kind == "douyin":
        if not rest.isdigit():
            raise SourceError(f"bad Douyin room id {rest!r}: digits expected")
        return SourceSpec("douyin", rest)
    if kind == "tiktok":
        user, _, query = rest.partition("?")
        user = user.lstrip("@").strip()
        if not user:
            raise SourceError(f"bad TikTok source {spec!r}: no @user")
        room_id = None
        if query:
            params = parse_qs(query)
            raw = params.get("room_id", [""])[0]
            if not raw.isdigit():
                raise SourceError(f"bad room_id in {spec!r}: digits expected")
            room_id = int(raw)
        return SourceSpec("tiktok", user, room_id)
    raise SourceError(f"unknown source kind {kind!r} in {spec!r}")


def open_source(spec: str, clock: SessionClock) -> EventSource:
    """Open the source a spec names; raises SourceError with one clear line on user errors."""
    parsed = parse_source_spec(spec)
    if parsed.kind == "replay":
        from bot.sources.replay import ReplaySource

        return ReplaySource(Path(parsed.target), clock)
    if parsed.kind == "console":
        from bot.sources.console import ConsoleSource

        return ConsoleSource()
    if parsed.kind == "tiktok":
        try:
            from bot.sources.tiktok import open_tiktok_source
        except ImportError as exc:
            raise SourceError(f"TikTok source needs the 'live' extra (pip install .[live]): {exc}") from None
        return open_tiktok_source(parsed.target, parsed.room_id)
    from bot.sources.douyin import open_douyin_source

    return open_douyin_source(parsed.target)
