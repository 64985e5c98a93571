"""prompts/templates.yaml: validation with file and line, hot reload, deterministic variety."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.events import LANGS
from bot.language.templates import (
    SECTIONS,
    TemplateError,
    check_templates_file,
    load_templates,
    render_greeting,
    render_template,
)
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook

BUNDLED = PROMPTS_DIR / "templates.yaml"


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    shutil.copy(BUNDLED, tmp_path / "templates.yaml")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> int:
    """Replace `old` once and return the 1-based line where it was."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    st = path.stat()  # make sure the book sees a new mtime even on coarse clocks
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    return line


def test_bundled_templates_are_complete() -> None:
    assert check_templates_file(BUNDLED) == []
    templates = load_templates(PromptBook(PROMPTS_DIR))
    assert set(templates) == set(SECTIONS)
    for section, by_lang in templates.items():
        assert set(by_lang) == set(LANGS), section
    for lang in LANGS:  # variety: several lines for what is said most
        for section in ("price", "price_promo", "stock", "ask_which", "human_check", "thanks_gift", "quiet_prompt"):
            if lang == "vi" or section in ("price", "quiet_prompt"):
                assert len(templates[section][lang][""]) >= 2, (section, lang)


@pytest.mark.parametrize(("old", "new", "message"), [
    ('    - "Dạ {name} ơi, {product} giá {price} ạ."', '    - "Dạ {name} ơi, {product} giá {cost} ạ."',
     "unknown placeholder {cost}"),
    ('    - "Dạ {name} ơi, {product} giá {price} ạ."', '    - "Dạ {name} ơi, {product} giá rẻ lắm ạ."',
     "lacks the placeholder {price}"),
    ('    - "Dạ {name} ơi, {product} giá {price} ạ."', '    - "Dạ {name} ơi, {product giá {price} ạ."',
     "broken braces"),
    ("filler:", "fillers:", "unknown section 'fillers'"),
    ("      - \"Chào {name1} và {name2} nha!\"", "      - \"Chào {name1} nha!\"", "lacks the placeholder {name2}"),
    ("    many:", "    lots:", "unknown form 'lots'"),
])
def test_validation_errors_name_file_and_line(folder: Path, old: str, new: str, message: str) -> None:
    path = folder / "templates.yaml"
    line = _edit(path, old, new)
    problems = check_templates_file(path)
    assert len(problems) == 1
    assert message in problems[0].message
    assert problems[0].file == str(path)
    assert problems[0].line == line


def test_missing_language_and_yaml_error(folder: Path) -> None:
    path = folder / "templates.yaml"
    text = path.read_text(encoding="utf-8")
    section_line = text[: text.index("thanks_share:")].count("\n") + 1
    path.write_text(text.replace('  zh:\n    - "谢谢{name}分享直播间！"\n', ""), encoding="utf-8")
    [problem] = check_templates_file(path)
    assert problem.line == section_line and "no 'zh' lines" in problem.message
    path.write_text("price:\n  vi: [\"a\"\n", encoding="utf-8")
    [problem] = check_templates_file(path)
    assert "YAML error" in problem.message and problem.line is not None


def test_hot_reload_and_last_good_kept(folder: Path) -> None:
    book = PromptBook(folder)
    first = render_template(book, "filler", "en", 0)
    assert first in ("Let me check.", "One moment.")
    path = folder / "templates.yaml"
    _edit(path, '    - "Let me check."\n    - "One moment."', '    - "Just a second."')
    assert render_template(book, "filler", "en", 0) == "Just a second."
    line = _edit(path, '    - "Just a second."', '    - "Just a {moment}."')
    # Broken edit: the last good version stays in force and the problem names file and line.
    assert render_template(book, "filler", "en", 0) == "Just a second."
    [problem] = book.problems
    assert problem.line == line and problem.file == str(path)


def test_never_valid_file_falls_back_to_bundled(tmp_path: Path) -> None:
    (tmp_path / "templates.yaml").write_text("nonsense: true\n", encoding="utf-8")
    book = PromptBook(tmp_path)
    line = render_template(book, "price", "vi", 0, name="Lan", product="áo đỏ", price="249.000đ")
    assert "249.000đ" in line and "Lan" in line
    assert book.problems and "unknown section 'nonsense'" in book.problems[0].message


def test_variety_is_deterministic_and_never_back_to_back() -> None:
    book = PromptBook(PROMPTS_DIR)
    fields = {"name": "Lan", "product": "áo đỏ", "price": "249.000đ"}
    run1 = [render_template(book, "price", "vi", seed, **fields) for seed in range(12)]
    run2 = [render_template(book, "price", "vi", seed, **fields) for seed in range(12)]
    assert run1 == run2
    assert all(a != b for a, b in zip(run1, run1[1:], strict=False))
    assert len(set(run1)) >= 2


def test_lines_needing_missing_fields_are_skipped_and_errors_are_clear() -> None:
    book = PromptBook(PROMPTS_DIR)
    without = {render_template(book, "quiet_prompt", "en", seed) for seed in range(6)}
    assert len(without) >= 1 and not any("{" in line for line in without)
    assert not any("Curious about" in line for line in without)
    with_product = {render_template(book, "quiet_prompt", "en", seed, product="red shirt") for seed in range(6)}
    assert any("red shirt" in line for line in with_product)
    with pytest.raises(TemplateError, match="unknown template section"):
        render_template(book, "no_such_section", "vi", 0)
    with pytest.raises(TemplateError, match="can be filled"):
        render_template(book, "price", "vi", 0, name="Lan")


@pytest.mark.parametrize(("lang", "names", "others", "expected"), [
    ("vi", ["Lan"], 0, "Lan"),
    ("vi", ["Lan", "Minh"], 0, "Lan"),
    ("en", ["Lan", "Minh", "An"], 5, "Lan, Minh, An"),
    ("zh", ["Lan", "Minh", "An", "Bảo"], 0, "Lan、Minh"),
])
def test_greeting_forms(lang: str, names: list[str], others: int, expected: str) -> None:
    book = PromptBook(PROMPTS_DIR)
    line = render_greeting(book, lang, names, others, seed=1)  # type: ignore[arg-type]
    assert expected in line
    if len(names) == 2 and not others:
        assert "Minh" in line
    if others:
        assert str(others) in line
    if len(names) == 4:
        assert "2" in line and "An" not in line  # two named, the other two counted
