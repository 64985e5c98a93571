"""`livebot prompts check`: the prompts folder against every owner's schema.

A prompt file's owner registers its schema when its module is imported; importing the owners here,
at the top, is what puts them all in the registry before the folder is walked.
"""

from __future__ import annotations

from pathlib import Path

from bot.agent.guard import market_rules, text_rules
from bot.director import run_of_show, variants
from bot.language import templates
from bot.prompts.book import PromptProblem
from bot.prompts.check import check_prompts_folder
from bot.speech import lexicon, voice_table

# show.yaml (+ its experiment block), templates.yaml, banned.yaml, rules/*.yaml (+ the script lint),
# lexicon.yaml, voices.yaml. A new prompt file's owner goes here too.
OWNERS = (run_of_show, variants, templates, text_rules, market_rules, lexicon, voice_table)


def check_prompts(folder: Path) -> list[PromptProblem]:
    """Every problem in the prompts folder, each with its file and line; empty when all is good."""
    return check_prompts_folder(folder)
