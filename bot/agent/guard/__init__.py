"""The guard every spoken sentence passes: backed figures, banned phrases, private data, prompt leaks."""

from bot.agent.guard.injection import looks_like_injection
from bot.agent.guard.sentence_guard import OfflineAnswerer, SentenceGuard, facts_for
from bot.agent.guard.verdict import PASS, GuardRule, GuardVerdict
from bot.frames import TurnFacts
from bot.language.figures import (  # the reader lives in language/; re-exported for rule writers
    Figure,
    read_codes,
    read_figures,
)

__all__ = [
    "PASS", "Figure", "GuardRule", "GuardVerdict", "OfflineAnswerer", "SentenceGuard", "TurnFacts",
    "facts_for",
    "looks_like_injection", "read_codes", "read_figures",
]
