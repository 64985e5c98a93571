"""The director: when the host is about to be free, decide the one thing worth saying next.

Order of business: moderator lines, the AI disclosure when due, then waiting questions (one
line answers as many viewers as fit, see answer_plan), then thanks and greetings (merged
when they piled up), and the run-of-show when nobody is asking. In a busy room thanks,
greetings and pitches get a turn only after a few answer lines, so they never crowd answers out.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass

from bot.agent.offline import split_sentences
from bot.catalog.model import Catalog, Product
from bot.director.answer_plan import AnswerBudget, make_clause, plan_line
from bot.director.lines import LineWriter, address
from bot.director.run_of_show import ShowCursor, load_show
from bot.director.variants import VariantSchedule
from bot.events import Comment, Gift, GiftInfo, Join, Lang, LiveEvent, ReplyKind, ReplyPlan
from bot.frames import AnswerClause, LineDraft, ModeratorCommand, Question
from bot.language.templates import join_names
from bot.prompts.book import PromptBook
from bot.triage.room_triage import Triage

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DirectorSettings:
    greeting_interval_s: float = 12.0
    moment_interval_s: float = 20.0  # follows/shares acknowledgement
    script_gap_s: float = 1.2  # quiet this long with nothing to answer: present the script
    quiet_prompt_every: int = 4  # every Nth script line is an engagement prompt instead
    disclosure_interval_s: float = 600.0  # spoken "I am an AI host"; 0 = only at the start
    big_gift_value: int = 100  # diamonds: thanked even before waiting questions
    brief_when_waiting: int = 1  # this many other questions waiting: answers shrink to the fact asked
    courtesy_after_answers: int = 3  # in a busy room, thanks/greetings wait for this many answer lines
    busy_questions_per_s: float = 0.1  # a room asking this fast gets brief answers even between questions
    pitch_every_s: float = 60.0  # in a busy room, one run-of-show line at least this often (0 = never)
    pace_per_waiting: float = 0.04  # speaking faster by this much per waiting question (the voice bounds it)
    pace_max: float = 1.15
    model_on: bool = False  # an LLM answers open questions: those get a line of their own (it takes time)
    room_lang: Lang = "vi"
    variant: str | None = None


class Director:
    def __init__(self, triage: Triage, catalog: Catalog, prompts: PromptBook, lines: LineWriter,
                 settings: DirectorSettings | None = None) -> None:
        self.triage = triage
        self.catalog = catalog
        self.prompts = prompts
        self.lines = lines
        self.s = settings or DirectorSettings()
        self.cursor = ShowCursor(self.s.variant)
        self.variants: VariantSchedule | None = None  # an experiment by time slot switches variant per slot
        self.commands: deque[ModeratorCommand] = deque(maxlen=100)
        self.paused = False
        self._next_id = 1
        self._last_kind: ReplyKind | None = None
        self._answers_in_a_row = 0
        self._last_script_t = 0.0
        self._last_greeting_t = -1e9
        self._last_moment_t = -1e9
        self._last_disclosure_t: float | None = None
        self._extras_t: dict[str, float] = {}  # sku -> when its voucher / list price was last said
        self._resume: LineDraft | None = None  # the rest of a script line that gave way to a question
        self.budget = AnswerBudget()
        self._script_lines = 0
        self.last_line_end = 0.0
        self.current_sku: str | None = None

    # -- controls -------------------------------------------------------------------------
    def command(self, cmd: ModeratorCommand) -> None:
        """Moderator control; pause/resume/block/product act at once, say/answer queue a line."""
        if cmd.kind == "pause":
            self.paused = True
        elif cmd.kind == "resume":
            self.paused = False
        elif cmd.kind == "block" and cmd.viewer_id:
            removed = self.triage.block(cmd.viewer_id)
            log.info("viewer blocked by moderator; %d waiting questions removed", removed)
        elif cmd.kind == "product" and cmd.sku:
            self.switch_product(cmd.sku, now=cmd.t)
        elif cmd.kind in ("say", "answer"):
            self.commands.append(cmd)

    def line_ended(self, t: float) -> None:
        """The stage finished a line at t: the quiet gap before the script counts from here."""
        self.last_line_end = t

    def switch_product(self, sku: str, now: float) -> None:
        product = self.catalog.get(sku)
        if product is None:
            log.warning("switch to unknown product %r ignored", sku)
            return
        self.current_sku = sku
        self.triage.show_product(product)
        plan = load_show(self.prompts)
        if plan is not None:
            self.cursor.jump_to(plan, sku, now)

    # -- decisions ------------------------------------------------------------------------
    def decide(self, now: float) -> LineDraft | None:
        """The next line to say at session time `now`, or None to stay quiet for now."""
        self.triage.tick(now)
        if self.variants is not None:
            self.s.variant = self.cursor.variant = self.variants.variant_at(now)
        if self.commands:
            return self._moderator_line(self.commands.popleft(), now)
        if self.paused:
            return None
        if self._disclosure_due(now):
            self._last_disclosure_t = now
            return self._fixed("disclosure", now, [self.lines.disclosure(self.s.room_lang, self._next_id)],
                               expression="smile")
        waiting = self.triage.questions_waiting() > 0
        big = self.triage.biggest_streak()
        if big is not None and big.value >= self.s.big_gift_value:
            return self._thanks(now)  # a big gift is thanked at once, even in a busy room
        busy_turn = not waiting or self._answers_in_a_row >= self.s.courtesy_after_answers
        if big is not None and busy_turn:
            return self._thanks(now)
        greet_now = self.triage.joins_waiting() > 0 and now - self._last_greeting_t >= self.s.greeting_interval_s \
            and busy_turn
        # Keep the run-of-show going in a busy room too: after two answer lines in a row, once every
        # pitch_every_s, the current product gets a line (that is what sells).
        if waiting and not greet_now and self.s.pitch_every_s and self._answers_in_a_row >= 2 \
                and now - self._last_script_t >= self.s.pitch_every_s:
            pitch = self._script(now, prompts_allowed=False)
            if pitch is not None:
                return pitch
        if waiting and not greet_now:
            draft = self._answer_waiting(now)
            if draft is not None:
                return draft
        if greet_now:
            moment = self.triage.take_moment("join")
            if moment is not None:
                self._last_greeting_t = now
                draft = self._fixed("greeting", moment.t_last,
                                    [self.lines.greeting(moment, self.s.room_lang, self._next_id)],
                                    expression="smile", merged=moment.total - 1,
                                    trigger=Join(t=moment.t_last, user=moment.viewers[0]))
                draft.numbers.add(str(moment.others))
                return draft
        if now - self._last_moment_t >= self.s.moment_interval_s:
            for kind in ("follow", "share"):
                moment = self.triage.take_moment(kind)
                if moment is not None:
                    self._last_moment_t = now
                    return self._fixed("thanks", moment.t_last,
                                       [self.lines.thanks_moment(moment, self.s.room_lang, self._next_id)],
                                       expression="smile", merged=moment.total - 1)
        if now - self.last_line_end >= self.s.script_gap_s:
            return self._script(now)
        return None

    def _thanks(self, now: float) -> LineDraft:
        """Thank finished gift streaks: one by name with its count, or several merged in one short line."""
        names = [address(st.user, self.s.room_lang) for st in self.triage.streaks_waiting()]
        # Two gifters the host would call by one name (masked viewers are all "bạn"): a merged
        # line would sound like one person, so each is thanked on their own, with their count.
        streaks = self.triage.take_streaks(1 if len(set(names)) < len(names) else None)
        first = streaks[0]
        lang = self._viewer_lang(first.user.id)
        triggers = [Gift(t=st.t_last, user=st.user, streak_end=True, gift=GiftInfo(st.gift, st.count, st.diamonds))
                    for st in streaks]
        if len(streaks) == 1:
            text = self.lines.thanks_gift(first, lang, self._next_id)
            draft = self._fixed("thanks", first.t_last, [text], lang=lang, expression="smile", trigger=triggers[0])
            draft.numbers.add(str(first.count))
            return draft
        lang = self.s.room_lang  # several viewers: the room's language
        text, others = self.lines.thanks_gifts(streaks, lang, self._next_id)
        draft = self._fixed("thanks", min(st.t_last for st in streaks), [text], lang=lang, expression="smile",
                            merged=len(streaks) - 1)
        draft.plan.triggers = sorted(triggers, key=lambda g: g.t)
        draft.plan.trigger = draft.plan.triggers[0]
        draft.numbers.add(str(others))
        return draft

    def _answer_waiting(self, now: float) -> LineDraft | None:
        """One line answering as many waiting viewers as fit (see answer_plan)."""
        waiting = self.triage.waiting_questions(now)  # "còn size M không?" asks about the product on screen
        groups = plan_line(waiting, now, self.budget, model_on=self.s.model_on)
        if not groups:
            return None
        taken = [[it for it in (self.triage.take_question_key(p.key, now) for p in g) if it is not None]
                 for g in groups]
        taken = [g for g in taken if g]
        if not taken:
            return None
        left = self.triage.questions_waiting()
        # Anyone else waiting, or several viewers in this line: only the fact asked, a short clause each.
        brief = left >= self.s.brief_when_waiting or len(taken) > 1 or sum(len(g) for g in taken) > 1 \
            or self.triage.questions_per_s(now) >= self.s.busy_questions_per_s
        clauses: list[AnswerClause] = []
        for g in taken:
            skus = [pr.sku for it in g for pr in it.question.products]
            # The voucher / list price: in a full answer, or in a brief one when nobody else waits and it
            # was not said for a few minutes — never in every line of a busy room.
            extras = not brief or (left == 0 and all(now - self._extras_t.get(sku, -1e9) >= self.budget.extras_every_s
                                                     for sku in skus))
            clause = make_clause(g, now, brief=brief, extras=extras, budget=self.budget)
            if clause.late:
                names = list(dict.fromkeys(address(c.user, clause.lang) for c in clause.comments[:2]))
                clause.lead = self.lines.asked_earlier(join_names(names, clause.lang), clause.lang, self._next_id)
            if extras:
                for sku in skus:
                    self._extras_t[sku] = now
            clauses.append(clause)
        return self._answer_clauses(clauses, now, waiting_after=left)

    def _answer_clauses(self, clauses: list[AnswerClause], now: float, waiting_after: int = 0) -> LineDraft:
        products: list[Product] = []
        for c in clauses:
            products += [p for p in c.question.products if p not in products]
        if products:
            self._show_product(products[0], now)
        triggers = sorted((cm for c in clauses for cm in c.comments), key=lambda cm: cm.t)
        first = clauses[0]
        plan = self._plan("answer", first.lang, triggers[0].t if triggers else now,
                          trigger=triggers[0] if triggers else first.question.comment,
                          skus=[p.sku for p in products], merged=sum(c.others for c in clauses))
        plan.triggers = list(triggers) or [first.question.comment]
        pace = min(self.s.pace_max, 1.0 + self.s.pace_per_waiting * waiting_after)
        draft = LineDraft(plan=plan, question=first.question, products=products, clauses=clauses, pace=pace)
        draft.numbers.update(str(c.others) for c in clauses if c.others)  # "Lan và 2 bạn nữa"
        if not first.from_catalog:
            draft.filler_plan = ReplyPlan(id=self._reserve_id(), kind="filler", lang=first.lang,
                                          t_received=plan.t_received, trigger=plan.trigger,
                                          triggers=list(plan.triggers), skus=list(plan.skus))
        return draft

    def _show_product(self, product: Product, now: float) -> None:
        self.current_sku = product.sku
        self.triage.show_product(product)
        plan = load_show(self.prompts)
        if plan is not None:
            self.cursor.jump_to(plan, product.sku, now)

    def _reserve_id(self) -> int:
        rid = self._next_id
        self._next_id += 1
        return rid

    def _answer(self, q: Question, now: float) -> LineDraft:
        """Answer one question now (a moderator's /answer): a full answer, one clause."""
        clause = AnswerClause(question=q, comments=[q.comment], others=q.others)
        return self._answer_clauses([clause], now, waiting_after=self.triage.questions_waiting())

    def resume_later(self, draft: LineDraft, from_index: int) -> None:
        """A script line gave way to a question after sentence `from_index`: say the rest later."""
        rest = draft.sentences[from_index:]
        if draft.plan.kind == "script" and rest:
            self._resume = LineDraft(plan=draft.plan, sentences=rest, products=list(draft.products),
                                     expression=draft.expression)

    def _script(self, now: float, prompts_allowed: bool = True) -> LineDraft | None:
        if self._resume is not None:
            old, self._resume = self._resume, None
            self._last_script_t = now
            draft = self._fixed("script", now, old.sentences, lang=old.plan.lang, skus=list(old.plan.skus),
                                expression=old.expression)
            draft.products = old.products
            draft.plan.variant = old.plan.variant
            draft.plan.yieldable = True
            return draft
        show = load_show(self.prompts)
        if show is None and not prompts_allowed:
            return None
        self._script_lines += 1
        self._last_script_t = now
        if show is None or (prompts_allowed and self.s.quiet_prompt_every
                            and self._script_lines % self.s.quiet_prompt_every == 0):
            current = self.catalog.get(self.current_sku) if self.current_sku else None
            return self._fixed("script", now, [self.lines.quiet_prompt(self.s.room_lang, self._next_id, current)],
                               expression="smile")
        line = self.cursor.next_line(show, now)
        product = self.catalog.get(line.sku)
        if product is None:
            log.warning("show.yaml names SKU %s that is not in the catalog; line skipped", line.sku)
            return self._fixed("script", now, [self.lines.quiet_prompt(self.s.room_lang, self._next_id)])
        self.current_sku = product.sku
        self.triage.show_product(product)
        text = self.lines.fill_product(line.text, product, line.lang)
        # Sentence by sentence, so the line can give way to a question at a sentence end.
        draft = self._fixed("script", now, split_sentences(text, line.lang), lang=line.lang, skus=[product.sku],
                            expression="excited" if line.is_offer else "neutral")
        draft.products = [product]
        draft.plan.yieldable = True  # a question that arrives is answered at the next sentence end
        draft.plan.variant = line.variant or draft.plan.variant  # main segments: the session's variant
        return draft

    def _moderator_line(self, cmd: ModeratorCommand, now: float) -> LineDraft:
        if cmd.kind == "answer" and cmd.comment is not None:
            from_comment: Comment = cmd.comment
            q = self.triage.question_for(from_comment)
            return self._answer(q, now)
        lang = cmd.lang or self.s.room_lang
        return self._fixed("moderator", now, [cmd.text or ""], lang=lang)

    def _disclosure_due(self, now: float) -> bool:
        if self._last_disclosure_t is None:
            return True
        return self.s.disclosure_interval_s > 0 and now - self._last_disclosure_t >= self.s.disclosure_interval_s

    def _viewer_lang(self, viewer_id: str) -> Lang:
        return self.triage.viewer_lang(viewer_id) or self.s.room_lang  # type: ignore[return-value]

    def _plan(self, kind: ReplyKind, lang: Lang, t_received: float, **kw: object) -> ReplyPlan:
        plan = ReplyPlan(id=self._next_id, kind=kind, lang=lang, t_received=t_received, **kw)  # type: ignore[arg-type]
        if plan.variant is None:
            plan.variant = self.s.variant
        self._next_id += 1
        self._last_kind = kind
        self._answers_in_a_row = self._answers_in_a_row + 1 if kind == "answer" else 0
        return plan

    def _fixed(self, kind: ReplyKind, t_received: float, sentences: list[str], lang: Lang | None = None,
               skus: list[str] | None = None, expression: str = "neutral", merged: int = 0,
               trigger: LiveEvent | None = None) -> LineDraft:
        plan = self._plan(kind, lang or self.s.room_lang, t_received, skus=skus or [], merged=merged,
                          trigger=trigger)
        return LineDraft(plan=plan, sentences=[s for s in sentences if s.strip()], expression=expression)
