"""Parses a `--source` spec (DESIGN §2.2) and opens the matching source."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from bot.session_clock import SessionClock
from bot.sources.base import EventSource, SourceError
from bot.sources.console import ConsoleSource
from bot.sources.douyin import open_douyin_source
from bot.sources.replay import ReplaySource
from bot.sources.supervisor import SupervisorOptions
from bot.sources.tiktok import open_tiktok_source


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


def open_source(spec: str, clock: SessionClock, *, options: SupervisorOptions | None = None,
                douyin_url: str | None = None, douyin_gift_warn_s: float | None = None) -> EventSource:
    """Open the source a spec names; raises SourceError with one clear line on user errors. The live
    sources run under `options` (`Settings.supervisor`); Douyin's sidecar comes from `Settings.douyin`."""
    parsed = parse_source_spec(spec)
    if parsed.kind == "replay":
        return ReplaySource(Path(parsed.target), clock)
    if parsed.kind == "console":
        return ConsoleSource()
    if parsed.kind == "tiktok":
        return open_tiktok_source(parsed.target, parsed.room_id, options=options)
    return open_douyin_source(parsed.target, url=douyin_url, gift_warn_s=douyin_gift_warn_s, options=options)
