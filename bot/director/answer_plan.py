"""Planning one answer line for a busy room: as many waiting viewers as fit, a short clause each.

Viewers asking about the same products in the same language become one clause that names them
all ("Lan, Tuấn với 2 bạn nữa hỏi áo đỏ: 199k nha"); other quick catalog answers follow as their
own clauses, grouped by language so no sentence mixes languages. Open questions (for the model,
or hostile, or "are you real?") get a line of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.frames import AnswerClause, Question, WaitingQuestion


@dataclass(slots=True)
class AnswerBudget:
    """How much one answer line may hold."""

    max_clauses: int = 3  # clauses per line: more and the last viewer waits too long for their part
    max_cost: float = 6.0  # about seconds of speech: a viewer who just missed a line waits for all of it
    late_after_s: float = 25.0  # older than this: "lúc nãy Hoa hỏi…"
    extras_every_s: float = 180.0  # voucher / list price per product at most this often in a busy room


# Answered from templates at once whatever the brain: "are you real?", a greeting, bait or an injection.
_TEMPLATED = frozenset({"human_check", "greeting"})


def _group_key(p: WaitingQuestion, model_on: bool) -> tuple[str, tuple[str, ...]] | None:
    """Questions about the same products in one language share a clause (any catalog intent); other quick
    questions get a clause of their own in the same line; None = an open question for the model, alone."""
    q = p.question
    if AnswerClause(question=q, comments=[]).from_catalog:
        return q.lang, tuple(sorted(pr.sku for pr in q.products))
    if not model_on or q.hostile or q.intent in _TEMPLATED:
        return q.lang, ("", p.key)
    return None


def clause_cost(items: list[WaitingQuestion]) -> float:
    """Roughly how long a clause takes to say, in short-fact units (~1.5 s each at a seller's pace)."""
    q = items[0].question
    asked = {i for it in items for i in it.question.asked}
    products = {p.sku for it in items for p in it.question.products}
    cost = 1.0 + 0.5 * max(0, len(asked) - 1) + 0.8 * max(0, len(products) - 1)
    if "buy" in asked or q.intent == "human_check" or (q.intent in ("spec", "other") and not q.size):
        cost += 0.8  # an order confirmed, an honest "I am an AI", a description: a longer sentence
    return cost


def _merged_question(items: list[WaitingQuestion]) -> Question:
    """One question standing for several: the first asker's, with every intent any of them asked."""
    first = items[0].question
    intents: list[str] = []
    for it in items:
        for intent in it.question.intents or [it.question.intent]:
            if intent not in intents:
                intents.append(intent)
    size = next((it.question.size for it in items if it.question.size), None)
    quantity = next((it.question.quantity for it in items if it.question.quantity), None)
    # "buy" leads when anyone wants to order; then the order of asking.
    if "buy" in intents:
        intents.remove("buy")
        intents.insert(0, "buy")
    return replace(first, intents=intents, intent=intents[0], size=size, quantity=quantity,
                   others=sum(it.count for it in items) - 1)


def plan_line(waiting: list[WaitingQuestion], now: float, budget: AnswerBudget,
              allow_open: bool = True, model_on: bool = False) -> list[list[WaitingQuestion]]:
    """Choose which waiting questions one line answers: a list of clauses, each a list of questions.

    The best question always leads. Open questions stand alone; quick catalog answers are gathered,
    first those sharing the leader's products and language, then others by priority.
    """
    if not waiting:
        return []
    lead = waiting[0]
    if lead.question.comment.sellers_choice:
        return [[lead]]  # the seller pinned or picked it on the platform: it gets the whole line
    lead_key = _group_key(lead, model_on)
    if lead_key is None:
        if allow_open:
            return [[lead]]
        quick = [p for p in waiting if _group_key(p, model_on) is not None]
        if not quick:
            return []
        lead, lead_key = quick[0], _group_key(quick[0], model_on)
    groups: dict[tuple[str, tuple[str, ...]], list[WaitingQuestion]] = {}
    for p in waiting:
        key = _group_key(p, model_on)
        if key is None or (p is not lead and p.question.hostile and not p.question.products):
            continue  # bait joins no buyer's line: it is said alone, when nobody else waits
        if key in groups or len(groups) < budget.max_clauses:
            groups.setdefault(key, []).append(p)
    clauses = [groups.pop(lead_key)] if lead_key in groups else [[lead]]
    cost = clause_cost(clauses[0])
    for _, items in groups.items():  # by priority: the best first
        if len(clauses) >= budget.max_clauses or cost + clause_cost(items) > budget.max_cost:
            continue
        clauses.append(items)
        cost += clause_cost(items)
    # Same language as the leader first, so its sentences follow one another; then the rest.
    return [clauses[0]] + sorted(clauses[1:], key=lambda c: c[0].question.lang != clauses[0][0].question.lang)


def make_clause(items: list[WaitingQuestion], now: float, *, brief: bool, extras: bool,
                budget: AnswerBudget) -> AnswerClause:
    """The clause for a group of waiting questions: every asker named (bounded), the rest counted."""
    question = items[0].question if len(items) == 1 else _merged_question(items)
    comments = sorted((c for it in items for c in (it.comments or [it.question.comment])), key=lambda c: c.t)
    total = sum(it.count for it in items)
    oldest = min(it.t_first for it in items)
    return AnswerClause(question=question, comments=comments, others=max(0, total - len(comments)),
                        keys=tuple(it.key for it in items), brief=brief, extras=extras,
                        late=now - oldest > budget.late_after_s)
