"""LlmResponder: an OpenAI-compatible model with catalog tools, streamed sentence by sentence, every
sentence guarded, bounded by deadlines, and never silent: late → a filler line, failed → the offline
responder answers. The model itself sits behind `TextStream` (the langchain adapter in production)."""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Protocol

from pydantic import SecretStr

from bot.agent.guard.injection import looks_like_injection
from bot.agent.llm.catalog_tools import CatalogTools
from bot.agent.llm.memory import RoomContext, ViewerMemory
from bot.agent.llm.persona import Persona, load_persona
from bot.agent.llm.prompt import turn_messages, user_text
from bot.agent.responder import Responder
from bot.agent.sentences import SentenceSplitter
from bot.catalog.matching import ProductMatcher
from bot.catalog.model import Catalog, Product
from bot.events import Lang
from bot.frames import FillerText, Question, TurnFacts
from bot.language.templates import render_template
from bot.prompts.book import PromptBook

log = logging.getLogger(__name__)

# Used only when persona.md has never parsed: the host must still be able to speak.
_BUILTIN_PERSONA = Persona(body=(
    "You are {host}, the live-selling host of {shop}. Reply in {language}, in one to three short spoken "
    "sentences. Prices, discounts, stock and vouchers come only from the catalog facts or tools; never guess.\n"))
_BUILTIN_FILLERS: dict[str, tuple[str, ...]] = {
    "vi": ("Dạ, bạn chờ xíu nha.",), "zh": ("稍等一下哦。",), "en": ("One sec, let me check.",)}


class TextStream(Protocol):
    """A model turn: the model's own text, delta by delta (tools run inside and add to `facts`)."""

    def stream(self, messages: list[dict[str, str]], facts: TurnFacts, lang: Lang) -> AsyncIterator[str]: ...


@dataclass(slots=True)
class LlmLimits:
    """Time bounds of a turn: a filler if the first sentence is later than `first_sentence_s`,
    the turn ends at `deadline_s` (falling back to the offline responder if nothing real was said)."""

    deadline_s: float = 2.5
    first_sentence_s: float = 1.2


class _End:
    pass


_END = _End()


class LlmResponder:
    """The `openai` responder (see module doc). It writes; the line's SentenceGate (agent/guard) checks."""

    name = "openai"

    def __init__(self, stream: TextStream, catalog: Catalog, prompts: PromptBook, fallback: Responder,
                 limits: LlmLimits | None = None, matcher: ProductMatcher | None = None,
                 memory: ViewerMemory | None = None, splitter_first_cut: int = 40,
                 tools: CatalogTools | None = None) -> None:
        self.text_stream = stream
        self.catalog = catalog
        self.prompts = prompts
        self.fallback = fallback
        self.limits = limits or LlmLimits()
        self.matcher = matcher or ProductMatcher(catalog)
        self.memory = memory or ViewerMemory()
        self.room = RoomContext()
        self.splitter_first_cut = splitter_first_cut
        self.tools = tools  # the catalog tools the model uses (pins made are in tools.pinned)
        self.last_fallback_reason: str | None = None
        self.turns = 0

    async def aclose(self) -> None:
        """Close the model's HTTP connections (end of a run)."""
        close = getattr(self.text_stream, "aclose", None)
        if close is not None:
            await close()

    # --- the turn -------------------------------------------------------------------------------

    def turn_products(self, question: Question) -> list[Product]:
        """Facts the director already knows, so common questions need no tool round trip."""
        products: list[Product] = []
        for p in (*question.products, question.current_product):
            if p is not None and p not in products:
                products.append(p)
        if not question.products:
            for p, _score in self.matcher.match(question.comment.text, question.lang, 2):
                if p not in products:
                    products.append(p)
        return products

    async def respond(self, question: Question, facts: TurnFacts | None = None) -> AsyncIterator[str]:
        """Yield sentences as the model writes them; filler if late; offline answer on failure.

        Products the model looks up go into `facts`, the line's own, so the gate accepts what it found."""
        t0 = time.monotonic()
        self.turns += 1
        self.last_fallback_reason = None
        lang = question.lang
        products = self.turn_products(question)
        facts = facts if facts is not None else TurnFacts()
        for p in products:
            facts.add_product(p)
        persona = load_persona(self.prompts) or _BUILTIN_PERSONA
        suspicious = looks_like_injection(question.comment.text)
        viewer = question.comment.user.id
        messages = turn_messages(persona, question, products, self.memory.recall(viewer), self.room.recent,
                                 suspicious)
        queue: asyncio.Queue[str | _End | BaseException] = asyncio.Queue()
        producer = asyncio.create_task(self._produce(messages, facts, lang, queue))
        said: list[str] = []
        real = 0  # sentences from the model (fillers and replacements do not count as an answer)
        filler_said = False
        failure: str | None = None
        try:
            while True:
                now = time.monotonic()
                first_due = t0 + self.limits.first_sentence_s
                waiting_first = real == 0 and not filler_said and not said
                limit = first_due if waiting_first else t0 + self.limits.deadline_s
                if now >= limit:
                    if waiting_first:
                        filler_said = True
                        line = self._filler(persona, lang)
                        said.append(line)
                        yield FillerText(line)
                        continue
                    failure = f"turn deadline {self.limits.deadline_s:.1f}s"
                    break
                try:
                    item = await asyncio.wait_for(queue.get(), limit - now)
                except TimeoutError:
                    continue
                if isinstance(item, _End):
                    if real == 0:
                        failure = "the model said nothing"
                    break
                if isinstance(item, BaseException):
                    failure = f"{type(item).__name__}: {str(item)[:160]}"
                    break
                if item in said:
                    continue
                real += 1
                said.append(item)
                yield item
        finally:
            if not producer.done():
                producer.cancel()
        if failure is not None:
            self.last_fallback_reason = failure
            log.warning("llm turn failed after %.0f ms (%s); %s", (time.monotonic() - t0) * 1000, failure,
                        "offline responder answers" if real == 0 else "keeping what was said")
            if real == 0:
                async for line in self.fallback.respond(question, facts):
                    if line not in said:
                        said.append(line)
                        yield line

    def said(self, question: Question, sentences: list[str]) -> None:
        """What the viewer heard of this turn (after the gate): the next turns remember that, not the draft."""
        suspicious = looks_like_injection(question.comment.text)
        self.memory.remember(question.comment.user.id, user_text(question, suspicious), " ".join(sentences))
        for line in sentences:
            self.room.heard(line)

    async def _produce(self, messages: list[dict[str, str]], facts: TurnFacts, lang: Lang,
                       queue: asyncio.Queue[str | _End | BaseException]) -> None:
        splitter = SentenceSplitter(first_cut_chars=self.splitter_first_cut)
        try:
            async for delta in self.text_stream.stream(messages, facts, lang):
                for sentence in splitter.feed(delta):
                    queue.put_nowait(sentence)
            for sentence in splitter.flush():
                queue.put_nowait(sentence)
            queue.put_nowait(_END)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # handed to the consumer, which falls back; never raised into the show
            queue.put_nowait(exc)

    def _filler(self, persona: Persona, lang: Lang) -> str:
        seed = self.turns
        try:
            return render_template(self.prompts, "filler", lang, seed)
        except Exception:  # no templates file / section: the persona's own fillers
            lines = persona.fillers.get(lang) or _BUILTIN_FILLERS.get(lang) or _BUILTIN_FILLERS["en"]
            return lines[zlib.crc32(str(seed).encode()) % len(lines)]


class LlmEndpoint(Protocol):
    """What the responder reads of the settings' `llm` part (config builds on this module, not the reverse)."""

    model: str
    base_url: str | None
    api_key: SecretStr | None
    deadline_s: float

    def limits(self, first_sentence_s: float | None = None) -> LlmLimits: ...


class HasLlm(Protocol):
    @property
    def llm(self) -> LlmEndpoint: ...


def make_llm_responder(settings: HasLlm, catalog: Catalog, prompts: PromptBook, fallback: Responder,
                       on_pin: Callable[[str], None] | None = None, *,
                       first_sentence_s: float | None = None) -> LlmResponder:
    """The `--llm openai` responder: `settings.llm` (OPENAI_API_KEY, OPENAI_BASE_URL, LIVEBOT_LLM_MODEL) chooses
    the endpoint (OpenAI, vLLM, Ollama, llama.cpp, LM Studio: anything OpenAI-compatible)."""
    llm = settings.llm
    api_key = (llm.api_key.get_secret_value() or None) if llm.api_key is not None else None
    if llm.base_url is None and api_key is None:
        raise ValueError("--llm openai needs OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (a local server)")
    from bot.agent.llm.agent import LangchainTextStream  # vendor code only when the LLM is switched on

    matcher = ProductMatcher(catalog)
    tools = CatalogTools(catalog, matcher, on_pin)
    stream = LangchainTextStream(llm.model, llm.base_url, api_key, timeout_s=llm.deadline_s, catalog_tools=tools)
    return LlmResponder(stream, catalog, prompts, fallback, llm.limits(first_sentence_s), matcher, tools=tools)
