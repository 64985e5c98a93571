"""load_avatar: the kinds it knows and clear errors naming the broken file."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from bot.avatar.loader import AvatarError, load_avatar
from bot.avatar.sprite import SpriteAvatar
from bot.paths import DEFAULT_AVATAR_DIR


@pytest.fixture
def avatar_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "mai"
    shutil.copytree(DEFAULT_AVATAR_DIR, folder)
    return folder


def test_loads_the_bundled_avatar_at_the_asked_size() -> None:
    av = load_avatar(DEFAULT_AVATAR_DIR, width=540, height=960, fps=30)
    assert isinstance(av, SpriteAvatar)
    assert (av.width, av.height, av.fps) == (540, 960, 30)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(AvatarError, match="avatar folder not found"):
        load_avatar(tmp_path / "nowhere")


def test_missing_toml(tmp_path: Path) -> None:
    with pytest.raises(AvatarError, match=r"avatar\.toml not found"):
        load_avatar(tmp_path)


def test_broken_toml_names_the_file(avatar_copy: Path) -> None:
    (avatar_copy / "avatar.toml").write_text('kind = "sprite"\n[layers\n', encoding="utf-8")
    with pytest.raises(AvatarError, match=r"mai/avatar\.toml: not valid TOML.*line 2"):
        load_avatar(avatar_copy)


def test_missing_layer_file_is_named(avatar_copy: Path) -> None:
    (avatar_copy / "mouth" / "smile" / "D.png").unlink()
    with pytest.raises(AvatarError, match=r"mouth/smile/D\.png: layer file not found"):
        load_avatar(avatar_copy)


def test_unreadable_layer_is_named(avatar_copy: Path) -> None:
    (avatar_copy / "head.png").write_bytes(b"not a png")
    with pytest.raises(AvatarError, match=r"head\.png: not a readable image"):
        load_avatar(avatar_copy)


def test_missing_key_and_bad_anchor(avatar_copy: Path) -> None:
    toml = avatar_copy / "avatar.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('head = "head.png"', ""), encoding="utf-8")
    with pytest.raises(AvatarError, match=r"\[layers\]: missing file name `head`"):
        load_avatar(avatar_copy)
    toml.write_text(text.replace("anchor = [360, 622]", 'anchor = "middle"'), encoding="utf-8")
    with pytest.raises(AvatarError, match=r"mouth\.anchor: expected a pair"):
        load_avatar(avatar_copy)


def test_expression_with_unknown_mouth_set(avatar_copy: Path) -> None:
    toml = avatar_copy / "avatar.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('sets = ["neutral", "smile"]', 'sets = ["neutral"]'),
                    encoding="utf-8")
    with pytest.raises(AvatarError, match=r"expression 'smile' uses mouth set 'smile'"):
        load_avatar(avatar_copy)


def test_unknown_kind(avatar_copy: Path) -> None:
    toml = avatar_copy / "avatar.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('kind = "sprite"', 'kind = "hologram"'),
                    encoding="utf-8")
    with pytest.raises(AvatarError, match="unknown kind 'hologram'"):
        load_avatar(avatar_copy)


def test_photoreal_without_its_module_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "avatar.toml").write_text('kind = "photoreal"\n', encoding="utf-8")
    # A None entry in sys.modules makes the import fail as it does where the package is absent.
    monkeypatch.setitem(sys.modules, "bot.avatar.photoreal", None)
    with pytest.raises(AvatarError, match="needs bot.avatar.photoreal"):
        load_avatar(tmp_path)
