"""Reads the files in `prompts/` on demand; an edit applies to the next read, a broken file keeps
the last good version in force and its error (file and line) is reported."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PromptProblem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class PromptFileError(ValueError):
    """A prompt file that does not parse or does not validate, with where the error is."""

    def __init__(self, problem: PromptProblem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def yaml_error(exc: yaml.YAMLError, file: str) -> PromptFileError:
    """A YAML syntax error as a PromptFileError with its 1-based line."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(exc, "problem", None) or str(exc)
    return PromptFileError(PromptProblem(file, line, f"YAML error: {reason}"))


def parse_yaml_text(text: str, file: str) -> Any:
    """Parse YAML, turning parser errors into a PromptFileError with a 1-based line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise yaml_error(exc, file) from None


Validator = Callable[[Any, str], Any]


@dataclass(slots=True)
class _Entry:
    mtime_ns: int
    size: int
    value: Any


class PromptBook:
    """One folder of prompt files. `yaml(name)` / `text(name)` return the newest good version.

    A validator may reshape the parsed data and raise PromptFileError; then the last good
    version stays in force and the problem is kept in `problems` until the file is fixed.
    """

    def __init__(self, folder: Path, fallback: Path | None = None) -> None:
        self.folder = Path(folder)
        self.fallback = fallback  # bundled defaults when the user's folder lacks a file
        self._cache: dict[str, _Entry] = {}
        self._problems: dict[str, PromptProblem] = {}
        self._lock = threading.Lock()
        self.reloads = 0

    @property
    def problems(self) -> list[PromptProblem]:
        with self._lock:
            return list(self._problems.values())

    def path(self, name: str) -> Path | None:
        p = self.folder / name
        if p.exists():
            return p
        if self.fallback is not None and (self.fallback / name).exists():
            return self.fallback / name
        return None

    def yaml(self, name: str, default: Any = None, validator: Validator | None = None) -> Any:
        return self._read(name, default, lambda text, file: parse_yaml_text(text, file), validator)

    def text(self, name: str, default: str = "") -> str:
        return self._read(name, default, lambda text, _file: text, None)

    def parsed(self, name: str, parse: Callable[[str, str], Any], default: Any = None) -> Any:
        """A non-YAML file through `parse(text, file)`, which raises PromptFileError with the line."""
        return self._read(name, default, parse, None)

    def _read(self, name: str, default: Any, parse: Callable[[str, str], Any],
              validator: Validator | None) -> Any:
        path = self.path(name)
        key = name
        if path is None:
            with self._lock:
                entry = self._cache.get(key)
            return entry.value if entry is not None else default
        try:
            st = path.stat()
        except OSError:
            st = None
        with self._lock:
            entry = self._cache.get(key)
        if entry is not None and st is not None and (st.st_mtime_ns, st.st_size) == (entry.mtime_ns, entry.size):
            return entry.value
        try:
            text = path.read_text(encoding="utf-8")
            value = parse(text, str(path))
            if validator is not None:
                value = validator(value, str(path))
        except PromptFileError as exc:
            self._report(key, exc.problem)
            return entry.value if entry is not None else default
        except (OSError, UnicodeDecodeError) as exc:
            self._report(key, PromptProblem(str(path), None, f"cannot read: {exc}"))
            return entry.value if entry is not None else default
        with self._lock:
            if entry is not None:
                self.reloads += 1
            self._cache[key] = _Entry(st.st_mtime_ns if st else 0, st.st_size if st else 0, value)
            if self._problems.pop(key, None) is not None:
                log.info("prompt file fixed: %s", path)
        return value

    def _report(self, key: str, problem: PromptProblem) -> None:
        with self._lock:
            known = self._problems.get(key)
            self._problems[key] = problem
        if known != problem:
            log.warning("prompt file error, last good version kept: %s", problem)
