"""Folding, comment cleaning, teen-code and language detection of short live comments."""

from __future__ import annotations

import pytest

from bot.language.detect import LINGUA, detect_language
from bot.language.text import clean_comment, clean_comment_report, expand_teencode, fold


@pytest.mark.parametrize(("raw", "folded"), [
    ("Áo Đỏ GIÁ bao nhiêu", "ao do gia bao nhieu"),
    ("Nguyễn Thị Ngọc Ánh", "nguyen thi ngoc anh"),
    ("đầm   hoa\tnhí", "dam hoa nhi"),
    ("红色上衣多少钱", "红色上衣多少钱"),           # CJK stays as written (no pinyin)
    ("áo đỏ 红色", "ao do 红色"),
    ("ＡＢＣ１２３", "abc123"),                       # NFKC full-width
    ("\u200bá\u200bo \u200dđỏ\u2060", "ao do"),       # zero-width characters
    ("\u202eabc\u202c", "abc"),                       # bidi controls
    ("¥59 €5", "¥59 €5"),                             # currency symbols are not letters to transliterate
    ("😍 đẹp", "😍 dep"),
])
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


def test_clean_comment_strips_controls_and_reads_rtl_override_as_shown() -> None:
    report = clean_comment_report("\u202e" + "áo đỏ giá bao nhiêu"[::-1] + "\u202c shop ơi")
    assert report.text == "áo đỏ giá bao nhiêu shop ơi"
    assert report.had_controls
    assert clean_comment("\u200bá\u200bo đỏ\u200f") == "áo đỏ"


def test_clean_comment_collapses_floods_and_truncates() -> None:
    flood = clean_comment_report("🔥" * 30 + "😍" * 20 + " ❤️❤️❤️❤️ wow")
    assert flood.text == "🔥🔥🔥 wow" and flood.collapsed
    assert clean_comment("đẹp quá 😍😍 shop") == "đẹp quá 😍😍 shop"  # small runs stay
    assert clean_comment("👍🏻👍🏻👍🏻👍🏻👍🏻") == "👍🏻👍🏻👍🏻"              # skin tones stay with their emoji
    assert clean_comment("AAAAAAAA" * 625) == "AAA"
    long_text = "xin chào " * 600
    report = clean_comment_report(long_text, max_len=500)
    assert report.truncated and report.original_length == len(long_text)
    assert len(report.text) <= 501 and report.text.endswith("…")
    assert not clean_comment_report("giá 1000000đ").collapsed  # digits are never collapsed


@pytest.mark.parametrize(("raw", "expanded"), [
    ("ao do bn vay shop", "ao do bao nhiêu vay shop"),
    ("sz M còn k shop", "size M còn không shop"),
    ("đc ko ạ, ship cod dc k", "được không ạ, ship COD được không"),
    ("sp này ib mn nha", "sản phẩm này inbox mọi người nha"),
    ("khăn có ntn màu j", "khăn có như thế nào màu gì"),
    ("nặng 2 kg hok", "nặng 2 kg không"),  # a unit after a number is not teen-code
    ("giá 45k hả", "giá 45k hả"),
])
def test_teencode(raw: str, expanded: str) -> None:
    assert expand_teencode(raw) == expanded


@pytest.mark.parametrize(("text", "lang"), [
    ("áo đỏ giá bao nhiêu vậy shop?", "vi"),
    ("ao do gia bao nhieu", "vi"),                  # no diacritics
    ("ao do bn vay shop oi", "vi"),                 # teen-code
    ("sz M còn k shop", "vi"),
    ("quan jean ong rong co size 30 k", "vi"),
    ("kinh ram bao nhieu tien shop", "vi"),
    ("红色上衣多少钱？", "zh"),
    ("有优惠吗？", "zh"),
    ("áo đỏ 多少钱", "zh"),                          # mixed: the question is in Chinese
    ("How much is the red shirt?", "en"),
    ("is the floral dress on sale?", "en"),
    ("do you have white sneakers in size 38?", "en"),
    ("thanks for the info!", "en"),
    ("😍😍😍", "vi"),                                # emoji only: the shop's default
    ("ok", "vi"),                                   # too short: default
    ("\u200bá\u200bo\u200b đỏ", "vi"),              # zero-width
    ("\u202e" + "áo đỏ giá bao nhiêu"[::-1] + "\u202c", "vi"),
])
def test_detect_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_default_language_is_configurable() -> None:
    # The show passes Settings.default_lang (LIVEBOT_DEFAULT_LANG; tests/test_config.py reads it).
    assert detect_language("ok", default="en") == "en"
    assert detect_language("😍") == "vi"
    assert detect_language("😍", "zh") == "zh"
    assert detect_language("áo đỏ", "zh") == "vi"  # evidence beats the default


def test_lingua_detector_is_built_once() -> None:
    detect_language("the seller is very friendly today")
    first = LINGUA.get()
    detect_language("what a lovely colour for summer")
    assert LINGUA.get() is first
