"""The run's closing summary and the report print the same p50/p95 for the same latencies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.paths import SAMPLE_CATALOG, SAMPLE_SESSION
from bot.pipeline import runner
from bot.pipeline.assembly import ShowOptions
from bot.report.build import build_report
from bot.report.percentile import percentile
from bot.report.summary import build_summary

# Latencies where the runner's old statistics.quantiles path and the report's numpy path disagreed
# in the last digit, plus a single answer (which the runner used to print unrounded).
CASES = [
    [569.9, 1407.6, 2074.6, 560.9, 2550.6, 1361.8, 2897.6, 2438.8],
    [2206.8, 1028.7, 1234.7, 1255.8, 286.2, 1020.3],
    [123.45],
    [],
]


def _report(latencies: list[float]) -> dict[str, Any]:
    replies = [{"kind": "answer", "trigger": None, "triggers": [], "skus": [], "t_received": float(i),
                "t_first_audio": float(i) + ms / 1000, "t_done": float(i) + 2, "latency_ms": ms}
               for i, ms in enumerate(latencies)]
    return {"replies": replies, "conversions": [], "screen": [], "dropped": {},
            "session": {"counts": {}, "duration_s": 60.0}}


@pytest.mark.parametrize("latencies", CASES)
def test_run_summary_and_report_print_the_same_percentiles(latencies: list[float]) -> None:
    summary = build_summary(_report(latencies), comment_times=[], viewers=0, products={}, pins=[])
    assert runner.percentile is percentile  # the runner's ShowSummary and status line use this one
    assert summary["latency_ms_p50"] == runner.percentile(latencies, 50)
    assert summary["latency_ms_p95"] == runner.percentile(latencies, 95)


def test_percentile_is_linear_and_rounded() -> None:
    assert percentile([100.0, 200.0], 50) == 150.0
    assert percentile([123.45], 95) == 123.5
    assert percentile([], 50) is None


def test_answer_latency_is_what_the_run_summary_prints_and_excludes_greetings_and_thanks(tmp_path: Path) -> None:
    """One sample show: the run's "answer latency" p50/p95 equal the report's answer_latency_ms_*."""
    url = f"sqlite:///{tmp_path / 'p.db'}"
    run = runner.run_show(ShowOptions(source=f"replay:{SAMPLE_SESSION}", catalog=SAMPLE_CATALOG, db=url,
                                      settings=Settings()))
    summary = build_report(url)["summary"]
    assert (summary["answer_latency_ms_p50"], summary["answer_latency_ms_p95"]) == (run.latency_p50_ms,
                                                                                   run.latency_p95_ms)
    assert run.latency_p50_ms is not None and summary["latency_ms_p50"] != summary["answer_latency_ms_p50"]
