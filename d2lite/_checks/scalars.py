"""Checks of single values: ints, numbers in a range, flags, choices, seeds, callables."""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["boolean", "callable_", "dropout_rate", "finite_float", "fraction", "integer", "module",
           "non_negative_float", "non_negative_int", "numbers_seq", "one_of", "positive_float", "positive_int",
           "probability", "seed", "sizes", "text", "token_index"]


def _real(name: str, value, expected: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    return float(value)


def _integral(name: str, value, expected: str) -> int:
    if isinstance(value, torch.Tensor) and value.ndim == 0 and not value.dtype.is_floating_point \
            and value.dtype != torch.bool:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    return int(value)


def integer(name: str, value) -> int:
    """``value`` as an int (any sign); bools and floats are refused."""
    return _integral(name, value, "an int")


def positive_int(name: str, value) -> int:
    """``value`` as an int ``> 0``."""
    v = _integral(name, value, "a positive int")
    if v <= 0:
        raise ValueError(f"{name} must be a positive int, got {v}")
    return v


def non_negative_int(name: str, value) -> int:
    """``value`` as an int ``>= 0``."""
    v = _integral(name, value, "an int >= 0")
    if v < 0:
        raise ValueError(f"{name} must be an int >= 0, got {v}")
    return v


def token_index(name: str, value, size: int | None = None) -> int:
    """A token index: an int ``>= 0`` (and ``< size`` when the vocabulary size is known)."""
    v = _integral(name, value, "a token index (an int >= 0)")
    if v < 0 or (size is not None and v >= size):
        bound = f"in [0, {size})" if size is not None else ">= 0"
        raise ValueError(f"{name} must be a token index {bound}, got {v}")
    return v


def seed(name: str, value) -> int:
    """A random seed: an int in ``[0, 2**32)``, the range every seeded library here accepts."""
    v = _integral(name, value, "an int seed")
    if not 0 <= v < 2**32:
        raise ValueError(f"{name} must be in [0, 2**32 - 1], got {v}")
    return v


def finite_float(name: str, value) -> float:
    """``value`` as a finite float (any sign)."""
    v = _real(name, value, "a finite number")
    if not math.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {v}")
    return v


def positive_float(name: str, value) -> float:
    """``value`` as a finite float ``> 0``."""
    v = _real(name, value, "a number > 0")
    if not (v > 0 and math.isfinite(v)):  # also catches NaN
        raise ValueError(f"{name} must be a finite number > 0, got {v}")
    return v


def non_negative_float(name: str, value, *, allow_inf: bool = False) -> float:
    """``value`` as a float ``>= 0``, finite unless ``allow_inf``."""
    v = _real(name, value, "a number >= 0")
    if not v >= 0 or (not allow_inf and math.isinf(v)):  # ``not v >= 0`` also catches NaN
        raise ValueError(f"{name} must be a number >= 0 (and finite), got {v}")
    return v


def fraction(name: str, value) -> float:
    """A share strictly between 0 and 1."""
    v = _real(name, value, "a number in (0, 1)")
    if not 0 < v < 1:
        raise ValueError(f"{name} must be in (0, 1), got {v}")
    return v


def probability(name: str, value) -> float:
    """A probability in ``[0, 1]``."""
    v = _real(name, value, "a probability in [0, 1]")
    if not 0 <= v <= 1:
        raise ValueError(f"{name} must be in [0, 1], got {v}")
    return v


def dropout_rate(name: str, value) -> float:
    """A dropout probability in ``[0, 1)`` (1 would drop everything)."""
    v = _real(name, value, "a number in [0, 1)")
    if not 0 <= v < 1:
        raise ValueError(f"{name} must be in [0, 1), got {v}")
    return v


def boolean(name: str, value) -> bool:
    """``value`` as a bool; ints, strings and None are refused (``"False"`` is truthy)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def one_of(name: str, value, choices):
    """``value`` if it is one of ``choices`` (compared with ``==``)."""
    try:
        ok = value in choices
    except TypeError:  # an unhashable value against a set or dict
        ok = False
    if not ok or isinstance(value, bool) != any(isinstance(c, bool) for c in choices if c == value):
        raise ValueError(f"{name} must be one of {sorted(choices, key=repr)}, got {value!r}")
    return value


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


def sizes(name: str, value, *, allow_empty: bool = True) -> tuple[int, ...]:
    """A sequence of positive ints such as ``(256, 64)``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a sequence of positive ints such as (256,), got {type(value).__name__}")
    if not allow_empty and not value:
        raise ValueError(f"{name} must hold at least one positive int, got an empty {type(value).__name__}")
    return tuple(positive_int(f"{name}[{i}]", v) for i, v in enumerate(value))


def numbers_seq(name: str, value, *, length: int | None = None, positive: bool = False) -> list[float]:
    """A non-empty sequence of finite numbers (each ``> 0`` if ``positive``), e.g. anchor sizes."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a sequence of numbers, got {type(value).__name__}")
    if len(value) == 0 or (length is not None and len(value) != length):
        want = f"{length} numbers" if length is not None else "at least one number"
        want = {2: "two numbers"}.get(length, want)
        raise ValueError(f"{name} must hold {want}, got {len(value)}")
    check = positive_float if positive else finite_float
    return [check(f"{name}[{i}]", v.item() if hasattr(v, "item") else v) for i, v in enumerate(value)]
