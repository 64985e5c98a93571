"""A Wav2Lip-compatible generator in torch: same layers and state-dict names as the published checkpoints.

Clean-room from the architecture description (research §3c). Import this module only where torch
is wanted; the package's `__init__` never imports it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from bot.avatar.photoreal.errors import PhotorealError

logger = logging.getLogger(__name__)

PARAMETER_COUNT = 36_298_035
STATE_DICT_ENTRIES = 352
FACE_SIZE = 96
MEL_BANDS = 80
MEL_STEP = 16
CHANNEL_DIVISORS = (1, 2, 4, 8, 16)  # every width of the layout divides by these
_FIRST_CONV = "face_encoder_blocks.0.0.conv_block.0.weight"


class ConvBlock(nn.Module):
    """Conv + BatchNorm (stored as `conv_block.0/1`) then ReLU, with an optional identity skip."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel_size: int,
        stride: int | tuple[int, int],
        padding: int,
        residual: bool = False,
    ) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.Conv2d(cin, cout, kernel_size, stride, padding), nn.BatchNorm2d(cout)
        )
        self.act = nn.ReLU()
        self.residual = residual

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv_block(x)
        if self.residual:
            out = out + x
        return self.act(out)


class ConvTransposeBlock(nn.Module):
    """Transposed conv + BatchNorm (`conv_block.0/1`) then ReLU: one up-sampling step of the decoder."""

    def __init__(
        self, cin: int, cout: int, kernel_size: int, stride: int, padding: int, output_padding: int = 0
    ) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            nn.ConvTranspose2d(cin, cout, kernel_size, stride, padding, output_padding),
            nn.BatchNorm2d(cout),
        )
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv_block(x))


def _res(ch: int, count: int) -> list[nn.Module]:
    return [ConvBlock(ch, ch, 3, 1, 1, residual=True) for _ in range(count)]


def _down(cin: int, cout: int, residuals: int) -> nn.Sequential:
    return nn.Sequential(ConvBlock(cin, cout, 3, 2, 1), *_res(cout, residuals))


def _up(cin: int, cout: int, residuals: int) -> nn.Sequential:
    return nn.Sequential(ConvTransposeBlock(cin, cout, 3, 2, 1, output_padding=1), *_res(cout, residuals))


class Wav2LipGenerator(nn.Module):
    """Generator: (mel B×1×80×16, face B×6×96×96 in [0,1], BGR) -> lower-face-synced face B×3×96×96.

    `channel_divisor` > 1 divides every layer's width (same layers and names): the tiny generator tests use.
    """

    def __init__(self, channel_divisor: int = 1) -> None:
        super().__init__()
        if channel_divisor not in CHANNEL_DIVISORS:
            raise ValueError(f"channel_divisor must be one of {CHANNEL_DIVISORS}, not {channel_divisor}")
        self.channel_divisor = channel_divisor

        def c(n: int) -> int:
            return n // channel_divisor

        self.face_encoder_blocks = nn.ModuleList(
            [
                nn.Sequential(ConvBlock(6, c(16), 7, 1, 3)),  # 96
                _down(c(16), c(32), 2),  # 48
                _down(c(32), c(64), 3),  # 24
                _down(c(64), c(128), 2),  # 12
                _down(c(128), c(256), 2),  # 6
                _down(c(256), c(512), 1),  # 3
                nn.Sequential(ConvBlock(c(512), c(512), 3, 1, 0), ConvBlock(c(512), c(512), 1, 1, 0)),  # 1
            ]
        )
        self.audio_encoder = nn.Sequential(
            ConvBlock(1, c(32), 3, 1, 1),
            *_res(c(32), 2),
            ConvBlock(c(32), c(64), 3, (3, 1), 1),
            *_res(c(64), 2),
            ConvBlock(c(64), c(128), 3, 3, 1),
            *_res(c(128), 2),
            ConvBlock(c(128), c(256), 3, (3, 2), 1),
            *_res(c(256), 1),
            ConvBlock(c(256), c(512), 3, 1, 0),
            ConvBlock(c(512), c(512), 1, 1, 0),
        )
        self.face_decoder_blocks = nn.ModuleList(
            [
                nn.Sequential(ConvBlock(c(512), c(512), 1, 1, 0)),  # 1
                nn.Sequential(ConvTransposeBlock(c(1024), c(512), 3, 1, 0), *_res(c(512), 1)),  # 3
                _up(c(1024), c(512), 2),  # 6
                _up(c(768), c(384), 2),  # 12
                _up(c(512), c(256), 2),  # 24
                _up(c(320), c(128), 2),  # 48
                _up(c(160), c(64), 2),  # 96
            ]
        )
        self.output_block = nn.Sequential(
            ConvBlock(c(80), c(32), 3, 1, 1), nn.Conv2d(c(32), 3, kernel_size=1, stride=1, padding=0), nn.Sigmoid()
        )

    def forward(self, audio: torch.Tensor, face: torch.Tensor) -> torch.Tensor:
        audio_embedding = self.audio_encoder(audio)
        feats: list[torch.Tensor] = []
        x = face
        for block in self.face_encoder_blocks:
            x = block(x)
            feats.append(x)
        x = audio_embedding
        for block in self.face_decoder_blocks:
            # U-Net skip: each decoder output is joined with the encoder output of the same size.
            x = torch.cat((block(x), feats.pop()), dim=1)
        return self.output_block(x)


def _unwrap_state_dict(loaded: Any, source: Path) -> dict[str, torch.Tensor]:
    state = loaded.get("state_dict", loaded) if isinstance(loaded, Mapping) else None
    if not isinstance(state, Mapping) or not state:
        raise PhotorealError(f"{source}: not a Wav2Lip checkpoint (no state_dict inside)")
    # Checkpoints saved from nn.DataParallel carry a `module.` prefix on every key.
    return {str(k).removeprefix("module."): v for k, v in state.items()}


def read_checkpoint(path: Path, *, trusted: bool = False) -> dict[str, torch.Tensor]:
    """Read a checkpoint's generator weights; unpickling arbitrary objects only when `trusted`."""
    path = Path(path)
    if not path.is_file():
        raise PhotorealError(f"{path}: Wav2Lip checkpoint not found")
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as safe_exc:  # noqa: BLE001 - the safe loader raises several pickle error types
        if not trusted:
            raise PhotorealError(
                f"{path}: cannot be read with torch.load(weights_only=True) ({type(safe_exc).__name__}); "
                "if you trust this file, set trusted_checkpoint = true in avatar.toml"
            ) from safe_exc
        logger.warning("loading %s with weights_only=False because it is marked trusted", path)
        try:
            loaded = torch.load(path, map_location="cpu", weights_only=False)
        except Exception as exc:  # noqa: BLE001
            raise PhotorealError(f"{path}: unreadable checkpoint ({exc})") from exc
    return _unwrap_state_dict(loaded, path)


def _channel_divisor(state: Mapping[str, torch.Tensor]) -> int:
    """1 for published checkpoints; the divisor of a slimmed one (its first conv has 16/d filters)."""
    first = state.get(_FIRST_CONV)
    if first is None or first.ndim != 4 or first.shape[0] == 0 or 16 % first.shape[0]:
        return 1  # not recognisable: the full layout, whose load then names what does not fit
    divisor = 16 // int(first.shape[0])
    return divisor if divisor in CHANNEL_DIVISORS else 1


def load_generator(path: Path, device: str = "cpu", *, trusted: bool = False) -> Wav2LipGenerator:
    """Build the generator, load a user's Wav2Lip checkpoint into it, move it to `device`, eval mode."""
    state = read_checkpoint(Path(path), trusted=trusted)
    model = Wav2LipGenerator(_channel_divisor(state))
    try:
        result = model.load_state_dict(state, strict=False)
    except RuntimeError as exc:  # shape mismatches: a different model or resolution (e.g. wav2lip256)
        first = str(exc).strip().splitlines()[-1].strip()
        raise PhotorealError(f"{path}: weights do not fit the 96-px Wav2Lip generator ({first})") from exc
    if result.missing_keys or result.unexpected_keys:
        missing = ", ".join(result.missing_keys[:3])
        unexpected = ", ".join(result.unexpected_keys[:3])
        raise PhotorealError(
            f"{path}: not a Wav2Lip generator checkpoint "
            f"({len(result.missing_keys)} keys missing, e.g. {missing or '-'}; "
            f"{len(result.unexpected_keys)} unexpected, e.g. {unexpected or '-'})"
        )
    return model.to(device).eval()
