"""Spoken form: prices, percentages, numbers, lexicon (hot-reloaded through a real PromptBook)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import pytest

from bot.cli.prompts_cmd import check_prompts
from bot.paths import PROMPTS_DIR
from bot.prompts.book import PromptBook, PromptFileError
from bot.speech.lexicon import LEXICON_FILE, Lexicon
from bot.speech.spoken_form import to_spoken
from bot.speech.voice_table import validate_voices


@pytest.mark.parametrize(
    ("lang", "written", "spoken"),
    [
        ("vi", "249.000đ", "hai trăm bốn mươi chín nghìn đồng"),
        ("vi", "1.250.000 đ", "một triệu hai trăm năm mươi nghìn đồng"),
        ("vi", "249.000₫", "hai trăm bốn mươi chín nghìn đồng"),
        ("vi", "$12.99", "mười hai đô la chín mươi chín xu"),
        ("zh", "¥59", "五十九元"),
        ("zh", "59元", "五十九元"),
        ("en", "$12.99", "twelve dollars and ninety-nine cents"),
        ("en", "12.99 USD", "twelve dollars and ninety-nine cents"),
        ("en", "¥59", "fifty-nine yuan"),
    ],
)
def test_spoken_form_prices_full_style(full_lexicon: Lexicon, lang: str, written: str, spoken: str) -> None:
    assert to_spoken(written, lang, full_lexicon) == spoken  # type: ignore[arg-type]


@pytest.fixture()
def full_lexicon(tmp_path: Path) -> Lexicon:
    """A lexicon file from before the money section: every price is said in full."""
    (tmp_path / LEXICON_FILE).write_text("en:\n  XL: extra large\n", encoding="utf-8")
    return Lexicon(PromptBook(tmp_path))


def test_spoken_form_sentence_vi() -> None:
    text = "Áo đỏ giá 249.000đ, giảm 20% còn 199k nhé 😍🔥 https://shop.vn/ao-do"
    assert to_spoken(text, "vi") == (
        "Áo đỏ giá hai trăm bốn chín nghìn, giảm hai mươi phần trăm còn một trăm chín chín nghìn nhé"
    )


def test_spoken_form_percent_numbers_units() -> None:
    assert to_spoken("20% off, 3 left, 500ml", "en") == (
        "twenty percent off, three left, five hundred milliliters"
    )
    assert to_spoken("打八折20%，还有3件", "zh") == "打八折百分之二十，还有三件"
    assert to_spoken("nặng 1,5kg, dài 30x40cm", "vi") == (
        "nặng một phẩy năm ki lô gam, dài ba mươi nhân bốn mươi xen ti mét"
    )
    assert to_spoken("We sold 1,250 units", "en") == "We sold one thousand, two hundred and fifty units"


def test_spoken_form_lexicon_brands_sizes() -> None:
    assert to_spoken("iPhone 15 size XL, freeship", "en") == "iPhone fifteen size extra large, free shipping"
    assert to_spoken("Size XL freeship", "vi") == "sai ích xờ lờ phri ship"
    assert to_spoken("XL码", "zh") == "加大码"
    # A key never matches inside another word.
    assert to_spoken("XLarge", "en") == "XLarge"


def test_spoken_form_strips_emoji_symbols_and_urls() -> None:
    assert to_spoken("👍👍❤️", "en") == ""
    assert to_spoken("Link: www.example.com/x and mail a@b.com #sale ***", "en") == "Link: and mail sale"
    assert "http" not in to_spoken("xem tại http://x.vn/a?b=1 nhé", "vi")
    assert to_spoken("gọi 0912345678", "vi") == "gọi không chín một hai ba bốn năm sáu bảy tám"


@pytest.fixture()
def book(tmp_path: Path) -> PromptBook:
    shutil.copy(PROMPTS_DIR / LEXICON_FILE, tmp_path / LEXICON_FILE)
    return PromptBook(tmp_path)


def _touch_newer(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_lexicon_edit_applies_live(book: PromptBook) -> None:
    lexicon = Lexicon(book)
    assert to_spoken("size XL", "en", lexicon) == "size extra large"
    _touch_newer(book.folder / LEXICON_FILE, "en:\n  XL: big one\n  livebot: live bot\n")
    assert to_spoken("size XL from Livebot", "en", lexicon) == "size big one from live bot"


def test_broken_lexicon_keeps_last_good(book: PromptBook, caplog: pytest.LogCaptureFixture) -> None:
    lexicon = Lexicon(book)
    assert to_spoken("XL", "en", lexicon) == "extra large"
    path = book.folder / LEXICON_FILE
    with caplog.at_level(logging.WARNING):
        _touch_newer(path, "en:\n  XL: huge\n  - not a pair\n")
        assert to_spoken("XL", "en", lexicon) == "extra large"
    assert book.problems and book.problems[0].line == 3
    assert "lexicon.yaml:3" in caplog.text
    # A file that parses but is wrong names its line too.
    _touch_newer(path, "en:\n  XL: huge\nfr:\n  XL: très grand\n")
    assert to_spoken("XL", "en", lexicon) == "extra large"
    assert book.problems[0].line == 3 and "fr" in book.problems[0].message
    _touch_newer(path, "en:\n  XL: huge\n")
    assert to_spoken("XL", "en", lexicon) == "huge"
    assert book.problems == []


def test_lexicon_and_voices_validators_for_prompts_check(tmp_path: Path) -> None:
    (tmp_path / "lexicon.yaml").write_text("en:\n  XL: big\n  XS: [a, b]\n", encoding="utf-8")
    (tmp_path / "voices.yaml").write_text("piper:\n  en: joe\n", encoding="utf-8")
    problems = check_prompts(tmp_path)
    assert [(Path(p.file).name, p.line) for p in problems] == [("lexicon.yaml", 3)]
    # The bundled files are valid (other prompt files are other stages' business).
    bundled = check_prompts(PROMPTS_DIR)
    assert all(Path(p.file).name not in ("lexicon.yaml", "voices.yaml") for p in bundled)


def test_voices_validator_names_the_line(tmp_path: Path) -> None:
    text = "espeak:\n  en: en-us\npiper:\n  de: thorsten\n"
    with pytest.raises(PromptFileError) as info:
        validate_voices(__import__("yaml").safe_load(text), "voices.yaml", text)
    assert info.value.problem.line == 4 and "'de'" in info.value.problem.message
    assert validate_voices({"piper": {"en": "joe"}}, "voices.yaml") == {"piper": {"en": "joe"}}
