"""`livebot prompts check`: every prompt file parsed and validated, errors with file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.prompts.book import PromptFileError, PromptProblem, parse_yaml_text

Checker = Callable[[Path], list[PromptProblem]]


def check_yaml_file(path: Path, validate: Callable[[object, str, str], object]) -> list[PromptProblem]:
    """Parse and validate one YAML prompt file; the problems found (empty when it is good)."""
    try:
        text = path.read_text(encoding="utf-8")
        validate(parse_yaml_text(text, str(path)), str(path), text)
    except PromptFileError as exc:
        return [exc.problem]
    except (OSError, UnicodeDecodeError) as exc:
        return [PromptProblem(str(path), None, f"cannot read: {exc}")]
    return []


def _yaml_checker(validate: Callable[[object, str, str], object]) -> Checker:
    return lambda path: check_yaml_file(path, validate)


def _validators() -> dict[str, Checker]:
    """Per-file validators; files without one are checked for YAML syntax only."""
    from bot.director.run_of_show import parse_show
    from bot.language.templates import validate_templates

    checkers: dict[str, Checker] = {
        "templates.yaml": _yaml_checker(validate_templates),
        "show.yaml": _yaml_checker(lambda data, where, text: parse_show(data, where, text)),
    }
    for name, module, attr in (("lexicon.yaml", "bot.speech.lexicon", "validate_lexicon"),
                               ("voices.yaml", "bot.speech.voice_table", "validate_voices"),
                               ("banned.yaml", "bot.agent.guard.banned", "validate_banned")):
        try:
            mod = __import__(module, fromlist=[attr])
            checkers[name] = _yaml_checker(getattr(mod, attr))
        except (ImportError, AttributeError):
            continue
    from bot.agent.guard.market_rules import rules_file, validate_market_rules

    for market in ("all", "vi", "zh", "en"):
        checkers[rules_file(market)] = _yaml_checker(validate_market_rules)
    return checkers


def _lint_problems(folder: Path) -> list[PromptProblem]:
    """The seller's own lines against the market rules, and show.yaml's experiment block."""
    from bot.agent.guard.market_rules import lint_script_files
    from bot.director.variants import check_experiment

    return lint_script_files(folder) + check_experiment(folder)


def check_prompts_folder(folder: Path) -> list[PromptProblem]:
    """Validate every prompt file in `folder` (and its subfolders); an empty list means all good."""
    problems: list[PromptProblem] = []
    checkers = _validators()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if rel in checkers:
            problems += checkers[rel](path)
        elif path.suffix in (".yaml", ".yml"):
            problems += _yaml_checker(lambda data, where, text: data)(path)
        elif path.suffix in (".md", ".txt"):
            try:
                path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(PromptProblem(str(path), None, f"cannot read as UTF-8 text: {exc}"))
    return problems + _lint_problems(folder)
