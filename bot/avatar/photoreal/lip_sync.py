"""Batched Wav2Lip inference: numpy faces + mel windows in, lip-synced 96×96 faces out (CUDA or CPU)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bot.avatar.photoreal.torch_runtime import pick_device, require_torch

FACE_SIZE = 96


@dataclass
class LipSyncModel:
    """A loaded generator on its device; `precision` is fp32, fp16 or bf16 (autocast, CUDA only)."""

    model: Any  # Wav2LipGenerator; typed loosely so this module imports without torch
    device: str
    precision: str = "fp32"
    _dtype: Any = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        torch = require_torch()
        if self.precision not in ("fp32", "fp16", "bf16"):
            raise ValueError(f"precision must be fp32, fp16 or bf16, not {self.precision!r}")
        self._dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.precision)
        if self.device.startswith("cuda"):
            torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick the fastest kernels
            self.model = self.model.to(memory_format=torch.channels_last)

    @classmethod
    def from_checkpoint(
        cls, path: Path, device: str = "auto", precision: str = "auto", *, trusted: bool = False
    ) -> LipSyncModel:
        """Load a user's checkpoint; 'auto' picks CUDA (fp16) when present, else CPU (fp32)."""
        # Here, not at the top: wav2lip imports torch itself, and torch is the optional neural extra.
        from bot.avatar.photoreal.wav2lip import load_generator

        resolved = pick_device(device)
        if precision == "auto":
            precision = "fp16" if resolved.startswith("cuda") else "fp32"
        return cls(load_generator(path, resolved, trusted=trusted), resolved, precision)

    def generate(self, mels: np.ndarray, faces_rgb: np.ndarray) -> np.ndarray:
        """mels (B, 80, 16) float, faces (B, 96, 96, 3) uint8 RGB -> (B, 96, 96, 3) uint8 RGB."""
        torch = require_torch()
        if len(mels) != len(faces_rgb):
            raise ValueError(f"{len(mels)} mel windows for {len(faces_rgb)} faces")
        # Wav2Lip was trained on OpenCV (BGR) crops scaled to [0, 1]; the input is the face with its
        # lower half blanked (what to redraw) stacked with the same face as identity reference.
        bgr = np.ascontiguousarray(faces_rgb[..., ::-1], dtype=np.float32) / 255.0
        masked = bgr.copy()
        masked[:, FACE_SIZE // 2 :] = 0.0
        face = torch.from_numpy(np.concatenate([masked, bgr], axis=3)).permute(0, 3, 1, 2)
        audio = torch.from_numpy(np.ascontiguousarray(mels, dtype=np.float32))[:, None]
        cuda = self.device.startswith("cuda")
        face = face.to(self.device, non_blocking=cuda)
        audio = audio.to(self.device, non_blocking=cuda)
        if cuda:
            face = face.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode():
            if self._dtype is not None and cuda:
                with torch.autocast("cuda", dtype=self._dtype):
                    out = self.model(audio, face)
            else:
                out = self.model(audio, face)
            pixels = (out.float().clamp_(0, 1) * 255.0).round_().to(torch.uint8)
        return pixels.permute(0, 2, 3, 1).cpu().numpy()[..., ::-1].copy()
