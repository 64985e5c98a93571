"""The event log contract (DESIGN §2.3): round trip, bad lines reported with line numbers."""

from __future__ import annotations

import json
from pathlib import Path

from bot.events import Comment, Gift, LiveEnded, Purchase, ViewerCount
from bot.sources.eventlog import EventLogWriter, LineProblem, event_to_json, read_event_log

DESIGN_LINES = """\
{"t": 1.50, "type": "comment", "user": {"id": "7001", "unique_id": "lan.nguyen", "nickname": "Lan"}, "text": "áo đỏ giá bao nhiêu vậy shop?"}
{"t": 2.10, "type": "gift", "user": {"id": "7002", "unique_id": "minh", "nickname": "Minh"}, "gift": {"name": "Rose", "count": 5, "diamonds": 1}}
{"t": 3.00, "type": "join", "user": {"id": "7003", "unique_id": "an", "nickname": "An"}}
{"t": 3.20, "type": "like", "user": {"id": "7001", "unique_id": "lan.nguyen", "nickname": "Lan"}, "count": 15}
{"t": 4.00, "type": "follow", "user": {"id": "7003", "unique_id": "an", "nickname": "An"}}
{"t": 4.50, "type": "share", "user": {"id": "7003", "unique_id": "an", "nickname": "An"}}
{"t": 5.00, "type": "purchase", "user": {"id": "7001", "unique_id": "lan.nguyen", "nickname": "Lan"}, "sku": "AO-DO-01", "quantity": 1}
{"t": 5.50, "type": "product_pinned", "sku": "AO-DO-01"}
{"t": 6.00, "type": "viewers", "count": 1234}
{"t": 600.0, "type": "live_end"}
"""


def test_reads_every_design_example(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(DESIGN_LINES, encoding="utf-8")
    problems: list[LineProblem] = []
    events = list(read_event_log(path, problems))
    assert problems == []
    assert [e.type for e in events] == ["comment", "gift", "join", "like", "follow", "share", "purchase",
                                        "product_pinned", "viewers", "live_end"]
    c = events[0]
    assert isinstance(c, Comment) and c.text == "áo đỏ giá bao nhiêu vậy shop?" and c.user.nickname == "Lan"
    g = events[1]
    assert isinstance(g, Gift) and g.gift.count == 5 and g.gift.name == "Rose" and g.streak_end is None
    assert isinstance(events[6], Purchase) and events[6].sku == "AO-DO-01"
    assert isinstance(events[8], ViewerCount) and events[8].count == 1234
    assert isinstance(events[9], LiveEnded) and events[9].t == 600.0


def test_bad_lines_are_reported_with_line_numbers_and_skipped(tmp_path: Path) -> None:
    lines = [
        '{"t": 1, "type": "comment", "user": {"id": "1"}, "text": "hi"}',
        '{"t": 2, "type": "comment", "user": {"id": "1"}, "text": "broken"',  # not JSON
        '{"type": "join", "user": {"id": "2"}}',  # no t
        '{"t": 3, "type": "teleport", "user": {"id": "2"}}',  # unknown type
        '{"t": -4, "type": "join", "user": {"id": "2"}}',  # negative t
        '{"t": 5, "type": "gift", "user": {"id": "3"}, "gift": {"name": "Rose", "count": "many"}}',
        '[1, 2, 3]',
        '',
        '{"t": 6, "type": "join", "user": {"id": "4"}, "future_key": {"x": 1}}',
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    problems: list[LineProblem] = []
    events = list(read_event_log(path, problems))
    assert [e.t for e in events] == [1.0, 6.0]
    assert [p.line_no for p in problems] == [2, 3, 4, 5, 6, 7]
    assert "JSON" in problems[0].reason and "'t'" in problems[1].reason and "teleport" in problems[2].reason
    assert events[1].extra == {"future_key": {"x": 1}}  # unknown keys kept


def test_writer_round_trips_and_flushes_each_line(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(DESIGN_LINES, encoding="utf-8")
    events = list(read_event_log(src))
    out = tmp_path / "out.jsonl"
    w = EventLogWriter(out)
    for i, ev in enumerate(events):
        w.write(ev)
        # flushed per event: a reader sees every line written so far
        assert len(out.read_text(encoding="utf-8").splitlines()) == i + 1
    w.close()
    again = list(read_event_log(out))
    assert [event_to_json(e) for e in again] == [event_to_json(e) for e in events]
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["text"] == "áo đỏ giá bao nhiêu vậy shop?"  # UTF-8 kept, not \\u-escaped
