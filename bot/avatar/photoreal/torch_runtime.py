"""Lazy access to torch: the neural renderer is an optional extra (`pip install .[neural]`)."""

from __future__ import annotations

import importlib
import logging
from types import ModuleType

from bot.avatar.photoreal.errors import PhotorealError

logger = logging.getLogger(__name__)

_cpu_warned = False


def require_torch() -> ModuleType:
    """Import torch or fail with one clear line saying how to install it."""
    try:
        return importlib.import_module("torch")
    except ImportError as exc:
        raise PhotorealError(
            "the photoreal avatar needs torch: install the neural extra (pip install 'livebot[neural]')"
        ) from exc


def pick_device(preference: str = "auto") -> str:
    """Resolve 'auto' to CUDA when present, CPU otherwise; warn once that CPU is slow."""
    global _cpu_warned
    torch = require_torch()
    wanted = preference.strip().lower() or "auto"
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    if wanted.startswith("cuda") and not torch.cuda.is_available():
        raise PhotorealError(f"device {preference!r} asked for, but torch sees no CUDA GPU")
    if wanted == "cpu" and not _cpu_warned:
        _cpu_warned = True
        # Measured ~22 fps at batch 8 on 2 idle cores (bench/bench_neural.py): under the 25 fps stage
        # clock before the rest of the pipeline takes its share of the CPU.
        logger.warning(
            "photoreal lip-sync runs on CPU: expect less than real time (under 25 fps); use a CUDA GPU"
        )
    return wanted
