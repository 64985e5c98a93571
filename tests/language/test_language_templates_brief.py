"""The brief-answer sections of templates.yaml: checked like the others, optional in older files."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.agent.offline import OfflineResponder, build_question
from bot.catalog.importer import load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.events import Comment, Viewer
from bot.language.templates import SECTIONS, check_templates_file, load_templates
from bot.paths import PROMPTS_DIR, SAMPLE_CATALOG
from bot.prompts.book import PromptBook

BUNDLED = PROMPTS_DIR / "templates.yaml"
BRIEF = ("answer_short", "price_short", "stock_short", "in_stock_short", "size_short", "sizes_short",
         "one_size_short", "no_size_short", "sold_out_short", "sold_out_alternative", "buy_size", "voucher_short")


def test_bundled_file_has_the_brief_sections() -> None:
    assert check_templates_file(BUNDLED) == []
    templates = load_templates(PromptBook(PROMPTS_DIR))
    for section in BRIEF:
        assert section in SECTIONS and SECTIONS[section].optional
        assert set(templates[section]) == {"vi", "zh", "en"}


@pytest.mark.parametrize(("old", "new", "message"), [
    ('    - "còn {stock} cái"', '    - "còn nhiều lắm"', "lacks the placeholder {stock}"),
    ('    - "{name} ơi, {product} {facts} nha."', '    - "{name} ơi, {product} nha."', "lacks the placeholder {facts}"),
    ('    - "有{size}码"', '    - "有码"', "lacks the placeholder {size}"),
    ('    - "{stock} left"', '    - "{stock} left at {price}"', "unknown placeholder {price}"),
    ('    - "Nhập mã {voucher} nha."', '    - "Nhập mã nha."', "lacks the placeholder {voucher}"),
])
def test_a_short_line_missing_its_placeholder_is_rejected(tmp_path: Path, old: str, new: str,
                                                           message: str) -> None:
    path = tmp_path / "templates.yaml"
    text = BUNDLED.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    [problem] = check_templates_file(path)
    assert message in problem.message and problem.line == line and problem.file == str(path)


def test_an_older_file_without_the_brief_sections_is_valid_and_bundled_lines_serve(tmp_path: Path) -> None:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    for section in BRIEF:
        del data[section]
    data["price"] = {"vi": ["GIÁ {product} {price}."], "zh": ["{product}{price}。"], "en": ["{product}: {price}."]}
    (tmp_path / "templates.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert check_templates_file(tmp_path / "templates.yaml") == []
    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    book = PromptBook(tmp_path)
    assert not book.problems
    responder = OfflineResponder(catalog, book)
    q = build_question(Comment(t=0, user=Viewer("1", "lan", "Lan"), text="quần jean giá sao"), ProductMatcher(catalog))
    assert responder.answer(q).sentences[0] == "GIÁ quần jean xanh ống rộng 459.000đ."  # the user's line
    brief = responder.clause(q, [], brief=True, extras=False).sentences
    assert len(brief) == 1 and "459.000đ" in brief[0]  # the bundled short lines


def test_an_older_file_with_a_retired_section_is_still_valid(tmp_path: Path) -> None:
    # Prompt folders written before grouped answers have `many_asked`, which the host no longer says.
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    data["many_asked"] = {"vi": ["Nhiều bạn hỏi về {product} nè."], "zh": ["好多朋友在问{product}。"],
                          "en": ["Lots of you are asking about the {product}."]}
    (tmp_path / "templates.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert check_templates_file(tmp_path / "templates.yaml") == []
    data["many_askedd"] = data.pop("many_asked")  # a typo is still an error, with its line
    (tmp_path / "templates.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert any("unknown section 'many_askedd'" in str(p) for p in check_templates_file(tmp_path / "templates.yaml"))
