"""Install Piper voices into the voices folder, from the hub or from files on disk.

A voice appears (NAME.onnx + NAME.onnx.json in the folder) only when both files are complete and
checked. Downloads grow in `.partial/NAME/` inside the folder (same filesystem: the final move is an
atomic rename) and stay there after a cut connection, so the next run resumes them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.speech import hub
from bot.speech.voice_catalog import hub_path, hub_repo, is_voice_name, read_voice_config, suggest

PARTIAL = ".partial"


class InstallError(Exception):
    """A voice could not be installed; the message is the one line the user sees."""


class Progress(Protocol):
    def start(self, label: str, total: int | None, done: int) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, label: str, total: int | None, done: int) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


@dataclass(frozen=True, slots=True)
class Installed:
    name: str
    path: Path
    how: str  # "downloaded", "resumed", "copied", "already installed"
    downloaded: int = 0  # bytes fetched in this run


def is_installed(name: str, folder: Path) -> bool:
    return (folder / f"{name}.onnx").is_file() and (folder / f"{name}.onnx.json").is_file()


def install_from_hub(name: str, folder: Path, progress: Progress | None = None, force: bool = False) -> Installed:
    """Download NAME.onnx and NAME.onnx.json, check size and hash, then move both in."""
    progress = progress or NoProgress()
    _check_name(name)
    if is_installed(name, folder) and not force:
        return Installed(name, folder / f"{name}.onnx", "already installed")
    repo, revision = hub_repo()
    onnx_path = hub_path(name)
    try:
        remotes = [hub.remote_file(repo, p, revision) for p in (f"{onnx_path}.json", onnx_path)]
    except hub.HubNotFound:
        raise InstallError(_unknown(name, f"not found on the hub (404 at {hub.endpoint()}/{repo})")) from None
    except hub.HubError as exc:
        raise InstallError(f"{name}: {exc}; nothing installed") from None
    staging = folder / PARTIAL / name
    staging.mkdir(parents=True, exist_ok=True)
    parts: list[Path] = []
    fetched = 0
    resumed = False
    for remote in remotes:
        part = _part_for(staging, remote)
        have = part.stat().st_size if part.exists() else 0
        resumed = resumed or have > 0
        progress.start(Path(remote.path).name, remote.size, have)
        before = have
        try:
            hub.download(remote, part, progress.advance)
        except hub.HubIntegrityError as exc:
            part.unlink(missing_ok=True)  # wrong bytes: resuming them would not help
            raise InstallError(f"{name}: {exc}; nothing installed") from None
        except hub.HubError as exc:
            kept = part.stat().st_size if part.exists() else 0
            hint = "; run the same command again to resume" if kept else ""
            raise InstallError(f"{name}: {exc}; nothing installed{hint}") from None
        finally:
            progress.finish()
        fetched += part.stat().st_size - before
        try:
            hub.verify(part, remote)
        except hub.HubIntegrityError as exc:
            part.unlink(missing_ok=True)
            raise InstallError(f"{name}: {exc}; nothing installed") from None
        parts.append(part)
    try:
        read_voice_config(parts[0])
    except ValueError as exc:
        parts[0].unlink(missing_ok=True)
        raise InstallError(f"{name}: {exc}; nothing installed") from None
    _move_in(name, parts[0], parts[1], folder)
    shutil.rmtree(staging, ignore_errors=True)
    return Installed(name, folder / f"{name}.onnx", "resumed" if resumed else "downloaded", fetched)


def install_from_dir(name: str, source: Path, folder: Path, force: bool = False) -> Installed:
    """Install NAME from files already on disk (a flat folder or a copy of the hub's layout); no network."""
    if not source.is_dir():
        raise InstallError(f"--from {source}: not a folder")
    if is_installed(name, folder) and not force:
        return Installed(name, folder / f"{name}.onnx", "already installed")
    onnx = _find(source, f"{name}.onnx")
    if onnx is None:
        found = sorted(p.name[: -len(".onnx")] for p in source.rglob("*.onnx"))
        near = _close(name, found) or found[:3]
        hint = f"; found: {', '.join(near)}" if near else ""
        raise InstallError(f"{name}: no {name}.onnx under {source}{hint}")
    config = Path(f"{onnx}.json")
    if not config.is_file():
        raise InstallError(f"{name}: {onnx} has no {config.name} beside it; nothing installed")
    try:
        read_voice_config(config)
    except ValueError as exc:
        raise InstallError(f"{name}: {exc}; nothing installed") from None
    if onnx.stat().st_size == 0:
        raise InstallError(f"{name}: {onnx} is empty; nothing installed")
    staging = folder / PARTIAL / name
    staging.mkdir(parents=True, exist_ok=True)
    tmp_config, tmp_onnx = staging / f"{config.name}.copy", staging / f"{onnx.name}.copy"
    try:
        shutil.copyfile(config, tmp_config)
        shutil.copyfile(onnx, tmp_onnx)
        if tmp_onnx.stat().st_size != onnx.stat().st_size:
            raise InstallError(f"{name}: copy of {onnx} came out short; nothing installed")
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise InstallError(f"{name}: cannot copy from {source} ({exc}); nothing installed") from None
    _move_in(name, tmp_config, tmp_onnx, folder)
    shutil.rmtree(staging, ignore_errors=True)
    return Installed(name, folder / f"{name}.onnx", "copied")


def _move_in(name: str, config: Path, onnx: Path, folder: Path) -> None:
    # The config first, the model last: a voice is visible once its .onnx is there, and by then
    # its config already is.
    final_config, final_onnx = folder / f"{name}.onnx.json", folder / f"{name}.onnx"
    os.replace(config, final_config)
    try:
        os.replace(onnx, final_onnx)
    except OSError as exc:
        final_config.unlink(missing_ok=True)
        raise InstallError(f"{name}: cannot move the voice into {folder} ({exc}); nothing installed") from None


def _part_for(staging: Path, remote: hub.RemoteFile) -> Path:
    """The partial file for this version of the file; parts of other versions are dropped, since
    resuming them would splice two files together."""
    base = Path(remote.path).name
    tag = (remote.digest or "nohash")[:16]
    part = staging / f"{base}.{tag}.part"
    for old in staging.glob(f"{base}.*.part"):
        # NAME.onnx.*.part also matches NAME.onnx.json.*.part: only a bare tag is another version.
        if old != part and "." not in old.name[len(base) + 1: -len(".part")]:
            old.unlink(missing_ok=True)
    return part


def _find(source: Path, filename: str) -> Path | None:
    direct = source / filename
    if direct.is_file():
        return direct
    return next((p for p in sorted(source.rglob(filename)) if p.is_file()), None)


def _check_name(name: str) -> None:
    if not is_voice_name(name):
        raise InstallError(_unknown(name, "is not a Piper voice name (LANG_REGION-DATASET-QUALITY)"))


def _close(name: str, names: Iterable[str]) -> list[str]:
    from rapidfuzz import fuzz, process

    return [h[0] for h in process.extract(name, list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=60)]


def _unknown(name: str, why: str) -> str:
    near = suggest(name)
    hint = f"; did you mean {', '.join(near)}?" if near else "; `livebot voices known` lists the voices we know"
    return f"unknown voice {name!r}: {why}{hint}"
