"""Report charts with matplotlib (Agg, no display): latency, replies by kind over time, sales per product."""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: the CLI and the dashboard server have no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from bot.avatar.font_book import register_matplotlib_fonts  # noqa: E402

register_matplotlib_fonts()  # product names and nicknames in Chinese render, with no system CJK font

CHARTS = ("latency", "kinds", "products")


def _latency(ax: Axes, report: dict[str, Any]) -> None:
    lat = [r["latency_ms"] for r in report["replies"] if r["latency_ms"] is not None]
    if lat:
        ax.hist(lat, bins=min(30, max(5, len(lat) // 3)), color="#3b82f6")
    ax.set_title("Answer latency (ms)")
    ax.set_xlabel("ms from comment to first audio")
    ax.set_ylabel("replies")


def _kinds(ax: Axes, report: dict[str, Any]) -> None:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for r in report["replies"]:
        by_kind[r["kind"]].append(r["t_received"] / 60.0)
    for kind, ts in sorted(by_kind.items()):
        ax.plot(sorted(ts), range(1, len(ts) + 1), drawstyle="steps-post", marker=".", label=kind)
    ax.set_title("Replies by kind over time")
    ax.set_xlabel("minutes into the session")
    ax.set_ylabel("replies so far")
    if by_kind:
        ax.legend(fontsize="small")


def _products(ax: Axes, report: dict[str, Any]) -> None:
    rows = [p for p in report["summary"]["products"] if p["orders"]][:12]
    names = [p["sku"] for p in rows]
    ax.bar(names, [p["orders"] for p in rows], color="#10b981")
    ax.set_title("Orders per product")
    ax.set_ylabel("orders")
    ax.tick_params(axis="x", labelrotation=30, labelsize="small")
    for i, p in enumerate(rows):
        ax.annotate(p["revenue_text"], (i, p["orders"]), ha="center", va="bottom", fontsize="x-small")


_DRAW = {"latency": _latency, "kinds": _kinds, "products": _products}


def chart_png(report: dict[str, Any], chart: str) -> bytes:
    """One chart as PNG bytes (the dashboard serves these)."""
    if chart not in _DRAW:
        raise ValueError(f"unknown chart {chart!r}; one of {', '.join(CHARTS)}")
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=100)
    try:
        _DRAW[chart](ax, report)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def plot_report(report: dict[str, Any], path: Path) -> None:
    """All charts in one PNG at `path`."""
    fig, axes = plt.subplots(3, 1, figsize=(8, 11), dpi=100)
    try:
        for ax, name in zip(axes, CHARTS, strict=True):
            _DRAW[name](ax, report)
        fig.suptitle(f"Session {report['session']['id']} — {report['session']['source']}")
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
