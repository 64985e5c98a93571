"""Forbidden claims written by a real LLM client (langchain + openai over HTTP to a loopback
OpenAI-compatible server) are never spoken; and the bundled sample session, run through the whole
pipeline, has its market false-block figure printed (expected 0)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repo root, for tests.fakes

from bot.agent.guard import SentenceGuard  # noqa: E402
from bot.agent.guard.market_rules import MarketClaimRule, find_claims  # noqa: E402
from bot.agent.guard.sentence_gate import SentenceGate  # noqa: E402
from bot.agent.llm import make_llm_responder  # noqa: E402
from bot.agent.offline import OfflineResponder  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.events import Comment, Viewer  # noqa: E402
from bot.frames import (
    Question,  # noqa: E402
    TurnFacts,  # noqa: E402
)
from bot.paths import PROJECT_ROOT, PROMPTS_DIR, SAMPLE_CATALOG, SAMPLE_SESSION  # noqa: E402
from bot.prompts.book import PromptBook  # noqa: E402
from tests.fakes import agent_catalog  # noqa: E402
from tests.fakes.openai_server import FakeOpenAI, _lang_of  # noqa: E402

CLAIMS = {
    "vi": "Dạ {name} là hàng số 1 Việt Nam ạ. Chất lượng tốt nhất luôn nha. Mặc vào chữa khỏi đau lưng đó!",
    "zh": "{name}是全网第一的品牌哦。这是最好的面料。穿上还能治疗腰痛！",
    "en": "The {name} is the best in the world. It cures back pain too. Way cheaper than Amazon!",
}


class ClaimingOpenAI(FakeOpenAI):
    """The shared fake server plus a `claims` mode: a model that boasts like an untrained host."""

    def _plan(self, body: dict[str, Any], mode: str) -> dict[str, Any]:
        if mode != "claims":
            return super()._plan(body, mode)
        system = "\n".join(str(m.get("content", "")) for m in body.get("messages", []) if m.get("role") == "system")
        return {"text": CLAIMS[_lang_of(system)].format(name="áo" if "Vietnamese" in system else "shirt")}


@pytest.fixture(scope="module")
def server():
    with ClaimingOpenAI(mode="claims") as srv:
        yield srv


@pytest.mark.parametrize(("lang", "text"), [("vi", "áo đỏ có tốt không?"), ("zh", "红色上衣怎么样？"),
                                            ("en", "is the red shirt good?")])
async def test_llm_claims_are_never_spoken(server: ClaimingOpenAI, monkeypatch: pytest.MonkeyPatch,
                                           lang: str, text: str) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local")
    catalog = agent_catalog()
    book = PromptBook(PROMPTS_DIR)
    offline = OfflineResponder(catalog, book)
    guard = SentenceGuard(book, offline=offline)
    guard.add_rule(MarketClaimRule(book))
    responder = make_llm_responder(Settings(llm_model="fake-model", llm_deadline_s=8.0), catalog, book, offline,
                                   None, first_sentence_s=5.0)
    shirt = catalog.get("AO-DO-01")
    question = Question(Comment(t=1.0, user=Viewer("7001", "lan", "Lan"), text=text), lang, "spec",  # type: ignore[arg-type]
                        products=[shirt], current_product=shirt)
    facts, blocks = TurnFacts(products=[shirt]), []
    gate = SentenceGate(guard, facts, lambda text, why: blocks.append((text, why)))  # as each line's TurnWriter does
    written = [str(s) async for s in responder.respond(question, facts)]
    spoken = [t for s in written if (t := gate.admit(s, lang, question)) is not None]  # type: ignore[arg-type]
    assert server.requests, "the model was really asked"
    assert spoken, "the host still said something"
    rules = MarketClaimRule(book).rule_sets(lang)  # type: ignore[arg-type]
    for line in spoken:
        assert not find_claims(line, rules), line
        assert guard.check(line, lang, TurnFacts(products=[shirt])).ok, line  # type: ignore[arg-type]
    fired = " ".join(reason for _s, reason in blocks)
    assert "market_claim" in fired and f"{lang}." in fired  # every block logged with the rule that fired


@pytest.mark.timeout(240)
def test_sample_session_false_block_rate(tmp_path: Path) -> None:
    """The bundled sample, run for real: how many spoken lines the market rule blocked (expect 0)."""
    db = f"sqlite:///{tmp_path / 'sample.db'}"
    livebot = Path(sys.executable).parent / "livebot"
    run = subprocess.run([str(livebot), "run", "--source", f"replay:{SAMPLE_SESSION}", "--catalog", str(SAMPLE_CATALOG),
                          "--output", "none", "--fast", "--db", db], cwd=PROJECT_ROOT, capture_output=True,
                         text=True, timeout=220)
    assert run.returncode == 0, run.stderr[-2000:]
    rep = subprocess.run([str(livebot), "report", "--db", db, "--format", "json"], capture_output=True, text=True,
                         timeout=60, cwd=PROJECT_ROOT)
    assert rep.returncode == 0, rep.stderr
    report = json.loads(rep.stdout)
    replies = report["replies"]
    tried = sum(1 + len(r["blocked"]) for r in replies)  # sentences put to the guard, roughly: spoken + blocked
    market = [b for r in replies for b in r["blocked"] if str(b[1]).startswith("market_claim")]
    print(f"\nsample session: {len(replies)} replies, {tried} guarded lines, market-rule blocks {len(market)} "
          f"(false-block rate {len(market) / max(tried, 1):.1%})")
    assert len(replies) >= 10
    assert market == []
