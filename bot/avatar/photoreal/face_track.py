"""Find and follow the seller's face through a clip with OpenCV's Haar cascade; smooth and pad the boxes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from bot.avatar.photoreal.errors import AvatarPrepareError

logger = logging.getLogger(__name__)

DETECT_MAX_SIDE = 480  # detect on a downscaled copy: Haar cost grows with area, boxes barely move
SMOOTH_WINDOW = 5
MAX_LOST_FRACTION = 0.20


@dataclass(frozen=True, slots=True)
class FaceTrack:
    """One box per frame (x1, y1, x2, y2 in pixels) and which frames had a real detection."""

    boxes: np.ndarray  # (N, 4) int
    detected: np.ndarray  # (N,) bool

    @property
    def lost_fraction(self) -> float:
        return float(1.0 - self.detected.mean()) if len(self.detected) else 1.0


def _cascade():  # -> cv2.CascadeClassifier
    import cv2

    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise AvatarPrepareError(f"OpenCV's face cascade could not be loaded from {path}")
    return cascade


def detect_faces(frame_rgb: np.ndarray, cascade=None) -> np.ndarray:
    """All frontal faces in an RGB frame as (k, 4) boxes x1, y1, x2, y2 in full-frame pixels."""
    import cv2

    cascade = cascade if cascade is not None else _cascade()
    h, w = frame_rgb.shape[:2]
    scale = min(1.0, DETECT_MAX_SIDE / max(h, w))
    gray = cv2.cvtColor(frame_rgb, cv2.COLOR_RGB2GRAY)
    if scale < 1.0:
        gray = cv2.resize(gray, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.equalizeHist(gray)
    # Faces under 96 px are refused later anyway; skipping the small scales halves detection time.
    min_side = max(24, round(48 * scale))
    found = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(min_side, min_side))
    if len(found) == 0:
        return np.zeros((0, 4), dtype=np.int64)
    boxes = np.asarray(found, dtype=np.float64)
    boxes[:, 2:] += boxes[:, :2]
    return np.round(boxes / scale).astype(np.int64)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x1 = np.maximum(a[0], b[:, 0])
    y1 = np.maximum(a[1], b[:, 1])
    x2 = np.minimum(a[2], b[:, 2])
    y2 = np.minimum(a[3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[2] - a[0]) * (a[3] - a[1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area_a + area_b - inter, 1)


def track_face(frames: list[np.ndarray]) -> FaceTrack:
    """Detect in every frame, keep following the same face, fill misses from the nearest found frame."""
    cascade = _cascade()
    n = len(frames)
    raw = np.zeros((n, 4), dtype=np.float64)
    detected = np.zeros(n, dtype=bool)
    previous: np.ndarray | None = None
    for i, frame in enumerate(frames):
        found = detect_faces(frame, cascade)
        if len(found) == 0:
            continue
        if previous is None:
            # Start with the biggest face: the seller is the person closest to the camera.
            pick = int(np.argmax((found[:, 2] - found[:, 0]) * (found[:, 3] - found[:, 1])))
        else:
            overlaps = _iou(previous, found.astype(np.float64))
            pick = int(np.argmax(overlaps))
            if overlaps[pick] < 0.1:
                continue  # another face, or a false hit: not the one we follow
        raw[i] = found[pick]
        detected[i] = True
        previous = raw[i]
    if not detected.any():
        raise AvatarPrepareError(
            "no face found in the video (a frontal, well-lit face at least 96 px across is needed)"
        )
    hits = np.flatnonzero(detected)
    for i in np.flatnonzero(~detected):
        raw[i] = raw[hits[np.argmin(np.abs(hits - i))]]
    return FaceTrack(boxes=np.round(raw).astype(np.int64), detected=detected)


def smooth_boxes(boxes: np.ndarray, window: int = SMOOTH_WINDOW) -> np.ndarray:
    """Centred temporal mean over `window` boxes (clamped at the ends) to stop the crop jittering."""
    n = len(boxes)
    if n == 0:
        return boxes
    half = window // 2
    out = np.empty((n, 4), dtype=np.float64)
    for i in range(n):
        lo, hi = max(0, i - half), min(n, i + half + 1)
        out[i] = boxes[lo:hi].mean(axis=0)
    return out


def pad_boxes(boxes: np.ndarray, width: int, height: int, bottom_fraction: float = 0.10) -> np.ndarray:
    """Extend each box downwards to include the chin, clamp to the image; integer boxes."""
    # Wav2Lip pads 10 px below s3fd boxes of ~100-200 px faces; Haar boxes stop higher, so pad
    # by a fraction of the face height instead of fixed pixels.
    out = np.asarray(boxes, dtype=np.float64).copy()
    out[:, 3] += (out[:, 3] - out[:, 1]) * bottom_fraction
    out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, width)
    out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, height)
    return np.round(out).astype(np.int64)


def checked_track(frames: list[np.ndarray], min_face: int = 96) -> FaceTrack:
    """Track the face and refuse clips where it is lost too often or too small for the 96-px model."""
    track = track_face(frames)
    if track.lost_fraction > MAX_LOST_FRACTION:
        raise AvatarPrepareError(
            f"face lost in {track.lost_fraction:.0%} of frames (at most {MAX_LOST_FRACTION:.0%} allowed): "
            "keep the face frontal and in view"
        )
    sides = np.minimum(track.boxes[:, 2] - track.boxes[:, 0], track.boxes[:, 3] - track.boxes[:, 1])
    face_px = int(np.median(sides))
    if face_px < min_face:
        raise AvatarPrepareError(
            f"face too small: {face_px} px across, at least {min_face} px needed (film closer)"
        )
    logger.info("face tracked in %d/%d frames, %d px", int(track.detected.sum()), len(frames), face_px)
    return track
