"""The report for people: rich tables for the terminal and CSV (one row per reply)."""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from rich.console import Group, RenderableType
from rich.table import Table


def _fmt(v: Any, nd: int = 2) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{nd}f}"
    return str(v)


def render_table(report: dict[str, Any]) -> RenderableType:
    """Session header, funnel, per-product table and the replies, as one rich renderable."""
    s, summ = report["session"], report["summary"]
    head = Table(title=f"Session {s['id']} — {s['source']}", show_header=False)
    head.add_row("started", _fmt(s["started"]))
    head.add_row("ended", _fmt(s["ended"]))
    head.add_row("events", ", ".join(f"{k} {v}" for k, v in s["counts"].items()) or "–")
    head.add_row("viewers / comments", f"{summ['viewers']} / {summ['comments']}")
    share = summ["answered_share"]
    head.add_row("answered", f"{summ['answered']} ({share * 100:.0f}%)" if share is not None else "–")
    p50, p95 = _fmt(summ["answer_latency_ms_p50"], 0), _fmt(summ["answer_latency_ms_p95"], 0)
    head.add_row("answer latency p50 / p95 (ms)", f"{p50} / {p95}")
    p50, p95 = _fmt(summ["latency_ms_p50"], 0), _fmt(summ["latency_ms_p95"], 0)
    head.add_row("all replies p50 / p95 (ms)", f"{p50} / {p95}")
    ans = summ.get("answers") or {}
    if ans.get("lines"):
        head.add_row("answered by voice / on screen only", f"{ans['by_voice']} / {ans['screen_only']}")
        head.add_row("lines answering several viewers", f"{ans['multi_viewer_lines']} of {ans['lines']} "
                     f"({ans['viewers_per_line']} viewers per line)")
        head.add_row("each viewer's wait p50 / p95 (ms)",
                     f"{_fmt(ans['viewer_wait_ms_p50'], 0)} / {_fmt(ans['viewer_wait_ms_p95'], 0)}")
    head.add_row("dropped", ", ".join(f"{k} {v}" for k, v in report["dropped"].items()) or "–")
    head.add_row("orders (attributed)", f"{summ['orders']} ({summ['attributed_orders']})")
    head.add_row("revenue", ", ".join(summ["revenue_text"].values()) or "–")
    rate = summ["conversion_rate"]
    head.add_row("conversion (buyers / viewers)", f"{rate * 100:.2f}%" if rate is not None else "–")
    if summ["unknown_skus"]:
        head.add_row("unknown SKUs", ", ".join(summ["unknown_skus"]))

    products = Table(title="Products")
    for col in ("SKU", "name", "questions", "pitches", "pins", "orders", "units", "revenue"):
        products.add_column(col, justify="right" if col not in ("SKU", "name") else "left")
    for p in summ["products"]:
        products.add_row(p["sku"], p["name"], str(p["questions"]), str(p["pitches"]), str(p["pins"]),
                         str(p["orders"]), str(p["units"]), p["revenue_text"])

    replies = Table(title="Replies")
    for col in ("#", "t", "kind", "to", "asked", "said", "SKUs", "latency ms"):
        replies.add_column(col, overflow="fold")
    for i, r in enumerate(report["replies"]):
        trig = r["trigger"] or {}
        user = trig.get("user") or {}
        who = user.get("nickname") or user.get("unique_id") or ""
        replies.add_row(str(i), _fmt(r["t_received"], 1), r["kind"], who, trig.get("text") or "", r["text"],
                        ",".join(r["skus"]), _fmt(r["latency_ms"], 0))
    return Group(head, products, replies)


CSV_COLUMNS = ("index", "kind", "trigger_type", "trigger_user", "trigger_text", "trigger_t", "text", "skus",
               "t_received", "t_first_audio", "t_done", "latency_ms", "llm", "lang", "cut",
               "orders_attributed")


def write_csv(report: dict[str, Any], out: IO[str]) -> None:
    """One row per reply, in order spoken, with how many orders were attributed to it."""
    credited = [0] * len(report["replies"])
    for c in report["conversions"]:
        for i in c["attributed_to"]:
            credited[i] += 1
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    for i, r in enumerate(report["replies"]):
        trig = r["trigger"] or {}
        user = trig.get("user") or {}
        w.writerow([i, r["kind"], trig.get("type", ""), user.get("unique_id") or user.get("id") or "",
                    trig.get("text") or "", _blank(trig.get("t")), r["text"], "|".join(r["skus"]),
                    _blank(r["t_received"]), _blank(r["t_first_audio"]), _blank(r["t_done"]),
                    _blank(r["latency_ms"]), r["llm"], r.get("lang", ""), int(bool(r.get("cut"))),
                    credited[i]])


def _blank(v: Any) -> str:
    return "" if v is None else str(v)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)
