"""Sizes a product comes in, the size a comment names, alternatives to a sold-out product, order named."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bot.catalog.importer import load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.catalog.model import Catalog, Product
from bot.catalog.sizes import asked_size, asks_about_size, parse_sizes, product_sizes
from bot.paths import SAMPLE_CATALOG

CATALOG, _ = load_catalog_file(SAMPLE_CATALOG)


@pytest.mark.parametrize(("text", "values", "one_size"), [
    ("Cotton 100%, form rộng unisex, có size S M L XL, màu đỏ đô.", ("S", "M", "L", "XL"), False),
    ("Thick denim, high waist, wide leg, sizes 26 to 32.", tuple(str(n) for n in range(26, 33)), False),
    ("Da tổng hợp, đế cao su êm, size 36 đến 43.", tuple(str(n) for n in range(36, 44)), False),
    ("双层雪纺，A字裙摆过膝，有S M L码。", ("S", "M", "L"), False),
    ("厚实牛仔布，高腰阔腿，尺码26到32。", tuple(str(n) for n in range(26, 33)), False),
    ("Round-brim khaki hat, one size fits all.", (), True),
    ("Mũ vành tròn, vải kaki, một size vừa mọi người.", (), True),
    ("圆檐卡其布渔夫帽，均码。", (), True),
    ("Breathable linen, sizes S M L, creamy white.", ("S", "M", "L"), False),
    ("Lụa satin mềm, họa tiết hoa, khổ vuông.", (), False),
    ("Sáp đậu nành, hương hoa nhài, cháy khoảng 40 giờ.", (), False),
])
def test_sizes_read_from_descriptions(text: str, values: tuple[str, ...], one_size: bool) -> None:
    chart = parse_sizes(text)
    assert chart.values == values and chart.one_size is one_size


def test_sample_catalog_sizes() -> None:
    def sizes(sku: str) -> tuple[str, ...]:
        product = CATALOG.get(sku)
        assert product is not None
        return product_sizes(product).values

    assert sizes("AO-DO-01") == ("S", "M", "L", "XL")
    assert sizes("AO-KHOAC-13") == ("M", "L", "XL")
    assert "38" in sizes("GIAY-TT-08") and "44" not in sizes("GIAY-TT-08")
    assert sizes("CHAN-VAY-05") == () and not product_sizes(CATALOG.get("KINH-RAM-10"))  # type: ignore[arg-type]


def test_sizes_column_wins_and_is_kept_by_the_loader(tmp_path: Path) -> None:
    csv = tmp_path / "c.csv"
    csv.write_text("sku,name,price,currency,description,sizes\n"
                   "A1,Áo,100000,VND,\"có size S M L\",M|L|XL\n"
                   "B2,Giày,300000,VND,,38-40\n"
                   "C3,Mũ,50000,VND,size S M,free size\n"
                   "D4,Túi,90000,VND,có size S M L,\n", encoding="utf-8")
    catalog, problems = load_catalog_file(csv)
    assert problems == []
    assert product_sizes(catalog.get("A1")).values == ("M", "L", "XL")  # type: ignore[arg-type]
    assert product_sizes(catalog.get("B2")).values == ("38", "39", "40")  # type: ignore[arg-type]
    assert product_sizes(catalog.get("C3")).one_size  # type: ignore[arg-type]
    assert product_sizes(catalog.get("D4")).values == ("S", "M", "L")  # type: ignore[arg-type]  # no column: text
    js = tmp_path / "c.json"
    js.write_text(json.dumps([{"sku": "J", "name": "Jeans", "price": 10, "currency": "USD",
                               "sizes": ["28", "30", "32"]}]), encoding="utf-8")
    catalog, problems = load_catalog_file(js)
    assert problems == [] and product_sizes(catalog.get("J")).values == ("28", "30", "32")  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "size"), [
    ("sz M còn k shop", "M"), ("size XL", "XL"), ("size 38", "38"), ("M码", "M"), ("XL码", "XL"),
    ("chốt 1 áo đỏ size M nha shop", "M"), ("碎花裙还有M码吗", "M"), ("do you have the jacket in XL?", "XL"),
    ("áo đỏ có size XL ko ạ", "XL"), ("quan jean ong rong co size 30 k", "30"), ("size 2xl", "XXL"),
    ("có size gì", None), ("what sizes do you have?", None), ("lấy 2 cái", None), ("i'm in Hanoi", None),
    ("áo đỏ giá bao nhiêu", None), ("碎花裙有什么尺码？", None),
])
def test_size_named_in_a_comment(text: str, size: str | None) -> None:
    assert asked_size(text) == size


def test_asks_about_size() -> None:
    assert asks_about_size("có size gì vậy shop") and asks_about_size("碎花裙有什么尺码？")
    assert asks_about_size("what sizes does the windbreaker come in?")
    assert not asks_about_size("áo đỏ giá bao nhiêu") and not asks_about_size("còn hàng không")


def test_alternative_for_a_sold_out_product() -> None:
    skirt = CATALOG.get("CHAN-VAY-05")
    assert skirt is not None and skirt.stock == 0
    alternative = CATALOG.alternative_for(skirt)
    assert alternative is not None and alternative.sku == "VAY-HOA-03"  # the in-stock Váy
    gone = Product("X", "Váy khác", Decimal(1), "VND", stock=0, category="Váy")
    assert Catalog([skirt, gone]).alternative_for(skirt) is None  # nothing in stock in that category
    assert Catalog([skirt]).alternative_for(Product("Y", "Lẻ", Decimal(1), "VND", stock=0)) is None


@pytest.mark.parametrize(("text", "order"), [
    ("áo đỏ với quần jean giá bao nhiêu", ["AO-DO-01", "QJ-XANH-04"]),
    ("quần jean với áo đỏ giá bao nhiêu", ["QJ-XANH-04", "AO-DO-01"]),
    ("how much are the jeans and the red shirt?", ["QJ-XANH-04", "AO-DO-01"]),
    ("红色上衣和牛仔裤多少钱", ["AO-DO-01", "QJ-XANH-04"]),
])
def test_products_in_the_order_named(text: str, order: list[str]) -> None:
    found = ProductMatcher(CATALOG).named_in_order(text)
    assert [p.sku for p in found] == order
