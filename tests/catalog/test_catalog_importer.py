"""Catalog import from CSV and JSON: good rows load, bad rows are reported with their line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from bot.catalog.importer import CatalogError, RowProblem, load_catalog_file
from bot.paths import SAMPLE_CATALOG

HEADER = "sku,name,price,currency,stock,category,description,aliases,promo_price,voucher"


def test_sample_catalog_loads_clean() -> None:
    catalog, problems = load_catalog_file(SAMPLE_CATALOG)
    assert problems == []
    assert len(catalog) >= 12
    red = catalog.get("AO-DO-01")
    assert red is not None
    assert red.price == Decimal("249000") and red.currency == "VND"
    assert red.promo_price == Decimal("199000") and red.voucher == "GIAMSOC"
    assert "áo đỏ" in red.aliases and "red shirt" in red.aliases and "红色上衣" in red.aliases
    assert red.extra["name_en"] == "red T-shirt"
    assert any(p.stock == 0 for p in catalog), "the sample needs an out-of-stock product"


def test_bad_rows_reported_with_line_numbers_good_rows_kept(tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("\n".join([
        HEADER + ",image,colour",
        "A1,Áo đỏ,249000,VND,12,Áo,\"Cotton, form rộng\",áo đỏ|ao do| red shirt |,199000,GIAM,a.jpg,đỏ",
        "A2,Áo xanh,abc,VND,3,Áo,,,,,,",                 # line 3: price not a number
        "A3,Áo vàng,100000,VND,-1,Áo,,,,,,",             # line 4: negative stock
        ",Áo tím,100000,VND,1,Áo,,,,,,",                 # line 5: no sku
        "A1,Áo đỏ lặp,1000,VND,1,Áo,,,,,,",              # line 6: duplicate sku
        "A4,Áo nâu,100000,VND,1.5,Áo,,,,,,",             # line 7: stock not whole
        "A5,Áo hồng,100000,VND,,Áo,\"dòng một",          # lines 8-9: a quoted newline inside a cell
        "dòng hai\",,,,,",
        "A6,Áo trắng,100000,,1,Áo,,,,,,",                # line 10: no currency
        "A7,Áo kem,100000,VND,1,Áo,,,120000,,,",          # line 11: promo not below price
        "A8,Mũ,99000,VND,5,Phụ kiện,,,,,,",
    ]) + "\n", encoding="utf-8")
    catalog, problems = load_catalog_file(path)
    assert catalog.skus == ["A1", "A5", "A8"]
    a1 = catalog.get("A1")
    assert a1 is not None
    assert a1.aliases == ("áo đỏ", "ao do", "red shirt")
    assert a1.image == "a.jpg" and a1.extra == {"colour": "đỏ"}
    assert a1.description == "Cotton, form rộng"
    assert catalog.get("A5") is not None and catalog.get("A5").stock is None  # type: ignore[union-attr]
    by_line = {p.line: p for p in problems}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 10, 11]
    assert "price" in by_line[3].reason and by_line[3].sku == "A2"
    assert "negative" in by_line[4].reason
    assert "sku" in by_line[5].reason and by_line[5].sku is None
    assert "duplicate" in by_line[6].reason and "line 2" in by_line[6].reason
    assert "whole number" in by_line[7].reason
    assert "currency" in by_line[10].reason
    assert "promo_price" in by_line[11].reason
    assert str(by_line[3]).startswith("line 3 (sku A2): ")


def test_json_list_and_products_object_with_lines(tmp_path: Path) -> None:
    products = [
        {"sku": "C1", "name": "红色上衣", "price": 59, "currency": "CNY", "stock": 4, "aliases": ["红衣", "red top"]},
        {"sku": "C2", "name": "bad", "price": "x", "currency": "CNY"},
        {"sku": "C3", "name": "帽子", "price": "19.90", "currency": "cny", "promo_price": 15, "colour": "蓝"},
        "not an object",
    ]
    as_list = tmp_path / "list.json"
    as_list.write_text(json.dumps(products, ensure_ascii=False, indent=2), encoding="utf-8")
    as_obj = tmp_path / "obj.json"
    as_obj.write_text(json.dumps({"products": products}, ensure_ascii=False, indent=2), encoding="utf-8")
    for path, first_line in ((as_list, 2), (as_obj, 3)):
        catalog, problems = load_catalog_file(path)
        assert catalog.skus == ["C1", "C3"]
        assert catalog.get("C1").aliases == ("红衣", "red top")  # type: ignore[union-attr]
        c3 = catalog.get("C3")
        assert c3 is not None and c3.price == Decimal("19.90") and c3.currency == "CNY"
        assert c3.extra == {"colour": "蓝"}
        lines = path.read_text(encoding="utf-8").splitlines()
        c2_line = next(i for i, line in enumerate(lines, 1) if '"sku": "C2"' in line) - 1  # its "{" line
        text_line = next(i for i, line in enumerate(lines, 1) if '"not an object"' in line)
        assert [(p.sku, p.line) for p in problems] == [("C2", c2_line), (None, text_line)]
        assert c2_line > first_line


def test_missing_file_and_unusable_files_raise_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="not found: .*nope.csv"):
        load_catalog_file(tmp_path / "nope.csv")
    no_price = tmp_path / "noprice.csv"
    no_price.write_text("sku,name,currency\nA,B,VND\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="lacks price"):
        load_catalog_file(no_price)
    broken = tmp_path / "broken.json"
    broken.write_text('[\n{"sku": "A",\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"broken.json:\d+: not valid JSON"):
        load_catalog_file(broken)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\nA,Caf\xe9,1,USD,,,,,,\n").encode("latin-1"))
    with pytest.raises(CatalogError, match="UTF-8"):
        load_catalog_file(latin1)


def test_bom_and_extra_cells(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_text("\ufeff" + HEADER + "\nA,Áo,1000,VND,1,,,,,\nB,Quần,2000,VND,1,,,,,,,,EXTRA\n", encoding="utf-8")
    catalog, problems = load_catalog_file(path)
    assert catalog.skus == ["A"]
    assert problems == [RowProblem(3, "B", "13 cells for 10 columns")]
