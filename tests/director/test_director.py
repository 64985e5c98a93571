"""The director's decisions on scripted rooms: answers first, thanks once, greetings merged,
script when quiet, moderator controls."""

from __future__ import annotations

from bot.events import Comment, Follow, Gift, GiftInfo, Join, Viewer
from bot.frames import ModeratorCommand
from tests.director.conftest import Room

LAN = Viewer("7001", "lan.nguyen", "Lan")
MINH = Viewer("7002", "minh", "Minh")


def first_real_line(room: Room, t: float):  # noqa: ANN201
    draft = room.director.decide(t)
    if draft is not None and draft.plan.kind == "disclosure":
        draft = room.director.decide(t)
    return draft


def test_starts_with_the_ai_disclosure(room: Room) -> None:
    d = room.director.decide(0.0)
    assert d is not None and d.plan.kind == "disclosure"
    assert "AI" in room.text(d)


def test_price_question_is_answered_from_the_catalog_before_the_script(room: Room) -> None:
    room.director.decide(0.0)
    room.triage.ingest(Comment(t=1.0, user=LAN, text="ao do gia bn vay shop"))
    d = room.director.decide(1.2)
    assert d is not None and d.plan.kind == "answer" and d.plan.skus == ["AO-DO-01"]
    assert d.plan.trigger is not None and d.plan.t_received == 1.0
    assert "199.000đ" in room.text(d)
    assert room.director.current_sku == "AO-DO-01"


def test_gift_streak_is_thanked_once_with_its_final_count(room: Room) -> None:
    room.director.decide(0.0)
    for i, c in enumerate([1, 3, 7, 10]):
        room.triage.ingest(Gift(t=2 + 0.4 * i, user=MINH, gift=GiftInfo("Rose", c, 1)))
    assert room.director.decide(3.5).plan.kind != "thanks"  # streak still running
    d = room.director.decide(7.0)  # 3 s after the last step: over
    assert d.plan.kind == "thanks" and "10" in room.text(d) and "Minh" in room.text(d)
    later = [room.director.decide(8 + i) for i in range(5)]
    assert all(x is None or x.plan.kind != "thanks" for x in later)


def test_join_storm_is_one_merged_greeting(room: Room) -> None:
    room.director.decide(0.0)
    names = [f"{a}{b}" for a in ("Lan", "Minh", "Hoa", "Tuan", "Vy") for b in ("an", "ly", "na", "ta", "mo", "ki", "su", "ro")]
    for i, name in enumerate(names):
        room.triage.ingest(Join(t=1 + i * 0.01, user=Viewer(str(100 + i), f"u{i}", name)))
    d = room.director.decide(2.0)
    assert d.plan.kind == "greeting" and d.plan.merged == 39
    text = room.text(d)
    assert "Vyro" in text and "37" in text  # names the latest, counts the rest
    room.triage.ingest(Join(t=3, user=Viewer("999", "late", "Late")))
    nxt = room.director.decide(3.5)
    assert nxt is None or nxt.plan.kind != "greeting"  # greetings are rate-limited


def test_quiet_room_gets_the_run_of_show_and_never_stays_silent(room: Room) -> None:
    room.director.decide(0.0)
    room.director.line_ended(5.0)
    assert room.director.decide(5.5) is None  # a breath between lines
    d = room.director.decide(6.5)
    assert d is not None and d.plan.kind == "script"
    kinds = []
    for i in range(8):
        room.director.line_ended(10.0 + i * 5)
        kinds.append(room.director.decide(11.5 + i * 5).plan.kind)
    assert kinds.count("script") == 8


def test_thanks_do_not_crowd_out_waiting_answers(room: Room) -> None:
    room.director.decide(0.0)
    room.triage.ingest(Gift(t=1, user=MINH, gift=GiftInfo("Rose", 1, 1), streak_end=True))
    room.triage.ingest(Comment(t=1.1, user=LAN, text="váy hoa còn hàng không shop?"))
    d = room.director.decide(1.5)
    assert d.plan.kind == "answer" and d.plan.skus == ["VAY-HOA-03"]
    assert room.director.decide(2.0).plan.kind == "thanks"


def test_follows_are_acknowledged_merged(room: Room) -> None:
    room.director.decide(0.0)
    for i, name in enumerate(("Mai", "Trang", "Kiet")):
        room.triage.ingest(Follow(t=1 + i, user=Viewer(str(i), f"f{i}", name)))
    d = room.director.decide(5.0)
    assert d.plan.kind == "thanks" and all(n in room.text(d) for n in ("Mai", "Trang", "Kiet"))


def test_moderator_controls(room: Room) -> None:
    room.director.decide(0.0)
    room.director.command(ModeratorCommand("pause"))
    room.triage.ingest(Comment(t=1, user=LAN, text="áo đỏ giá bao nhiêu?"))
    assert room.director.decide(2.0) is None
    room.director.command(ModeratorCommand("say", text="Năm phút nữa shop tặng quà nha!"))
    d = room.director.decide(2.5)
    assert d.plan.kind == "moderator" and room.text(d) == "Năm phút nữa shop tặng quà nha!"
    room.director.command(ModeratorCommand("resume"))
    room.director.command(ModeratorCommand("block", viewer_id=LAN.id))
    room.triage.ingest(Comment(t=3, user=LAN, text="giá áo sơ mi?"))
    d = room.director.decide(3.5)
    assert d is None or d.plan.kind != "answer"
    assert room.triage.dropped["blocked_viewer"] == 1
    room.director.command(ModeratorCommand("product", sku="GIAY-TT-08", t=4))
    assert room.director.current_sku == "GIAY-TT-08"
    room.director.command(ModeratorCommand("answer", comment=Comment(t=5, user=MINH, text="giày size bao nhiêu?")))
    d = room.director.decide(5.5)
    assert d.plan.kind == "answer" and d.plan.skus == ["GIAY-TT-08"]


def test_an_interruption_is_answered_then_the_script_resumes_where_it_left_off(room: Room) -> None:
    room.director.decide(0.0)
    room.director.line_ended(1.0)
    first = room.director.decide(3.0)
    assert first.plan.kind == "script"
    room.director.line_ended(6.0)
    # a viewer asks about another product while the host presents: answered at the next sentence break
    room.triage.ingest(Comment(t=5.0, user=LAN, text="túi tote giá bao nhiêu?"))
    answer = room.director.decide(6.1)
    assert answer.plan.kind == "answer" and answer.plan.skus == ["TUI-TOTE-06"]
    room.director.line_ended(9.0)
    jumped = room.director.decide(10.5)
    assert jumped.plan.kind == "script" and jumped.plan.skus == ["TUI-TOTE-06"]  # the show follows the viewer
    room.director.command(ModeratorCommand("product", sku=first.plan.skus[0], t=11))
    room.director.line_ended(12.0)
    resumed = room.director.decide(13.5)
    assert resumed.plan.skus == first.plan.skus
    assert room.text(resumed) != room.text(first)  # the next talking point, not the first again


def test_a_busy_room_still_hears_the_run_of_show(room: Room) -> None:
    room.director.decide(0.0)
    # A busy room: more questions than two answer lines can hold (each line answers up to three).
    texts = ["áo đỏ giá bao nhiêu?", "quần jean giá bn", "túi tote còn không?", "kính râm giá sao", "nến thơm giá?",
             "mũ bucket giá sao", "khăn lụa bao nhiêu", "bình giữ nhiệt giá?", "giày trắng giá bn", "váy hoa giá?"]
    for i, text in enumerate(texts):
        room.triage.ingest(Comment(t=1 + i * 0.1, user=Viewer(str(i), f"v{i}", "Khách"), text=text))
    kinds = [room.director.decide(70.0 + i).plan.kind for i in range(4)]  # a pitch is due once a minute
    assert kinds[:2] == ["answer", "answer"] and kinds[2] == "script" and kinds[3] == "answer"


def test_a_question_many_viewers_ask_is_answered_once_for_all_of_them(room: Room) -> None:
    room.director.decide(0.0)
    for i, text in enumerate(["áo đỏ giá bao nhiêu?", "ao do gia bn", "giá áo đỏ sao shop", "áo đỏ bao nhiêu tiền"]):
        room.triage.ingest(Comment(t=1 + i * 0.2, user=Viewer(str(i), f"v{i}", "Khách"), text=text))
    d = room.director.decide(2.0)
    assert d.plan.kind == "answer" and len(d.plan.triggers) == 4 and len(d.clauses) == 1
    assert [c.user.id for c in d.plan.triggers] == ["0", "1", "2", "3"]
    assert "199.000đ" in room.text(d)
    assert room.director.decide(2.5) is None or room.director.decide(2.5).plan.kind != "answer"


def test_no_kind_of_question_starves_behind_price_questions(room: Room) -> None:
    # A size question, then a stream of (higher-scored) price questions about many products.
    room.director.decide(0.0)
    room.triage.ingest(Comment(t=1.0, user=Viewer("s1", "hoa", "Hoa"), text="váy hoa nhí có size L không shop"))
    prices = ["áo đỏ giá bao nhiêu?", "quần jean giá bn", "kính râm giá sao", "nến thơm giá?", "mũ bucket giá sao",
              "khăn lụa bao nhiêu", "bình giữ nhiệt giá?", "giày trắng giá bn", "túi tote giá sao", "áo khoác gió giá?"]
    answered_at = None
    for i in range(10):
        t = 2.0 + 4 * i
        for k in range(2):  # two fresh price questions arrive before every line
            room.triage.ingest(Comment(t=t - 0.5 + 0.2 * k, user=Viewer(f"p{i}{k}", f"p{i}{k}", "Khách"),
                                       text=prices[(2 * i + k) % len(prices)]))
        d = room.director.decide(t)
        if d is not None and d.plan.kind == "answer" and any(c.user.id == "s1" for c in d.plan.triggers):
            answered_at = i
            break
    assert answered_at is not None and answered_at <= 2  # within the first lines, not after every price


def test_a_waiting_question_is_answered_before_thanks_and_greetings(room: Room) -> None:
    room.director.decide(0.0)
    for i in range(3):
        room.triage.ingest(Join(t=1 + i * 0.1, user=Viewer(f"j{i}", f"j{i}", f"Vy{'abc'[i]}")))
    room.triage.ingest(Gift(t=1.0, user=MINH, gift=GiftInfo("Rose", 3, 1), streak_end=True))
    room.triage.ingest(Gift(t=1.1, user=Viewer("g2", "hoa", "Hoa"), gift=GiftInfo("Heart", 2, 1), streak_end=True))
    room.triage.ingest(Comment(t=1.5, user=LAN, text="áo đỏ giá bao nhiêu?"))
    first = room.director.decide(2.0)
    assert first.plan.kind == "answer"  # the question first, though the gifts and joins came before it
    thanks = room.director.decide(3.0)
    assert thanks.plan.kind == "thanks" and len(thanks.plan.triggers) == 2  # both streaks in one line
    text = room.text(thanks)
    assert "Minh" in text and "Hoa" in text
    assert room.director.decide(4.0).plan.kind == "greeting"


def test_a_crowd_hears_four_names_and_how_many_more(room: Room) -> None:
    room.director.decide(0.0)
    names = ["Lan", "Tuấn", "Hoa", "Minh", "Vy", "Khoa", "Thu"]
    for i, name in enumerate(names):
        room.triage.ingest(Comment(t=1 + i * 0.1, user=Viewer(f"c{i}", f"c{i}", name), text="áo đỏ giá bao nhiêu?"))
    d = room.director.decide(2.0)
    assert len(d.plan.triggers) == 7  # every asker is answered (and listed in the report)
    text = room.text(d)
    assert all(n in text for n in names[:4]) and not any(n in text for n in names[4:])
    assert "3 bạn nữa" in text and "199.000đ" in text
