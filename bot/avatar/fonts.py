"""Fonts for on-screen text: a Latin/Vietnamese face plus a CJK face, chosen per character.

DejaVu Sans ships inside matplotlib's wheel (a dependency), so Vietnamese always renders. Chinese
needs a CJK font from the system (Debian `fonts-noto-cjk` or `fonts-wqy-microhei`) or avatar.toml
`[fonts] cjk`; without one, Chinese characters show as boxes and nothing fails.
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

log = logging.getLogger(__name__)

_SYSTEM_TEXT_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
)
_SYSTEM_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
)


def _matplotlib_font(name: str) -> Path | None:
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf" / name
    return candidate if candidate.is_file() else None


@lru_cache(maxsize=16)
def _coverage(path: str) -> frozenset[int]:
    """Code points a font file has glyphs for (first face of a collection)."""
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=0, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (0x2E80 <= cp <= 0x9FFF or 0xF900 <= cp <= 0xFAFF or 0xFF00 <= cp <= 0xFFEF
            or 0x3000 <= cp <= 0x303F or 0x20000 <= cp <= 0x2FA1F)


@dataclass
class FontSet:
    """A text font and an optional CJK font; `runs` splits a string by which font draws it."""

    text_path: str | None
    cjk_path: str | None
    _sized: dict[tuple[str, int], ImageFont.FreeTypeFont | ImageFont.ImageFont] = field(default_factory=dict)

    @classmethod
    def discover(cls, text: str | Path | None = None, cjk: str | Path | None = None) -> FontSet:
        """Pick fonts: the given paths first, then the system's, then the ones wheels ship."""
        text_candidates = [text, *_SYSTEM_TEXT_FONTS, _matplotlib_font("DejaVuSans-Bold.ttf"),
                           _matplotlib_font("DejaVuSans.ttf")]
        text_path = next((str(p) for p in text_candidates if p and Path(p).is_file()), None)
        cjk_path = next((str(p) for p in (cjk, *_SYSTEM_CJK_FONTS) if p and Path(p).is_file()), None)
        if text and str(text) != text_path:
            log.warning("avatar text font %s not found; using %s", text, text_path)
        if cjk_path is None:
            log.info("no CJK font found (install fonts-noto-cjk or fonts-wqy-microhei); Chinese shows as boxes")
        return cls(text_path, cjk_path)

    def font(self, which: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        key = (which, size)
        if key not in self._sized:
            path = self.cjk_path if which == "cjk" else self.text_path
            self._sized[key] = ImageFont.truetype(path, size) if path else ImageFont.load_default(size)
        return self._sized[key]

    def which_for(self, ch: str) -> str:
        if self.cjk_path is None or ch.isspace():
            return "text"
        if self.text_path is not None and ord(ch) in _coverage(self.text_path):
            return "text"
        return "cjk" if ord(ch) in _coverage(self.cjk_path) else "text"

    def runs(self, text: str) -> list[tuple[str, str]]:
        """Split `text` into (font, substring) runs, each drawable by one font."""
        out: list[tuple[str, str]] = []
        for ch in text:
            which = self.which_for(ch)
            if out and out[-1][0] == which:
                out[-1] = (which, out[-1][1] + ch)
            else:
                out.append((which, ch))
        return out

    def length(self, text: str, size: int) -> float:
        return sum(self.font(which, size).getlength(part) for which, part in self.runs(text))
