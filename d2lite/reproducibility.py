"""One call that makes a run repeatable: seed Python, NumPy and torch together."""
from __future__ import annotations

import random

import numpy as np
import torch

from ._checks import seed as check_seed

__all__ = ["set_seed"]


def set_seed(seed: int = 0) -> int:
    """Seed ``random``, NumPy and torch (all devices) with ``seed`` and return it.

    Raises:
        TypeError: ``seed`` is not an int.
        ValueError: ``seed`` is outside 0 … 2**32 - 1 (NumPy's range).
    """
    seed = check_seed("seed", seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return int(seed)
