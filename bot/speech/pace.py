"""Speaking pace (issue #14): a rate per engine and language from voices.yaml's `rate:` section,
times the sentence's own pace (raised a little while questions wait), clamped to `busy_max`.

A rate is a factor of the engine's normal pace: espeak's words per minute (175 × factor),
piper's length_scale (the voice's own ÷ factor). Engines without a rate control keep their pace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.events import LANGS
from bot.prompts.book import PromptFileError, PromptProblem

RATE_ENGINES = ("espeak", "piper")  # the engines whose speed the speaker can set
BUSY_MAX = 1.15  # default bound of Sentence.pace: faster than this sounds rushed, not lively
FACTOR_RANGE = (0.5, 2.0)
BUSY_RANGE = (1.0, 1.5)


@dataclass(frozen=True, slots=True)
class RateTable:
    """engine -> {lang -> factor}, and the bound on a sentence's pace."""

    factors: dict[str, dict[str, float]] = field(default_factory=dict)
    busy_max: float = BUSY_MAX

    def speed(self, engine: str, lang: str, pace: float = 1.0) -> float:
        """rate(engine, lang) × pace, the pace clamped to [1, busy_max]."""
        busy = min(max(float(pace), 1.0), self.busy_max)
        return self.factors.get(engine, {}).get(lang, 1.0) * busy


def _number(value: Any, low: float, high: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if low <= value <= high else None


def validate_rate(data: Any, file: str, line_of: Callable[[tuple[str, ...]], int | None]) -> RateTable:
    """voices.yaml's `rate:` section: {busy_max: 1.15, espeak: {vi: 1.2, ...}, piper: {...}}."""
    if data is None:
        return RateTable()
    if not isinstance(data, dict):
        raise PromptFileError(PromptProblem(
            file, line_of(("rate",)), "rate: expected busy_max and engine: {lang: factor}"))
    factors: dict[str, dict[str, float]] = {}
    busy_max = BUSY_MAX
    for key, value in data.items():
        key = str(key)
        if key == "busy_max":
            bound = _number(value, *BUSY_RANGE)
            if bound is None:
                raise PromptFileError(PromptProblem(
                    file, line_of(("rate", key)), f"rate.busy_max: {value!r} must be a number from "
                                                  f"{BUSY_RANGE[0]} to {BUSY_RANGE[1]}"))
            busy_max = bound
            continue
        if key not in RATE_ENGINES:
            raise PromptFileError(PromptProblem(
                file, line_of(("rate", key)), f"rate: {key!r} is not busy_max or an engine with a rate control "
                                              f"({', '.join(RATE_ENGINES)})"))
        if not isinstance(value, dict):
            raise PromptFileError(PromptProblem(file, line_of(("rate", key)), f"rate.{key}: expected lang: factor"))
        for lang, factor in value.items():
            number = _number(factor, *FACTOR_RANGE)
            if str(lang) not in LANGS or number is None:
                raise PromptFileError(PromptProblem(
                    file, line_of(("rate", key, str(lang))),
                    f"rate.{key}: {lang!r} must be one of {', '.join(LANGS)} with a factor from "
                    f"{FACTOR_RANGE[0]} to {FACTOR_RANGE[1]}"))
            factors.setdefault(key, {})[str(lang)] = number
    return RateTable(factors, busy_max)
