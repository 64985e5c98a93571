"""bench_room's room generator and its metric maths (behaviour only; speed lives in bench/)."""

from __future__ import annotations

from pathlib import Path

from bench.bench_room import Truth, make_room, questions_from_log, room_metrics, run_room
from bot.paths import SAMPLE_CATALOG

SESSION = Path(__file__).resolve().parents[2] / "samples" / "session.jsonl"


def _trig(q: Truth) -> dict:
    return {"type": "comment", "user": {"id": q.user_id, "unique_id": "u", "nickname": "n"}, "text": q.text, "t": q.t}


def test_room_is_seeded_and_its_questions_are_in_the_log() -> None:
    room = make_room(2.0, 20.0)
    assert room.events == make_room(2.0, 20.0).events  # a fixed seed: the same room every run
    shorter = make_room(2.0, 10.0)  # the realtime rooms are the start of the longer ones
    assert shorter.questions == [q for q in room.questions if q.t < shorter.events[-1]["t"] - 20.0]
    comments = {(e["user"]["id"], e["text"], e["t"]) for e in room.events if e["type"] == "comment"}
    assert room.questions and all((q.user_id, q.text, q.t) in comments for q in room.questions)
    assert len({q.user_id for q in room.questions}) == len(room.questions)  # each asker a distinct viewer
    assert len(comments) > len(room.questions)  # chatter between the questions
    assert {q.lang for q in room.questions} <= {"vi", "zh", "en"}
    assert {"join", "gift", "like", "product_pinned"} <= {e["type"] for e in room.events}
    assert room.events[-1]["type"] == "live_end"
    assert [e["t"] for e in room.events] == sorted(e["t"] for e in room.events)


def test_metrics_read_triggers_screen_and_fall_back_to_trigger() -> None:
    qs = [Truth(t=10.0 + i, text=f"q{i}", user_id=str(i)) for i in range(5)]
    chatter = {"type": "comment", "user": {"id": "99"}, "text": "đẹp quá", "t": 11.5}
    report = {
        "session": {"duration_s": 120.0},
        "replies": [
            {"kind": "greeting", "trigger": None, "t_first_audio": 1.0},
            {"kind": "answer", "trigger": _trig(qs[0]), "t_first_audio": 12.0},  # old report: trigger only
            {"kind": "filler", "trigger": _trig(qs[1]), "triggers": [_trig(qs[1])], "t_first_audio": 11.5},
            {"kind": "answer", "trigger": _trig(qs[1]), "triggers": [_trig(qs[1]), _trig(qs[2]), chatter],
             "t_first_audio": 15.0},
            {"kind": "answer", "trigger": _trig(qs[0]), "t_first_audio": 30.0},  # later line: not the first
        ],
        "screen": [{"triggers": [_trig(qs[2]), _trig(qs[3])], "text": "...", "skus": [], "t_shown": 14.0,
                    "t_hidden": 20.0}],
    }
    m = room_metrics(report, qs)
    assert m["questions"] == 5
    assert m["answered_voice"] == 0.6  # q0, q1, q2 (the filler does not count)
    assert m["answered_screen_only"] == 0.2  # q3; q2 was also spoken
    assert m["unanswered"] == 0.2  # q4
    assert m["latency_p50_ms"] == 3000.0  # 2 s, 4 s, 3 s
    assert m["latency_p95_ms"] == 3900.0
    assert m["screen_latency_p50_ms"] == 1000.0
    assert m["lines_per_min"] == 2.0  # four spoken lines (no filler) in two minutes
    assert m["answer_lines_per_min"] == 1.5
    assert m["viewers_per_answer_line"] == round(4 / 3, 2)  # 1 + 2 + 1 questions over three lines
    assert m["report_has_triggers"] and m["report_has_screen"]


def test_questions_from_the_sample_session_are_its_catalog_questions() -> None:
    texts = {q.text for q in questions_from_log(SESSION, SAMPLE_CATALOG)}
    assert {"áo đỏ giá bao nhiêu vậy shop?", "ao do gia bao nhieu", "红色上衣多少钱？"} <= texts
    assert "chào shop nha" not in texts
    assert not any(t.startswith("ignore your instructions") for t in texts)


def test_a_calm_room_through_the_real_show(tmp_path: Path) -> None:
    room = make_room(0.5, 10.0)
    m = run_room(tmp_path, room, "offline")
    assert m["questions"] == len(room.questions)
    assert abs(m["answered_voice"] + m["answered_screen_only"] + m["unanswered"] - 1.0) < 1e-6
    assert m["answered_voice"] > 0  # in a calm room the host answers someone
    assert m["latency_p50_ms"] is not None and m["latency_p50_ms"] > 0
