"""Which font draws each character: the avatar's own fonts, then the fonts livebot ships, then the system's.

livebot ships Livebot Sans Bold (a subset of Noto Sans CJK SC Bold: Latin, every Vietnamese letter,
GB2312 and common Traditional hanzi, punctuation, full-width forms, currency signs; see
tools/subset_fonts.py), so captions and cards need no system font. A character none of them has is
looked up through fontconfig; one nobody can draw (most emoji) is left out, with one log line per
character per process, never drawn as a box.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

from PIL import ImageDraw, ImageFont

log = logging.getLogger(__name__)

SHIPPED_FONT_FILES = ("LivebotSans-Bold.otf",)
SHIPPED_FAMILY = "Livebot Sans"
# Marks that shape their neighbours but have no picture of their own: dropped without a word.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}
_reported_missing: set[str] = set()


def shipped_fonts() -> list[Path]:
    """The font files inside the package, in the order they are tried."""
    folder = resources.files("bot.avatar") / "fonts"
    return [Path(str(folder / name)) for name in SHIPPED_FONT_FILES if (folder / name).is_file()]


@lru_cache(maxsize=64)
def coverage(path: str) -> frozenset[int]:
    """Code points a font file maps to a real glyph (first face of a collection; .notdef excluded)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=0, lazy=True) as font:
        has_outlines = any(tag in font for tag in ("glyf", "CFF ", "CFF2"))
        bitmap_emoji = any(tag in font for tag in ("CBDT", "sbix")) and "COLR" not in font
        if not has_outlines or bitmap_emoji:  # a bitmap colour emoji font opens at one pixel size only
            return frozenset()
        return frozenset(cp for cp, glyph in (font.getBestCmap() or {}).items() if glyph != ".notdef")


@lru_cache(maxsize=4096)
def system_font_for(ch: str) -> str | None:
    """An installed font with an outline glyph for `ch`, asked of fontconfig; None without fontconfig."""
    # Only characters the shipped font lacks get here, once each per process; the short timeout
    # bounds the pause when a caption first shows one.
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        found = subprocess.run([fc_list, f":charset={ord(ch):x}", "file"], capture_output=True, text=True,
                               timeout=2, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in sorted(found.splitlines()):  # sorted: the same machine picks the same font every run
        path = line.strip().rstrip(":").strip()
        try:
            if path and ord(ch) in coverage(path):
                return path
        except Exception:  # a broken system font file is skipped, never fatal to the show
            continue
    return None


class FontBook:
    """Resolves each character to a font file; `runs` splits a line into pieces one font can draw."""

    def __init__(self, preferred: Iterable[str | Path | None] = (),
                 system_lookup: Callable[[str], str | None] = system_font_for) -> None:
        self.chain: list[str] = []
        for path in preferred:
            if path is None:
                continue
            if Path(path).is_file():
                self.chain.append(str(path))
            else:
                log.warning("font %s not found; using the fonts livebot ships", path)
        self.chain += [str(p) for p in shipped_fonts()]
        self.system_lookup = system_lookup
        self._by_char: dict[str, str | None] = {}
        self._sized: dict[tuple[str, int], ImageFont.FreeTypeFont] = {}

    def font_for(self, ch: str) -> str | None:
        """The first font in the chain, then on the system, with a glyph for `ch`; None: leave it out."""
        if ch not in self._by_char:
            self._by_char[ch] = self._resolve(ch)
        return self._by_char[ch]

    def _resolve(self, ch: str) -> str | None:
        if unicodedata.category(ch) in _INVISIBLE_CATEGORIES or 0xFE00 <= ord(ch) <= 0xFE0F:
            return None
        path = next((p for p in self.chain if ord(ch) in coverage(p)), None) or self.system_lookup(ch)
        if path is None and ch not in _reported_missing:
            _reported_missing.add(ch)
            log.warning("no font has %r (U+%04X %s); it is left out of on-screen text", ch, ord(ch),
                        unicodedata.name(ch, "unnamed"))
        return path

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split `text` (NFC, so decomposed Vietnamese draws as one letter) into (font path, substring) runs."""
        out: list[tuple[str, str]] = []
        for ch in unicodedata.normalize("NFC", text):
            path = self.font_for(ch) if not ch.isspace() else self.font_for(" ")
            if path is None:
                continue
            if out and out[-1][0] == path:
                out[-1] = (path, out[-1][1] + (" " if ch.isspace() else ch))
            else:
                out.append((path, " " if ch.isspace() else ch))
        return out

    def visible(self, text: str) -> str:
        """`text` as it will appear: the characters no font can draw taken out."""
        return "".join(part for _, part in self.runs(text))

    def font(self, path: str, size: int) -> ImageFont.FreeTypeFont:
        key = (path, size)
        if key not in self._sized:
            self._sized[key] = ImageFont.truetype(path, size)
        return self._sized[key]

    def length(self, text: str, size: int) -> float:
        return sum(self.font(path, size).getlength(part) for path, part in self.runs(text))

    def draw(self, draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int, fill) -> None:
        """Draw one line starting at `xy` on its baseline, switching font per run (one baseline for all)."""
        x, y = xy
        for path, part in self.runs(text):
            font = self.font(path, size)
            draw.text((x, y), part, font=font, fill=fill, anchor="ls")
            x += font.getlength(part)


def register_matplotlib_fonts() -> list[str]:
    """Add the shipped fonts to matplotlib and make them the fallback after DejaVu Sans, so CJK labels render."""
    import matplotlib
    from matplotlib import font_manager

    for path in shipped_fonts():
        font_manager.fontManager.addfont(str(path))
    # matplotlib >= 3.6 falls back glyph by glyph along font.family: Latin keeps its usual look.
    families = ["DejaVu Sans", SHIPPED_FAMILY]
    matplotlib.rcParams["font.family"] = families
    return families
