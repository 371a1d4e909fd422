"""Boundary checks shared by the public functions: say what was expected and what came."""
from __future__ import annotations

import math
import numbers

import numpy as np
import torch


def positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive int, got {type(value).__name__} {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value}")
    return int(value)


def non_negative_float(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {type(value).__name__} {value!r}")
    if not value >= 0:  # also catches NaN
        raise ValueError(f"{name} must be a number >= 0, got {value}")
    return float(value)


def fraction(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in (0, 1), got {type(value).__name__} {value!r}")
    if not 0 < value < 1:
        raise ValueError(f"{name} must be in (0, 1), got {value}")
    return float(value)


def one_of(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices, key=repr)}, got {value!r}")
    return value


def float_array(name: str, a, ndim: int, *, what: str = "") -> np.ndarray:
    """``a`` (array-like or tensor, on any device) as a non-empty, finite float64 array."""
    if hasattr(a, "detach"):  # a torch tensor, possibly on a GPU
        a = a.detach().cpu().numpy()
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a numeric array{what}, got {type(a).__name__}") from e
    if arr.ndim != ndim or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array{what}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf")
    return arr


# Added for the Trainer and its callbacks (issue 18); same names and behaviour as the
# consolidated checks, so the two versions merge to one.
def positive_float(name: str, value) -> float:
    """``value`` as a finite float ``> 0``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number > 0, got {type(value).__name__} {value!r}")
    v = float(value)
    if not (v > 0 and math.isfinite(v)):  # also catches NaN
        raise ValueError(f"{name} must be a finite number > 0, got {v}")
    return v


def boolean(name: str, value) -> bool:
    """``value`` as a bool; ints, strings and None are refused (``"False"`` is truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def text(name: str, value) -> str:
    """``value`` if it is a str."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {type(value).__name__} {value!r}")
    return value


def callable_(name: str, value):
    """``value`` if it can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__} {value!r}")
    return value


def module(name: str, value, cls=torch.nn.Module):
    """``value`` if it is an instance of ``cls`` (a ``torch.nn.Module`` by default)."""
    if not isinstance(value, cls):
        raise TypeError(f"{name} must be a {cls.__name__}, got {type(value).__name__}")
    return value
