"""The one YAML loader of prompt files: data parsed once, lines of keys, list items and strings on demand."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.prompts.book import PromptFileError
from bot.prompts.lined_yaml import LinedYaml

TEXT = """\
# a comment first
language: vi
segments:
  - sku: AO-01
    points:
      vi: ["Áo đẹp", 5]
  - sku: AO-02
    minutes:
      3
empty:
"""


def test_data_is_what_safe_load_gives_and_lines_follow_paths() -> None:
    doc = LinedYaml.parse(TEXT, "show.yaml")
    assert doc.data["segments"][0]["points"]["vi"] == ["Áo đẹp", 5]
    assert doc.line() == 2  # the document starts at its first key, after the comment
    assert doc.key_line(["language"]) == 2
    assert doc.key_line(["segments"]) == 3 and doc.line(["segments"]) == 4  # a block list starts at its item
    assert doc.line(["segments", 1]) == 7 and doc.key_line(["segments", 1]) == 7
    assert doc.key_line(["segments", 1, "minutes"]) == 8 and doc.line(["segments", 1, "minutes"]) == 9
    assert doc.line(["segments", 0, "points", "vi", 1]) == 6
    assert doc.key_line(["empty"]) == 10


def test_a_path_past_the_file_stops_at_the_deepest_node_on_the_way() -> None:
    doc = LinedYaml.parse(TEXT, "show.yaml")
    assert doc.line(["segments", 0, "offer", "vi"]) == 4  # no offer: the segment's own line
    assert doc.spot(["segments", 9]).path == ("segments",)
    assert doc.key_line(["nothing", "here"]) is None  # not even the first key: no key line
    assert doc.line(["nothing"]) == 2  # the document's own start


def test_scalars_as_written_and_every_string_in_file_order() -> None:
    doc = LinedYaml.parse(TEXT, "show.yaml")
    assert doc.spot(["segments", 0, "points", "vi", 1]).scalar == "5"
    assert doc.spot(["segments", 0, "points", "vi", 1]).kind == "scalar"
    assert [(s.path, s.scalar, s.line) for s in doc.strings()] == [
        (("language",), "vi", 2), (("segments", 0, "sku"), "AO-01", 4),
        (("segments", 0, "points", "vi", 0), "Áo đẹp", 6), (("segments", 1, "sku"), "AO-02", 7)]


def test_numbers_and_bools_in_a_path_match_the_keys_as_written() -> None:
    doc = LinedYaml.parse("variants:\n  1:\n    - a\n", "show.yaml")
    assert doc.data == {"variants": {1: ["a"]}}
    assert doc.line(["variants", 1, 0]) == 3
    assert doc.line(["variants", True]) == 2  # no such key: the mapping's own line


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    with pytest.raises(PromptFileError) as err:
        LinedYaml.parse("a: 1\nb: [broken\n", "banned.yaml")
    assert err.value.problem.file == "banned.yaml" and err.value.problem.line == 3
    assert "YAML error" in err.value.problem.message


def test_lines_of_data_parsed_elsewhere_come_from_the_file_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("vi:\n  XL: size lớn\n", encoding="utf-8")
    doc = LinedYaml(str(path), {"vi": {"XL": "size lớn"}})
    assert doc.key_line(["vi", "XL"]) == 2
    assert LinedYaml(str(tmp_path / "missing.yaml"), {}).line(["vi"]) is None  # unreadable: no lines, no crash
    assert LinedYaml("x.yaml", {}, "a: [").line(["a"]) is None  # text that does not compose: no lines


def test_empty_file_and_self_referencing_alias() -> None:
    assert LinedYaml.parse("", "x.yaml").data is None
    assert LinedYaml.parse("# nothing\n", "x.yaml").line(["a"]) is None
    doc = LinedYaml.parse("a: &x\n  - b\n  - *x\n", "x.yaml")
    assert doc.line(["a", 0]) == 2
    assert doc.line(["a", 1]) == doc.line(["a"]) == 1  # the list inside itself is not walked again; it starts at &x
