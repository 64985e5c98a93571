"""Script experiments in the report: each variant's answer rate, comment rate, orders and revenue, and
whether the difference to the baseline variant is larger than chance would explain.

A comment, a viewer and an order belong to the variant on air at their time: the variant of the
last line spoken before it (by session, that is the session's variant; by time slot, the slot's).
Tests: answer and conversion rates, two-proportion z-test; comment and order rates (counts over
time on air), the exact conditional test for two Poisson rates. Significant means p < 0.05.
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from decimal import Decimal
from typing import Any

import numpy as np
from rich.console import Group
from rich.table import Table
from rich.text import Text
from sqlalchemy import Connection, select

from bot.language.money import format_money
from bot.report.build import build_report_from
from bot.store.database import StoreError, open_engine
from bot.store.tables import EventRow, LiveSession

ALPHA = 0.05
NO_VARIANT = "(none)"


def two_proportion_z(x1: int, n1: int, x2: int, n2: int) -> float | None:
    """Two-sided p-value that x1/n1 and x2/n2 differ (pooled z-test); None when a group is empty."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0  # both 0% or both 100%: no difference at all
    z = (x1 / n1 - x2 / n2) / se
    return math.erfc(abs(z) / math.sqrt(2))


def poisson_rate_test(c1: int, t1: float, c2: int, t2: float) -> float | None:
    """Two-sided exact p-value that counts c1 in time t1 and c2 in t2 come from different rates:
    given c1 + c2 events, c1 is Binomial(c1 + c2, t1 / (t1 + t2)) when the rates are equal."""
    if t1 <= 0 or t2 <= 0:
        return None
    n = c1 + c2
    if n == 0:
        return 1.0
    p = t1 / (t1 + t2)
    k = np.arange(n + 1, dtype=np.float64)
    # log pmf by recurrence (no scipy): log P(k+1) = log P(k) + log((n-k)/(k+1)) + log(p/(1-p))
    steps = np.log((n - k[:-1]) / (k[:-1] + 1)) + math.log(p / (1 - p))
    logpmf = np.concatenate(([n * math.log1p(-p)], n * math.log1p(-p) + np.cumsum(steps)))
    observed = logpmf[c1]
    tail = np.exp(logpmf[logpmf <= observed + 1e-9]).sum()
    return float(min(1.0, tail))


def compare_variants(url: str, sessions: list[int] | str = "all") -> dict[str, Any]:
    """Per-variant figures over the chosen sessions ("all" or ids) and each variant against the baseline."""
    engine = open_engine(url, create=False)
    try:
        with engine.connect() as conn:
            return compare_variants_from(conn, sessions)
    finally:
        engine.dispose()


def _session_ids(conn: Connection, sessions: list[int] | str) -> list[int]:
    known = list(conn.scalars(select(LiveSession.id).order_by(LiveSession.id)))
    if isinstance(sessions, str):
        if sessions.strip().lower() != "all":
            try:
                sessions = [int(x) for x in sessions.replace(",", " ").split()]
            except ValueError:
                raise StoreError(f"sessions must be 'all' or ids like 1,2,3, not {sessions!r}") from None
        else:
            sessions = known  # type: ignore[assignment]
    missing = [s for s in sessions if s not in known]  # type: ignore[union-attr]
    if missing:
        raise StoreError(f"no session {missing[0]} in the database")
    if not sessions:
        raise StoreError("no sessions in the database yet")
    return list(sessions)  # type: ignore[arg-type]


def _new_stats() -> dict[str, Any]:
    return {"sessions": set(), "seconds": 0.0, "lines": 0, "comments": 0, "answered": 0, "viewers": set(),
            "buyers": set(), "orders": 0, "units": 0, "attributed_orders": 0, "revenue": defaultdict(Decimal)}


def compare_variants_from(conn: Connection, sessions: list[int] | str = "all") -> dict[str, Any]:
    stats: dict[str, dict[str, Any]] = defaultdict(_new_stats)
    order: list[str] = []  # variants in the order they first went on air: the first is the baseline
    ids = _session_ids(conn, sessions)
    for sid in ids:
        rep = build_report_from(conn, sid)
        own = rep["session"]["variant"] or NO_VARIANT
        replies = rep["replies"]
        heard = [r["t_first_audio"] if r["t_first_audio"] is not None else r["t_received"] for r in replies]
        labels = [r.get("variant") or own for r in replies]
        timeline = sorted(zip(heard, labels, strict=True), key=lambda x: x[0])
        times = [t for t, _ in timeline]

        def on_air(t: float | None, timeline: list[tuple[float, str]] = timeline, times: list[float] = times,
                   own: str = own) -> str:
            if not timeline:
                return own
            if t is None:
                return timeline[0][1]
            i = bisect.bisect_right(times, t) - 1
            return timeline[max(i, 0)][1]

        duration = float(rep["session"]["duration_s"])
        for i, (t, label) in enumerate(timeline):  # time on air: from each line to the next
            start = 0.0 if i == 0 else t
            end = timeline[i + 1][0] if i + 1 < len(timeline) else max(duration, t)
            stats[label]["seconds"] += max(0.0, end - start)
        if not timeline:
            stats[own]["seconds"] += duration
        for label in [x for _, x in timeline] or [own]:
            if label not in order:
                order.append(label)
            stats[label]["sessions"].add(sid)
        for r, label in zip(replies, labels, strict=True):
            stats[label]["lines"] += 1
            trig = r["trigger"]
            if r["kind"] == "answer" and trig is not None and trig["type"] == "comment":
                stats[on_air(trig["t"])]["answered"] += 1 + int(r.get("merged") or 0)
        for t, kind, viewer in conn.execute(select(EventRow.t, EventRow.type, EventRow.viewer_id)
                                            .where(EventRow.session_id == sid)):
            label = on_air(t)
            if kind == "comment":
                stats[label]["comments"] += 1
            if viewer is not None:
                stats[label]["viewers"].add(viewer)
        for c in rep["conversions"]:
            label = on_air(c["t"])
            x = stats[label]
            x["orders"] += 1
            x["units"] += int(c["quantity"])
            if c["user"]:
                x["buyers"].add(str(c["user"].get("id") or c["user"].get("unique_id")))
            if c["amount"] is not None and c["currency"]:
                x["revenue"][c["currency"]] += Decimal(str(c["amount"]))
            if c["attributed_to"]:
                last = c.get("last_touch") if c.get("last_touch") is not None else c["attributed_to"][-1]
                stats[labels[last]]["attributed_orders"] += 1
    variants = {name: _figures(stats[name]) for name in order}
    baseline = order[0] if order else None
    comparisons = [cmp for name in order[1:] for cmp in _compare(name, variants[name], baseline, variants[baseline])]
    return {"sessions": ids, "baseline": baseline, "variants": variants, "comparisons": comparisons, "alpha": ALPHA}


def _figures(x: dict[str, Any]) -> dict[str, Any]:
    minutes = x["seconds"] / 60.0
    viewers = len(x["viewers"])
    answered = min(x["answered"], x["comments"])
    return {
        "sessions": sorted(x["sessions"]), "minutes": round(minutes, 2), "lines": x["lines"],
        "comments": x["comments"], "answered": answered,
        "answer_rate": round(answered / x["comments"], 4) if x["comments"] else None,
        "comments_per_min": round(x["comments"] / minutes, 3) if minutes > 0 else None,
        "viewers": viewers, "buyers": len(x["buyers"]),
        "conversion_rate": round(len(x["buyers"]) / viewers, 4) if viewers else None,
        "orders": x["orders"], "units": x["units"], "attributed_orders": x["attributed_orders"],
        "orders_per_hour": round(x["orders"] / (minutes / 60.0), 3) if minutes > 0 else None,
        "revenue": {cur: float(v) for cur, v in sorted(x["revenue"].items())},
        "revenue_text": {cur: format_money(v, cur) for cur, v in sorted(x["revenue"].items())},
    }


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:.1f}%"


def _rate(v: float | None, unit: str) -> str:
    return "n/a" if v is None else f"{v:.2f}{unit}"


def _compare(name: str, b: dict[str, Any], base: str | None, a: dict[str, Any]) -> list[dict[str, Any]]:
    tests = [
        ("answer_rate", "two-proportion z-test", _pct,
         two_proportion_z(b["answered"], b["comments"], a["answered"], a["comments"])),
        ("conversion_rate", "two-proportion z-test", _pct,
         two_proportion_z(b["buyers"], b["viewers"], a["buyers"], a["viewers"])),
        ("comments_per_min", "exact Poisson rate test", lambda v: _rate(v, "/min"),
         poisson_rate_test(b["comments"], b["minutes"], a["comments"], a["minutes"])),
        ("orders_per_hour", "exact Poisson rate test", lambda v: _rate(v, "/h"),
         poisson_rate_test(b["orders"], b["minutes"], a["orders"], a["minutes"])),
    ]
    out = []
    for metric, test, fmt, p in tests:
        label = metric.replace("_", " ")
        vb, va = b[metric], a[metric]
        if p is None:
            verdict, text = None, f"{name} vs {base}: {label} cannot be compared yet (no data on one side)"
        else:
            verdict = p < ALPHA
            direction = "higher" if (vb or 0) > (va or 0) else "lower" if (vb or 0) < (va or 0) else "the same"
            text = (f"{name} vs {base}: {label} {fmt(vb)} vs {fmt(va)} ({direction}) — "
                    + (f"larger than chance would explain (p = {p:.3g}, {test})" if verdict else
                       f"within what chance can explain (p = {p:.3g}, {test}); keep collecting"))
        out.append({"metric": metric, "variant": name, "baseline": base, "value": vb, "baseline_value": va,
                    "test": test, "p_value": None if p is None else round(p, 6), "significant": verdict,
                    "statement": text})
    return out


def render_comparison(result: dict[str, Any]) -> Group:
    """The comparison as a table (one column per variant) and one plain sentence per test."""
    names = list(result["variants"])
    table = Table(title=f"Variants over sessions {', '.join(map(str, result['sessions']))} "
                        f"(baseline {result['baseline']})")
    table.add_column("")
    for n in names:
        table.add_column(n, justify="right")
    rows = [("sessions", lambda v: str(len(v["sessions"]))), ("minutes on air", lambda v: f"{v['minutes']:.1f}"),
            ("lines spoken", lambda v: str(v["lines"])), ("comments", lambda v: str(v["comments"])),
            ("answered", lambda v: str(v["answered"])), ("answer rate", lambda v: _pct(v["answer_rate"])),
            ("comments / min", lambda v: _rate(v["comments_per_min"], "")),
            ("viewers", lambda v: str(v["viewers"])), ("buyers", lambda v: str(v["buyers"])),
            ("conversion", lambda v: _pct(v["conversion_rate"])), ("orders", lambda v: str(v["orders"])),
            ("orders / hour", lambda v: _rate(v["orders_per_hour"], "")),
            ("attributed to its lines", lambda v: str(v["attributed_orders"])),
            ("revenue", lambda v: ", ".join(v["revenue_text"].values()) or "0")]
    for label, cell in rows:
        table.add_row(label, *[cell(result["variants"][n]) for n in names])
    lines = [Text(c["statement"], style="bold green" if c["significant"] else "") for c in result["comparisons"]]
    if len(names) < 2:
        lines = [Text("Only one variant in these sessions: nothing to compare.")]
    return Group(table, *lines)
