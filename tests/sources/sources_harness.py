"""Small shared pieces for source tests: fast supervisor options and a drain-until-end helper."""

from __future__ import annotations

import asyncio
from typing import Any

from bot.events import LiveEvent
from bot.sources.supervisor import BackoffPolicy, SupervisorOptions


def fast_options(**overrides: Any) -> SupervisorOptions:
    """Supervisor options with test-sized delays and a fixed jitter seed."""
    opts = SupervisorOptions(backoff=BackoffPolicy(base_s=0.05, factor=2.0, cap_s=0.4, jitter=0.2),
                             stall_timeout_s=5.0, offline_poll_s=0.1, stop_grace_s=2.0, seed=7)
    for k, v in overrides.items():
        setattr(opts, k, v)
    return opts


async def collect(source: Any, timeout: float = 20.0) -> list[LiveEvent]:
    """Every event a source yields until it ends on its own."""
    out: list[LiveEvent] = []

    async def run() -> None:
        async for ev in source.events():
            out.append(ev)

    try:
        await asyncio.wait_for(run(), timeout)
    finally:
        await source.close()
    return out
