"""Market claim rules: a corpus of forbidden claims per market is never spoken (blocked or rephrased),
ordinary selling lines pass untouched, rule files hot-reload and report errors with file and line,
and `livebot prompts check` lints the seller's script. Real guard, real PromptBook, real files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.agent.guard import SentenceGuard
from bot.agent.guard.market_rules import MarketClaimRule, find_claims, parse_market_rules
from bot.agent.offline import OfflineResponder
from bot.agent.turn import TurnWriter
from bot.catalog.importer import load_catalog_file
from bot.cli.main import app
from bot.events import ReplyPlan
from bot.frames import LineDraft, TurnFacts
from bot.paths import PROMPTS_DIR, SAMPLE_CATALOG
from bot.prompts.book import PromptBook, PromptFileError, parse_yaml_text

FORBIDDEN = {
    "zh": [
        "这是全网最好的面料。", "我们的品质全国第一。", "这款是第一品牌。", "这是最佳选择。", "顶级工艺，放心买。",
        "最高级的材质。", "国家级认证产品。", "全网最低价，只有今天。", "这是最便宜的一款。", "100%有效，买了不后悔。",
        "保证有效，无效退款。", "穿上它能治疗腰痛。", "喝了可以根治失眠。", "它能减肥瘦身。", "比淘宝便宜多了。",
        "质量吊打其他品牌。", "这是独一无二的设计。", "绝对好看，闭眼入。", "这款最受欢迎。", "央视推荐的好物。",
    ],
    "vi": [
        "Áo này chất lượng tốt nhất luôn nha!", "Đây là hàng số 1 Việt Nam.", "Giá rẻ nhất thị trường luôn ạ.",
        "Sản phẩm duy nhất có công nghệ này.", "Cam kết khỏi bệnh sau một tuần.", "Kem này chữa khỏi mụn luôn.",
        "Uống vào là hết bệnh nha.", "Cam kết 100% hiệu quả.", "Đảm bảo 100% không phai màu.",
        "Mẫu này đẹp nhất shop đó.", "Tốt hơn hẳn các shop khác nha.", "Rẻ hơn Shopee nhiều luôn.",
        "Không như hàng chợ ngoài kia.", "Thương hiệu hàng đầu Việt Nam.", "Trà này giúp giảm cân cấp tốc.",
        "Hàng xịn nhất hiện nay.", "Hiệu quả tức thì sau một lần dùng.", "Sản phẩm vô địch về độ bền.",
    ],
    "en": [
        "This is the best shirt in the world.", "We are the number one brand in Vietnam.",
        "It's the cheapest anywhere, trust me.", "Guaranteed results in a week!", "This tea cures headaches.",
        "Our cream heals acne overnight.", "It treats eczema naturally.", "Lowest prices anywhere, guaranteed.",
        "It's 100% effective.", "Clinically proven to work.", "Better than any other brand out there.",
        "Way cheaper than Amazon.", "It burns fat while you sleep.", "This is the best deal today!",
        "An unbeatable price for you.", "The world's best cotton.", "It's the No.1 choice for students.",
        "Unlike other brands, we never fade.",
    ],
}
ORDINARY = {
    "zh": ["今天第一款是红色上衣，纯棉面料。", "你最好选大一码。", "这件现在特价哦。", "高腰显瘦，很好搭配。",
           "喜欢就赶紧下单吧！", "面料很舒服，透气不闷。", "纯棉面料，宽松版型。", "库存不多了哦。"],
    "vi": ["Mẫu số 1 là áo thun đỏ nha.", "Chỉ duy nhất hôm nay giảm giá thôi ạ.", "Dạ áo này đang giảm giá ạ.",
           "Chất cotton mềm, mặc mát cả ngày.", "Form rộng unisex, nam nữ đều đẹp.",
           "Bạn đặt ở giỏ hàng vàng nha!", "Váy dài qua gối, đi làm hay đi chơi đều hợp."],
    "en": ["Item number one is the red shirt.", "The mug is ceramic.", "Soft cotton that stays cool all day.",
           "Grab it from the yellow basket!", "This is a great deal today.", "Sizes S to XL are in stock.",
           "We ship the best we can, usually the same day.", "Thanks for the follow, An!"],
}


@pytest.fixture
def book() -> PromptBook:
    return PromptBook(PROMPTS_DIR)


@pytest.fixture
def guard(book: PromptBook) -> SentenceGuard:
    g = SentenceGuard(book)
    g.add_rule(MarketClaimRule(book))
    return g


async def speak(guard: SentenceGuard, lang: str, lines: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Lines through the real TurnWriter, as the run-of-show's / moderators' lines go: spoken and blocked."""
    offline = OfflineResponder(load_catalog_file(SAMPLE_CATALOG)[0], guard.prompts)
    writer = TurnWriter(offline, offline, guard, lambda d: TurnFacts())
    draft = LineDraft(plan=ReplyPlan(id=1, kind="script", lang=lang, t_received=0.0), sentences=lines)  # type: ignore[arg-type]
    blocked: list[tuple[str, str]] = []
    spoken = [s.text async for s in writer.sentences(draft, lambda text, why: blocked.append((text, why)))]
    return spoken, blocked


@pytest.mark.parametrize("lang", ["zh", "vi", "en"])
async def test_forbidden_claims_are_never_spoken(guard: SentenceGuard, book: PromptBook, lang: str) -> None:
    corpus = FORBIDDEN[lang]
    assert len(corpus) >= 15
    spoken, blocked = await speak(guard, lang, corpus)
    rule = MarketClaimRule(book)
    for line in spoken:  # whatever was said instead carries no claim of any market rule
        assert not find_claims(line, rule.rule_sets(lang)), line
    assert {b[0] for b in blocked} == set(corpus)  # every corpus line fired a rule, none went out as written
    assert not set(spoken) & set(corpus)
    for line in corpus:  # the market rule catches each on its own (other rules may fire first in the guard)
        verdict = rule.check(line, lang, TurnFacts())  # type: ignore[arg-type]
        assert verdict is not None and not verdict.ok, line
        assert f"{lang}." in (verdict.reason or "") or "all." in (verdict.reason or "")
    market = [why for _text, why in blocked if why.startswith("market_claim: ")]
    assert len(market) >= len(corpus) // 2  # the ledger's reason names the rule that fired
    assert all(w.split(": ", 2)[2].split()[0].startswith((f"{lang}.", "all.")) for w in market)


@pytest.mark.parametrize("lang", ["zh", "vi", "en"])
async def test_ordinary_selling_lines_pass_untouched(guard: SentenceGuard, lang: str) -> None:
    spoken, blocked = await speak(guard, lang, ORDINARY[lang])
    assert blocked == []
    assert spoken == ORDINARY[lang]


async def test_rephrase_keeps_the_line_with_milder_words(guard: SentenceGuard) -> None:
    spoken, blocked = await speak(guard, "zh", ["这是最好的面料。"])
    assert spoken == ["这是很好的面料。"]
    assert blocked[0][1].startswith("market_claim: rephrased: zh.absolute.zuihao")
    spoken, _ = await speak(guard, "vi", ["Tốt nhất là chọn size M nha.", "Áo này chất lượng tốt nhất luôn nha!"])
    assert spoken == ["Rất tốt là chọn size M nha.", "Áo này chất lượng rất tốt luôn nha!"]
    spoken, _ = await speak(guard, "vi", ["Ao nay chat luong tot nhat luon nha"])  # typed without accents
    assert spoken == ["Ao nay chat luong rat tot luon nha"]
    # a line with a rephrasable term and a forbidden one is dropped, not half-fixed
    spoken, blocked = await speak(guard, "en", ["This is the best deal and it heals colds."])
    assert spoken == [] and "en.health.cure" in blocked[0][1]


def test_figures_are_not_claims(book: PromptBook) -> None:
    """Catalog figures ("100% cotton", prices) are the figures rule's business, never a market claim."""
    rule = MarketClaimRule(book)
    for lang, line in [("zh", "100%纯棉，现在只要¥59。"), ("vi", "Cotton 100%, giá 249.000đ, còn 12 cái."),
                       ("en", "100% cotton, $12.99, 3 left."), ("vi", "Top 10 mẫu hot tuần này."),
                       ("en", "Size no. 12 is back."),
                       # accents matter: "chưa khỏi" (not yet well) is not "chữa khỏi" (cures); banned.yaml's
                       # folded matching cannot tell them apart, the market rules can
                       ("vi", "Bạn chưa khỏi ốm thì mặc ấm nha.")]:
        assert rule.check(line, lang, TurnFacts()) is None, line  # type: ignore[arg-type]


def test_decomposed_unicode_and_case_still_match(book: PromptBook) -> None:
    import unicodedata

    rule = MarketClaimRule(book)
    nfd = unicodedata.normalize("NFD", "GIÁ RẺ NHẤT luôn")
    verdict = rule.check(nfd, "vi", TurnFacts())
    assert verdict is not None and not verdict.ok and "vi.price.re-nhat" in (verdict.reason or "")


def _copy_prompts(tmp_path: Path) -> Path:
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, folder)
    return folder


def _touch(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))  # a new mtime even on coarse clocks


def test_rule_file_hot_reload_and_broken_edit_keeps_last_good(tmp_path: Path) -> None:
    folder = _copy_prompts(tmp_path)
    book = PromptBook(folder)
    rule = MarketClaimRule(book)
    assert rule.check("This blanket is super cozy.", "en", TurnFacts()) is None
    en = folder / "rules" / "en.yaml"
    good = en.read_text(encoding="utf-8") + (
        "  - id: en.custom.cozy\n    category: absolute\n    phrases: [super cozy]\n"
        "    message: moderators asked\n    action: rephrase\n    replace: cozy\n")
    _touch(en, good)
    verdict = rule.check("This blanket is super cozy.", "en", TurnFacts())
    assert verdict is not None and verdict.replacement == "This blanket is cozy."
    _touch(en, good + "  - id: en.broken\n    category: absolute\n    patterns: ['(unclosed']\n"
           "    message: oops\n    action: block\n")
    verdict = rule.check("This blanket is super cozy.", "en", TurnFacts())
    assert verdict is not None and verdict.replacement == "This blanket is cozy."  # last good version in force
    problem = book.problems[0]
    assert problem.file.endswith("rules/en.yaml") and problem.line == good.count("\n") + 3  # the bad pattern itself
    assert "bad regex" in problem.message


def test_own_prompts_folder_without_rules_uses_the_bundled_ones(tmp_path: Path) -> None:
    (tmp_path / "persona.md").write_text("You are a host.\n", encoding="utf-8")
    rule = MarketClaimRule(PromptBook(tmp_path))
    verdict = rule.check("这是最佳选择。", "zh", TurnFacts())
    assert verdict is not None and verdict.replacement == "这是很好选择。"


@pytest.mark.parametrize(("body", "line", "words"), [
    ("market: en\nrules:\n  - id: a\n    category: x\n    phrases: [b]\n    message: m\n    action: rephrase\n",
     7, "needs 'replace'"),
    ("market: en\nrules:\n  - id: a\n    category: x\n    phrases: [b]\n    message: m\n    action: shout\n",
     7, "block or rephrase"),
    ("market: en\nrules:\n  - id: a\n    category: x\n    message: m\n", 3, "phrases' or 'patterns"),
    ("market: en\nrules:\n  - id: a\n    category: x\n    phrases: [b]\n    message: m\n"
     "  - id: a\n    category: x\n    phrases: [c]\n    message: m\n", 7, "used twice"),
    ("market: en\nrulez: []\n", 2, "unknown key"),
    ("market: en\nrules:\n  - id: a\n    category: x\n    phrases: [b]\n    mesage: m\n", 6, "unknown key"),
])
def test_rule_file_errors_name_the_line(tmp_path: Path, body: str, line: int, words: str) -> None:
    path = tmp_path / "en.yaml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PromptFileError) as err:
        parse_market_rules(parse_yaml_text(body, str(path)), str(path), body)
    assert err.value.problem.line == line and words in err.value.problem.message


def test_prompts_check_lints_the_sellers_script(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["prompts", "check", str(PROMPTS_DIR)])
    assert ok.exit_code == 0, ok.output
    folder = _copy_prompts(tmp_path)
    show = folder / "show.yaml"
    lines = show.read_text(encoding="utf-8").splitlines()
    zh_at = next(i for i, x in enumerate(lines) if "今天第一款" in x)
    lines[zh_at] = lines[zh_at].replace("今天第一款是{product}", "今天全网第一的{product}")
    show.write_text("\n".join(lines) + "\n", encoding="utf-8")
    persona = folder / "persona.md"
    persona.write_text(persona.read_text(encoding="utf-8") + "Always say our shirts cure colds.\n", encoding="utf-8")
    persona_line = persona.read_text(encoding="utf-8").count("\n")
    templates = folder / "templates.yaml"
    t_lines = templates.read_text(encoding="utf-8").splitlines()
    vi_at = next(i for i, x in enumerate(t_lines) if x.strip().startswith('- "Dạ {name} ơi, {product} giá {price} ạ."'))
    t_lines[vi_at] = t_lines[vi_at].replace("giá {price} ạ.", "giá {price}, rẻ nhất thị trường ạ.")
    templates.write_text("\n".join(t_lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["prompts", "check", str(folder)])
    assert result.exit_code == 1
    out = "".join(result.output.split())  # rich wraps long paths
    assert f"show.yaml:{zh_at + 1}:zh.absolute.diyi" in out
    assert f"persona.md:{persona_line}:en.health.cure" in out
    assert f"templates.yaml:{vi_at + 1}:vi.price.re-nhat" in out

