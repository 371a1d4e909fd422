"""Name the numbers a section's checks rest on, so readers and the benchmark see them.

>>> d2l.report(test_accuracy=acc, seconds=t)    # prints "test_accuracy = 0.951 | seconds = 3.2"

With ``$D2LITE_RESULTS_FILE`` set (the benchmark sets it), each call also appends one JSON line
to that file.
"""
from __future__ import annotations

import json
import math
import numbers
import os

import torch

__all__ = ["report"]

RESULTS_ENV = "D2LITE_RESULTS_FILE"


def report(**values) -> dict[str, float]:
    """Print ``name = value`` for each keyword and record it; returns the values as floats.

    Raises:
        ValueError: no values were given.
        TypeError: a value is not a real number (or a one-element tensor).
        ValueError: a value is NaN (infinity is allowed, e.g. for "never converged").
    """
    if not values:
        raise ValueError("report needs at least one name=value, e.g. report(test_accuracy=0.95)")
    clean = {}
    for name, v in values.items():
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            v = v.item()
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise TypeError(f"report({name}=...) needs a real number, got {type(v).__name__} {v!r}")
        if math.isnan(v):  # inf is a fair answer, e.g. "never converged"; NaN says nothing
            raise ValueError(f"report({name}=...) needs a number, got NaN")
        clean[name] = float(v)
    print(" | ".join(f"{k} = {v:.4g}" for k, v in clean.items()))
    path = os.environ.get(RESULTS_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(clean) + "\n")
    return clean
