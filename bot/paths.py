"""Where the bundled folders live: the repository root when run from a checkout."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
PROMPTS_DIR = PROJECT_ROOT / "prompts"
AVATARS_DIR = PROJECT_ROOT / "avatars"
DEFAULT_AVATAR_DIR = AVATARS_DIR / "default"
SAMPLES_DIR = PROJECT_ROOT / "samples"
SAMPLE_CATALOG = SAMPLES_DIR / "catalog.csv"
SAMPLE_SESSION = SAMPLES_DIR / "session.jsonl"
