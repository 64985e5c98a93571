"""PhotorealAvatar: the idle clip of the seller with a Wav2Lip-generated mouth while the host speaks.

`load_photoreal` builds one from a prepared avatar folder and the checkpoint its avatar.toml names.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.avatar.avatar_spec import LayoutSpec
from bot.avatar.font_book import FontBook
from bot.avatar.overlay_painter import OverlayPainter
from bot.avatar.photoreal.avatar_folder import PreparedAvatar, load_prepared
from bot.avatar.photoreal.errors import PhotorealError
from bot.avatar.photoreal.lip_sync import LipSyncModel
from bot.avatar.photoreal.mel import mel_window, melspectrogram
from bot.avatar.render_contract import AvatarState
from bot.events import SpeechSegment

logger = logging.getLogger(__name__)

# Frame-slice loudness (RMS of int16 / 32768) to a coarse mouth shape for `viseme_at`: the neural
# renderer has no phoneme track of its own, the report only needs open vs closed.
_VISEME_LEVELS = ((0.01, "X"), (0.04, "B"), (0.12, "C"))


@dataclass
class _SegmentCache:
    """Mel of the segment being spoken and the faces already generated for it (by segment frame)."""

    segment: SpeechSegment
    mel: np.ndarray
    frame_count: int
    faces: dict[int, tuple[int, np.ndarray]] = field(default_factory=dict)  # frame -> (loop idx, face)


class PhotorealAvatar:
    """AvatarRenderer over a prepared clip: silent frames are the idle loop, spoken ones get a new mouth."""

    def __init__(
        self,
        prepared: PreparedAvatar,
        model: LipSyncModel | None,
        *,
        width: int,
        height: int,
        fps: int,
        batch: int = 8,
    ) -> None:
        if prepared.frames.shape[1:3] != (height, width):
            raise ValueError(f"prepared frames are {prepared.frames.shape[2]}x{prepared.frames.shape[1]}")
        self.prepared = prepared
        self.model = model
        self.width = width
        self.height = height
        self.fps = fps
        self.batch = max(1, batch)
        self.generated_frames = 0  # how many faces went through the network (tests, bench)
        self._current: _SegmentCache | None = None
        # The sprite's painter and layout (scaled from the 720-wide canvas): one product card, caption and
        # board on every avatar, with the same fonts and the same clearance of TikTok's own UI.
        self.overlays = OverlayPainter(width, height, LayoutSpec(), FontBook(), width / 720)

    def segment_frame(self, state: AvatarState) -> int | None:
        """Index of this frame inside the spoken segment (frame i ↔ audio slice i), None when silent."""
        segment = state.segment
        if segment is None or len(segment.pcm) == 0:
            return None
        index = int(round(state.seg_time * self.fps))
        if index < 0 or index >= self._frame_count(segment):
            return None
        return index

    def _frame_count(self, segment: SpeechSegment) -> int:
        return math.ceil(len(segment.pcm) * self.fps / segment.sample_rate)

    def _cache_for(self, segment: SpeechSegment) -> _SegmentCache:
        if self._current is None or self._current.segment is not segment:
            # The mel is computed once per sentence: it needs the whole 200 ms look-ahead anyway.
            mel = melspectrogram(segment.pcm, segment.sample_rate)
            self._current = _SegmentCache(segment, mel, self._frame_count(segment))
        return self._current

    def face_for(self, state: AvatarState, seg_frame: int, loop_idx: int) -> np.ndarray | None:
        """The generated 96×96 face of a spoken frame; None shows the clip's own mouth (the shared client)."""
        return self._generated_face(state, seg_frame, loop_idx)

    def _generated_face(self, state: AvatarState, seg_frame: int, loop_idx: int) -> np.ndarray:
        assert self.model is not None, "no model here: a subclass brings its faces (face_for)"
        cache = self._cache_for(state.segment)  # type: ignore[arg-type]
        hit = cache.faces.get(seg_frame)
        if hit is not None and hit[0] == loop_idx:
            return hit[1]
        # Generate this frame and the next batch-1 ones in one call: the stage asks frame after frame.
        frames = range(seg_frame, min(seg_frame + self.batch, cache.frame_count))
        loop_ids = [self.prepared.loop_index(state.frame_index + k) for k in range(len(frames))]
        mels = np.stack([mel_window(cache.mel, j, self.fps) for j in frames])
        faces = self.model.generate(mels, self.prepared.crops[loop_ids])
        self.generated_frames += len(frames)
        cache.faces = {j: (li, face) for j, li, face in zip(frames, loop_ids, faces, strict=True)}
        return faces[0]

    def _blend(self, frame: np.ndarray, box: np.ndarray, face: np.ndarray) -> np.ndarray:
        import cv2

        x1, y1, x2, y2 = (int(v) for v in box)
        size = (x2 - x1, y2 - y1)
        resized = cv2.resize(face, size, interpolation=cv2.INTER_LINEAR).astype(np.float32)
        weight = cv2.resize(self.prepared.mask, size, interpolation=cv2.INTER_LINEAR)[..., None]
        out = frame.copy()
        region = out[y1:y2, x1:x2].astype(np.float32)
        out[y1:y2, x1:x2] = np.clip(np.rint(region + (resized - region) * weight), 0, 255).astype(np.uint8)
        return out

    def render(self, state: AvatarState) -> np.ndarray:
        """One RGB frame: the idle loop at this frame index, mouth redrawn from the audio when speaking."""
        loop_idx = self.prepared.loop_index(state.frame_index)
        frame = self.prepared.frames[loop_idx]
        seg_frame = self.segment_frame(state)
        face = None if seg_frame is None else self.face_for(state, seg_frame, loop_idx)
        if face is None:
            image = frame.copy()  # silent (or no face in time): the source video as filmed
        else:
            image = self._blend(frame, self.prepared.boxes[loop_idx], face)
        self.overlays.paint(image, state)  # both branches above made a fresh copy: the clip stays clean
        return image

    def viseme_at(self, state: AvatarState) -> str:
        """Coarse mouth shape from the loudness of this frame's audio slice ('X' when silent)."""
        seg_frame = self.segment_frame(state)
        if seg_frame is None:
            return "X"
        segment = state.segment
        assert segment is not None
        per_frame = segment.sample_rate / self.fps
        chunk = segment.pcm[int(seg_frame * per_frame) : int((seg_frame + 1) * per_frame)]
        rms = float(np.sqrt(np.mean((chunk.astype(np.float64) / 32768.0) ** 2))) if chunk.size else 0.0
        for level, shape in _VISEME_LEVELS:
            if rms < level:
                return shape
        return "D"


def checkpoint_of(folder: Path, settings: dict[str, Any]) -> Path:
    """The checkpoint an avatar.toml names (relative to its folder); PhotorealError when none is set."""
    if "checkpoint" not in settings:
        raise PhotorealError(
            f"{folder / 'avatar.toml'}: set checkpoint = \"/path/to/wav2lip_gan.pth\" "
            "(a Wav2Lip-compatible generator you supply; see docs/photoreal.md)"
        )
    checkpoint = Path(str(settings["checkpoint"])).expanduser()
    return checkpoint if checkpoint.is_absolute() else folder / checkpoint


def load_photoreal(folder: Path, width: int, height: int, fps: int) -> PhotorealAvatar:
    """Build the photoreal renderer from a prepared folder; needs torch and the checkpoint it names."""
    folder = Path(folder)
    prepared = load_prepared(folder, width, height)
    settings = prepared.settings
    checkpoint = checkpoint_of(folder, settings)
    if prepared.fps != fps:
        logger.warning("avatar %s was prepared at %d fps, stage runs %d fps", folder, prepared.fps, fps)
    model = LipSyncModel.from_checkpoint(
        checkpoint,
        device=str(settings.get("device", "auto")),
        precision=str(settings.get("precision", "auto")),
        trusted=bool(settings.get("trusted_checkpoint", False)),
    )
    batch = int(settings.get("batch", 8))
    return PhotorealAvatar(prepared, model, width=width, height=height, fps=fps, batch=batch)
