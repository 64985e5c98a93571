"""The LLM responder: an OpenAI-compatible model through langchain, behind the Responder interface.

Importing this package does not import langchain or openai; `make_llm_responder` does, lazily.
"""

from typing import Any

__all__ = ["LlmLimits", "LlmResponder", "make_llm_responder"]


def __getattr__(name: str) -> Any:
    # Lazy so that `bot.agent.guard` can import the persona module without a cycle.
    if name in __all__:
        from bot.agent.llm import responder

        return getattr(responder, name)
    raise AttributeError(name)
