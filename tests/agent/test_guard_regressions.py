"""Guard regressions found by running the show: voucher codes read whole, accents respected."""

from __future__ import annotations

from pathlib import Path

from bot.agent.guard import SentenceGuard
from bot.catalog.importer import load_catalog_file
from bot.frames import TurnFacts
from bot.language.figures import read_codes
from bot.paths import PROMPTS_DIR, SAMPLE_CATALOG
from bot.prompts.book import PromptBook


def test_code_after_keyword_is_read_whole() -> None:
    assert [c.code for c in read_codes("Nhớ dùng mã GIAMSOC lúc thanh toán nhé.")] == ["GIAMSOC"]
    assert [c.code for c in read_codes("Nhập mã giảm giá FREESHIP nha")] == ["FREESHIP"]


def test_the_products_own_voucher_passes_and_a_made_up_one_does_not(tmp_path: Path) -> None:
    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    shirt = catalog.get("AO-DO-01")
    guard = SentenceGuard(PromptBook(PROMPTS_DIR))
    facts = TurnFacts(products=[shirt])
    assert guard.check("Nhớ dùng mã GIAMSOC lúc thanh toán nhé.", "vi", facts).ok
    assert not guard.check("Nhớ dùng mã GIAM90 lúc thanh toán nhé.", "vi", facts).ok


def test_banned_phrases_keep_accents_when_the_sentence_has_them() -> None:
    guard = SentenceGuard(PromptBook(PROMPTS_DIR))
    assert guard.check("Bạn chưa khỏi ốm thì nghỉ ngơi nha.", "vi", TurnFacts()).ok  # "not yet well"
    assert not guard.check("Sản phẩm này chữa khỏi mụn.", "vi", TurnFacts()).ok  # "cures"
    assert not guard.check("san pham nay chua khoi mun", "vi", TurnFacts()).ok  # typed without accents
