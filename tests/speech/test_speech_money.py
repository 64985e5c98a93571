"""Prices as sellers say them (short) and in full, per language; the lexicon's money section."""

from __future__ import annotations

import logging
import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli.prompts_cmd import check_prompts
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook
from bot.speech.lexicon import LEXICON_FILE, Lexicon
from bot.speech.spoken_form import to_spoken
from bot.speech.spoken_money import MoneyStyle, spoken_money

SHORT = MoneyStyle("short")


@pytest.mark.parametrize(
    ("lang", "written", "spoken"),
    [
        ("vi", "199.000đ", "một trăm chín chín nghìn"),
        ("vi", "249.000₫", "hai trăm bốn chín nghìn"),
        ("vi", "125.000đ", "một trăm hai lăm nghìn"),
        ("vi", "1.299.000đ", "một triệu hai trăm chín chín nghìn"),
        ("vi", "1.025.000đ", "một triệu không trăm hai lăm nghìn"),
        ("vi", "2.000.000đ", "hai triệu"),
        # Ambiguous when shortened: kept in full (only "đồng" goes for whole thousands).
        ("vi", "120.000đ", "một trăm hai mươi nghìn"),
        ("vi", "105.000đ", "một trăm lẻ năm nghìn"),
        ("vi", "1.250.000đ", "một triệu hai trăm năm mươi nghìn"),
        ("vi", "199.500đ", "một trăm chín mươi chín nghìn năm trăm đồng"),
        ("vi", "còn 199k nhé", "còn một trăm chín chín nghìn nhé"),
        ("zh", "¥59", "五十九块"),
        ("zh", "¥59.90", "五十九块九"),
        ("zh", "¥59.99", "五十九块九毛九"),
        ("zh", "¥59.05", "五十九块零五分"),
        ("zh", "¥0.90", "九毛"),
        ("zh", "¥2", "两块"),
        ("zh", "¥200", "两百块"),
        ("zh", "199.000đ", "十九万九千越南盾"),
        ("zh", "$12.99", "十二点九九美元"),
        ("en", "$12.99", "twelve ninety-nine"),
        ("en", "$12", "twelve dollars"),
        ("en", "$1", "one dollar"),
        ("en", "$12.05", "twelve oh five"),
        ("en", "$0.99", "ninety-nine cents"),
        ("en", "199.000đ", "one hundred ninety-nine thousand dong"),
        ("en", "€12.99", "twelve euros ninety-nine"),
        # Four-digit dollars with cents would run together: full.
        ("en", "$1,299.99", "one thousand, two hundred and ninety-nine dollars and ninety-nine cents"),
    ],
)
def test_spoken_form_prices_short_style(lang: str, written: str, spoken: str) -> None:
    # The bundled lexicon.yaml says prices in the short style.
    assert to_spoken(written, lang) == spoken  # type: ignore[arg-type]


def test_full_style_chinese_uses_jiao_and_fen() -> None:
    assert spoken_money(Decimal("59.90"), "CNY", "zh") == "五十九元九角"
    assert spoken_money(Decimal("59.05"), "CNY", "zh") == "五十九元零五分"
    assert spoken_money(Decimal("59.99"), "CNY", "zh") == "五十九元九角九分"


def test_vietnamese_k_style() -> None:
    k = MoneyStyle("short", "k")
    assert spoken_money(199000, "VND", "vi", k) == "trăm chín chín ca"
    assert spoken_money(1299000, "VND", "vi", k) == "một triệu hai trăm chín chín ca"
    assert spoken_money(120000, "VND", "vi", k) == "trăm hai mươi ca"
    assert spoken_money(199500, "VND", "vi", k) == "một trăm chín mươi chín nghìn năm trăm đồng"
    assert spoken_money(199000, "VND", "vi", MoneyStyle("short", "ngàn")) == "một trăm chín chín ngàn"


def test_issue_line_is_shorter_and_caption_digits_untouched() -> None:
    line = "Dạ Lan ơi, áo thun đỏ basic đang giảm còn 199.000đ, giá gốc 249.000đ ạ."
    assert to_spoken(line, "vi") == ("Dạ Lan ơi, áo thun đỏ basic đang giảm còn một trăm chín chín nghìn, "
                                     "giá gốc hai trăm bốn chín nghìn ạ.")
    assert "199.000đ" in line  # to_spoken returns a new string; the caption text is never rewritten


@pytest.fixture()
def book(tmp_path: Path) -> PromptBook:
    shutil.copy(PROMPTS_DIR / LEXICON_FILE, tmp_path / LEXICON_FILE)
    return PromptBook(tmp_path)


def _touch_newer(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_money_section_hot_reload(book: PromptBook) -> None:
    lexicon = Lexicon(book)
    assert to_spoken("199.000đ", "vi", lexicon) == "một trăm chín chín nghìn"
    _touch_newer(book.folder / LEXICON_FILE, "money:\n  vi: {style: short, thousand: k}\n  en: {style: full}\n")
    assert to_spoken("199.000đ", "vi", lexicon) == "trăm chín chín ca"
    assert to_spoken("$12.99", "en", lexicon) == "twelve dollars and ninety-nine cents"
    assert to_spoken("¥59", "zh", lexicon) == "五十九元"  # zh no longer named: full


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("en:\n  XL: big\nmoney:\n  vi: {style: short}\n  en:\n    style: shortest\n", 6, "shortest"),
        ("money:\n  zh:\n    thousand: k\n", 3, "only vi"),
        ("money:\n  vi: {style: short}\n  fr: {style: short}\n", 3, "fr"),
        ("money:\n  vi: short\n", 2, "money.vi"),
        ("money:\n  vi:\n    style: short\n    speed: fast\n", 4, "speed"),
    ],
)
def test_broken_money_section_names_its_line_and_keeps_last_good(
        book: PromptBook, caplog: pytest.LogCaptureFixture, text: str, line: int, words: str) -> None:
    lexicon = Lexicon(book)
    assert to_spoken("199.000đ", "vi", lexicon) == "một trăm chín chín nghìn"
    with caplog.at_level(logging.WARNING):
        _touch_newer(book.folder / LEXICON_FILE, text)
        assert to_spoken("199.000đ", "vi", lexicon) == "một trăm chín chín nghìn"
    problem = book.problems[0]
    assert problem.line == line and words in problem.message, problem
    assert f"lexicon.yaml:{line}" in caplog.text


def test_prompts_check_reports_money_section_line(tmp_path: Path) -> None:
    (tmp_path / LEXICON_FILE).write_text("vi:\n  XL: ích xờ lờ\nmoney:\n  vi: {style: tiny}\n", encoding="utf-8")
    problems = check_prompts(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [(LEXICON_FILE, 4)]
    assert "tiny" in problems[0].message
