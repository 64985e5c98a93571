"""One Settings: nested LIVEBOT_STAGE__FIELD names reach the stages a show builds, the documented flat names
still work, `.env` is read, secrets stay hidden, and nothing else in bot/ reads the environment for them."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from bot.agent.llm.responder import LlmLimits
from bot.cli.doctor_cmd import check_llm
from bot.config import FLAT_NAMES, Settings, reveal
from bot.events import Comment, Viewer
from bot.paths import SAMPLE_CATALOG
from bot.pipeline.assembly import ShowOptions, build_show

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_dotenv_here(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # a developer's own .env must not leak into these tests
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LIVEBOT_LLM_MODEL", "LIVEBOT_DB", "LIVEBOT_DEFAULT_LANG"):
        monkeypatch.delenv(name, raising=False)


def test_nested_variables_reach_the_stages_the_show_builds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("websockets", reason="the douyin source comes with the live extra")
    pytest.importorskip("langchain_openai", reason="--llm openai comes with the llm extra")
    for name, value in {
        "LIVEBOT_TRIAGE__PER_VIEWER_BURST": "2", "LIVEBOT_TRIAGE__CROWD": "6",
        "LIVEBOT_SUPERVISOR__STALL_TIMEOUT_S": "7", "LIVEBOT_SUPERVISOR__BACKOFF__BASE_S": "0.5",
        "LIVEBOT_LLM__DEADLINE_S": "3", "LIVEBOT_LLM__FIRST_SENTENCE_S": "0.8",
        "LIVEBOT_LLM__BASE_URL": "http://127.0.0.1:9/v1", "LIVEBOT_LLM__MODEL": "nested-model",
        "LIVEBOT_DIRECTOR__PACE_MAX": "1.1", "LIVEBOT_DOUYIN__SIDECAR": "ws://127.0.0.1:1/",
        "LIVEBOT_DOUYIN__GIFT_WARN_S": "12", "LIVEBOT_OUTPUT__VIDEO_PRESET": "ultrafast",
        "LIVEBOT_OUTPUT__VIDEO_KBPS": "900", "LIVEBOT_DEFAULT_LANG": "en",
    }.items():
        monkeypatch.setenv(name, value)
    show = build_show(ShowOptions(source="douyin:7382910001", catalog=SAMPLE_CATALOG, llm="openai", realtime=True,
                                  outputs=[str(tmp_path / "show.flv")], db=f"sqlite:///{tmp_path / 's.db'}",
                                  settings=Settings()))
    try:
        assert (show.triage.s.per_viewer_burst, show.triage.s.crowd) == (2, 6)
        assert show.director.s.pace_max == 1.1
        assert show.director.s.greeting_interval_s == 8.0  # the show's own default survives a partial override
        assert show.director.s.model_on and show.director.s.room_lang == "vi"  # the show's, not the user's
        source = show.source
        assert source.options.stall_timeout_s == 7 and source.options.backoff.base_s == 0.5  # type: ignore[attr-defined]
        assert source.connector.url == "ws://127.0.0.1:1/ws/7382910001"  # type: ignore[attr-defined]
        assert source.connector.gift_warn_s == 12  # type: ignore[attr-defined]
        responder = show.lines.turn.responder
        assert responder.limits == LlmLimits(deadline_s=3.0, first_sentence_s=0.8)  # type: ignore[attr-defined]
        encoder = show.fanout.outputs[0].encoder  # type: ignore[attr-defined]
        assert (encoder.preset, encoder.video_kbps) == ("ultrafast", 900)
        assert show.triage.understand(_comment("ok"), None).lang == "en"  # LIVEBOT_DEFAULT_LANG
    finally:
        show.fanout.close()
        show.store.close()


def _comment(text: str) -> Comment:
    return Comment(t=0.0, user=Viewer("u1"), text=text)


FLAT = {
    "LIVEBOT_VOICES_DIR": ("/srv/voices", lambda s: s.voices.dir == Path("/srv/voices")),
    "LIVEBOT_DEFAULT_LANG": ("zh", lambda s: s.default_lang == "zh"),
    "LIVEBOT_DOUYIN_SIDECAR": ("ws://h:1", lambda s: s.douyin.sidecar == "ws://h:1"),
    "LIVEBOT_DOUYIN_GIFT_WARN_S": ("30", lambda s: s.douyin.gift_warn_s == 30),
    "LIVEBOT_DASHBOARD_TOKEN": ("tok", lambda s: reveal(s.dashboard.token) == "tok"),
    "OPENAI_API_KEY": ("sk-flat", lambda s: reveal(s.llm.api_key) == "sk-flat"),
    "OPENAI_BASE_URL": ("http://h/v1", lambda s: s.llm.base_url == "http://h/v1"),
    "LIVEBOT_LLM": ("openai", lambda s: s.llm.kind == "openai"),
    "LIVEBOT_LLM_MODEL": ("m", lambda s: s.llm.model == "m"),
    "LIVEBOT_LLM_DEADLINE_S": ("4", lambda s: s.llm.deadline_s == 4 and s.llm.limits().first_sentence_s == 1.2),
    "LIVEBOT_AUDIO_DEVICE": ("CABLE Input", lambda s: s.output.audio_device == "CABLE Input"),
    "LIVEBOT_CAMERA_DEVICE": ("/dev/video10", lambda s: s.output.camera_device == "/dev/video10"),
    "LIVEBOT_CAMERA_BACKEND": ("obs", lambda s: s.output.camera_backend == "obs"),
    "LIVEBOT_AV_OFFSET_MS": ("-70", lambda s: s.output.av_offset_ms == -70),
    "LIVEBOT_VIDEO_PRESET": ("veryfast", lambda s: s.output.video_preset == "veryfast"),
    "LIVEBOT_VIDEO_KBPS": ("2500", lambda s: s.output.video_kbps == 2500),
    "LIVEBOT_GREETING_INTERVAL_S": ("5", lambda s: s.director.greeting_interval_s == 5),
    "LIVEBOT_MAX_SILENCE_S": ("2.5", lambda s: s.director.script_gap_s == 2.5),
    "LIVEBOT_DB": ("sqlite:///x.db", lambda s: s.db == "sqlite:///x.db"),
    "LIVEBOT_TTS": ("piper", lambda s: s.tts == "piper"),
    "LIVEBOT_CONTROL_HOST": ("0.0.0.0", lambda s: s.control_host == "0.0.0.0"),
    "LIVEBOT_CONTROL_PORT": ("9000", lambda s: s.control_port == 9000),
    "LIVEBOT_CONTROL_TOKEN": ("ctl", lambda s: reveal(s.control_token) == "ctl"),
}


@pytest.mark.parametrize("name", sorted(FLAT))
def test_flat_names_still_work(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    value, holds = FLAT[name]
    monkeypatch.setenv(name, value)
    assert holds(Settings()), name


def test_every_documented_name_is_a_setting() -> None:
    docs = [ROOT / "README.md", ROOT / ".env.example", *sorted((ROOT / "docs").glob("*.md"))]
    named = {m for doc in docs for m in re.findall(r"\b(?:LIVEBOT|OPENAI)_[A-Z0-9_]*[A-Z0-9]", doc.read_text("utf-8"))}
    top = {f"LIVEBOT_{name.upper()}" for name in Settings.model_fields}
    for name in sorted(named - set(FLAT_NAMES) - top):
        if name.startswith("LIVEBOT_SOAK"):  # the soak tests' own knobs, read by tests/ and bench/
            continue
        stage, _, field = name.removeprefix("LIVEBOT_").lower().partition("__")
        assert stage in Settings.model_fields and field, f"{name} is documented but no setting reads it"
        assert hasattr(getattr(Settings(), stage), field.partition("__")[0]), name


def test_env_beats_dotenv_and_nested_beats_flat(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("LIVEBOT_VOICES_DIR")  # tests/conftest.py's hermetic folder would beat the file
    (tmp_path / ".env").write_text("OPENAI_API_KEY=sk-from-file\nLIVEBOT_TRIAGE__CROWD=9\nLIVEBOT_LLM_MODEL=file-m\n"
                                   "LIVEBOT_VOICES_DIR=\nLIVEBOT_DEFAULT_LANG=fr\n", encoding="utf-8")
    s = Settings()
    assert reveal(s.llm.api_key) == "sk-from-file" and s.triage.crowd == 9 and s.llm.model == "file-m"
    assert s.voices.dir is None  # blank, as in a copied .env: the default, not the current folder
    assert s.default_lang == "vi"  # a language we do not speak: the shop's own
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    monkeypatch.setenv("LIVEBOT_LLM_MODEL", "flat-m")
    monkeypatch.setenv("LIVEBOT_LLM__MODEL", "nested-m")
    s = Settings()
    assert reveal(s.llm.api_key) == "sk-from-env" and s.llm.model == "nested-m"
    assert Settings(llm_model="kw", voices_dir="/v", av_offset_ms=3).llm.model == "kw"  # old keywords too
    assert Settings(llm={"deadline_s": 5.0}).llm.model == "nested-m"  # a keyword merges with the environment


def test_secrets_never_show(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "LIVEBOT_DASHBOARD_TOKEN", "LIVEBOT_CONTROL_TOKEN"):
        monkeypatch.setenv(name, "sk-SECRET-7731")
    s = Settings()
    for text in (repr(s), str(s), s.model_dump_json(), json.dumps(s.model_dump(mode="json"))):
        assert "sk-SECRET-7731" not in text


def test_doctor_reads_the_same_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert check_llm().ok  # nothing configured: the offline responder answers
    (tmp_path / ".env").write_text("OPENAI_BASE_URL=http://127.0.0.1:9/v1\n", encoding="utf-8")
    finding = check_llm()  # .env counts for the doctor as it does for `livebot run`
    assert not finding.ok and "127.0.0.1:9" in finding.detail


_READERS = {"getenv", "environ", "dotenv_values", "load_dotenv", "find_dotenv"}


def _env_reads(tree: ast.AST) -> list[str]:
    """LIVEBOT_/OPENAI_ names read through os.environ/getenv/typer's envvar=, and any dotenv use."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dotenv"):
            found.append(f"line {node.lineno}: imports dotenv")
        if isinstance(node, ast.keyword) and node.arg == "envvar":
            found.append(f"line {node.value.lineno}: envvar=")
        args = []
        if isinstance(node, ast.Call) and _names(node.func) & _READERS:
            args = node.args
        elif isinstance(node, ast.Subscript) and _names(node.value) & _READERS:
            args = [node.slice]
        for arg in args:
            if isinstance(arg, ast.Constant) and str(arg.value).startswith(("LIVEBOT_", "OPENAI_")):
                found.append(f"line {node.lineno}: {arg.value}")
            elif not isinstance(arg, ast.Constant):
                found.append(f"line {node.lineno}: a computed variable name")
    return found


def _names(node: ast.AST) -> set[str]:
    return {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)} | {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def test_nothing_outside_config_reads_the_environment_for_our_names() -> None:
    bad = {}
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path == ROOT / "bot" / "config.py":
            continue
        found = _env_reads(ast.parse(path.read_text("utf-8")))
        if found:
            bad[str(path.relative_to(ROOT))] = found
    assert not bad, f"read these through bot.config.Settings and pass them down: {bad}"
    assert _env_reads(ast.parse('import os\nos.environ.get("LIVEBOT_X")\nos.getenv(NAME)\nfrom dotenv import x'))
