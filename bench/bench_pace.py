"""Speaking pace (issue #14): syllables per second per language, before and after.

Run: .venv/bin/python bench/bench_pace.py   — prints a table and writes bench/out/pace.json.
Lines: every answer template (prompts/templates.yaml) and scripted line (prompts/show.yaml),
filled for the red T-shirt with each market's prices (vi: 249.000đ/199.000đ from the catalog,
zh: ¥79/¥59.90, en: $19.99/$12.99). "before" = every engine at rate 1.0 with prices in full;
"after" = the rates in prompts/voices.yaml with the short money style of prompts/lexicon.yaml.
Each at pace 1.0 and at rate.busy_max. Syllables: Vietnamese space-separated words of the spoken
form, Chinese Han characters, English vowel groups per word (an estimate). Seconds are the
Speaker's output, so espeak's trailing silence counts, as it does on stage.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.events import Lang, Sentence  # noqa: E402
from bot.paths import PROMPTS_DIR  # noqa: E402
from bot.prompts.book import PromptBook  # noqa: E402
from bot.speech.engine import SpeechEngine, SpeechError  # noqa: E402
from bot.speech.speaker import Speaker, make_engine  # noqa: E402
from bot.speech.spoken_form import to_spoken  # noqa: E402
from bot.speech.voice_table import rates_for, voice_for  # noqa: E402

LANGS: tuple[Lang, ...] = ("vi", "zh", "en")
ANSWER_SECTIONS = ("price", "price_promo", "voucher", "stock", "in_stock", "buy", "spec", "thanks_follow")
FIELDS: dict[str, dict[str, str]] = {
    "vi": {"name": "Lan", "product": "áo thun đỏ basic", "price": "249.000đ", "promo_price": "199.000đ",
           "voucher": "GIAMSOC", "stock": "12", "description": "Cotton 100%, form rộng unisex, size S M L XL."},
    "zh": {"name": "小兰", "product": "红色T恤", "price": "¥79", "promo_price": "¥59.90", "voucher": "GIAMSOC",
           "stock": "12", "description": "100%纯棉，宽松中性版型，有S M L XL码。"},
    "en": {"name": "Lan", "product": "red T-shirt", "price": "$19.99", "promo_price": "$12.99",
           "voucher": "GIAMSOC", "stock": "12", "description": "100% cotton, relaxed unisex fit, sizes S M L XL."},
}
ISSUE_LINE = "Dạ Lan ơi, áo thun đỏ basic đang giảm còn 199.000đ, giá gốc 249.000đ ạ."
SHORT_ANSWERS: list[tuple[Lang, str]] = [
    ("vi", ISSUE_LINE), ("vi", "Dạ áo thun đỏ basic giá 249.000đ Lan nhé."),
    ("vi", "Lan ơi, áo thun đỏ basic bên em còn 12 cái thôi nha."),
    ("zh", "小兰，红色T恤现在特价¥59.90，原价¥79。"), ("en", "Lan, the red T-shirt is on sale for $12.99, down from $19.99."),
]
# Live-seller pace the rates were tuned to (syllables per second; issue #14).
SELLER_PACE = {"vi": (6.0, 7.0), "zh": (5.0, 6.0), "en": (4.0, 5.0)}
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def syllables(spoken: str, lang: Lang) -> int:
    if lang == "zh":
        return len(_HAN.findall(spoken))
    words = [w for w in re.split(r"[\s,.!?;:…\"()]+", spoken) if re.search(r"\w", w)]
    if lang == "vi":
        return len(words)
    total = 0
    for word in words:
        w = word.lower()
        groups = len(re.findall(r"[aeiouy]+", w))
        if w.endswith("e") and not w.endswith(("le", "ee")) and groups > 1:
            groups -= 1  # silent final e: "there", "code"
        total += max(groups, 1)
    return total


def bundled_lines(lang: Lang) -> list[str]:
    """Every answer template and scripted line for `lang`, filled."""
    templates = yaml.safe_load((PROMPTS_DIR / "templates.yaml").read_text(encoding="utf-8"))
    show = yaml.safe_load((PROMPTS_DIR / "show.yaml").read_text(encoding="utf-8"))
    raw = [line for s in ANSWER_SECTIONS for line in templates.get(s, {}).get(lang, [])]
    for seg in show.get("segments", []):
        for part in ("points", "offer"):
            raw += (seg.get(part) or {}).get(lang, [])
    out = []
    for line in raw:
        try:
            out.append(line.format_map(FIELDS[lang]))
        except KeyError:
            continue  # a placeholder this bench does not fill ({gift}, {count})
    return out


def books(tmp: Path) -> dict[str, PromptBook]:
    """'before': rate 1.0 and prices in full; 'after': the bundled voices.yaml and lexicon.yaml."""
    before, after = tmp / "before", tmp / "after"
    for folder in (before, after):
        folder.mkdir()
        for name in ("voices.yaml", "lexicon.yaml"):
            shutil.copy(PROMPTS_DIR / name, folder / name)
    voices = yaml.safe_load((PROMPTS_DIR / "voices.yaml").read_text(encoding="utf-8"))
    voices["rate"] = {"busy_max": rates_for(PromptBook(PROMPTS_DIR)).busy_max}
    (before / "voices.yaml").write_text(yaml.safe_dump(voices, allow_unicode=True), encoding="utf-8")
    lexicon = yaml.safe_load((PROMPTS_DIR / "lexicon.yaml").read_text(encoding="utf-8"))
    lexicon["money"] = {lang: {"style": "full"} for lang in LANGS}
    (before / "lexicon.yaml").write_text(yaml.safe_dump(lexicon, allow_unicode=True), encoding="utf-8")
    return {"before": PromptBook(before), "after": PromptBook(after)}


def measure(speaker: Speaker, lines: list[str], lang: Lang, pace: float) -> float:
    """Syllables per second over all `lines` (total syllables / total seconds)."""
    syl, seconds = 0, 0.0
    for i, text in enumerate(lines):
        seg = speaker.speak(Sentence(reply_id=1, index=i, text=text, lang=lang, pace=pace))
        syl += syllables(to_spoken(text, lang, speaker.lexicon), lang)
        seconds += seg.duration
    return round(syl / seconds, 2)


def bench_engine(engine: SpeechEngine, langs: tuple[Lang, ...], prompt_books: dict[str, PromptBook]
                 ) -> dict[str, Any]:
    busy = rates_for(prompt_books["after"]).busy_max
    out: dict[str, Any] = {}
    for lang in langs:
        lines = bundled_lines(lang)
        row: dict[str, Any] = {"lines": len(lines), "seller_pace": "–".join(map(str, SELLER_PACE[lang])),
                               "rate": rates_for(prompt_books["after"]).speed(engine.name, lang)}
        for when, book in prompt_books.items():
            speaker = Speaker(engine, prompts=book)
            row[when] = measure(speaker, lines, lang, 1.0)
            row[f"{when}_busy"] = measure(speaker, lines, lang, busy)
        out[lang] = row
    return out


def short_answers(engine: SpeechEngine, prompt_books: dict[str, PromptBook]) -> dict[str, Any]:
    busy = rates_for(prompt_books["after"]).busy_max
    out: dict[str, Any] = {}
    for i, (lang, text) in enumerate(SHORT_ANSWERS):
        row: dict[str, float] = {}
        for when, book in prompt_books.items():
            speaker = Speaker(engine, prompts=book)
            for label, pace in (("", 1.0), ("_busy", busy)):
                row[f"{when}{label}_s"] = round(speaker.speak(Sentence(
                    reply_id=1, index=0, text=text, lang=lang, pace=pace)).duration, 2)
        out["issue_line" if i == 0 else f"{lang}_{i}"] = {"text": text, **row}
    return out


def piper_langs(engine: SpeechEngine, book: PromptBook) -> tuple[Lang, ...]:
    """The languages piper really speaks here (the Speaker would quietly hand the rest to espeak)."""
    found: list[Lang] = []
    for lang in LANGS:
        try:
            engine.synthesize("ok", lang, voice_for(book, "piper", lang))
            found.append(lang)
        except SpeechError:
            continue
    return tuple(found)


def main() -> None:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        prompt_books = books(Path(tmp))
        results["busy_max"] = rates_for(prompt_books["after"]).busy_max
        espeak = make_engine("espeak")
        results["espeak"] = bench_engine(espeak, LANGS, prompt_books)
        results["answers_espeak"] = short_answers(espeak, prompt_books)
        try:
            piper = make_engine("piper")
            results["piper"] = bench_engine(piper, piper_langs(piper, prompt_books["after"]), prompt_books)
        except Exception as exc:  # report, do not die: the espeak figures still count
            results["piper"] = {"error": str(exc)}
    print(f"busy_max {results['busy_max']}")
    print(f"{'engine lang':<13}{'rate':>6}{'seller':>9}{'before':>8}{'b.busy':>8}{'after':>8}{'a.busy':>8}  syl/s")
    for engine in ("espeak", "piper"):
        for lang, r in results[engine].items():
            if lang == "error":
                print(f"{engine:<13} error: {r}")
                continue
            print(f"{engine + ' ' + lang:<13}{r['rate']:>6.2f}{r['seller_pace']:>9}"
                  + "".join(f"{r[k]:>8}" for k in ("before", "before_busy", "after", "after_busy")))
    print("seconds of speech: before / before busy / after / after busy")
    for name, r in results["answers_espeak"].items():
        print(f"  {name:<11}{r['before_s']:>6}{r['before_busy_s']:>6}{r['after_s']:>6}{r['after_busy_s']:>6}  {r['text']}")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "pace.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"wrote {out / 'pace.json'}")


if __name__ == "__main__":
    main()
