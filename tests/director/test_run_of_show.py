"""Run-of-show: validation with file and line, resume where it left off, jump to a product, offers."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.director.run_of_show import ShowCursor, load_show, parse_show
from bot.prompts.book import PromptBook, PromptFileError, parse_yaml_text

GOOD = """\
language: vi
repeat_offer_every_s: 60
segments:
  - sku: A
    minutes: 1
    points:
      vi: ["a1", "a2"]
      en: ["A one"]
    offer:
      vi: ["buy A"]
  - sku: B
    minutes: 1
    points: ["b1", "b2", "b3"]
"""


def test_cursor_walks_points_moves_on_after_minutes_and_repeats_offers() -> None:
    plan = parse_show(parse_yaml_text(GOOD, "show.yaml"), "show.yaml", GOOD)
    c = ShowCursor()
    lines = [c.next_line(plan, t) for t in (0, 5, 10, 15)]
    assert [(x.sku, x.text) for x in lines] == [("A", "a1"), ("A", "buy A"), ("A", "a2"), ("A", "a1")]
    assert lines[1].is_offer
    assert c.next_line(plan, 61).sku == "B"  # a minute on A is over


def test_jump_to_a_product_and_resume_where_it_left_off() -> None:
    plan = parse_show(parse_yaml_text(GOOD, "show.yaml"), "show.yaml", GOOD)
    c = ShowCursor()
    c.next_line(plan, 0)  # a1
    assert c.jump_to(plan, "B", 2)
    assert c.next_line(plan, 3).text == "b1"
    assert c.jump_to(plan, "A", 4)
    assert c.next_line(plan, 5).text in ("a2", "buy A")  # A resumes after a1
    assert not c.jump_to(plan, "NOT-IN-SHOW", 6)


def test_lines_in_the_viewer_language_fall_back_to_the_show_language() -> None:
    plan = parse_show(parse_yaml_text(GOOD, "show.yaml"), "show.yaml", GOOD)
    c = ShowCursor()
    assert c.next_line(plan, 0, lang="en").text == "A one"
    c2 = ShowCursor()
    c2.jump_to(plan, "B", 0)
    line = c2.next_line(plan, 0, lang="zh")
    assert line.text == "b1" and line.lang == "vi"


@pytest.mark.parametrize(("bad", "line", "words"), [
    (GOOD.replace("  - sku: B\n", "  - skux: B\n"), 11, "sku"),
    (GOOD.replace("minutes: 1\n    points:\n      vi", "minutes: soon\n    points:\n      vi"), 5, "minutes"),
    (GOOD.replace('      en: ["A one"]', '      fr: ["un"]'), 8, "language"),
    (GOOD.replace("language: vi", "language: [vi"), None, "YAML"),
])
def test_errors_name_file_and_line(bad: str, line: int | None, words: str) -> None:
    with pytest.raises(PromptFileError) as exc:
        parse_show(parse_yaml_text(bad, "prompts/show.yaml"), "prompts/show.yaml", bad)
    assert exc.value.problem.file == "prompts/show.yaml"
    if line is not None:
        assert exc.value.problem.line == line
    assert words in str(exc.value)


def test_broken_edit_keeps_last_good_version_and_fix_applies(tmp_path: Path) -> None:
    (tmp_path / "show.yaml").write_text(GOOD, encoding="utf-8")
    book = PromptBook(tmp_path)
    assert load_show(book).segments[0].points["vi"] == ["a1", "a2"]
    bump = time.time() + 5
    (tmp_path / "show.yaml").write_text(GOOD.replace("segments:", "segments: [oops"), encoding="utf-8")
    os.utime(tmp_path / "show.yaml", (bump, bump))
    assert load_show(book).segments[0].points["vi"] == ["a1", "a2"]  # last good kept
    assert book.problems and "show.yaml" in str(book.problems[0]) and book.problems[0].line is not None
    (tmp_path / "show.yaml").write_text(GOOD.replace('"a1", "a2"', '"new line"'), encoding="utf-8")
    os.utime(tmp_path / "show.yaml", (bump + 5, bump + 5))
    assert load_show(book).segments[0].points["vi"] == ["new line"]
    assert book.problems == []


def test_bundled_show_is_valid() -> None:
    from bot.paths import PROMPTS_DIR

    book = PromptBook(PROMPTS_DIR)
    plan = load_show(book)
    assert plan is not None and book.problems == [] and len(plan.segments) >= 3
