"""The run-of-show (prompts/show.yaml): products in order, talking points, target minutes,
when to repeat the offer. The host presents, yields to viewers between sentences, resumes
where it left off, and jumps to a product when a viewer asks about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.events import LANGS, Lang
from bot.prompts.book import PromptBook, PromptFileError, PromptProblem
from bot.prompts.check import register_schema
from bot.prompts.lined_yaml import LinedYaml

SHOW_FILE = "show.yaml"


@dataclass(slots=True)
class Segment:
    sku: str
    minutes: float
    points: dict[Lang, list[str]]
    offer: dict[Lang, list[str]] = field(default_factory=dict)
    variant: str | None = None


@dataclass(slots=True)
class ShowPlan:
    language: Lang
    repeat_offer_every_s: float
    segments: list[Segment]
    variants: dict[str, list[Segment]] = field(default_factory=dict)


def _lines_by_lang(raw: Any, doc: LinedYaml, path: list[Any]) -> dict[Lang, list[str]]:
    if raw is None:
        return {}
    if isinstance(raw, list):  # a plain list is in the show's main language
        raw = {"_": raw}
    if not isinstance(raw, dict):
        raise PromptFileError(PromptProblem(doc.file, doc.line(path),
                                            "expected a list of lines or lines per language"))
    out: dict[Lang, list[str]] = {}
    for lang, lines in raw.items():
        if lang != "_" and lang not in LANGS:
            raise PromptFileError(PromptProblem(doc.file, doc.line([*path, lang]),
                                                f"unknown language {lang!r} (vi, zh, en)"))
        if not isinstance(lines, list) or not all(isinstance(x, str) and x.strip() for x in lines):
            raise PromptFileError(PromptProblem(doc.file, doc.line([*path, lang]),
                                                "expected a list of non-empty lines"))
        out[lang] = [x.strip() for x in lines]  # type: ignore[index]
    return out


def parse_show(data: Any, where: str, text: str | None = None) -> ShowPlan:
    """Validate the parsed show.yaml; errors name the file and line."""
    doc = LinedYaml(where, data, text)
    if not isinstance(data, dict):
        raise PromptFileError(PromptProblem(where, 1, "show.yaml must be a mapping with 'segments'"))
    language = data.get("language", "vi")
    if language not in LANGS:
        raise PromptFileError(PromptProblem(where, doc.line(["language"]), f"unknown language {language!r}"))
    try:
        repeat = float(data.get("repeat_offer_every_s", 120))
    except (TypeError, ValueError):
        raise PromptFileError(PromptProblem(where, doc.line(["repeat_offer_every_s"]), "not a number")) from None

    def segments_of(raw: Any, path: list[Any], variant: str | None) -> list[Segment]:
        if not isinstance(raw, list) or not raw:
            raise PromptFileError(PromptProblem(where, doc.line(path), "'segments' must be a non-empty list"))
        segs = []
        for i, item in enumerate(raw):
            p = [*path, i]
            if not isinstance(item, dict) or not item.get("sku"):
                raise PromptFileError(PromptProblem(where, doc.line(p), "each segment needs a 'sku'"))
            try:
                minutes = float(item.get("minutes", 3))
            except (TypeError, ValueError):
                raise PromptFileError(PromptProblem(where, doc.line([*p, "minutes"]),
                                                    "minutes is not a number")) from None
            points = _lines_by_lang(item.get("points"), doc, [*p, "points"])
            if not points:
                raise PromptFileError(PromptProblem(where, doc.line(p), f"segment {item['sku']} has no points"))
            if "_" in points:
                points[language] = points.pop("_")  # type: ignore[index]
            offer = _lines_by_lang(item.get("offer"), doc, [*p, "offer"])
            if "_" in offer:
                offer[language] = offer.pop("_")  # type: ignore[index]
            segs.append(Segment(str(item["sku"]), minutes, points, offer, variant))
        return segs

    segments = segments_of(data.get("segments"), ["segments"], None)
    variants: dict[str, list[Segment]] = {}
    raw_variants = data.get("variants") or {}
    if not isinstance(raw_variants, dict):
        raise PromptFileError(PromptProblem(where, doc.line(["variants"]),
                                            "'variants' must map a name to segments"))
    for name, body in raw_variants.items():
        segs = body.get("segments") if isinstance(body, dict) else body
        variants[str(name)] = segments_of(segs, ["variants", name, "segments"] if isinstance(body, dict)
                                          else ["variants", name], str(name))
    return ShowPlan(language, repeat, segments, variants)  # type: ignore[arg-type]


def load_show(book: PromptBook) -> ShowPlan | None:
    return book.yaml(SHOW_FILE, default=None, validator=lambda data, where: parse_show(data, where))



@dataclass(slots=True)
class ScriptLine:
    sku: str
    text: str
    lang: Lang
    is_offer: bool
    variant: str | None


class ShowCursor:
    """Where the host is in the run-of-show; survives edits to show.yaml (matched by SKU)."""

    def __init__(self, variant: str | None = None) -> None:
        self.variant = variant
        self.segment_sku: str | None = None
        self.segment_started = 0.0
        self.point_index: dict[str, int] = {}
        self.last_offer_t: dict[str, float] = {}

    def segments(self, plan: ShowPlan) -> list[Segment]:
        if self.variant and self.variant in plan.variants:
            return plan.variants[self.variant]
        return plan.segments

    def current(self, plan: ShowPlan) -> Segment:
        segs = self.segments(plan)
        for s in segs:
            if s.sku == self.segment_sku:
                return s
        return segs[0]

    def jump_to(self, plan: ShowPlan, sku: str, now: float) -> bool:
        """A viewer asked about `sku`: continue the show from its segment (False if not in the show)."""
        if sku == self.segment_sku:
            return True
        if any(s.sku == sku for s in self.segments(plan)):
            self.segment_sku = sku
            self.segment_started = now
            return True
        return False

    def next_line(self, plan: ShowPlan, now: float, lang: Lang | None = None) -> ScriptLine:
        segs = self.segments(plan)
        seg = self.current(plan)
        if self.segment_sku is None:
            self.segment_sku, self.segment_started = seg.sku, now
        if now - self.segment_started >= seg.minutes * 60:
            idx = next(i for i, s in enumerate(segs) if s.sku == seg.sku)
            seg = segs[(idx + 1) % len(segs)]
            self.segment_sku, self.segment_started = seg.sku, now
        speak = lang or plan.language
        points = seg.points.get(speak) or seg.points.get(plan.language) or next(iter(seg.points.values()))
        if speak not in seg.points:
            speak = plan.language if plan.language in seg.points else next(iter(seg.points))
        offers = seg.offer.get(speak) or []
        if offers and now - self.last_offer_t.get(seg.sku, -1e9) >= plan.repeat_offer_every_s \
                and self.point_index.get(seg.sku, 0) > 0:
            self.last_offer_t[seg.sku] = now
            n = self.point_index.get(f"offer:{seg.sku}", 0)
            self.point_index[f"offer:{seg.sku}"] = n + 1
            return ScriptLine(seg.sku, offers[n % len(offers)], speak, True, seg.variant)
        i = self.point_index.get(seg.sku, 0)
        self.point_index[seg.sku] = i + 1
        return ScriptLine(seg.sku, points[i % len(points)], speak, False, seg.variant)


register_schema(SHOW_FILE, lambda doc: parse_show(doc.data, doc.file, doc.text))
