"""The report's `summary`: funnel, latency, per-product table and comment rate by script segment."""

from __future__ import annotations

import bisect
from collections import defaultdict
from decimal import Decimal
from typing import Any

from bot.catalog.model import Product
from bot.language.money import format_money
from bot.report.percentile import percentile


def build_summary(report: dict[str, Any], *, comment_times: list[float], viewers: int,
                  products: dict[str, Product], pins: list[tuple[str, float]]) -> dict[str, Any]:
    replies = report["replies"]
    conversions = report["conversions"]
    counts = report["session"]["counts"]
    comments = int(counts.get("comment", 0))
    voiced = _voiced_comments(replies)
    answered = max(len(voiced), sum(1 + int(r.get("merged") or 0) for r in replies if r["kind"] == "answer"
                                    and r["trigger"] is not None and r["trigger"]["type"] == "comment"
                                    and not r.get("triggers")))
    latencies = [r["latency_ms"] for r in replies if r["latency_ms"] is not None]
    # What a viewer who asked waits: the same set the run's summary line prints as "answer latency".
    answer_latencies = [r["latency_ms"] for r in replies if r["latency_ms"] is not None and r["kind"] == "answer"]
    buyers = {_buyer_key(c) for c in conversions if c["user"]}
    by_kind: dict[str, int] = defaultdict(int)
    for r in replies:
        by_kind[r["kind"]] += 1
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for c in conversions:
        if c["amount"] is not None and c["currency"]:
            revenue[c["currency"]] += Decimal(str(c["amount"]))
    return {
        "viewers": viewers,
        "comments": comments,
        "answered": min(answered, comments),
        "answered_share": round(min(answered, comments) / comments, 4) if comments else None,
        "replies": len(replies),
        "replies_by_kind": dict(sorted(by_kind.items())),
        "dropped": sum(report["dropped"].values()),
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "answer_latency_ms_p50": percentile(answer_latencies, 50),
        "answer_latency_ms_p95": percentile(answer_latencies, 95),
        "answers": _answers(replies, report.get("screen") or [], voiced),
        "orders": len(conversions),
        "attributed_orders": sum(1 for c in conversions if c["attributed_to"]),
        "buyers": len(buyers),
        "conversion_rate": round(len(buyers) / viewers, 4) if viewers else None,
        "revenue": {cur: float(v) for cur, v in sorted(revenue.items())},
        "revenue_text": {cur: format_money(v, cur) for cur, v in sorted(revenue.items())},
        "unknown_skus": sorted({c["sku"] for c in conversions if c.get("unknown_sku")}),
        "products": _per_product(replies, conversions, products, pins),
        "segments": _segments(replies, comment_times, report["session"]["duration_s"]),
    }


def _comment_key(tr: dict[str, Any]) -> tuple[Any, ...]:
    return (tr.get("t"), tr.get("text"), ((tr.get("user") or {}).get("id")))


def _voiced_comments(replies: list[dict[str, Any]]) -> dict[tuple[Any, ...], float | None]:
    """Every comment an answer line spoke to, with how long that viewer waited for their part (ms)."""
    out: dict[tuple[Any, ...], float | None] = {}
    for r in replies:
        if r["kind"] != "answer":
            continue
        for tr in r.get("triggers") or ([r["trigger"]] if r["trigger"] else []):
            if tr.get("type") == "comment" and _comment_key(tr) not in out:
                out[_comment_key(tr)] = tr.get("latency_ms", r["latency_ms"])
    return out


def _answers(replies: list[dict[str, Any]], screen: list[dict[str, Any]],
             voiced: dict[tuple[Any, ...], float | None]) -> dict[str, Any]:
    """How the room was answered: by voice, on screen only, lines naming several viewers, waits per viewer."""
    lines = [r for r in replies if r["kind"] == "answer"]
    multi = [r for r in lines if len(r.get("triggers") or []) > 1]
    on_screen = {_comment_key(tr) for e in screen for tr in e.get("triggers") or []}
    waits = [v for v in voiced.values() if v is not None]
    return {
        "lines": len(lines),
        "multi_viewer_lines": len(multi),
        "viewers_per_line": round(len(voiced) / len(lines), 2) if lines else None,
        "by_voice": len(voiced),
        "on_screen": len(on_screen),
        "screen_only": len(on_screen - set(voiced)),
        "fillers": sum(1 for r in replies if r["kind"] == "filler"),
        "viewer_wait_ms_p50": percentile(waits, 50),
        "viewer_wait_ms_p95": percentile(waits, 95),
    }


def _buyer_key(c: dict[str, Any]) -> str:
    u = c["user"]
    return str(u.get("id") or u.get("unique_id") or "")


def _per_product(replies: list[dict[str, Any]], conversions: list[dict[str, Any]],
                 products: dict[str, Product], pins: list[tuple[str, float]]) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}

    def row(sku: str) -> dict[str, Any]:
        if sku not in rows:
            p = products.get(sku)
            rows[sku] = {"sku": sku, "name": p.name if p else "", "questions": 0, "pitches": 0, "mentions": 0,
                         "pins": 0, "orders": 0, "units": 0, "revenue": Decimal(0),
                         "currency": p.currency if p else None, "in_catalog": p is not None}
        return rows[sku]

    for r in replies:
        for sku in r["skus"]:
            x = row(sku)
            x["mentions"] += 1
            if r["kind"] == "answer":
                x["questions"] += 1
            elif r["kind"] == "script":
                x["pitches"] += 1
    for sku, _t in pins:
        row(sku)["pins"] += 1
    for c in conversions:
        x = row(c["sku"])
        x["orders"] += 1
        x["units"] += int(c["quantity"])
        if c["amount"] is not None:
            x["revenue"] += Decimal(str(c["amount"]))
            x["currency"] = x["currency"] or c["currency"]
    out = []
    for x in sorted(rows.values(), key=lambda x: (-x["revenue"], -x["orders"], x["sku"])):
        rev = x["revenue"]
        x["revenue"] = float(rev)
        x["revenue_text"] = format_money(rev, x["currency"]) if x["currency"] else str(rev)
        out.append(x)
    return out


def _segments(replies: list[dict[str, Any]], comment_times: list[float],
              duration_s: float) -> list[dict[str, Any]]:
    """Comments per minute while each run-of-show segment (from one script line to the next) was on."""
    starts = [(r["t_first_audio"] if r["t_first_audio"] is not None else r["t_received"], r)
              for r in replies if r["kind"] == "script"]
    starts.sort(key=lambda x: x[0])
    bounds: list[tuple[str, float, float]] = []
    first = starts[0][0] if starts else duration_s
    if first > 0:
        bounds.append(("before script", 0.0, first))
    for i, (t, r) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else max(duration_s, t)
        bounds.append((r["skus"][0] if r["skus"] else "script", t, end))
    agg: dict[str, dict[str, float]] = {}
    for label, a, b in bounds:
        n = bisect.bisect_left(comment_times, b) - bisect.bisect_left(comment_times, a)
        if b >= duration_s:  # the last segment includes comments at its very end
            n = len(comment_times) - bisect.bisect_left(comment_times, a)
        seg = agg.setdefault(label, {"comments": 0, "seconds": 0.0})
        seg["comments"] += n
        seg["seconds"] += max(0.0, b - a)
    return [{"segment": label, "comments": int(v["comments"]), "seconds": round(v["seconds"], 2),
             "comments_per_min": round(v["comments"] * 60.0 / v["seconds"], 2) if v["seconds"] > 0 else None}
            for label, v in agg.items()]
