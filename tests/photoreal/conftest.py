"""Fixtures for the photoreal avatar: a real H.264 video of a real face, a random-weight checkpoint."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

STAGE_W, STAGE_H, FPS = 288, 512, 25
SLIM = 8  # every layer 8× narrower: same layout and names, ~60× less work than the published size


def hopper_face() -> np.ndarray:
    """A real photograph of a face that ships with matplotlib (Grace Hopper, 512×600, public domain)."""
    from matplotlib import cbook

    path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    return np.asarray(Image.open(path).convert("RGB"))


def write_video(path: Path, frames: list[np.ndarray], fps: int = FPS) -> Path:
    """Encode RGB frames as H.264 MP4 with PyAV (what a phone clip decodes to)."""
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": "18", "preset": "ultrafast"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def seller_frames(seconds: float, fps: int = FPS, face_scale: float = 1.0) -> list[np.ndarray]:
    """The photo on a portrait canvas, swaying a few pixels like a person on camera."""
    face = hopper_face()
    if face_scale != 1.0:
        face = np.asarray(
            Image.fromarray(face).resize((round(face.shape[1] * face_scale), round(face.shape[0] * face_scale)))
        )
    canvas_h, canvas_w = 640, 360
    frames = []
    for i in range(round(seconds * fps)):
        canvas = np.full((canvas_h, canvas_w, 3), 90, dtype=np.uint8)
        dx = int(round(4 * np.sin(2 * np.pi * i / 30)))
        dy = int(round(3 * np.cos(2 * np.pi * i / 40)))
        fh, fw = min(face.shape[0], canvas_h - 40), min(face.shape[1], canvas_w)
        x0 = (canvas_w - fw) // 2 + dx
        y0 = 20 + dy
        src = face[:fh, (face.shape[1] - fw) // 2 : (face.shape[1] - fw) // 2 + fw]
        xs, xe = max(0, x0), min(canvas_w, x0 + fw)
        canvas[y0 : y0 + fh, xs:xe] = src[:, xs - x0 : xe - x0]
        frames.append(canvas)
    return frames


@pytest.fixture(scope="session")
def video_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, list[np.ndarray]], Path]:
    folder = tmp_path_factory.mktemp("videos")

    def make(name: str, frames: list[np.ndarray]) -> Path:
        return write_video(folder / name, frames)

    return make


@pytest.fixture(scope="session")
def seller_video(video_factory) -> Path:
    return video_factory("seller.mp4", seller_frames(2.4))


@pytest.fixture(scope="session")
def random_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised generator saved the way wav2lip_train.py saves (DataParallel prefixes)."""
    torch = pytest.importorskip("torch", reason="torch (the neural extra) is not installed")
    from bot.avatar.photoreal.wav2lip import Wav2LipGenerator

    torch.manual_seed(0)
    model = Wav2LipGenerator()
    # Fresh weights blow activations up layer after layer and the sigmoid saturates, so the output
    # would ignore the audio. Calibrating the BatchNorm statistics on random inputs (as a trained
    # network's are on data) keeps every layer in range and the mouth region audio-dependent.
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(8, 1, 80, 16) * 2.0, torch.rand(8, 6, 96, 96))
    model.eval()
    state = {f"module.{k}": v for k, v in model.state_dict().items()}
    path = tmp_path_factory.mktemp("ckpt") / "wav2lip_random.pth"
    torch.save({"state_dict": state, "optimizer": {}, "global_step": 0, "global_epoch": 0}, path)
    return path


@pytest.fixture(scope="session")
def slim_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A slimmed generator with calibrated BatchNorm (as random_checkpoint), saved as training does."""
    torch = pytest.importorskip("torch", reason="torch (the neural extra) is not installed")
    from bot.avatar.photoreal.wav2lip import Wav2LipGenerator

    torch.manual_seed(1)
    model = Wav2LipGenerator(SLIM)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.randn(8, 1, 80, 16) * 2.0, torch.rand(8, 6, 96, 96))
    model.eval()
    path = tmp_path_factory.mktemp("slim") / "wav2lip_slim.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in model.state_dict().items()}}, path)
    return path


def mirrored_avatar(folder: Path, out: Path) -> Path:
    """A second avatar from a prepared one: frames mirrored and tinted (PNG, lossless), boxes and crops to match."""
    from bot.avatar.photoreal.avatar_folder import load_prepared
    from bot.avatar.photoreal.prepare import face_crops

    prepared = load_prepared(folder)
    frames = np.ascontiguousarray(prepared.frames[:, :, ::-1])
    frames = np.clip(frames * np.array([1.0, 0.85, 0.7]), 0, 255).astype(np.uint8)
    width = frames.shape[2]
    boxes = prepared.boxes.copy()
    boxes[:, [0, 2]] = width - prepared.boxes[:, [2, 0]]
    (out / "frames").mkdir(parents=True)
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(out / "frames" / f"{i:05d}.png")
    np.savez_compressed(out / "faces.npz", crops=face_crops(list(frames), boxes), boxes=boxes)
    shutil.copy(folder / "mask.png", out / "mask.png")
    shutil.copy(folder / "avatar.toml", out / "avatar.toml")
    return out


@pytest.fixture(scope="session")
def avatar_dirs(seller_video, slim_checkpoint, tmp_path_factory) -> tuple[Path, Path]:
    """Two different avatars on one slim checkpoint: the seller as filmed (prepared from the video), and
    mirrored and tinted."""
    from bot.avatar.photoreal import prepare_avatar

    first = tmp_path_factory.mktemp("av_a")
    prepare_avatar(seller_video, first, width=STAGE_W, height=STAGE_H, fps=FPS)
    toml = first / "avatar.toml"
    text = toml.read_text().replace('# checkpoint = "/path/to/wav2lip_gan.pth"', f'checkpoint = "{slim_checkpoint}"')
    toml.write_text(text.replace('device = "auto"', 'device = "cpu"'))
    return first, mirrored_avatar(first, tmp_path_factory.mktemp("av_b"))
