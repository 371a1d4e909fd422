"""One call that makes a run repeatable: seed Python, NumPy and torch together."""
from __future__ import annotations

import random

import numpy as np
import torch

__all__ = ["set_seed"]


def set_seed(seed: int = 0) -> int:
    """Seed ``random``, NumPy and torch (all devices) with ``seed`` and return it.

    Raises:
        TypeError: ``seed`` is not an int.
        ValueError: ``seed`` is outside 0 … 2**32 - 1 (NumPy's range).
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    if not 0 <= seed < 2**32:
        raise ValueError(f"seed must be in [0, 2**32 - 1], got {seed}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return int(seed)
