"""YAML prompt files with their line numbers: one loader every owner's schema uses for file-and-line errors.

`LinedYaml.parse(text, file)` gives the data; `.line(path)`, `.key_line(path)`, `.spot(path)` and
`.strings()` give 1-based lines of values, keys, list items and strings, composed from the text on first use.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from bot.prompts.book import yaml_error

YamlPath = tuple[Any, ...]  # mapping keys and list indexes from the top of the file
Kind = Literal["mapping", "sequence", "string", "scalar"]


@dataclass(frozen=True, slots=True)
class Spot:
    """One node of a YAML file: its path, where its key (or list item) is, and where its value starts."""

    path: YamlPath
    key_line: int | None  # the key's line, a list item's own line; None for the top of the file
    line: int  # where the value starts (a block list or mapping: its first item)
    kind: Kind  # "string" is a scalar that is text; "scalar" any other (number, bool, null)
    scalar: str | None  # a scalar as written in the file; None for a list or mapping


_NOT_YET: Any = object()


class LinedYaml:
    """A YAML prompt file's data, and the line of any key, list item or string in it (None when unknown)."""

    __slots__ = ("file", "data", "_text", "_root", "_spots")

    def __init__(self, file: str, data: Any, text: str | None = None) -> None:
        """`data` already parsed from `text`; without `text` the file is read when a line is first asked."""
        self.file = file
        self.data = data
        self._text = text
        self._root: yaml.Node | None = _NOT_YET
        self._spots: dict[YamlPath, Spot] | None = None

    @classmethod
    def parse(cls, text: str, file: str) -> LinedYaml:
        """Parse `text` once for data and lines; a syntax error is a PromptFileError with its line."""
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            data = loader.construct_document(root) if root is not None else None
        except yaml.YAMLError as exc:
            raise yaml_error(exc, file) from None
        finally:
            loader.dispose()
        doc = cls(file, data, text)
        doc._root = root
        return doc

    @classmethod
    def read(cls, path: Path) -> LinedYaml:
        """Read and parse a file (OSError / UnicodeDecodeError pass through, syntax errors as PromptFileError)."""
        return cls.parse(path.read_text(encoding="utf-8"), str(path))

    @property
    def text(self) -> str:
        """The file's text ("" when it was not given and cannot be read)."""
        if self._text is None:
            try:
                self._text = Path(self.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                self._text = ""
        return self._text

    def spot(self, path: Sequence[Any] = ()) -> Spot | None:
        """The node at `path`, or the deepest one on the way when the file stops earlier; None without a document."""
        spots = self._index()
        here = spots.get(())
        if here is None:
            return None
        for step in path:
            if here.kind == "mapping":
                nxt = spots.get((*here.path, str(step)))
            elif here.kind == "sequence" and isinstance(step, int) and not isinstance(step, bool):
                nxt = spots.get((*here.path, step))
            else:
                nxt = None
            if nxt is None:
                break
            here = nxt
        return here

    def line(self, path: Sequence[Any] = ()) -> int | None:
        """Where the value at `path` starts (or the deepest value on the way there)."""
        found = self.spot(path)
        return found.line if found is not None else None

    def key_line(self, path: Sequence[Any]) -> int | None:
        """The line of the key or list item `path` ends with (or the deepest one on the way); None if none is."""
        found = self.spot(path)
        return found.key_line if found is not None else None

    def strings(self) -> Iterator[Spot]:
        """Every text value in the file, in file order, with its path and line."""
        return (s for s in self._index().values() if s.kind == "string")

    def _index(self) -> dict[YamlPath, Spot]:
        if self._spots is None:
            if self._root is _NOT_YET:
                try:
                    self._root = yaml.compose(self.text)
                except yaml.YAMLError:
                    self._root = None  # the data was parsed elsewhere; without lines errors still name the file
            self._spots = {}
            if self._root is not None:
                _walk(self._root, (), None, self._spots, set())
        return self._spots


def _walk(node: yaml.Node, path: YamlPath, key_line: int | None, out: dict[YamlPath, Spot], above: set[int]) -> None:
    """Index `node` and everything under it; a repeated key keeps its last line, as the data keeps its last value."""
    line = node.start_mark.line + 1
    if isinstance(node, yaml.ScalarNode):
        kind: Kind = "string" if node.tag.endswith(":str") else "scalar"
        out[path] = Spot(path, key_line, line, kind, str(node.value))
        return
    if id(node) in above:  # an alias that contains itself
        return
    above = above | {id(node)}
    if isinstance(node, yaml.MappingNode):
        out[path] = Spot(path, key_line, line, "mapping", None)
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                _walk(value, (*path, key.value), key.start_mark.line + 1, out, above)
    elif isinstance(node, yaml.SequenceNode):
        out[path] = Spot(path, key_line, line, "sequence", None)
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), item.start_mark.line + 1, out, above)
