"""`livebot prompts check` validates each file with the schema its owner registers: banned.yaml too,
with file and line, and bot/prompts itself depends on no owner."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from bot.paths import PROMPTS_DIR
from bot.prompts import check
from bot.prompts.book import PromptFileError, PromptProblem
from bot.prompts.check import check_prompts_folder, register_schema, schema_for
from bot.prompts.lined_yaml import LinedYaml

ROOT = Path(__file__).resolve().parents[2]
# A word list where a phrase is expected: YAML-valid, wrong for the guard.
BANNED_BAD_ITEM = "all:\n  - scam\nvi:\n  - rẻ nhất thị trường\n  - [chữa, bệnh]\n"
BANNED_NOT_A_LIST = "all:\n  - scam\nzh: 全网最低\n"


def _prompts_with_banned(tmp_path: Path, body: str) -> Path:
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, folder)
    (folder / "banned.yaml").write_text(body, encoding="utf-8")
    return folder


def test_bundled_prompts_pass() -> None:
    result = CliRunner().invoke(app, ["prompts", "check", str(PROMPTS_DIR)])
    assert result.exit_code == 0, result.output


def test_a_fresh_livebot_rejects_a_banned_file_that_is_valid_yaml_but_wrong(tmp_path: Path) -> None:
    # A new interpreter: the command itself must register banned.yaml's schema, not a test's imports.
    folder = _prompts_with_banned(tmp_path, BANNED_BAD_ITEM)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    run = subprocess.run([sys.executable, "-c", "from bot.cli.main import app; app()", "prompts", "check",
                          str(folder)], capture_output=True, text=True, env=env, timeout=120)
    out = "".join(run.stdout.split())  # rich wraps long paths
    assert run.returncode == 1, run.stdout + run.stderr
    assert "banned.yaml:5:vi:item2isnotaphrase" in out, run.stdout


def test_banned_entry_that_is_not_a_list_names_its_line(tmp_path: Path) -> None:
    folder = _prompts_with_banned(tmp_path, BANNED_NOT_A_LIST)
    result = CliRunner().invoke(app, ["prompts", "check", str(folder)])
    assert result.exit_code == 1
    assert "banned.yaml:3:zh:expectedalistofphrases" in "".join(result.output.split())


def test_unregistered_yaml_is_checked_for_syntax_and_patterns_match(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "_schemas", dict(check._schemas))  # this test's schema goes with it
    (tmp_path / "notes.yaml").write_text("a: [1\n", encoding="utf-8")
    (tmp_path / "extra").mkdir()
    (tmp_path / "extra" / "x.yaml").write_text("a: 1\nb: 2\n", encoding="utf-8")

    def no_b(doc: LinedYaml) -> None:
        if "b" in doc.data:
            raise PromptFileError(PromptProblem(doc.file, doc.key_line(["b"]), "no b here"))

    register_schema("extra/*.yaml", no_b)
    assert schema_for("extra/x.yaml") is no_b and schema_for("x.yaml") is None
    problems = {(Path(p.file).name, p.line, p.message.split(":")[0]) for p in check_prompts_folder(tmp_path)}
    assert ("notes.yaml", 2, "YAML error") in problems
    assert ("x.yaml", 2, "no b here") in problems


def test_bot_prompts_imports_no_owner() -> None:
    upper = ("bot.director", "bot.agent", "bot.language", "bot.speech", "bot.catalog", "bot.triage", "bot.pipeline",
             "bot.cli")
    for path in (ROOT / "bot" / "prompts").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.startswith(upper)], f"{path.name} imports {names}"
