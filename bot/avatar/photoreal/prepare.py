"""Turn a short video of the seller into a photoreal avatar folder (frames, face boxes, crops, mask)."""

from __future__ import annotations

import csv
import io
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from bot.avatar.photoreal.errors import AvatarPrepareError
from bot.avatar.photoreal.face_track import checked_track, pad_boxes, smooth_boxes

logger = logging.getLogger(__name__)

FACE_SIZE = 96
MIN_SECONDS = 2.0
FRAMES_DIR = "frames"
FACES_FILE = "faces.npz"
BOXES_FILE = "boxes.csv"
MASK_FILE = "mask.png"


@dataclass(frozen=True, slots=True)
class PreparedSummary:
    """What `prepare_avatar` wrote: where, how many source frames, face size, loop length."""

    folder: Path
    frame_count: int
    loop_frames: int
    face_px: int
    lost_frames: int


def lower_face_mask(size: int = FACE_SIZE) -> np.ndarray:
    """Feathered weight (0..1, size×size) over the mouth and chin: 0 at the crop's edges, 1 inside."""
    # The generator only redraws the lower half (rows 48-95); feathering hides the seam on the cheeks
    # and neck. Ramps are linear in crop pixels, so they scale with the face box when resized.
    rows = np.arange(size, dtype=np.float64)
    last = size - 1.0  # the outermost rows and columns weigh exactly 0: no seam at the box edge
    top = np.clip((rows - 0.46 * size) / (0.14 * size), 0.0, 1.0)
    bottom = np.clip((last - rows) / (0.08 * size), 0.0, 1.0)
    side = np.clip(np.minimum(rows, last - rows) / (0.14 * size), 0.0, 1.0)
    mask = np.outer(np.minimum(top, bottom), side)
    return (mask * mask * (3.0 - 2.0 * mask)).astype(np.float32)  # smoothstep: no visible ramp edge


def _fit_cover(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to cover width×height, then centre-crop: the stage is portrait, phones film portrait."""
    import cv2

    h, w = frame.shape[:2]
    if (w, h) == (width, height):
        return frame
    scale = max(width / w, height / h)
    new_w, new_h = max(width, round(w * scale)), max(height, round(h * scale))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    resized = cv2.resize(frame, (new_w, new_h), interpolation=interp)
    x0, y0 = (new_w - width) // 2, (new_h - height) // 2
    return np.ascontiguousarray(resized[y0 : y0 + height, x0 : x0 + width])


def read_video_frames(
    video: Path, fps: int, width: int, height: int, max_seconds: float
) -> tuple[list[np.ndarray], float]:
    """Decode with PyAV, resample to `fps` (nearest earlier frame), fit to the stage size.

    Returns the frames (at most max_seconds) and the video's full duration in seconds.
    """
    import av

    if not video.is_file():
        raise AvatarPrepareError(f"{video}: no such video file")
    frames: list[np.ndarray] = []
    limit = int(round(max_seconds * fps))
    duration = 0.0
    try:
        with av.open(str(video)) as container:
            if not container.streams.video:
                raise AvatarPrepareError(f"{video}: has no video stream")
            stream = container.streams.video[0]
            rate = float(stream.average_rate or fps)
            start: float | None = None
            previous = None
            next_index = 0
            for frame in container.decode(stream):
                t = float(frame.time) if frame.time is not None else next_index / rate
                start = t if start is None else start
                t -= start
                duration = t + 1.0 / rate
                # Emit the latest frame shown at each target instant k/fps (a frame holds until the next).
                while previous is not None and next_index < limit and next_index / fps < t - 1e-6:
                    frames.append(_fit_cover(previous, width, height))
                    next_index += 1
                previous = frame.to_ndarray(format="rgb24")
            while previous is not None and next_index < limit and next_index / fps < duration - 1e-6:
                frames.append(_fit_cover(previous, width, height))
                next_index += 1
    except av.error.FFmpegError as exc:
        raise AvatarPrepareError(f"{video}: cannot read video ({exc})") from exc
    return frames, duration


def _store_frame(frame: np.ndarray, path: Path, quality: int) -> np.ndarray:
    """Write the frame as JPEG and return what the file decodes to, so crops match what is shown."""
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=quality, subsampling=0)
    path.write_bytes(buffer.getvalue())
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("RGB"))


def face_crops(frames: list[np.ndarray], boxes: np.ndarray, size: int = FACE_SIZE) -> np.ndarray:
    """The face box of each frame resized to size×size (bilinear, aspect not kept, as Wav2Lip does)."""
    import cv2

    out = np.empty((len(frames), size, size, 3), dtype=np.uint8)
    for i, (frame, (x1, y1, x2, y2)) in enumerate(zip(frames, boxes, strict=True)):
        out[i] = cv2.resize(frame[y1:y2, x1:x2], (size, size), interpolation=cv2.INTER_LINEAR)
    return out


def _toml_text(
    summary_source: str, fps: int, width: int, height: int, count: int, checkpoint: Path | None
) -> str:
    checkpoint_line = (
        f"checkpoint = {json.dumps(str(checkpoint))}"
        if checkpoint
        else '# checkpoint = "/path/to/wav2lip_gan.pth"'
    )
    return "\n".join(
        [
            f"# Photoreal avatar made by `livebot avatar prepare` from {summary_source}",
            'kind = "photoreal"',
            f"fps = {fps}",
            f"width = {width}",
            f"height = {height}",
            f"frame_count = {count}",
            f"frames = {json.dumps(FRAMES_DIR)}",
            f"faces = {json.dumps(FACES_FILE)}",
            f"boxes = {json.dumps(BOXES_FILE)}",
            f"mask = {json.dumps(MASK_FILE)}",
            'loop = "pingpong"  # idle loop: the clip forward, then backward',
            "",
            "# A Wav2Lip-compatible 96-px generator checkpoint that YOU supply (see docs/photoreal.md).",
            "# The original Wav2Lip weights are licensed for research / non-commercial use only.",
            checkpoint_line,
            "# trusted_checkpoint = false  # true allows torch.load(weights_only=False): trusted files only",
            'device = "auto"  # auto | cuda | cuda:1 | cpu',
            "batch = 8  # frames per inference batch",
            "",
        ]
    )


def prepare_avatar(
    video: Path,
    out: Path,
    *,
    fps: int = 25,
    width: int = 720,
    height: int = 1280,
    max_seconds: float = 6.0,
    bottom_pad: float = 0.10,
    jpeg_quality: int = 95,
    checkpoint: Path | None = None,
) -> PreparedSummary:
    """Read `video`, track the face, write frames, crops, boxes, mask and avatar.toml into `out`."""
    video, out = Path(video), Path(out)
    if max_seconds < MIN_SECONDS:
        raise AvatarPrepareError(f"--max-seconds must be at least {MIN_SECONDS:g}")
    frames, duration = read_video_frames(video, fps, width, height, max_seconds)
    if duration < MIN_SECONDS or len(frames) < MIN_SECONDS * fps - 1:
        raise AvatarPrepareError(
            f"{video}: video too short ({duration:.1f} s), at least {MIN_SECONDS:g} s of the seller needed"
        )
    track = checked_track(frames, min_face=FACE_SIZE)
    boxes = pad_boxes(smooth_boxes(track.boxes), width, height, bottom_fraction=bottom_pad)

    frames_dir = out / FRAMES_DIR
    frames_dir.mkdir(parents=True, exist_ok=True)
    for stale in frames_dir.glob("*.jpg"):
        stale.unlink()
    stored = [_store_frame(f, frames_dir / f"{i:05d}.jpg", jpeg_quality) for i, f in enumerate(frames)]
    crops = face_crops(stored, boxes)
    np.savez_compressed(out / FACES_FILE, crops=crops, boxes=boxes, detected=track.detected)
    with (out / BOXES_FILE).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["frame", "x1", "y1", "x2", "y2", "detected"])
        for i, (box, hit) in enumerate(zip(boxes.tolist(), track.detected.tolist(), strict=True)):
            writer.writerow([i, *box, int(hit)])
    Image.fromarray(np.round(lower_face_mask() * 255).astype(np.uint8), mode="L").save(out / MASK_FILE)
    resolved_checkpoint = checkpoint.resolve() if checkpoint else None
    (out / "avatar.toml").write_text(
        _toml_text(video.name, fps, width, height, len(frames), resolved_checkpoint), encoding="utf-8"
    )
    sides = np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    summary = PreparedSummary(
        folder=out,
        frame_count=len(frames),
        loop_frames=max(1, 2 * len(frames) - 2),
        face_px=int(np.median(sides)),
        lost_frames=int((~track.detected).sum()),
    )
    logger.info("photoreal avatar prepared: %s", summary)
    return summary
