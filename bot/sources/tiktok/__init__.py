"""TikTok LIVE source: TikTokLive (imported only inside this package, lazily) under the supervisor."""

from __future__ import annotations

from bot.sources.base import EventSource, SourceError
from bot.sources.supervisor import SupervisedSource, SupervisorOptions


def open_tiktok_source(unique_id: str, room_id: int | None, *,
                       options: SupervisorOptions | None = None) -> EventSource:
    """A supervised source for `tiktok:@user` (room looked up) or with a known `room_id`."""
    try:
        from bot.sources.tiktok.connector import TikTokConnector
    except ImportError as exc:  # the `live` extra is not installed
        raise SourceError(f"tiktok source needs TikTokLive: pip install 'livebot[live]' ({exc})") from None
    try:
        connector = TikTokConnector(unique_id, room_id)
    except ValueError as exc:
        raise SourceError(f"bad tiktok source {unique_id!r}: {exc}") from None
    return SupervisedSource(connector, options)


__all__ = ["open_tiktok_source"]
