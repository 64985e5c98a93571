"""The one percentile: the report's summary, the run's closing summary and the benches print the same p50."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (linear between closest ranks), rounded to 0.1; None when there are no values."""
    return round(float(np.percentile(values, q)), 1) if len(values) else None
