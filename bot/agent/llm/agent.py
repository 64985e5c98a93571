"""The langchain adapter: `create_agent` on `ChatOpenAI` with the catalog tools, streaming only the
model's own text. This is the only module that imports langchain / openai; import it lazily."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import ModelCallLimitMiddleware
from langchain.tools import ToolRuntime, tool
from langchain_core.messages import AIMessageChunk
from langchain_openai import ChatOpenAI
from openai import DefaultAsyncHttpxClient

from bot.agent.llm.catalog_tools import CatalogTools
from bot.events import Lang
from bot.frames import TurnFacts

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TurnContext:
    """Per-turn context the tools see: the facts they add to, and the viewer's language."""

    facts: TurnFacts
    lang: Lang


def _dump(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False)


def langchain_tools(catalog_tools: CatalogTools) -> list[Any]:
    """The catalog tools as langchain tools; arguments are catalog queries and SKUs only."""

    @tool
    def search_products(query: str, runtime: ToolRuntime[TurnContext]) -> str:
        """Find catalog products by name or alias (any language). Returns price, stock, voucher."""
        return _dump(catalog_tools.search_products(query, runtime.context.lang, runtime.context.facts))

    @tool
    def product_details(sku: str, runtime: ToolRuntime[TurnContext]) -> str:
        """Everything the catalog says about one product: price, promo, stock, variants, description."""
        return _dump(catalog_tools.product_details(sku, runtime.context.facts))

    @tool
    def current_promotions(runtime: ToolRuntime[TurnContext]) -> str:
        """Products on promotion now and their voucher codes."""
        return _dump(catalog_tools.current_promotions(runtime.context.facts))

    @tool
    def pin_product(sku: str, runtime: ToolRuntime[TurnContext]) -> str:
        """Pin a product to the showcase (yellow basket) so viewers can see and buy it."""
        return _dump(catalog_tools.pin_product(sku, runtime.context.facts))

    return [search_products, product_details, current_promotions, pin_product]


class LangchainTextStream:
    """Runs one agent turn and yields the model node's text deltas (never tool output)."""

    def __init__(self, model: str, base_url: str | None, api_key: str | None, timeout_s: float,
                 catalog_tools: CatalogTools, recursion_limit: int = 8, model_calls: int = 3) -> None:
        # An HTTP client of our own: langchain-openai's shared cached client is bound to the first event
        # loop that used it, which breaks a second loop in the same process (tests, restarts).
        self.http = DefaultAsyncHttpxClient(timeout=timeout_s)
        chat = ChatOpenAI(model=model, base_url=base_url, api_key=api_key or "not-needed", timeout=timeout_s,
                          max_retries=0, streaming=True, use_responses_api=False, temperature=0.3,
                          http_async_client=self.http)
        self.recursion_limit = recursion_limit
        self.agent = create_agent(chat, langchain_tools(catalog_tools),
                                  middleware=[ModelCallLimitMiddleware(run_limit=model_calls, exit_behavior="end")],
                                  context_schema=TurnContext)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def stream(self, messages: list[dict[str, str]], facts: TurnFacts, lang: Lang) -> AsyncIterator[str]:
        config = {"recursion_limit": self.recursion_limit}
        async for chunk, meta in self.agent.astream({"messages": messages}, config,
                                                    context=TurnContext(facts, lang), stream_mode="messages"):
            if meta.get("langgraph_node") != "model" or not isinstance(chunk, AIMessageChunk):
                continue
            if isinstance(chunk.content, str) and chunk.content:
                yield chunk.content
