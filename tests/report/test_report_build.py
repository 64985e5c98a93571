"""Report JSON shape (DESIGN §2.5), attribution, orders import and the `livebot report` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.catalog.model import Catalog, Product
from bot.cli.main import app
from bot.events import Comment, Join, ReplyPlan, SpokenReply, Viewer
from bot.report.attribution import OrderFacts, SpokenLine, attribute_order
from bot.report.build import build_report
from bot.store.catalog_repo import load_catalog, save_products
from bot.store.orders_import import import_orders
from bot.store.writer import StoreWriter

LAN = Viewer("7001", "lan.nguyen", "Lan")
AN = Viewer("7003", "an", "An")
START = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC)
CATALOG = Catalog([Product("AO-DO-01", "Áo đỏ", Decimal("249000"), "VND", aliases=("áo đỏ", "red shirt")),
                   Product("QUAN-01", "Quần jean", Decimal("399000"), "VND")])


def _reply(w: StoreWriter, pid: int, kind: str, t: float, text: str, skus: list[str],
           trigger: Comment | None = None) -> None:
    plan = ReplyPlan(id=pid, kind=kind, lang="vi", t_received=t, trigger=trigger, skus=skus)  # type: ignore[arg-type]
    w.log_reply(SpokenReply(plan=plan, text=text, skus=skus, t_first_audio=t + 0.5, t_done=t + 3))


@pytest.fixture
def show_db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'show.db'}"
    save_products(url, CATALOG)
    w = StoreWriter(url)
    w.start_session("replay:sample.jsonl", started=START)
    w.log_event(Join(t=0.5, user=AN))
    _reply(w, 1, "script", 1.0, "Hôm nay áo đỏ chỉ 249.000đ", ["AO-DO-01"])
    ask = Comment(t=10.0, user=LAN, text="áo đỏ giá bao nhiêu?")
    w.log_event(ask)
    w.log_event(Comment(t=11.0, user=AN, text="đẹp quá"))
    _reply(w, 2, "answer", 10.0, "Áo đỏ 249.000đ nha Lan", ["AO-DO-01"], trigger=ask)
    _reply(w, 3, "script", 700.0, "Quần jean 399.000đ", ["QUAN-01"])
    w.log_event(Comment(t=710.0, user=AN, text="size?"))
    w.close()
    return url


def _export(tmp_path: Path, rows: list[str]) -> Path:
    header = ("Order ID,Order Status,Seller SKU,Product Name,Quantity,SKU Subtotal After Discount,"
              "Buyer Username,Created Time,Recipient,Phone #,Warehouse Name")
    desc = "Platform unique order ID.,Status,Seller SKU,Name,Quantity,Subtotal,Buyer,Created,Name,Phone,Warehouse"
    path = tmp_path / "orders.csv"
    path.write_text("\n".join([header, desc, *rows]) + "\n", encoding="utf-8")
    return path


def test_attribution_rules() -> None:
    lines = [SpokenLine(0, 1.5, ("A",), "script"), SpokenLine(1, 10.5, ("A",), "answer", "7001", "lan"),
             SpokenLine(2, 700.5, ("B",), "script")]
    hit = attribute_order(OrderFacts("A", 60.0, viewer_id="7001"), lines, known_skus={"A", "B"})
    assert (hit.status, hit.attributed_to, hit.first_touch, hit.last_touch) == ("attributed", [0, 1], 0, 1)
    assert hit.answered_buyer == [1]
    late = attribute_order(OrderFacts("A", 1000.0), lines, known_skus={"A", "B"})
    assert (late.status, late.attributed_to) == ("unattributed", [])
    narrow = attribute_order(OrderFacts("A", 60.0), lines, window_s=55.0)
    assert narrow.attributed_to == [1]
    never = attribute_order(OrderFacts("B", 60.0), lines)  # B named only after the order
    assert never.status == "unattributed"
    unknown = attribute_order(OrderFacts("ZZZ", 60.0), lines, known_skus={"A", "B"})
    assert unknown.unknown_sku and unknown.status == "unattributed"
    assert attribute_order(OrderFacts("A", None), lines).status == "no_time"


def test_report_shape_and_conversions(show_db: str, tmp_path: Path) -> None:
    path = _export(tmp_path, [
        "5001,Completed,AO-DO-01,Áo đỏ,2,\"VND 498,000\",lan.nguyen,2026-05-01T12:01:00+00:00,Lan N,0901234567,HN",
        "5002,Completed,QUAN-01,Quần,1,399000,an,2026-05-01T12:30:00+00:00,An,0907654321,HN",
        "5003,Completed,NOPE-9,Mystery,1,10000,an,2026-05-01T12:02:00+00:00,An,0907654321,HN",
        "5004,Completed,AO-DO-01,Áo đỏ,two,1,an,2026-05-01T12:02:00+00:00,An,0,HN",
    ])
    result = import_orders(show_db, path, session="last")
    assert result.saved == 3
    assert [(p.line_no, "Quantity" in p.reason) for p in result.problems] == [(6, True)]
    rep = build_report(show_db, "last")
    assert set(rep) >= {"session", "replies", "dropped", "conversions", "summary"}
    assert set(rep["session"]) >= {"id", "source", "started", "ended", "counts"}
    assert rep["session"]["counts"] == {"comment": 3, "join": 1}
    keys = {"trigger", "kind", "text", "skus", "t_received", "t_first_audio", "t_done", "latency_ms", "llm"}
    assert all(keys <= set(r) for r in rep["replies"])
    assert [r["kind"] for r in rep["replies"]] == ["script", "answer", "script"]
    answer = rep["replies"][1]
    assert answer["trigger"] == {"type": "comment", "user": LAN.to_json(), "text": "áo đỏ giá bao nhiêu?", "t": 10.0}
    assert answer["latency_ms"] == 500.0 and rep["replies"][0]["latency_ms"] is None
    conv = {c["order_id"]: c for c in rep["conversions"]}
    assert conv["5001"]["attributed_to"] == [0, 1] and conv["5001"]["last_touch"] == 1
    assert conv["5001"]["user"]["id"] == "7001" and conv["5001"]["amount"] == 498000.0
    assert conv["5001"]["t"] == 60.0 and conv["5001"]["answered_buyer"] == [1]
    assert conv["5002"]["attributed_to"] == []  # QUAN-01 was pitched at 700 s, after the order at 1800 s - 600
    assert conv["5003"]["unknown_sku"] and rep["summary"]["unknown_skus"] == ["NOPE-9"]
    s = rep["summary"]
    assert (s["viewers"], s["comments"], s["answered"], s["orders"], s["attributed_orders"]) == (2, 3, 1, 3, 1)
    assert s["revenue"] == {"VND": 897000.0}  # NOPE-9 has no currency anywhere and s["buyers"] == 2 and s["conversion_rate"] == 1.0
    ao = next(p for p in s["products"] if p["sku"] == "AO-DO-01")
    assert (ao["questions"], ao["pitches"], ao["orders"], ao["units"], ao["revenue_text"]) == (1, 1, 1, 2, "498.000đ")
    segs = {x["segment"]: x for x in s["segments"]}
    assert segs["AO-DO-01"]["comments"] == 2 and segs["QUAN-01"]["comments"] == 1


def test_orders_import_keeps_unknown_columns_but_no_private_data(show_db: str, tmp_path: Path) -> None:
    import sqlite3

    path = _export(tmp_path, ["5001,Completed,AO-DO-01,Áo đỏ,1,249000,lan.nguyen,05/01/2026 12:01:00 PM,X,0901,HN"])
    import_orders(show_db, path, default_tz=UTC)  # no --session: matched by time to the session's span
    import_orders(show_db, path, default_tz=UTC)  # importing again updates, never duplicates
    db = sqlite3.connect(show_db.removeprefix("sqlite:///"))
    rows = db.execute("select session_id, t, raw from orders").fetchall()
    assert len(rows) == 1 and rows[0][0] == 1 and rows[0][1] == 60.0
    raw = json.loads(rows[0][2])
    assert raw == {"Order Status": "Completed", "Product Name": "Áo đỏ", "Warehouse Name": "HN"}


def test_catalog_roundtrip(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cat.db'}"
    assert save_products(url, CATALOG) == 2
    changed = Catalog([Product("AO-DO-01", "Áo đỏ mới", Decimal("199000.50"), "VND", stock=3)])
    save_products(url, changed)
    back = load_catalog(url)
    assert back.skus == ["AO-DO-01", "QUAN-01"]
    p = back.get("AO-DO-01")
    assert p is not None and p.name == "Áo đỏ mới" and p.price == Decimal("199000.50") and p.stock == 3


def test_report_cli_formats_and_errors(show_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["report", "--db", show_db, "--format", "json"])
    assert out.exit_code == 0 and json.loads(out.stdout)["summary"]["comments"] == 3
    csv_out = runner.invoke(app, ["report", "--db", show_db, "--format", "csv", "--plot", str(tmp_path / "c.png")])
    assert csv_out.exit_code == 0 and csv_out.stdout.splitlines()[0].startswith("index,kind,")
    assert len(csv_out.stdout.splitlines()) == 4
    assert (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = runner.invoke(app, ["report", "--db", show_db])
    assert table.exit_code == 0 and "AO-DO-01" in table.stdout
    missing = runner.invoke(app, ["report", "--db", f"sqlite:///{tmp_path / 'none.db'}"])
    assert missing.exit_code == 1 and "no database" in missing.output and "Traceback" not in missing.output
    nosession = runner.invoke(app, ["report", "--db", show_db, "--session", "42"])
    assert nosession.exit_code == 1 and "no session 42" in nosession.output


def test_catalog_and_orders_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    cat = tmp_path / "catalog.csv"
    cat.write_text("sku,name,price,currency\nA-1,Áo,249000,VND\n,missing sku,1,VND\n", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["catalog", "import", str(cat), "--db", url])
    assert res.exit_code == 0, res.output
    assert "loaded 1 products" in res.stdout and ":3" in res.stdout
    orders = _export(tmp_path, ["9,Completed,A-1,Áo,1,249000,x,2026-05-01T12:00:00+00:00,,,",
                                "10,Completed,,Áo,1,249000,x,2026-05-01T12:00:00+00:00,,,"])
    res = runner.invoke(app, ["orders", "import", str(orders), "--db", url])
    assert res.exit_code == 0, res.output
    assert "imported 1 order lines" in res.stdout and "orders.csv:4" in res.stdout
