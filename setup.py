"""Build hook: copy the bundled folders into the wheel as `bot/bundled/`, keeping one copy in git.

`prompts/`, `samples/` and `avatars/default/` stay at the top of the repository, where moderators
and developers edit them; an installed livebot reads the copies through importlib.resources
(see bot/paths.py). Everything else is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
BUNDLED = {"prompts": "prompts", "samples": "samples", "avatars/default": "avatars/default"}


class BuildPyWithBundle(build_py):
    """build_py that also copies the repository's bundled folders under bot/bundled."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install reads the repository's folders in place
            return
        for source, target in BUNDLED.items():
            dest = Path(self.build_lib) / "bot" / "bundled" / target
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(ROOT / source, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildPyWithBundle})
