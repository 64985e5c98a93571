"""`livebot avatar prepare`: a real H.264 clip of a real face in, a cached avatar folder out; clear errors."""

from __future__ import annotations

import tomllib

import numpy as np
import pytest
import typer
from conftest import FPS, STAGE_H, STAGE_W, seller_frames
from PIL import Image
from typer.testing import CliRunner

from bot.avatar.photoreal.avatar_folder import load_prepared
from bot.avatar.photoreal.face_track import detect_faces
from bot.cli.avatar_cmd import avatar_prepare_command

app = typer.Typer()
app.command("prepare")(avatar_prepare_command)
app.command("noop")(lambda: None)  # two commands keep `prepare` a sub-command, as in livebot avatar


def run_prepare(*args: str):
    return CliRunner().invoke(app, ["prepare", *args])


@pytest.fixture(scope="module")
def prepared_dir(seller_video, tmp_path_factory):
    out = tmp_path_factory.mktemp("avatar")
    result = run_prepare(str(seller_video), "--out", str(out), "--width", str(STAGE_W), "--height", str(STAGE_H))
    assert result.exit_code == 0, result.output
    assert "60 frames" in result.output and "118-frame idle loop" in result.output
    return out


def test_haar_cascade_finds_the_test_face() -> None:
    found = detect_faces(seller_frames(0.04)[0])
    assert len(found) == 1
    x1, y1, x2, y2 = found[0]
    assert x2 - x1 > 150 and y2 - y1 > 150


def test_prepare_writes_the_avatar_folder(prepared_dir) -> None:
    settings = tomllib.loads((prepared_dir / "avatar.toml").read_text())
    assert settings["kind"] == "photoreal"
    assert (settings["fps"], settings["width"], settings["height"]) == (FPS, STAGE_W, STAGE_H)
    assert settings["frame_count"] == 60
    assert "checkpoint" not in settings  # left commented for the user to fill in
    assert '# checkpoint = "' in (prepared_dir / "avatar.toml").read_text()
    assert len(list((prepared_dir / "frames").glob("*.jpg"))) == 60
    rows = (prepared_dir / "boxes.csv").read_text().splitlines()
    assert rows[0] == "frame,x1,y1,x2,y2,detected" and len(rows) == 61

    prepared = load_prepared(prepared_dir)
    assert prepared.frames.shape == (60, STAGE_H, STAGE_W, 3)
    assert prepared.crops.shape == (60, 96, 96, 3)
    assert prepared.mask.shape == (96, 96)
    assert prepared.mask[:40].max() == 0.0 and prepared.mask[70, 48] == pytest.approx(1.0, abs=0.01)
    assert prepared.mask[:, 0].max() == 0.0 and prepared.mask[-1].max() == 0.0  # feathered to 0 at edges


def test_boxes_follow_the_face_smoothed_and_padded(prepared_dir) -> None:
    prepared = load_prepared(prepared_dir)
    first = prepared.frames[0]
    raw = detect_faces(first)[0]
    x1, y1, x2, y2 = prepared.boxes[0]
    assert y2 > raw[3]  # padded below the detection to keep the chin
    assert abs(x1 - raw[0]) <= 8 and abs(y1 - raw[1]) <= 8
    jumps = np.abs(np.diff(prepared.boxes, axis=0)).max()
    assert jumps <= 4  # the subject sways ~1 px/frame; smoothing keeps the crop steady
    crop = np.asarray(Image.fromarray(first[y1:y2, x1:x2]).resize((96, 96), Image.BILINEAR), dtype=int)
    assert np.abs(crop - prepared.crops[0].astype(int)).mean() < 4


def test_idle_loop_goes_forward_then_back(prepared_dir) -> None:
    prepared = load_prepared(prepared_dir)
    order = [prepared.loop_index(i) for i in range(0, 240)]
    assert order[:3] == [0, 1, 2] and order[59] == 59 and order[60] == 58 and order[117] == 1
    assert order[118] == 0 and prepared.loop_length == 118
    assert max(abs(a - b) for a, b in zip(order, order[1:], strict=False)) == 1  # never jumps


def test_prepared_avatar_scales_to_another_stage(prepared_dir) -> None:
    small = load_prepared(prepared_dir, STAGE_W // 2, STAGE_H // 2)
    assert small.frames.shape == (60, STAGE_H // 2, STAGE_W // 2, 3)
    assert np.all(small.boxes[:, 2] <= STAGE_W // 2) and np.all(small.boxes[:, 3] <= STAGE_H // 2)


def _flat(seconds: float) -> list[np.ndarray]:
    ramp = np.linspace(40, 200, 360, dtype=np.uint8)
    return [np.repeat(np.stack([ramp] * 3, axis=-1)[None], 640, axis=0) for _ in range(round(seconds * FPS))]


@pytest.mark.parametrize(
    ("name", "make_frames", "message"),
    [
        ("noface.mp4", lambda: _flat(2.4), "no face found"),
        ("short.mp4", lambda: seller_frames(1.0), "too short (1.0 s)"),
        ("lost.mp4", lambda: seller_frames(1.6) + _flat(0.8), "face lost in 33% of frames"),
        ("tiny.mp4", lambda: seller_frames(2.4, face_scale=0.45), "face too small"),
    ],
)
def test_prepare_refuses_bad_videos(video_factory, tmp_path, name, make_frames, message) -> None:
    video = video_factory(name, make_frames())
    result = run_prepare(str(video), "--out", str(tmp_path / "a"), "--width", str(STAGE_W), "--height", "512")
    assert result.exit_code == 1
    assert message in result.output
    assert result.output.strip().count("\n") == 0  # one line, no traceback
    assert not (tmp_path / "a" / "avatar.toml").exists()


def test_missing_video_is_one_line(tmp_path) -> None:
    result = run_prepare(str(tmp_path / "nope.mp4"), "--out", str(tmp_path / "a"))
    assert result.exit_code == 1 and "no such video file" in result.output
