"""The wheel alone is livebot: built from the tree, installed in a fresh virtualenv outside the repository,
`livebot demo` and `livebot init` work from an empty folder with no system fonts.

To keep this minutes, not a full dependency install: the new virtualenv (no system site-packages,
no pip of its own) gets the project virtualenv's site-packages appended to its path by a .pth file,
so third-party dependencies import from there, while `bot` itself can only come from the wheel (the
editable install's .pth files in that folder are not processed when it is added that way).
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import av
import pytest

from bot.paths import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _source_tree(dest: Path) -> Path:
    """The files git would commit (tracked and new, not ignored): no build/, .venv or stale outputs."""
    if shutil.which("git") is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("needs a git checkout to know which files make up the source tree")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=PROJECT_ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = PROJECT_ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _build_wheel(src: Path, out: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(out)]
    try:  # the project venv's setuptools is enough: no build environment to fetch
        if int(importlib.metadata.version("setuptools").split(".")[0]) >= 68:
            cmd.append("--no-build-isolation")
    except importlib.metadata.PackageNotFoundError:
        pass
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("livebot-*.whl")
    return wheel


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only the wheel installed; returns its bin folder."""
    root = tmp_path_factory.mktemp("wheel")
    wheel = _build_wheel(_source_tree(root / "src"), root / "dist")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "_livebot_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    conf = tmp / "fonts.conf"  # fontconfig with no font folders: no system font can help
    conf.write_text(f"<?xml version='1.0'?><fontconfig><cachedir>{tmp / 'fc'}</cachedir></fontconfig>")
    env["FONTCONFIG_FILE"] = str(conf)
    return env


def test_the_installed_package_reads_its_bundled_files_not_the_repository(installed: Path, tmp_path: Path) -> None:
    probe = ("import bot, bot.paths as p; print(bot.__file__); print(p.is_checkout()); print(p.PROMPTS_DIR); "
             "print(p.SAMPLE_CATALOG.is_file(), (p.DEFAULT_AVATAR_DIR / 'avatar.toml').is_file())")
    out = subprocess.run([str(installed / "python"), "-c", probe], cwd=tmp_path, env=_env(tmp_path),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0].startswith(str(installed.parent)) and out[1] == "False"
    assert out[2].endswith("site-packages/bot/bundled/prompts") and out[3] == "True True"


def test_livebot_demo_runs_from_an_empty_folder(installed: Path, tmp_path: Path) -> None:
    run = subprocess.run([str(installed / "livebot"), "demo", "--out", "demo.mp4"], cwd=tmp_path,
                         env=_env(tmp_path), capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    assert "replies" in run.stdout and "answer" in run.stdout and "dropped 0 · ok" in run.stdout
    with av.open(str(tmp_path / "demo.mp4")) as container:
        assert container.streams.video and container.streams.audio
        video = container.streams.video[0]
        assert (video.width, video.height) == (720, 1280)
        assert float(container.duration or 0) / 1e6 > 60  # the whole sample session, not a stub
    assert (tmp_path / "livebot-demo.db").is_file()


def test_livebot_init_writes_prompts_a_moderator_can_edit(installed: Path, tmp_path: Path) -> None:
    env = _env(tmp_path)
    first = subprocess.run([str(installed / "livebot"), "init", "shop"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert (tmp_path / "shop" / "prompts" / "templates.yaml").is_file()
    assert (tmp_path / "shop" / "catalog.csv").read_text(encoding="utf-8").startswith("sku,name,price")
    check = subprocess.run([str(installed / "livebot"), "prompts", "check", "shop/prompts"], cwd=tmp_path,
                           env=env, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    again = subprocess.run([str(installed / "livebot"), "init", "shop"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode != 0 and "already exists" in again.stderr
