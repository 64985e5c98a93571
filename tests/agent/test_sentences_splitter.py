"""The sentence splitter on streamed model text in vi/zh/en, delta by delta."""

from __future__ import annotations

import pytest

from bot.agent.sentences import SentenceSplitter, clean_sentence


def split(text: str, step: int = 1, **kw) -> list[str]:
    """Feed `text` in deltas of `step` characters (the hardest case is one at a time)."""
    s = SentenceSplitter(**kw)
    out: list[str] = []
    for i in range(0, len(text), step):
        out += s.feed(text[i:i + step])
    return out + s.flush()


@pytest.mark.parametrize("step", [1, 3, 7, 1000])
def test_prices_and_decimals_are_not_sentence_ends(step: int) -> None:
    text = "Dạ áo đỏ giá 249.000đ ạ. Bộ này 1.250.000 đ nha! Cốc giá $12.99 thôi. Giảm 2.5% nữa?"
    assert split(text, step, first_cut_chars=0) == [
        "Dạ áo đỏ giá 249.000đ ạ.", "Bộ này 1.250.000 đ nha!", "Cốc giá $12.99 thôi.", "Giảm 2.5% nữa?"]


def test_price_split_across_deltas_stays_whole() -> None:
    s = SentenceSplitter(first_cut_chars=0)
    assert s.feed("Giá chỉ còn 249.") == []
    assert s.feed("000đ thôi. ") == ["Giá chỉ còn 249.000đ thôi."]
    assert s.flush() == []


def test_abbreviations() -> None:
    text = "Shop có áo, quần v.v. đủ cả nha. Mr. Smith loves it, e.g. the red one. Done"
    assert split(text, 2, first_cut_chars=0) == [
        "Shop có áo, quần v.v. đủ cả nha.", "Mr. Smith loves it, e.g. the red one.", "Done"]


def test_cjk_punctuation_and_newlines() -> None:
    text = "这款奶茶¥59。还剩3件！要不要？\nOK then"
    assert split(text, first_cut_chars=0) == ["这款奶茶¥59。", "还剩3件！", "要不要？", "OK then"]


def test_latin_period_before_chinese_ends() -> None:
    assert split("Price is $5.好的。", first_cut_chars=0) == ["Price is $5.", "好的。"]


def test_first_sentence_cut_early_at_comma_only_once() -> None:
    text = ("Dạ chào bạn Lan nha, áo thun đỏ đang giảm giá cho cả nhà mình, chỉ còn 249.000đ, "
            "mua ngay kẻo hết, shop còn 12 cái thôi. Hết.")
    out = split(text, 2, first_cut_chars=30)
    assert out[0] == "Dạ chào bạn Lan nha, áo thun đỏ đang giảm giá cho cả nhà mình,"
    assert out[1] == "chỉ còn 249.000đ, mua ngay kẻo hết, shop còn 12 cái thôi."
    assert out[2] == "Hết."


def test_no_early_cut_inside_vietnamese_decimal() -> None:
    out = split("Bộ sưu tập mới nhất của shop giá 1,5 triệu thôi nha bạn.", 1, first_cut_chars=20)
    assert out == ["Bộ sưu tập mới nhất của shop giá 1,5 triệu thôi nha bạn."]


def test_chinese_comma_early_cut() -> None:
    out = split("这款奶茶礼盒非常好喝，今天只要¥59，快下单。", 1, first_cut_chars=5)
    assert out == ["这款奶茶礼盒非常好喝，", "今天只要¥59，快下单。"]


def test_markdown_and_empty_pieces_are_dropped() -> None:
    text = "## **Giá** hôm nay\n- *Áo đỏ*: 249.000đ\n---\n1. [Xem](http://x.y) ngay nha!\n\n  \n!!! "
    assert split(text, 4, first_cut_chars=0) == ["Giá hôm nay", "Áo đỏ: 249.000đ", "Xem ngay nha!"]


def test_long_run_without_punctuation_is_bounded() -> None:
    words = "rất đẹp " * 60
    out = split(words, 5, first_cut_chars=0, max_chars=100)
    assert len(out) > 3 and all(len(s) <= 100 for s in out)
    assert " ".join(out).split() == words.split()


def test_flush_resets_for_the_next_reply() -> None:
    s = SentenceSplitter(first_cut_chars=10)
    assert s.feed("Chào bạn, rất vui được gặp, ") == ["Chào bạn, rất vui được gặp,"]
    assert s.flush() == []
    assert s.feed("Xin chào bạn nhé, hôm nay, ") == ["Xin chào bạn nhé,"]


def test_clean_sentence() -> None:
    assert clean_sentence("  **Hot** `deal`   here ") == "Hot deal here"
    assert clean_sentence("• item") == "item"
