"""Script experiments: show.yaml's experiment block, the variant schedule in the director, the
statistics, and two variants run for real over replayed sessions with known orders, compared."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from bot.agent.offline import build_question
from bot.catalog.importer import load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.cli.main import app
from bot.director.director import Director, DirectorSettings
from bot.director.lines import LineWriter
from bot.director.variants import VariantSchedule, check_experiment, load_experiment, parse_experiment
from bot.paths import PROJECT_ROOT, PROMPTS_DIR, SAMPLE_CATALOG
from bot.prompts.book import PromptBook, PromptFileError
from bot.report.build import build_report
from bot.report.experiments import compare_variants, poisson_rate_test, two_proportion_z
from bot.triage.room_triage import Triage

VARIANTS = {
    "A": {"segments": [{"sku": "AO-DO-01", "minutes": 5, "points": {"vi": ["Variant A nói về {product} nha."]}}]},
    "B": {"segments": [{"sku": "VAY-HOA-03", "minutes": 5, "points": {"vi": ["Variant B giới thiệu {product} nè."]}}]},
}


def _prompts(tmp_path: Path, experiment: dict | None) -> Path:
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, folder)
    show = yaml.safe_load((folder / "show.yaml").read_text(encoding="utf-8"))
    show["variants"] = VARIANTS
    if experiment is not None:
        show["experiment"] = experiment
    (folder / "show.yaml").write_text(yaml.safe_dump(show, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def test_schedule_by_time_slot_and_by_session() -> None:
    slots = VariantSchedule(("A", "B"), "time_slot", 10)
    assert [slots.variant_at(t) for t in (0, 599, 600, 1199, 1200, 3000)] == ["A", "A", "B", "B", "A", "B"]
    assert slots.session_variant() is None
    per_session = VariantSchedule(("A", "B"), "session")
    start = datetime(2026, 5, 1, 20, 0, tzinfo=UTC)
    assert per_session.session_variant(start) == per_session.session_variant(start)  # deterministic
    picks = {per_session.session_variant(datetime(2026, 5, d, 20, 0, tzinfo=UTC)) for d in range(1, 29)}
    assert picks == {"A", "B"}  # spread over both
    with pytest.raises(ValueError):
        per_session.variant_at(5.0)


def test_experiment_block_errors_name_the_line(tmp_path: Path) -> None:
    folder = _prompts(tmp_path, {"assign": "time_slot", "slot_minutes": 1, "variants": ["A", "C"]})
    problems = check_experiment(folder)
    text = (folder / "show.yaml").read_text(encoding="utf-8").splitlines()
    assert len(problems) == 1 and "'C' is not declared" in problems[0].message
    assert text[problems[0].line - 1].strip() == "- C"  # type: ignore[operator]
    result = CliRunner().invoke(app, ["prompts", "check", str(folder)])
    assert result.exit_code == 1 and "is not declared" in result.output
    data = {"variants": VARIANTS, "experiment": {"assign": "weekly", "variants": ["A", "B"]}}
    with pytest.raises(PromptFileError, match="session or time_slot"):
        parse_experiment(data, "show.yaml", yaml.safe_dump(data))
    good = {"variants": VARIANTS, "experiment": {"variants": ["default", "B"]}}
    assert parse_experiment(good, "show.yaml", yaml.safe_dump(good)) == VariantSchedule(("default", "B"), "session")


def test_director_switches_variant_per_time_slot(tmp_path: Path) -> None:
    folder = _prompts(tmp_path, {"assign": "time_slot", "slot_minutes": 1, "variants": ["A", "B"]})
    book = PromptBook(folder)
    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    matcher = ProductMatcher(catalog)
    triage = Triage(lambda c, cur: build_question(c, matcher, cur))
    director = Director(triage, catalog, book, LineWriter(book),
                        DirectorSettings(disclosure_interval_s=0, quiet_prompt_every=0))
    director.variants = load_experiment(book)
    seen = []
    for t in (5.0, 30.0, 65.0, 100.0, 125.0):
        draft = director.decide(t)
        while draft is not None and draft.plan.kind != "script":
            draft = director.decide(t)
        assert draft is not None
        seen.append((draft.plan.variant, draft.sentences[0].split()[1]))
    assert seen == [("A", "A"), ("A", "A"), ("B", "B"), ("B", "B"), ("A", "A")]


def test_statistics_match_known_values() -> None:
    assert two_proportion_z(50, 100, 30, 100) == pytest.approx(0.003892, abs=1e-5)
    assert two_proportion_z(5, 10, 5, 10) == pytest.approx(1.0)
    assert two_proportion_z(1, 0, 1, 10) is None
    assert poisson_rate_test(10, 1.0, 0, 1.0) == pytest.approx(2 * 0.5 ** 10)
    assert poisson_rate_test(4, 1.0, 1, 1.0) == pytest.approx(0.375)
    assert poisson_rate_test(3, 1.0, 3, 1.0) == pytest.approx(1.0)
    assert poisson_rate_test(20, 2.0, 10, 1.0) == pytest.approx(1.0)  # the same rate over twice the time


def _session_file(path: Path, comments: int, viewers: int, purchases: list[tuple[float, str, int]]) -> None:
    questions = ["áo đỏ giá bao nhiêu?", "váy hoa còn size M không?", "quần jean bao nhiêu tiền?", "túi tote giá sao?"]
    events = []
    for i in range(comments):
        v = i % viewers
        events.append({"t": 2.0 + i * 50.0 / comments, "type": "comment",
                       "user": {"id": f"80{v:02d}", "unique_id": f"viewer{v}", "nickname": f"V{v}"},
                       "text": questions[i % len(questions)]})
    for t, sku, viewer in purchases:
        events.append({"t": t, "type": "purchase", "sku": sku, "quantity": 1,
                       "user": {"id": f"80{viewer:02d}", "unique_id": f"viewer{viewer}", "nickname": f"V{viewer}"}})
    events.append({"t": 60.0, "type": "live_end"})
    events.sort(key=lambda e: e["t"])
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8")


@pytest.mark.timeout(300)
def test_two_variants_over_replayed_sessions(tmp_path: Path) -> None:
    folder = _prompts(tmp_path, {"assign": "session", "variants": ["A", "B"]})
    db = f"sqlite:///{tmp_path / 'ab.db'}"
    a_file, b_file = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    _session_file(a_file, comments=6, viewers=6, purchases=[(40.0, "AO-DO-01", 0)])
    _session_file(b_file, comments=30, viewers=10,
                  purchases=[(20.0, "VAY-HOA-03", 1), (30.0, "VAY-HOA-03", 2), (45.0, "AO-DO-01", 3),
                             (50.0, "VAY-HOA-03", 4)])
    livebot = Path(sys.executable).parent / "livebot"
    for variant, file in (("A", a_file), ("B", b_file)):
        run = subprocess.run([str(livebot), "run", "--source", f"replay:{file}", "--catalog", str(SAMPLE_CATALOG),
                              "--prompts", str(folder), "--variant", variant, "--output", "none", "--fast",
                              "--db", db], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240)
        assert run.returncode == 0, run.stderr[-2000:]
    result = compare_variants(db)
    a, b = result["variants"]["A"], result["variants"]["B"]
    assert result["baseline"] == "A" and result["sessions"] == [1, 2]
    assert (a["comments"], b["comments"]) == (6, 30)
    assert (a["orders"], b["orders"]) == (1, 4) and (a["buyers"], b["buyers"]) == (1, 4)
    assert (a["viewers"], b["viewers"]) == (6, 10)
    assert b["conversion_rate"] == pytest.approx(0.4) and a["conversion_rate"] == pytest.approx(1 / 6, abs=1e-4)
    for variant, sid in (("A", 1), ("B", 2)):  # revenue = the per-session report's own order amounts
        rep = build_report(db, sid)
        assert rep["session"]["variant"] == variant
        expected = sum(c["amount"] for c in rep["conversions"])
        assert result["variants"][variant]["revenue"] == {"VND": pytest.approx(expected)}
        assert all(r["variant"] == variant for r in rep["replies"])
        assert 0 < result["variants"][variant]["answered"] <= result["variants"][variant]["comments"]
    assert 0.9 < a["minutes"] < 3 and 0.9 < b["minutes"] < 3
    cmp = {c["metric"]: c for c in result["comparisons"]}
    assert cmp["comments_per_min"]["significant"] is True and cmp["comments_per_min"]["p_value"] < 0.01
    assert "larger than chance" in cmp["comments_per_min"]["statement"]
    assert cmp["orders_per_hour"]["significant"] is False and "within what chance" in cmp["orders_per_hour"]["statement"]
    assert cmp["orders_per_hour"]["p_value"] == pytest.approx(
        poisson_rate_test(4, b["minutes"], 1, a["minutes"]), abs=1e-6)
    table = CliRunner().invoke(app, ["report", "--db", db, "--compare-variants"], terminal_width=200)
    assert table.exit_code == 0 and "comments / min" in table.output and "larger than chance" in table.output
    as_json = CliRunner().invoke(app, ["report", "--db", db, "--compare-variants", "--sessions", "2",
                                       "--format", "json"])
    assert as_json.exit_code == 0 and list(json.loads(as_json.output)["variants"]) == ["B"]
    bad = CliRunner().invoke(app, ["report", "--db", db, "--compare-variants", "--sessions", "9"])
    assert bad.exit_code == 1 and "no session 9" in bad.output
