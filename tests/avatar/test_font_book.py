"""Every line livebot ships draws with the fonts livebot ships: real glyphs, never boxes, no system font."""

from __future__ import annotations

import csv
import json
import logging
import unicodedata
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import yaml
from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw

from bot.avatar import font_book
from bot.avatar.font_book import FontBook, register_matplotlib_fonts, shipped_fonts, system_font_for
from bot.avatar.loader import load_avatar
from bot.avatar.render_contract import ProductCard
from bot.avatar.sprite import SpriteAvatar
from bot.paths import DEFAULT_AVATAR_DIR, PROMPTS_DIR, SAMPLE_CATALOG, SAMPLE_SESSION


def _emoji_or_mark(ch: str) -> bool:
    """Pictographs, their joiners and invisible format marks: the contract is 'drawn or left out'."""
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or cp in (0xFE0F, 0x20E3) or unicodedata.category(ch) in ("Cc", "Cf"))


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def bundled_lines() -> list[str]:
    """Templates, run-of-show, catalog cells and the sample session's comments, nicknames and gifts."""
    lines: list[str] = []
    for name in ("templates.yaml", "show.yaml"):
        lines += list(_strings(yaml.safe_load((PROMPTS_DIR / name).read_text(encoding="utf-8"))))
    with SAMPLE_CATALOG.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            lines += [cell for cell in row.values() if cell]
    for line in SAMPLE_SESSION.read_text(encoding="utf-8").splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:  # the sample has deliberately broken lines; replay skips them too
            continue
        lines += [event.get("text", ""), event.get("user", {}).get("nickname", ""),
                  event.get("gift", {}).get("name", "")]
    return [ln for ln in lines if ln.strip()]


@pytest.fixture
def no_system_fonts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """fontconfig pointed at a configuration with no font folders: what a bare desktop has for CJK."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(f"<?xml version='1.0'?><fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    monkeypatch.setenv("FONTCONFIG_FILE", str(conf))
    system_font_for.cache_clear()
    yield
    system_font_for.cache_clear()


def test_the_shipped_font_is_in_the_package_with_its_licence() -> None:
    fonts = shipped_fonts()
    assert [p.name for p in fonts] == ["LivebotSans-Bold.otf"]
    assert (fonts[0].parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") >= 1
    assert sum(p.stat().st_size for p in fonts) < 6_000_000  # the wheel stays a few MB


def test_every_bundled_line_draws_with_real_glyphs_without_system_fonts(no_system_fonts: None) -> None:
    assert system_font_for("中") is None and system_font_for("a") is None  # the system really is hidden
    avatar = load_avatar(DEFAULT_AVATAR_DIR, width=540, height=960)
    assert isinstance(avatar, SpriteAvatar)
    book = avatar.overlays.fonts
    shipped = {str(p) for p in shipped_fonts()}
    fonts = {path: TTFont(path, lazy=True) for path in shipped}
    lines = bundled_lines()
    assert len(lines) > 300 and any("红色" in ln for ln in lines) and any("ệ" in ln for ln in lines)
    missing: set[str] = set()
    for text in lines:
        for ch in set(text) - {" ", "\n", "\t"}:
            path = book.font_for(ch)
            if path is None:
                if not _emoji_or_mark(ch):
                    missing.add(ch)
                continue
            assert path in shipped
            glyph = fonts[path].getBestCmap()[ord(ch)]
            assert glyph != ".notdef", ch
            if not ch.isspace() and ord(ch) > 0x20:
                assert book.font(path, 32).getmask(ch).getbbox() is not None, f"{ch!r} has no ink"
        # As the viewer sees it: a caption and a product card, each built without error and with ink.
        caption = avatar.overlays.caption(text)
        card = avatar.overlays.card(ProductCard(sku="S", name=text, price_text="249.000đ", promo_text=text))
        assert caption.width > 0 and card.height > 0
    assert not missing, f"characters the shipped font lacks: {sorted(missing)}"


def test_an_undrawable_character_is_left_out_not_boxed(no_system_fonts: None,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(font_book, "_reported_missing", set())
    book = FontBook()
    assert book.font_for("😀") is None
    assert book.runs("Linh 😀 ơi") == [(str(shipped_fonts()[0]), "Linh  ơi")]

    def picture(text: str) -> np.ndarray:
        img = Image.new("L", (400, 60), 0)
        book.draw(ImageDraw.Draw(img), (5, 45), text, 32, 255)
        return np.asarray(img)

    assert np.array_equal(picture("ab😀"), picture("ab"))  # no box where the emoji was
    assert not np.array_equal(picture("ab中"), picture("ab"))


def test_missing_character_is_reported_once_per_session(monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(font_book, "_reported_missing", set())
    with caplog.at_level(logging.WARNING, logger="bot.avatar.font_book"):
        for _ in range(3):
            FontBook(system_lookup=lambda ch: None).runs("🌸 Linh 🌸")
    assert len([r for r in caplog.records if "U+1F338" in r.getMessage()]) == 1


def test_invisible_marks_are_dropped_silently_and_decomposed_vietnamese_is_one_letter(
        caplog: pytest.LogCaptureFixture) -> None:
    book = FontBook(system_lookup=lambda ch: None)
    with caplog.at_level(logging.WARNING, logger="bot.avatar.font_book"):
        text = "".join(part for _, part in book.runs("\u202eđỏ\u202c a\u0301o\u200b"))
    assert text == "đỏ áo"
    assert not caplog.records


def test_a_character_the_shipped_font_lacks_comes_from_a_system_font() -> None:
    system_font_for.cache_clear()
    omega = "Ω"  # Greek is not in the subset; fonts-dejavu-core (CI installs it) has it
    assert ord(omega) not in font_book.coverage(str(shipped_fonts()[0]))
    found = system_font_for(omega)
    if found is None:
        pytest.skip("no system font with Greek here (Debian package fonts-dejavu-core)")
    assert FontBook().font_for(omega) == found


def test_the_avatars_own_font_comes_first_then_the_shipped_one() -> None:
    import matplotlib

    dejavu = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    book = FontBook([dejavu, "/no/such/font.ttf"])
    assert book.font_for("a") == dejavu and book.font_for("中") == str(shipped_fonts()[0])


def test_matplotlib_draws_chinese_labels_with_the_shipped_font() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    register_matplotlib_fonts()
    fig, ax = plt.subplots(figsize=(3, 1))
    try:
        ax.set_title("红色上衣 · 國語 · áo đỏ ệ")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.canvas.draw()
    finally:
        plt.close(fig)
    assert not [w for w in caught if "missing from font" in str(w.message)]
