"""Which products a comment names: fuzzy, accent-insensitive matching over names and aliases.

Latin-script names are compared word-window by word-window (rapidfuzz ratio over the same number
of words, ±1), so "ao doo" finds "áo đỏ" but the "ao" inside "bao" finds nothing. Chinese has no
spaces: an alias found inside the comment is a hit; otherwise partial_ratio over characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from bot.catalog.model import Catalog, Product
from bot.events import LANGS, Lang
from bot.language.text import expand_teencode, fold, is_cjk, words

# Scores are 0..100. Below MIN_SCORE a product is not named; short aliases need an exact word.
MIN_SCORE = 82.0
_SHORT_ALIAS = 4  # aliases this short (folded, no spaces) only match exactly
_SHORT_NAME, _SHORT_NAME_SCORE = 6, 90.0
_CJK_MIN_SCORE = 75.0


@dataclass(frozen=True, slots=True)
class _Alias:
    product_index: int
    folded: str
    tokens: tuple[str, ...]
    cjk: bool


def _has_cjk(text: str) -> bool:
    return any(is_cjk(ch) for ch in text)


class ProductMatcher:
    """Finds the products a comment talks about, best first, with a 0..100 score."""

    def __init__(self, catalog: Catalog, min_score: float = MIN_SCORE) -> None:
        self.catalog = catalog
        self.min_score = min_score
        self._products: list[Product] = list(catalog)
        self._aliases: list[_Alias] = []
        for i, product in enumerate(self._products):
            localized = (product.extra.get(f"name_{lang}", "") for lang in LANGS)
            names = [product.name, *product.aliases, *localized]
            seen: set[str] = set()
            for name in names:
                folded = " ".join(words(fold(name)))
                if not folded or folded in seen:
                    continue
                seen.add(folded)
                self._aliases.append(_Alias(i, folded, tuple(folded.split()), _has_cjk(folded)))
        # Latin aliases: short one-word names match exactly, the rest fuzzily, grouped by word count.
        self._exact_aliases: list[int] = []
        self._fuzzy_by_words: dict[int, list[int]] = {}
        for index, alias in enumerate(self._aliases):
            if alias.cjk:
                continue
            if len(alias.tokens) == 1 and len(alias.folded) <= _SHORT_ALIAS:
                self._exact_aliases.append(index)
            else:
                self._fuzzy_by_words.setdefault(len(alias.tokens), []).append(index)

    def _latin_scores(self, tokens: list[str]) -> dict[int, float]:
        """Best window score per Latin alias index: one rapidfuzz cdist per (alias length, window size)."""
        token_set = set(tokens)
        windows: dict[int, list[str]] = {}

        def windows_of(size: int) -> list[str]:
            if size not in windows:
                count = max(1, len(tokens) - size + 1)
                windows[size] = [" ".join(tokens[i:i + size]) for i in range(count)]
            return windows[size]

        out: dict[int, float] = {}
        for i in self._exact_aliases:
            # "mu", "jean", "tui": a word-for-word hit or nothing (fuzzy here matches everything).
            if self._aliases[i].folded in token_set:
                out[i] = 100.0
        for n, indexes in self._fuzzy_by_words.items():
            names = [self._aliases[i].folded for i in indexes]
            best = np.zeros(len(indexes))
            for size in sorted({max(1, n - 1), n, n + 1}):
                grid = process.cdist(names, windows_of(size), scorer=fuzz.ratio, dtype=np.float32)
                penalty = 0.0 if size == n else 4.0  # a missing or extra word costs a little
                best = np.maximum(best, grid.max(axis=1) - penalty)
            for i, score in zip(indexes, best.tolist(), strict=True):
                # One typo in a short name is a large share of it: "ao do" accepts "ao doo", not "ao da".
                if len(self._aliases[i].folded) > _SHORT_NAME or score >= _SHORT_NAME_SCORE:
                    out[i] = score
        return out

    @staticmethod
    def _cjk_score(alias: _Alias, cjk_text: str) -> float:
        if alias.folded in cjk_text:
            return 100.0
        if len(alias.folded) < 2 or not cjk_text:
            return 0.0
        return fuzz.partial_ratio(alias.folded, cjk_text)

    def scores(self, text: str) -> dict[int, float]:
        """Best score per product index for `text` (0..100, before thresholds)."""
        folded = fold(expand_teencode(text)) if not _has_cjk(text) else fold(text)
        tokens = words(folded)
        latin_tokens = [t for t in tokens if not _has_cjk(t)]
        cjk_text = "".join(t for t in tokens if _has_cjk(t))
        latin = self._latin_scores(latin_tokens) if latin_tokens else {}
        best: dict[int, float] = {}
        for index, alias in enumerate(self._aliases):
            if alias.cjk:
                if not cjk_text:
                    continue
                raw = self._cjk_score(alias, cjk_text)
                # Characters carry more meaning than letters: rescale 75..100 onto min_score..100.
                score = 0.0 if raw < _CJK_MIN_SCORE else self.min_score + (raw - _CJK_MIN_SCORE) * (
                    100.0 - self.min_score) / (100.0 - _CJK_MIN_SCORE)
            elif index in latin:
                score = latin[index]
            else:
                continue
            # Longer names are more specific: "ao khoac gio" beats "ao" sharing words with it.
            score += min(len(alias.folded), 20) / 100.0
            if score > best.get(alias.product_index, 0.0):
                best[alias.product_index] = score
        return best

    def match(self, text: str, lang: Lang | None = None, limit: int = 3) -> list[tuple[Product, float]]:
        """Products `text` names, best first: (product, score 0..100), at most `limit`."""
        ranked = sorted(((s, i) for i, s in self.scores(text).items() if s >= self.min_score), reverse=True)
        return [(self._products[i], min(100.0, round(s, 2))) for s, i in ranked[:limit]]

    def named_in_order(self, text: str, lang: Lang | None = None, limit: int = 3) -> list[Product]:
        """Products `text` names, in the order the comment names them ("áo đỏ với quần jean")."""
        found = [p for p, _ in self.match(text, lang, limit)]
        if len(found) < 2:
            return found
        folded = " ".join(words(fold(expand_teencode(text)) if not _has_cjk(text) else fold(text)))
        index = {p.sku: i for i, p in enumerate(self._products)}
        return sorted(found, key=lambda p: self._position(index[p.sku], folded))

    def _position(self, product_index: int, folded: str) -> int:
        """Where in the comment the product is named: its earliest exact alias, else the best fuzzy one."""
        aliases = [a for a in self._aliases if a.product_index == product_index]
        exact = [folded.find(a.folded) for a in aliases if a.folded in folded]
        if exact:
            return min(exact)
        best = max((fuzz.partial_ratio_alignment(a.folded, folded) for a in aliases),
                   key=lambda r: r.score if r is not None else -1.0, default=None)
        return best.dest_start if best is not None else len(folded)

    def best(self, text: str, lang: Lang | None = None) -> Product | None:
        """The single product `text` names, or None."""
        found = self.match(text, lang, limit=1)
        return found[0][0] if found else None

