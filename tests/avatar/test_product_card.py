"""The product card on both avatars: the price a viewer pays is the big one, the list price only the "was" line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.avatar.avatar_spec import LayoutSpec
from bot.avatar.font_book import FontBook
from bot.avatar.loader import load_avatar
from bot.avatar.overlay_painter import ACCENT, PROMO
from bot.avatar.photoreal.avatar_folder import PreparedAvatar
from bot.avatar.photoreal.photoreal_renderer import PhotorealAvatar
from bot.avatar.product_cards import ProductCards
from bot.avatar.render_contract import AvatarRenderer, AvatarState, ProductCard
from bot.catalog.importer import load_catalog_file
from bot.paths import DEFAULT_AVATAR_DIR, PROMPTS_DIR, SAMPLE_CATALOG
from bot.prompts.book import PromptBook

W, H = 288, 512  # the photoreal tests' stage size: small enough for CPU, the layout scales with it
# The card the show builds for the sample's promoted red tee (199.000đ now, list price 249.000đ).
PROMOTED = ProductCards(load_catalog_file(SAMPLE_CATALOG)[0], PromptBook(PROMPTS_DIR), "vi").card("AO-DO-01")
assert PROMOTED is not None and PROMOTED.price_text == "199.000đ" and PROMOTED.promo_text == "Giá gốc 249.000đ"


class _NoLipSync:
    """Stands in for the Wav2Lip model: a silent frame must never ask it for a face."""

    def generate(self, mels: np.ndarray, faces: np.ndarray) -> np.ndarray:
        raise AssertionError("a silent frame ran the lip-sync network")


def _photoreal() -> PhotorealAvatar:
    frames = np.full((2, H, W, 3), 90, np.uint8)  # a grey idle clip: no torch, no checkpoint needed
    prepared = PreparedAvatar(Path("."), 25, frames, np.array([[100, 100, 196, 196]] * 2),
                              np.zeros((2, 96, 96, 3), np.uint8), np.ones((96, 96), np.float32))
    return PhotorealAvatar(prepared, _NoLipSync(), width=W, height=H, fps=25)  # type: ignore[arg-type]


RENDERERS = {"sprite": lambda: load_avatar(DEFAULT_AVATAR_DIR, width=W, height=H), "photoreal": _photoreal}


@pytest.fixture
def drawn_text(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, tuple]]:
    """Every line any painter draws, as (text, size, colour): what the viewer reads, font by font."""
    calls: list[tuple[str, int, tuple]] = []
    real = FontBook.draw

    def spy(self, draw, xy, text, size, fill) -> None:
        calls.append((text, size, tuple(fill) if isinstance(fill, tuple) else (fill,)))
        real(self, draw, xy, text, size, fill)

    monkeypatch.setattr(FontBook, "draw", spy)
    return calls


@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_a_promoted_product_shows_the_price_paid_and_the_list_price_as_was(kind: str, drawn_text) -> None:
    avatar: AvatarRenderer = RENDERERS[kind]()
    plain = avatar.render(AvatarState(frame_index=0, t=0.0))
    frame = avatar.render(AvatarState(frame_index=0, t=0.0, product=PROMOTED))
    sizes = {text: size for text, size, _ in drawn_text}
    assert PROMOTED.price_text in sizes, f"{kind}: the price paid is not on the card ({sorted(sizes)})"
    assert (PROMOTED.price_text, sizes[PROMOTED.price_text], ACCENT) in drawn_text  # the big red price
    # The list price is only ever the smaller "was" line, never shown as the price.
    with_list_price = {text for text in sizes if "249.000" in text}
    assert with_list_price == {PROMOTED.promo_text}
    assert sizes[PROMOTED.promo_text] < sizes[PROMOTED.price_text]
    # On screen: the orange "was" badge inside the card, where the layout puts the card.
    x_f, top_f, w_f = LayoutSpec().card
    card = frame[round(top_f * H):round(top_f * H) + H // 4, round(x_f * W):round((x_f + w_f) * W)].astype(int)
    badge = (np.abs(card - np.array(PROMO[:3])) < 40).all(axis=2)
    assert badge.sum() > 30
    changed = np.abs(frame.astype(int) - plain.astype(int)).sum(axis=2) > 0
    assert not changed[:, round((x_f + w_f) * W) + 8:].any()  # clear of TikTok's right-hand UI


def test_without_a_promotion_the_card_has_no_was_line(drawn_text) -> None:
    avatar = _photoreal()
    avatar.render(AvatarState(frame_index=0, t=0.0, product=ProductCard(sku="T", name="Túi", price_text="$12.99")))
    assert [text for text, _, _ in drawn_text] == ["Túi", "$12.99"]
