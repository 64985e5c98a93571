"""The director: when the host is about to be free, decide the one thing worth saying next.

Order of business: moderator lines, the AI disclosure when due, then viewers (answers,
thanks at the end of a gift streak, merged greetings), and the run-of-show when nobody is
asking. Thanks and greetings are rate-limited so they never crowd out answers.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass, field

from bot.agent.responder import Question
from bot.catalog.model import Catalog, Product
from bot.director.controls import ModeratorCommand
from bot.director.lines import LineWriter
from bot.director.run_of_show import ShowCursor, load_show
from bot.director.variants import VariantSchedule
from bot.events import Comment, Gift, GiftInfo, Join, Lang, LiveEvent, ReplyKind, ReplyPlan
from bot.prompts.book import PromptBook
from bot.triage.room_triage import Triage

log = logging.getLogger(__name__)

_ABOUT_CURRENT = frozenset({"price", "stock", "spec", "promo", "buy"})


@dataclass(slots=True)
class DirectorSettings:
    greeting_interval_s: float = 12.0
    moment_interval_s: float = 20.0  # follows/shares acknowledgement
    script_gap_s: float = 1.2  # quiet this long with nothing to answer: present the script
    quiet_prompt_every: int = 4  # every Nth script line is an engagement prompt instead
    disclosure_interval_s: float = 600.0  # spoken "I am an AI host"; 0 = only at the start
    big_gift_value: int = 100  # diamonds: thanked even before waiting questions
    brief_when_waiting: int = 2  # this many questions waiting: answer in one sentence
    pitch_every_s: float = 40.0  # in a busy room, one run-of-show line at least this often (0 = never)
    room_lang: Lang = "vi"
    variant: str | None = None


@dataclass(slots=True)
class LineDraft:
    """A decision: the plan, plus either a question for the responder or ready sentences."""

    plan: ReplyPlan
    question: Question | None = None
    sentences: list[str] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    expression: str = "neutral"
    numbers: set[str] = field(default_factory=set)  # figures this line may state (gift counts, "3 others")
    max_sentences: int = 0  # 0 = as many as the responder says; a busy room gets short answers


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

    def switch_product(self, sku: str, now: float) -> None:
        product = self.catalog.get(sku)
        if product is None:
            log.warning("switch to unknown product %r ignored", sku)
            return
        self.current_sku = sku
        self.triage.current_product = product
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
        waiting = len(self.triage.questions) > 0
        streak = self.triage.take_streak()
        if streak is not None:
            if not waiting or streak.value >= self.s.big_gift_value or self._last_kind == "answer":
                lang = self._viewer_lang(streak.user.id)
                text = self.lines.thanks_gift(streak, lang, self._next_id)
                trigger = Gift(t=streak.t_last, user=streak.user, streak_end=True,
                               gift=GiftInfo(streak.gift, streak.count, streak.diamonds))
                draft = self._fixed("thanks", streak.t_last, [text], lang=lang, expression="smile", trigger=trigger)
                draft.numbers.add(str(streak.count))
                return draft
            self.triage.finished_streaks.append(streak)  # after the answer
        # A greeting may go before waiting questions once two answers were given in a row,
        # so newcomers are welcomed in a busy room too, but never crowd the answers out.
        greet_now = len(self.triage.joins) and now - self._last_greeting_t >= self.s.greeting_interval_s \
            and (not waiting or self._answers_in_a_row >= 2)
        # Keep the run-of-show going in a busy room too: after two answers in a row, once every
        # pitch_every_s, the current product gets a line (that is what sells).
        if waiting and not greet_now and self.s.pitch_every_s and self._answers_in_a_row >= 2 \
                and now - self._last_script_t >= self.s.pitch_every_s:
            pitch = self._script(now, prompts_allowed=False)
            if pitch is not None:
                return pitch
        if not greet_now:
            item = self.triage.take_question(now)
            if item is not None:
                return self._answer(item.question, now)
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

    def _answer(self, q: Question, now: float) -> LineDraft:
        if not q.products and q.intent in _ABOUT_CURRENT and self.current_sku and not q.hostile:
            current = self.catalog.get(self.current_sku)
            if current is not None:
                q.products = [current]  # "giá bao nhiêu?" in a live room means the product on screen
        products = list(q.products)
        if products:
            self.current_sku = products[0].sku
            self.triage.current_product = products[0]
            plan = load_show(self.prompts)
            if plan is not None:
                self.cursor.jump_to(plan, products[0].sku, now)
        if q.current_product is None and self.current_sku:
            q.current_product = self.catalog.get(self.current_sku)
        plan = self._plan("answer", q.lang, q.comment.t, trigger=q.comment,
                          skus=[p.sku for p in products], merged=q.others)
        busy = len(self.triage.questions) >= self.s.brief_when_waiting
        draft = LineDraft(plan=plan, question=q, products=products, expression="neutral",
                          max_sentences=1 if busy else 0)
        if q.others >= 2 and products:
            # "nhiều bạn hỏi giá áo đỏ…": one answer for the crowd, and the crowd hears it is for them
            draft.sentences = [self.lines.many_asked(products[0], q.lang, plan.id)]
            draft.max_sentences += 1 if draft.max_sentences else 0
        return draft

    def _script(self, now: float, prompts_allowed: bool = True) -> LineDraft | None:
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
        self.triage.current_product = product
        text = self.lines.fill_product(line.text, product, line.lang)
        draft = self._fixed("script", now, [text], lang=line.lang, skus=[product.sku],
                            expression="excited" if line.is_offer else "neutral")
        draft.products = [product]
        draft.plan.variant = line.variant or draft.plan.variant  # main segments: the session's variant
        return draft

    def _moderator_line(self, cmd: ModeratorCommand, now: float) -> LineDraft:
        if cmd.kind == "answer" and cmd.comment is not None:
            from_comment: Comment = cmd.comment
            q = self.triage.understand(from_comment, self.triage.current_product)
            return self._answer(q, now)
        lang = cmd.lang or self.s.room_lang
        return self._fixed("moderator", now, [cmd.text or ""], lang=lang)

    def _disclosure_due(self, now: float) -> bool:
        if self._last_disclosure_t is None:
            return True
        return self.s.disclosure_interval_s > 0 and now - self._last_disclosure_t >= self.s.disclosure_interval_s

    def _viewer_lang(self, viewer_id: str) -> Lang:
        vs = self.triage.viewers.get(viewer_id)
        return vs.lang if vs is not None and vs.lang else self.s.room_lang

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
