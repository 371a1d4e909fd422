"""Boundary checks shared by the public functions: say what was expected and what came.

Every public function and constructor of d2lite validates its arguments with these helpers, so
that bad input raises a ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value or shape) whose message names the argument, what was expected and what was given.

Checks on tensors come in two strengths. :func:`tensor` looks only at the type, the number of
axes, the dtype and the shape: it never reads a value, so it is cheap enough for every
``forward`` pass and never forces a GPU sync. Value checks (finite, in range, non-negative) read
the data and belong at the data boundaries (data builders, loaders, non-hot public functions).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
import torch

# --------------------------------------------------------------------------------------- scalars


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


# ------------------------------------------------------------------------------ tensors, arrays

_DTYPES = {"float": "floating point", "long": "integer (token ids, torch.long)", "bool": "bool"}


def tensor(name: str, x, ndim=None, *, dtype: str | None = None, shape: tuple | None = None,
           what: str = "") -> torch.Tensor:
    """``x`` if it is a tensor of ``ndim`` axes (an int or a tuple of allowed counts).

    ``dtype`` is ``"float"``, ``"long"`` (any integer dtype) or ``"bool"``; ``shape`` may hold
    ``None`` for free axes. Only metadata is read: cheap and free of device syncs, so fit for
    every ``forward`` call. ``what`` describes the axes for the message, e.g. ``" (batch, T)"``.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor{what}, got {type(x).__name__}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            axes = " or ".join(f"{n}-D" for n in allowed)
            raise ValueError(f"{name} must be {axes}{what}, got shape {tuple(x.shape)}")
    if dtype == "float" and not x.is_floating_point():
        raise TypeError(f"{name} must be a float tensor{what}, got dtype {x.dtype}")
    if dtype == "long" and (x.is_floating_point() or x.is_complex() or x.dtype == torch.bool):
        raise TypeError(f"{name} must hold integer ids (torch.long){what}, got dtype {x.dtype}")
    if dtype == "bool" and x.dtype != torch.bool:
        raise TypeError(f"{name} must be a bool tensor{what}, got dtype {x.dtype}")
    if shape is not None and (x.ndim != len(shape) or any(s is not None and s != t for s, t in zip(shape, x.shape))):
        want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise ValueError(f"{name} must have shape {want}{what}, got {tuple(x.shape)}")
    return x


def finite_tensor(name: str, x: torch.Tensor) -> torch.Tensor:
    """``x`` if it holds no NaN or inf. Reads the values: for data boundaries, not ``forward``."""
    if x.is_floating_point() and x.numel() and not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf")
    return x


def images(name: str, X, channels: int | None = None, *, who: str = "", dtype: str | None = "float") -> torch.Tensor:
    """A batch of images ``(n, C, H, W)``, with ``channels`` channels if given (shape/dtype only)."""
    pre = f"{who}: " if who else ""
    if not isinstance(X, torch.Tensor):
        raise TypeError(f"{pre}{name} must be a torch.Tensor of images (n, C, H, W), got {type(X).__name__}")
    c = "C" if channels is None else str(channels)
    if X.ndim != 4 or (channels is not None and X.shape[1] != channels):
        detail = "4-D" + (f", {c} channels" if channels is not None else "")
        if who:
            raise ValueError(f"{who} expects images of shape (n, {c}, H, W) as {name} ({detail}), "
                             f"got shape {tuple(X.shape)}")
        raise ValueError(f"{name} must be images of shape (n, {c}, H, W) ({detail}), got shape {tuple(X.shape)}")
    if dtype == "float" and not X.is_floating_point():
        raise TypeError(f"{pre}{name} must be floating-point images, got dtype {X.dtype}")
    return X


def rows(name: str, X, num_inputs: int) -> torch.Tensor:
    """``X`` as float rows ``(n, num_inputs)``: accepts rows or ``(n, C, H, W)`` images."""
    tensor(name, X, dtype="float")
    if X.ndim < 2 or math.prod(X.shape[1:]) != num_inputs:
        raise ValueError(f"{name} must be (n, {num_inputs}) rows or (n, C, H, W) images with "
                         f"C*H*W = {num_inputs}, got shape {tuple(X.shape)}")
    return X.reshape(len(X), num_inputs)


def as_tensor(name: str, a) -> torch.Tensor:
    """A tensor, or a NumPy array / nested list of numbers converted to one."""
    if isinstance(a, torch.Tensor):
        return a
    if isinstance(a, (np.ndarray, list, tuple)):
        try:
            arr = np.asarray(a)
        except ValueError:
            raise ValueError(f"{name} must be a rectangular array of numbers, got ragged nesting") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
        return torch.as_tensor(arr)
    raise TypeError(f"{name} must be a torch tensor or an array, got {type(a).__name__}")


def id_sequence(name: str, ids, *, min_len: int = 1) -> torch.Tensor:
    """A 1-D sequence of token indices (list, array or integer tensor) as a long tensor."""
    if isinstance(ids, (str, bytes)) or not isinstance(ids, (Sequence, np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a 1-D sequence of token indices, got {type(ids).__name__}")
    try:
        t = torch.as_tensor(ids)
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"{name} must be a 1-D sequence of token indices, got {type(ids).__name__}") from e
    if t.is_floating_point() or t.is_complex() or t.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer token indices, got dtype {t.dtype}")
    if t.ndim != 1 or len(t) < min_len:
        raise ValueError(f"{name} must be a 1-D sequence of at least {({1: 'one', 2: 'two'}).get(min_len, min_len)} "
                         f"token indices, "
                         f"got shape {tuple(t.shape)}")
    if len(t) and int(t.min()) < 0:
        raise ValueError(f"{name} must hold token indices >= 0, got {int(t.min())}")
    return t.long()


def numeric_array(name: str, value) -> np.ndarray:
    """``value`` as a float array; strings, objects and ragged nesting are refused."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    try:
        a = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers, got ragged nesting") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of numbers, got dtype {a.dtype}")
    return a.astype(float)


def float_array(name: str, a, ndim: int, *, what: str = "") -> np.ndarray:
    """``a`` (array-like or tensor, on any device) as a non-empty, finite float64 array."""
    if hasattr(a, "detach"):  # a torch tensor, possibly on a GPU
        a = a.detach().cpu().numpy()
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{name} must be a numeric array{what}, got {type(a).__name__}")
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a numeric array{what}, got {type(a).__name__}") from e
    if arr.ndim != ndim or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty {ndim}-D array{what}, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf")
    return arr


def non_negative_array(name: str, X: np.ndarray) -> np.ndarray:
    """``X`` (a NumPy array) if no entry is negative, e.g. counts."""
    if (X < 0).any():
        raise ValueError(f"{name} must hold counts >= 0, got a minimum of {X.min():.4g}")
    return X


def vector(name: str, v, n: int) -> np.ndarray:
    """``v`` as a 1-D array of length ``n`` (one entry per row of a matrix)."""
    if hasattr(v, "detach"):
        v = v.detach().cpu().numpy()
    if isinstance(v, (str, bytes)) or v is None or not hasattr(v, "__len__"):
        raise TypeError(f"{name} must be an array of shape ({n},), got {type(v).__name__}")
    v = np.asarray(v)
    if v.ndim != 1 or len(v) != n:
        raise ValueError(f"{name} must have shape ({n},) to match the {n} rows, got shape {v.shape}")
    return v


def distribution(name: str, p, size: int | None = None, atol: float = 1e-6) -> np.ndarray:
    """A 1-D probability vector: non-negative, summing to one (and of length ``size``)."""
    p = float_array(name, p, 1)
    if size is not None and len(p) != size:
        raise ValueError(f"{name} must have {size} entries (one per class/state), got {len(p)}")
    if (p < 0).any():
        raise ValueError(f"{name} must be non-negative probabilities, got min {p.min():.4g}")
    if abs(p.sum() - 1.0) > atol:
        raise ValueError(f"{name} must sum to one, got sum {p.sum():.6g}")
    return p


def stochastic(name: str, value, shape: tuple, atol: float = 1e-6) -> np.ndarray:
    """``value`` as a float array of ``shape`` whose last axis holds distributions (renormalised)."""
    p = numeric_array(name, value)
    if p.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {p.shape}")
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise ValueError(f"{name} must have finite entries >= 0, got minimum {np.nanmin(p):.3g}")
    sums = p.sum(axis=-1)
    if not np.allclose(sums, 1.0, atol=atol):
        raise ValueError(f"{name} must sum to 1 along its last axis, got sums {np.round(sums, 6)}")
    return p / sums[..., None]  # remove rounding so the tables are exact distributions


def attention_inputs(queries, keys, values, query_size=None, key_size=None) -> None:
    """Shapes and dtypes of ``(batch, n, d)`` queries, keys and values (no values are read)."""
    for name, x in (("queries", queries), ("keys", keys), ("values", values)):
        tensor(name, x, 3, dtype="float", what=" (batch, n, features)")
    if not queries.shape[0] == keys.shape[0] == values.shape[0]:
        raise ValueError(f"queries, keys and values need the same batch size, got {queries.shape[0]}, "
                         f"{keys.shape[0]}, {values.shape[0]}")
    if keys.shape[1] != values.shape[1]:
        raise ValueError(f"keys and values need the same length, got {keys.shape[1]} and {values.shape[1]}")
    if query_size is not None and queries.shape[-1] != query_size:
        raise ValueError(f"queries must have {query_size} features, got {queries.shape[-1]}")
    if key_size is not None and keys.shape[-1] != key_size:
        raise ValueError(f"keys must have {key_size} features, got {keys.shape[-1]}")


def limits(name: str, value) -> tuple[float, float]:
    """An increasing pair ``(lo, hi)`` of finite numbers, e.g. axis limits."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray, torch.Tensor)):
        raise TypeError(f"{name} must be a pair (lo, hi) of numbers, got {type(value).__name__}")
    if len(value) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi), got {len(value)} values")
    lo, hi = (finite_float(f"{name}[{i}]", v.item() if hasattr(v, "item") else v) for i, v in enumerate(value))
    if not lo < hi:
        raise ValueError(f"{name}: limits must be an increasing pair (lo, hi), got ({lo}, {hi})")
    return lo, hi


def labels(name: str, value, n: int) -> list:
    """A sequence of ``n`` labels (tick labels, token strings)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be a sequence of {n} labels, got {type(value).__name__}")
    if len(value) != n:
        raise ValueError(f"{name} must hold {n} tick labels, one per row/column, got {len(value)}")
    return list(value)


def device(name: str, value) -> torch.device:
    """``value`` (a ``torch.device`` or a name such as ``"cpu"``, ``"cuda:0"``) as a ``torch.device``."""
    if isinstance(value, torch.device):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a torch.device or a name such as 'cpu', got {type(value).__name__}")
    try:
        return torch.device(value)
    except RuntimeError as e:
        raise ValueError(f"{name} must be a device name such as 'cpu' or 'cuda:0', got {value!r}") from e


def source_batch(X, X_len, *, values: bool = False) -> None:
    """A batch of source ids ``X`` (B, S) and its valid lengths ``X_len`` (B,).

    Shapes and dtypes only, unless ``values``: then the lengths must lie in ``[1, S]`` (this
    reads them, so it syncs the device; for decoding and data builders, not ``forward``).
    """
    tensor("X", X, 2, dtype="long", what=" (B, S) of token indices")
    tensor("X_len", X_len, 1, dtype="long", shape=(X.shape[0],), what=" of valid lengths")
    if values and len(X_len) and (int(X_len.min()) < 1 or int(X_len.max()) > X.shape[1]):
        raise ValueError(f"X_len values must be in [1, {X.shape[1]}], got {int(X_len.min())}..{int(X_len.max())}")
