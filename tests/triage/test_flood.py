"""A flooded room: 10,000 comments in 20 s, thousands of duplicates, a few dozen real questions.

Triage must keep memory bounded, count every event it does not answer with a reason, and keep
the real questions (clustered when they ask the same thing) for the director.
"""

from __future__ import annotations

import random

from bot.agent.offline import build_question
from bot.catalog.importer import load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.events import Comment, Viewer
from bot.paths import SAMPLE_CATALOG
from bot.triage.room_triage import Triage, TriageSettings

REAL_QUESTIONS = [
    "áo đỏ giá bao nhiêu vậy shop?", "ao so mi trang con size M khong", "váy hoa nhí có size L không shop",
    "quan jean gia bn", "túi tote còn hàng không?", "giày thể thao trắng size 38 còn không",
    "khăn lụa có giảm giá không shop", "kinh ram gia bao nhieu", "bình giữ nhiệt giữ nóng bao lâu",
    "nến thơm mùi gì vậy shop", "áo khoác gió có chống nước không", "mũ bucket màu gì",
    "红色上衣多少钱", "白衬衫有什么尺码", "碎花裙还有货吗", "牛仔裤打折吗",
    "how much is the red shirt?", "is the floral dress in stock?", "do the jeans come in size 30?",
    "any discount on the tote bag?", "how much are the sunglasses?", "what sizes for the sneakers?",
]
SPAM = ["hay quá", "❤️❤️❤️", "đẹp quá shop ơi", "🔥🔥🔥🔥", "666", "xinh quá", "😍😍", "like like like"]


def build_flood(seed: int = 7) -> tuple[list[Comment], set[str]]:
    rng = random.Random(seed)
    comments: list[Comment] = []
    real_ids: set[str] = set()
    for i in range(10_000):
        t = 20.0 * i / 10_000
        roll = rng.random()
        if i % 250 == 0 and len(real_ids) < 40:
            q = REAL_QUESTIONS[len(real_ids) % len(REAL_QUESTIONS)]
            uid = f"real{len(real_ids)}"
            real_ids.add(uid)
            comments.append(Comment(t=t, user=Viewer(uid, uid, f"Khách {len(real_ids)}"), text=q))
        elif roll < 0.45:  # the same few lines from thousands of viewers
            uid = f"v{rng.randrange(3000)}"
            comments.append(Comment(t=t, user=Viewer(uid, uid, uid), text=rng.choice(SPAM)))
        elif roll < 0.75:  # a few spammers hammering
            uid = f"spam{rng.randrange(5)}"
            comments.append(Comment(t=t, user=Viewer(uid, uid, uid), text=f"follow me {rng.randrange(3)}"))
        else:  # everyone asking the price of the red shirt, in slightly different words
            uid = f"p{rng.randrange(4000)}"
            text = rng.choice(["áo đỏ giá bao nhiêu", "ao do gia bn", "giá áo đỏ?", "áo đỏ bao nhiêu tiền shop"])
            comments.append(Comment(t=t, user=Viewer(uid, uid, uid), text=text))
    return comments, real_ids


def test_flood_is_bounded_counted_and_keeps_real_questions() -> None:
    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    matcher = ProductMatcher(catalog)
    drops: dict[str, str] = {}
    triage = Triage(lambda c, cur: build_question(c, matcher, cur),
                    on_drop=lambda d: drops.__setitem__(d.event.user.id, d.reason),  # type: ignore[attr-defined]
                    settings=TriageSettings(max_questions=64))
    comments, real_ids = build_flood()
    answered: list[str] = []
    for i, c in enumerate(comments):
        triage.ingest(c)
        if i % 500 == 499:  # the host finishes a line about every second
            triage.tick(c.t)
            item = triage.take_question(c.t)
            if item is not None:
                answered += [x.user.id for x in item.comments]  # every asker the line names
            assert len(triage.questions) <= 64
    pending = triage.questions.snapshot(20.0, limit=1000)
    waiting = {x.user.id for p in pending for x in p.comments}
    # every comment is accounted for: answered by name, waiting by name, or dropped/merged with a reason
    accounted = len(answered) + sum(len(p.comments) for p in pending) + sum(triage.dropped.values())
    assert accounted == len(comments)
    # The red-shirt crowd became one question; once answered, newcomers read it on the board for a while.
    assert triage.merged + triage.dropped["answered_recently"] > 1000 and triage.dropped["merged"] > 100
    assert triage.dropped["rate_limited"] + triage.dropped["repeat"] > 1000
    assert triage.dropped["flood"] == 0  # duplicates never spent the understanding budget
    kept = real_ids & (set(answered) | waiting)
    # merged into a crowd's question, or asking what the crowd was just told (the board shows it)
    merged = {uid for uid in real_ids if drops.get(uid) in ("merged", "answered_recently")}
    lost = real_ids - kept - merged
    assert not lost, {uid: drops.get(uid) for uid in lost}  # none lost to flood, overflow or staleness
    assert len(kept) >= len(set(REAL_QUESTIONS)) - 2  # distinct questions each kept (a couple may cluster)
    assert len(triage.viewers) <= TriageSettings().max_viewers
