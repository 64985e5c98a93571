"""Cuts a stream of model tokens into sentences for the voice, as soon as each one is complete.

Latin `. ! ? …` end a sentence only when whitespace (or a Chinese character) follows, so "249.000đ",
"$12.99" and "1,5 triệu" stay whole even when the digits arrive in separate deltas; CJK `。！？` and
newlines end one at once. Known abbreviations ("v.v.", "Mr.", "e.g.") never end a sentence. The
first sentence of a reply may be cut early at a comma so the voice can start sooner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CLOSERS = "\"'”’)\\]」』»"
_END = re.compile(
    rf"(?:\.{{2,}}|…|[.!?])+[{_CLOSERS}]*(?=\s|[\u3000-\u9fff\uff00-\uffef])"  # Latin: needs what follows
    rf"|[。！？]+[{_CLOSERS}]*"  # CJK: ends at once
    r"|\n+"
)
_SOFT = re.compile(r"[,;:](?=\s)|[，、；：]")
_LAST_WORD = re.compile(r"(\S+)$")
ABBREVIATIONS = frozenset({
    "v.v.", "vv.", "mr.", "mrs.", "ms.", "dr.", "prof.", "sr.", "jr.", "st.", "vs.", "e.g.", "i.e.", "etc.",
    "approx.", "no.", "tp.", "q.", "p.", "ths.", "ts.", "đc.", "sđt.",
})

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_BULLET = re.compile(r"^\s*(?:[-•*+>]|\d{1,2}[.)])\s+")
_MARKUP = re.compile(r"\*\*|__|~~|[*#`]|^_|_$")
_SPACES = re.compile(r"\s+")


def clean_sentence(text: str) -> str:
    """Spoken text without markdown: links keep their words, bullets/headings/emphasis go."""
    text = _LINK.sub(r"\1", text)
    text = _BULLET.sub("", text)
    text = _MARKUP.sub("", text)
    text = _BULLET.sub("", text)  # a bullet may sit behind a heading mark ("## - ...")
    return _SPACES.sub(" ", text).strip()


@dataclass(slots=True)
class SentenceSplitter:
    """Feed token deltas, get whole sentences back.

    `first_cut_chars`: once the first sentence has this many characters, a comma may end it
    (0 turns early cuts off). `max_chars`: a sentence with no punctuation is cut at a space past this.
    """

    first_cut_chars: int = 40
    max_chars: int = 220
    _buf: str = ""
    _emitted: int = 0

    def feed(self, delta: str) -> list[str]:
        """Add a delta; return the sentences it completed (possibly none)."""
        if not delta:
            return []
        self._buf += delta
        out: list[str] = []
        while True:
            cut = self._next_cut()
            if cut is None:
                break
            piece, self._buf = self._buf[:cut], self._buf[cut:]
            self._emit(piece, out)
        return out

    def flush(self) -> list[str]:
        """End of the reply: whatever is left is the last sentence. The splitter is ready for a new reply."""
        out: list[str] = []
        self._emit(self._buf, out)
        self.reset()
        return out

    def reset(self) -> None:
        self._buf = ""
        self._emitted = 0

    def _next_cut(self) -> int | None:
        buf = self._buf
        for m in _END.finditer(buf):
            if m.group(0).startswith(".") and not m.group(0).startswith(".."):
                if not any(ch.isalpha() for ch in buf[: m.start()]):
                    continue  # a list number ("1. ") is not a sentence
                word = _LAST_WORD.search(buf[: m.start() + 1])
                if word and word.group(1).lower().lstrip("(\"'") in ABBREVIATIONS:
                    continue
            return m.end()
        if self._emitted == 0 and self.first_cut_chars > 0 and len(buf) > self.first_cut_chars:
            for m in _SOFT.finditer(buf, self.first_cut_chars):
                return m.end()
        if len(buf) > self.max_chars:
            space = buf.rfind(" ", 0, self.max_chars)
            return space + 1 if space > 0 else self.max_chars
        return None

    def _emit(self, piece: str, out: list[str]) -> None:
        text = clean_sentence(piece)
        if any(ch.isalnum() for ch in text):
            out.append(text)
            self._emitted += 1
