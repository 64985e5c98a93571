"""`livebot init [DIR]`: an editable copy of the bundled prompts and a starter catalog, for moderators."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.paths import PROMPTS_DIR, SAMPLE_CATALOG


class InitError(Exception):
    """A file is in the way; the message names it."""


def init_command(folder: Path, force: bool = False) -> list[Path]:
    """Copy prompts/ and catalog.csv into `folder`; refuse to overwrite unless `force`. Returns what was written."""
    prompts, catalog = folder / "prompts", folder / "catalog.csv"
    in_the_way = [p for p in (prompts, catalog) if p.exists()]
    if in_the_way and not force:
        raise InitError(f"{in_the_way[0]} already exists; edit it, or run livebot init --force to overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROMPTS_DIR, prompts, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", ".*"))
    shutil.copyfile(SAMPLE_CATALOG, catalog)
    return [prompts, catalog]
