"""`livebot prompts check`: every prompt file parsed and validated, errors with file and line.

Each file's owner registers its schema here when its module is imported (`register_schema`); this
module knows no owner. A YAML file without a schema is checked for syntax only.
"""

from __future__ import annotations

from collections.abc import Callable
from fnmatch import fnmatchcase
from pathlib import Path

from bot.prompts.book import PromptFileError, PromptProblem
from bot.prompts.lined_yaml import LinedYaml

Schema = Callable[[LinedYaml], object]  # raises PromptFileError naming the file and line
FolderCheck = Callable[[Path], list[PromptProblem]]  # checks that read more than one file

_schemas: dict[str, Schema] = {}
_folder_checks: dict[str, FolderCheck] = {}


def register_schema(name: str, validate: Schema) -> None:
    """Validate the prompts-relative file `name` ("show.yaml", "rules/*.yaml") with `validate`."""
    _schemas[name] = validate


def register_folder_check(check: FolderCheck) -> None:
    """Run `check(folder)` after the files' own schemas (lints across files); once per function."""
    _folder_checks[f"{check.__module__}.{check.__qualname__}"] = check


def schema_for(name: str) -> Schema | None:
    """The schema registered for a prompts-relative file name: an exact name first, then a pattern."""
    if name in _schemas:
        return _schemas[name]
    return next((v for pattern, v in _schemas.items() if fnmatchcase(name, pattern)), None)


def _syntax_only(doc: LinedYaml) -> object:
    return doc.data


def check_yaml_file(path: Path, validate: Schema = _syntax_only) -> list[PromptProblem]:
    """Parse and validate one YAML prompt file; the problems found (empty when it is good)."""
    try:
        validate(LinedYaml.read(path))
    except PromptFileError as exc:
        return [exc.problem]
    except (OSError, UnicodeDecodeError) as exc:
        return [PromptProblem(str(path), None, f"cannot read: {exc}")]
    return []


def check_prompts_folder(folder: Path) -> list[PromptProblem]:
    """Validate every prompt file in `folder` (and its subfolders); an empty list means all good.

    Only the schemas registered so far apply: import the owners first (bot.cli.prompts_cmd does)."""
    problems: list[PromptProblem] = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        schema = schema_for(rel)
        if schema is not None or path.suffix in (".yaml", ".yml"):
            problems += check_yaml_file(path, schema or _syntax_only)
        elif path.suffix in (".md", ".txt"):
            try:
                path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(PromptProblem(str(path), None, f"cannot read as UTF-8 text: {exc}"))
    for check in list(_folder_checks.values()):
        problems += check(folder)
    return problems
