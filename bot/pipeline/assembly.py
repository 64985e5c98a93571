"""Builds a show from options: picks each stage's engine (embedded defaults unless asked)."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.agent.guard import SentenceGuard
from bot.agent.guard.market_rules import MarketClaimRule
from bot.agent.llm.responder import make_llm_responder
from bot.agent.offline import OfflineResponder, build_question, viewer_address
from bot.agent.turn import TurnWriter
from bot.avatar.loader import AvatarError, load_avatar
from bot.avatar.product_cards import ProductCards
from bot.catalog.importer import CatalogError, load_catalog_file
from bot.catalog.matching import ProductMatcher
from bot.catalog.model import Catalog
from bot.config import Settings
from bot.director.answer_board import AnswerBoard
from bot.director.director import Director
from bot.director.lines import LineWriter
from bot.director.run_of_show import load_show
from bot.director.variants import load_experiment
from bot.events import Comment, Lang, ProductPinned, Viewer
from bot.frames import LineDraft, Question, TurnFacts
from bot.language.templates import render_template
from bot.output.factory import open_outputs
from bot.output.sink import OutputError, StreamFormat
from bot.pipeline.show import Show
from bot.prompts.book import PromptBook
from bot.session_clock import SessionClock
from bot.sources.base import SourceError
from bot.sources.replay import ReplaySource
from bot.sources.spec import open_source
from bot.speech.engine import TTS_ENGINES, SpeechError
from bot.speech.speaker import Speaker, make_engine
from bot.store.catalog_repo import load_catalog as load_from_db
from bot.store.catalog_repo import save_products
from bot.store.writer import StoreWriter
from bot.triage.room_triage import Triage

log = logging.getLogger(__name__)



class SetupError(RuntimeError):
    """A user error found while setting up the show: printed as one line, exit non-zero."""


@dataclass(slots=True)
class ShowOptions:
    source: str
    catalog: Path | None = None
    outputs: list[str] = field(default_factory=lambda: ["none"])
    llm: str = "offline"
    tts: str = "espeak"
    avatar: Path | None = None
    prompts: Path | None = None
    db: str | None = None
    realtime: bool = False
    variant: str | None = None
    control: bool = False  # serve the moderator control API (settings: control_host/port/token)
    room: str | None = None  # the room's name in a fleet (or as the seller calls it); stored on the session
    attempt: int = 1  # > 1 when a fleet restarted this room after a failure
    settings: Settings = field(default_factory=Settings)  # every stage's knobs; passed down, never re-read


def catalog_for_show(opts: ShowOptions) -> Catalog:
    """The catalog file if one is given (also saved to the DB), else the DB's products."""
    db = opts.db or opts.settings.db
    if opts.catalog is not None:
        try:
            catalog, problems = load_catalog_file(opts.catalog)
        except CatalogError as exc:
            raise SetupError(str(exc)) from None
        for p in problems:
            log.warning("catalog %s line %s skipped: %s", opts.catalog, p.line, p.reason)
        if len(catalog) == 0:
            raise SetupError(f"catalog {opts.catalog} has no usable products")
        save_products(db, catalog)
        return catalog
    catalog = load_from_db(db)
    if len(catalog) == 0:
        raise SetupError(f"no catalog: pass --catalog FILE or run `livebot catalog import FILE --db {db}` first")
    return catalog


def product_images(catalog: Catalog, root: Path | None) -> dict[str, str]:
    """Image files the catalog names that exist (relative paths from the catalog's folder)."""
    found: dict[str, str] = {}
    missing: list[str] = []
    for p in catalog:
        if not p.image:
            continue
        path = Path(p.image)
        if not path.is_absolute() and root is not None:
            path = root / path
        if path.is_file():
            found[p.sku] = str(path)
        else:
            missing.append(f"{p.sku} ({p.image})")
    if missing:
        log.warning("%d product images not found, cards show without them: %s", len(missing),
                    ", ".join(missing[:5]) + (" …" if len(missing) > 5 else ""))
    return found


def build_show(opts: ShowOptions) -> Show:
    """Assemble every stage; raises SetupError (one clear line) for user errors."""
    s = opts.settings
    clock = SessionClock(realtime=opts.realtime)
    try:
        source = open_source(opts.source, clock, options=s.supervisor, douyin_url=s.douyin.sidecar,
                             douyin_gift_warn_s=s.douyin.gift_warn_s)
    except SourceError as exc:
        raise SetupError(str(exc)) from None
    fast_events = None
    if not opts.realtime:
        if not isinstance(source, ReplaySource):
            raise SetupError(f"--fast needs a replay source; {opts.source} is live (use --realtime)")
        fast_events = source.pending

    prompts = PromptBook(opts.prompts or s.prompts)
    catalog = catalog_for_show(opts)
    matcher = ProductMatcher(catalog)

    def understand(comment: Comment, current: object) -> Question:
        return build_question(comment, matcher, current, s.default_lang)  # type: ignore[arg-type]

    # Warm the language models now: their first use costs ~0.5 s, which must not stall a live frame.
    understand(Comment(t=0.0, user=Viewer("warm-up"), text="áo đỏ giá bao nhiêu? how much? 多少钱"), None)
    triage = Triage(understand, settings=dataclasses.replace(s.triage))
    show_plan = load_show(prompts)
    room_lang: Lang = show_plan.language if show_plan is not None else "vi"
    experiment = load_experiment(prompts)  # show.yaml `experiment:`: which variant runs when
    if experiment is not None and opts.variant is None:
        opts.variant = experiment.session_variant()  # per-session assignment; None when by time slot
    director = Director(triage, catalog, prompts, LineWriter(prompts),
                        dataclasses.replace(s.director, room_lang=room_lang, variant=opts.variant,
                                            model_on=opts.llm == "openai"))
    if experiment is not None and opts.variant is None:
        director.variants = experiment
    offline = OfflineResponder(catalog, prompts)
    guard = SentenceGuard(prompts, offline=offline)
    guard.add_rule(MarketClaimRule(prompts))  # advertising law per market (prompts/rules/)
    responder = offline
    if opts.llm == "openai":
        try:
            responder = make_llm_responder(s, catalog, prompts, offline,
                                           on_pin=lambda sku: show.model_pinned(sku))  # applied between lines
        except ValueError as exc:  # no key and no server configured: a user error, one line
            raise SetupError(str(exc)) from None
    elif opts.llm != "offline":
        raise SetupError(f"unknown --llm {opts.llm!r}: use offline or openai")

    def facts_for(draft: LineDraft) -> TurnFacts:
        products = list(draft.products)
        questions = [c.question for c in draft.clauses] or ([draft.question] if draft.question is not None else [])
        for q in questions:
            products += [p for p in q.products if p not in products]
            if q.current_product is not None and q.current_product not in products:
                products.append(q.current_product)
        return TurnFacts(products=products, extra_numbers=set(draft.numbers))

    turn = TurnWriter(responder, offline, guard, facts_for)
    if opts.tts not in TTS_ENGINES:
        raise SetupError(f"unknown --tts {opts.tts!r}: use one of {', '.join(TTS_ENGINES)}")
    fallback_engine = make_engine("espeak")
    engine = fallback_engine
    if opts.tts != "espeak":
        try:
            engine = make_engine(opts.tts, voices_dir=s.voices.dir)
        except SpeechError as exc:
            log.warning("TTS engine %s unavailable (%s); speaking with espeak", opts.tts, exc)
    speaker = Speaker(engine, stage_rate=s.sample_rate, prompts=prompts, fallback=fallback_engine)
    t_voices = time.perf_counter()
    loaded = speaker.prepare()  # voices load now, before the show, not at the first line
    if loaded:
        log.info("voices loaded in %.1f s: %s", time.perf_counter() - t_voices,
                 ", ".join(f"{lang}={v}" for lang, v in loaded.items()))
    try:
        renderer = load_avatar(opts.avatar or s.avatar, s.width, s.height, s.fps,
                               shared_lip_sync=s.photoreal.link(opts.room or "room", opts.realtime))
    except AvatarError as exc:
        raise SetupError(str(exc)) from None
    try:
        fanout = open_outputs(opts.outputs, StreamFormat(s.width, s.height, s.fps, s.sample_rate),
                              **s.output.model_dump())
    except OutputError as exc:
        raise SetupError(str(exc)) from None

    def resolve_pin(ev: ProductPinned) -> str | None:
        """A platform's own product id: find our SKU by the pinned product's title."""
        title = str(ev.extra.get("title") or "")
        best = matcher.match(title, None, 1) if title else []
        return best[0][0].sku if best else None

    store = StoreWriter(opts.db or s.db)

    def board_facts(question: Question) -> str | None:
        """The board's short answer, checked by the same guard as the voice (no unbacked figure on screen)."""
        text = offline.board_line(question)
        if not text:
            return None
        facts = TurnFacts(products=list(question.products))
        return text if guard.check(text, question.lang, facts).ok else None

    board = AnswerBoard(board_facts, viewer_address, on_hidden=lambda e: show.screen_hidden(e))
    show = Show(source=source, clock=clock, triage=triage, director=director, turn=turn,
                speak=speaker.speak, renderer=renderer, fanout=fanout, store=store,
                cards=ProductCards(catalog, prompts, room_lang,
                                   product_images(catalog, opts.catalog.parent if opts.catalog else None)),
                fps=s.fps, sample_rate=s.sample_rate, label=render_template(prompts, "ai_label", room_lang, 0),
                fast_events=fast_events, resolve_pin=resolve_pin,
                board=board)
    if hasattr(source, "on_command"):
        source.on_command = show.command  # the console's moderator commands steer this show
    return show
