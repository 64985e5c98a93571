"""Where the bundled folders live: the repository's own in a checkout, the package's copy once installed.

A wheel carries `prompts/`, `samples/` and `avatars/default/` as `bot/bundled/…` (setup.py copies them
at build time), read through importlib.resources; a checkout keeps using the folders people edit.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def is_checkout() -> bool:
    """True when livebot runs from a repository checkout (an editable install or PYTHONPATH)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "prompts").is_dir()


def bundled(name: str) -> Path:
    """A bundled folder or file (`prompts`, `samples/catalog.csv`, `avatars/default`…) as a path on disk."""
    if is_checkout():
        return PROJECT_ROOT / name
    # Installed wheels are unpacked on disk, so the traversable is a real path that watchers can poll.
    return Path(str(resources.files("bot").joinpath("bundled", *name.split("/"))))


PROMPTS_DIR = bundled("prompts")
AVATARS_DIR = bundled("avatars")
DEFAULT_AVATAR_DIR = AVATARS_DIR / "default"
SAMPLES_DIR = bundled("samples")
SAMPLE_CATALOG = SAMPLES_DIR / "catalog.csv"
SAMPLE_SESSION = SAMPLES_DIR / "session.jsonl"
