"""Douyin source: a local douyinLive sidecar's WebSocket JSON feed under the supervisor."""

from __future__ import annotations

from bot.sources.base import EventSource, SourceError
from bot.sources.supervisor import SupervisedSource, SupervisorOptions


def open_douyin_source(room_id: str, *, url: str | None = None, gift_warn_s: float | None = None,
                       options: SupervisorOptions | None = None) -> EventSource:
    """A supervised source for `douyin:ROOM_ID`; `url` and `gift_warn_s` come from `Settings.douyin`
    (LIVEBOT_DOUYIN_SIDECAR, LIVEBOT_DOUYIN_GIFT_WARN_S), None for the connector's defaults."""
    try:
        from bot.sources.douyin.connector import DouyinConnector
    except ImportError as exc:  # websockets comes with the `live` extra
        raise SourceError(f"douyin source needs websockets: pip install 'livebot[live]' ({exc})") from None
    try:
        connector = DouyinConnector(room_id, url, gift_warn_s)
    except ValueError as exc:
        raise SourceError(str(exc)) from None
    return SupervisedSource(connector, options)


__all__ = ["open_douyin_source"]
