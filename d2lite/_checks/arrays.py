"""Checks of tensors and arrays. :func:`tensor` reads only metadata (no device sync)."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["as_tensor", "distribution", "finite_tensor", "float_array", "id_sequence", "images", "non_negative_array",
           "numeric_array", "rows", "stochastic", "tensor", "vector"]


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
        return torch.as_tensor(_number_array(name, a, "hold numbers"))
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
    return _number_array(name, value, "be an array of numbers").astype(float)


def _number_array(name: str, value, must: str) -> np.ndarray:
    """``value`` as a NumPy array of numbers (bool, int or float); ragged nesting and other dtypes
    are refused, saying that ``name`` must ``must``."""
    try:
        a = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of numbers, got ragged nesting") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must {must}, got dtype {a.dtype}")
    return a


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
