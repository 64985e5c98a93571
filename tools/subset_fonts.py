"""Build the font livebot ships: Noto Sans CJK SC Bold cut down to the characters our shows use.

A one-off, run by a developer when the character set changes (not at run time, not in CI):

    apt-get install fonts-noto-cjk && pip install fonttools
    python tools/subset_fonts.py [/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc]

Keeps: every GB2312 hanzi (Simplified, common use), Big5 level 1 (common Traditional), Latin with
Latin-1, Extended-A/B and Extended Additional (every Vietnamese letter with its tone mark), combining
marks (decomposed Vietnamese input), general and CJK punctuation, full-width forms, currency signs,
enclosed numbers. Writes bot/avatar/fonts/LivebotSans-Bold.otf and its OFL licence file.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
FACE = "Noto Sans CJK SC"
OUT_DIR = Path(__file__).resolve().parent.parent / "bot" / "avatar" / "fonts"
OUT_FILE = "LivebotSans-Bold.otf"
# A new family name, so a system-installed Noto Sans CJK never shadows ours (matplotlib, fontconfig)
# and the OFL's rule that a modified font is named apart from the original is kept.
FAMILY = "Livebot Sans"
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-cjk/copyright")

RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x00FF),  # Latin-1 supplement: ¥ € £ ° × ·
    (0x0100, 0x024F),  # Latin Extended-A and -B: Ă Đ Ơ Ư
    (0x0300, 0x036F),  # combining marks: Vietnamese typed decomposed
    (0x1E00, 0x1EFF),  # Latin Extended Additional: ạ ả ấ … ỹ
    (0x2000, 0x206F),  # general punctuation: – — ‘ ’ “ ” … ‧
    (0x20A0, 0x20CF),  # currency: ₫ €
    (0x2100, 0x214F),  # letterlike: № ™
    (0x2190, 0x21FF),  # arrows
    (0x2460, 0x24FF),  # enclosed numbers: ① ②
    (0x25A0, 0x25FF),  # shapes: ■ ● ★ (promo text)
    (0x2600, 0x26FF),  # symbols: ☆ ♥
    (0x2700, 0x27BF),  # dingbats: ✔ ✘
    (0x3000, 0x303F),  # CJK punctuation: 、。「」【】
    (0x3100, 0x312F),  # bopomofo
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # full-width forms: ！？（）￥
)


def _decoded(codec: str, lead: range, trail: list[int]) -> set[str]:
    out: set[str] = set()
    for hi in lead:
        for lo in trail:
            try:
                out.add(bytes((hi, lo)).decode(codec))
            except UnicodeDecodeError:
                continue
    return out


def hanzi() -> set[str]:
    """GB2312 (6763 Simplified hanzi) plus Big5 level 1 (5401 common Traditional), from Python's codecs."""
    gb2312 = _decoded("gb2312", range(0xB0, 0xF8), list(range(0xA1, 0xFF)))
    big5_trail = list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF))
    big5_level1 = {ch for ch in _decoded("big5", range(0xA4, 0xC7), big5_trail) if ch.encode("big5") < b"\xc6\x7f"}
    return gb2312 | big5_level1


def wanted() -> set[int]:
    points = {cp for lo, hi in RANGES for cp in range(lo, hi + 1)}
    return points | {ord(ch) for ch in hanzi()}


def build(source: Path) -> Path:
    collection = TTCollection(str(source))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FACE)
    options = subset.Options()
    options.hinting = False  # captions are 20-60 px: outlines alone render cleanly and the file is smaller
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted() & set(font.getBestCmap())))
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 16):
            names.setName(FAMILY, record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 4):
            names.setName(f"{FAMILY} Bold", record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID == 6:
            names.setName("LivebotSans-Bold", record.nameID, record.platformID, record.platEncID, record.langID)
    names.names = [r for r in names.names if r.nameID != 17 or r.toUnicode() == "Bold"]
    if "CFF " in font:
        font["CFF "].cff.fontNames = ["LivebotSans-Bold"]
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = OUT_DIR / OUT_FILE
    font.save(str(out))
    _write_licence(names.getDebugName(0) or "")
    return out


def _write_licence(copyright_line: str) -> None:
    lines = DEBIAN_COPYRIGHT.read_text(encoding="utf-8").splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.strip().startswith("SIL OPEN FONT LICENSE"))
    body = []
    for ln in lines[start:]:
        if ln and not ln.startswith(" "):
            break  # the next stanza of the Debian copyright file
        body.append("" if ln.strip() == "." else ln[1:])
    header = (f"{FAMILY} Bold ({OUT_FILE}) is a subset of Noto Sans CJK SC Bold, "
              "renamed so it is never taken for the original.\n"
              f"{copyright_line}\n\nThis Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n")
    (OUT_DIR / "OFL.txt").write_text(header + "\n".join(body).strip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    path = build(Path(sys.argv[1]) if len(sys.argv) > 1 else SOURCE)
    print(f"{path}: {path.stat().st_size / 1e6:.2f} MB")
