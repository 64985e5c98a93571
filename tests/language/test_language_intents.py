"""A comment asking several things gets all of them; how many a buyer wants."""

from __future__ import annotations

import pytest

from bot.language.intent import asked_quantity, detect_intent, detect_intents


@pytest.mark.parametrize(("text", "expected"), [
    ("áo đỏ giá và còn hàng không", {"price", "stock"}),
    ("giá với size", {"price", "spec"}),
    ("price and stock of the red shirt", {"price", "stock"}),
    ("多少钱还有货吗", {"price", "stock"}),
    ("sz M còn k shop", {"stock", "spec"}),
    ("áo đỏ giá bao nhiêu", {"price"}),
    ("có mã giảm giá hong shop", {"promo"}),  # the "giá" of "giảm giá" does not also ask the price
    ("chào shop nha", {"greeting"}),
    ("hnay trời đẹp ghê", {"other"}),
])
def test_every_intent_asked(text: str, expected: set[str]) -> None:
    intents = detect_intents(text)
    assert set(intents) == expected
    assert intents[0] == detect_intent(text)  # the main intent stays what old code reads
    assert detect_intents(text) == intents  # stable


@pytest.mark.parametrize(("text", "quantity"), [
    ("chốt 1 áo đỏ size M", 1), ("lấy 2 cái", 2), ("cho mình lấy 2 cái mũ bucket nha", 2), ("mua 3 chiếc", 3),
    ("我要两件", 2), ("I'll take 2", 2), ("áo đỏ giá bao nhiêu", None), ("size 38 còn không", None),
    ("áo đỏ 199k hả", None),
])
def test_quantity(text: str, quantity: int | None) -> None:
    assert asked_quantity(text) == quantity
