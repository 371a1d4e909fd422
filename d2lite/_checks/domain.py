"""Checks shared by one family of functions: attention inputs, token batches, boxes, graphs, plots."""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import torch

from .arrays import as_tensor, float_array, tensor, vector
from .scalars import finite_float, positive_int

__all__ = ["attention_inputs", "attention_weights", "boxes", "check_adjacency", "check_edge_index", "coordinate",
           "device", "fitted", "generator", "index_rows", "labels", "limits", "matrix_width", "node_features",
           "numbers_tensor", "paired_matrices", "source_batch", "square_matrix", "token_list", "token_segment_ids",
           "two_class_labels"]


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


def index_rows(name: str, sequences) -> list:
    """A list of token-index sequences (lists, tuples or 1-D tensors), e.g. sentences to pad."""
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__iter__"):
        raise TypeError(f"{name} must be a list of token-index sequences, got {type(sequences).__name__}")
    rows = list(sequences)
    for i, seq in enumerate(rows):
        if isinstance(seq, (str, bytes)) or not hasattr(seq, "__iter__"):
            raise TypeError(f"{name}[{i}] must be a sequence of token indices, got {type(seq).__name__}")
    return rows


def token_list(name, tokens) -> list:
    if isinstance(tokens, (str, bytes)) or not hasattr(tokens, "__iter__"):
        raise TypeError(f"{name} must be a sequence of tokens, got {type(tokens).__name__}")
    return list(tokens)


def token_segment_ids(tokens, segments, valid_lens, max_len):  # shapes and dtypes only: runs in forward
    tensor("tokens", tokens, 2, dtype="long", what=" (batch, T) of token ids")
    tensor("segments", segments, 2, dtype="long", what=" (batch, T) of 0/1 segment ids")
    if tokens.shape != segments.shape:
        raise ValueError(f"tokens and segments must have the same shape, got {tuple(tokens.shape)} "
                         f"and {tuple(segments.shape)}")
    if tokens.shape[1] > max_len:
        raise ValueError(f"sequences of length {tokens.shape[1]} exceed max_len={max_len}")
    if valid_lens is not None:
        tensor("valid_lens", valid_lens, dtype="long")
        if valid_lens.shape not in ((tokens.shape[0],), tuple(tokens.shape)):
            raise ValueError(f"valid_lens must have shape ({tokens.shape[0]},) or {tuple(tokens.shape)}, "
                             f"got {tuple(valid_lens.shape)}")


def node_features(X, n: int | None = None, d: int | None = None) -> torch.Tensor:
    """Node features ``X`` (n, d), float (shape and dtype only)."""
    want = f"({n if n is not None else 'n'}, {d if d is not None else 'd'})"
    tensor("X", X, 2, dtype="float", what=f" of node features {want}")
    if (n is not None and X.shape[0] != n) or (d is not None and X.shape[1] != d):
        raise ValueError(f"X must have shape {want}, got {tuple(X.shape)}")
    return X


def square_matrix(name: str, A, n: int) -> torch.Tensor:
    """Shape and dtype of an adjacency inside ``forward``: no values are read (no device sync)."""
    tensor(name, A, 2, what=f" (adjacency ({n}, {n}))")
    if A.shape != (n, n):
        raise ValueError(f"{name} must be ({n}, {n}) to match X, got {tuple(A.shape)}")
    if A.is_complex():
        raise TypeError(f"{name} must be bool, int or float, got dtype {A.dtype}")
    return A


def coordinate(name: str, x):
    if isinstance(x, bool) or not isinstance(x, (numbers.Real, torch.Tensor, np.ndarray)):
        raise TypeError(f"{name} must be a number, a tensor or an array, got {type(x).__name__}")
    return x


def two_class_labels(y, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Map two classes to -1/+1; returns ``(y_pm (n,), classes (2,))``."""
    y = vector("y", y, n)
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(f"y must hold exactly two classes, got {len(classes)}: {classes[:5].tolist()}")
    return np.where(y == classes[1], 1.0, -1.0), classes


def paired_matrices(X, Z):
    X = float_array("X", X, 2, what=" of shape (n, d)")
    Z = X if Z is None else float_array("Z", Z, 2, what=" of shape (n, d)")
    if X.shape[1] != Z.shape[1]:
        raise ValueError(f"X and Z must have the same number of features, got {X.shape[1]} and {Z.shape[1]}")
    return X, Z


def numbers_tensor(name: str, a, X: torch.Tensor) -> torch.Tensor:
    if isinstance(a, (str, bytes)) or a is None:
        raise TypeError(f"{name} must be a tensor or array of numbers, got {type(a).__name__}")
    try:
        return torch.as_tensor(a, dtype=X.dtype, device=X.device)
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"{name} must be a tensor or array of numbers, got {type(a).__name__}") from e


def generator(generator) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")


def boxes(name: str, boxes, *, corners: bool) -> torch.Tensor:
    if not isinstance(boxes, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of boxes (k, 4), got {type(boxes).__name__}")
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{name} must have shape (k, 4), got {tuple(boxes.shape)}")
    if not boxes.is_floating_point():
        boxes = boxes.float()
    if not torch.isfinite(boxes).all():
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf")
    if corners:
        bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
        if bad.any():
            i = int(torch.nonzero(bad)[0])
            raise ValueError(f"{name} must be corner boxes (x1, y1, x2, y2) with x2 >= x1 and y2 >= y1; "
                             f"row {i} is {boxes[i].tolist()}")
    elif (boxes[:, 2:] < 0).any():
        raise ValueError(f"{name} must be centre boxes (cx, cy, w, h) with w, h >= 0")
    return boxes


def attention_weights(weights):
    """Accept (Tq, Tk), (heads, Tq, Tk), (layers, heads, Tq, Tk) or a list of per-layer (heads, Tq, Tk)."""
    try:
        if isinstance(weights, (list, tuple)):
            weights = torch.stack([torch.as_tensor(w).detach().float().cpu() for w in weights])
        if hasattr(weights, "detach"):
            weights = weights.detach().float().cpu()
        weights = torch.as_tensor(weights, dtype=torch.float32)
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"weights must be a tensor or array of attention weights, got {type(weights).__name__}") from e
    if not 2 <= weights.ndim <= 4:
        raise ValueError(f"weights must be (Tq, Tk), (heads, Tq, Tk) or (layers, heads, Tq, Tk), "
                         f"got shape {tuple(weights.shape)}")
    if not bool(torch.isfinite(weights).all()):
        raise ValueError("weights must hold finite numbers, got NaN or inf")
    while weights.ndim < 4:
        weights = weights.unsqueeze(0)
    return weights.numpy()


def fitted(model, attribute: str) -> None:
    """``model`` has been fitted (it has ``attribute``); a RuntimeError says to call ``fit`` first."""
    if not hasattr(model, attribute):
        raise RuntimeError(f"{type(model).__name__} is not fitted yet: call fit(X, y) first")


def matrix_width(name: str, X: np.ndarray, d: int) -> np.ndarray:
    """``X`` (n, d) if it has ``d`` columns, as the data it was fitted on."""
    if X.shape[1] != d:
        raise ValueError(f"{name} must have {d} features (as in fit), got {X.shape[1]}")
    return X


# --- graphs (re-exported by d2lite.graphs) ------------------------------------------------------
_INT_DTYPES = (torch.bool, torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def check_adjacency(A, *, num_nodes: int | None = None) -> torch.Tensor:
    """``A`` (tensor or array of bool, int or float weights) as a float (n, n) tensor on its device.

    Raises:
        TypeError: ``A`` is not a tensor/array, or its dtype is not bool, int or float.
        ValueError: ``A`` is not square, is empty, is not ``num_nodes`` wide (when given), or
            holds negative, NaN or infinite entries.
    """
    if num_nodes is not None:
        num_nodes = positive_int("num_nodes", num_nodes)
    A = as_tensor("A", A)
    if not (A.dtype.is_floating_point or A.dtype in _INT_DTYPES):
        raise TypeError(f"adjacency A must be bool, int or float, got dtype {A.dtype}")
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"adjacency A must be a square matrix (n, n), got shape {tuple(A.shape)}")
    if A.shape[0] == 0:
        raise ValueError("adjacency A must have at least one node, got shape (0, 0)")
    if num_nodes is not None and A.shape[0] != num_nodes:
        raise ValueError(f"adjacency A must be ({num_nodes}, {num_nodes}) to match X, got {tuple(A.shape)}")
    A = A.float() if not A.dtype.is_floating_point else A
    if not bool(torch.isfinite(A).all()) or bool((A < 0).any()):
        raise ValueError("adjacency A must hold finite weights >= 0, got a negative, NaN or inf entry")
    return A


def check_edge_index(edge_index, num_nodes: int) -> torch.Tensor:
    """``edge_index`` as a long tensor (2, E) of node ids in ``0 … num_nodes-1``.

    Raises:
        TypeError: it is not a tensor/array of integers (floats and bools are refused).
        ValueError: its shape is not (2, E), or an id is negative or ``>= num_nodes``.
    """
    num_nodes = positive_int("num_nodes", num_nodes)
    ei = as_tensor("edge_index", edge_index)
    if ei.dtype == torch.bool or ei.dtype.is_floating_point or ei.dtype.is_complex:
        raise TypeError(f"edge_index must hold integer node ids, got dtype {ei.dtype}")
    if ei.ndim != 2 or ei.shape[0] != 2:
        raise ValueError(f"edge_index must have shape (2, E) (source row, target row), got {tuple(ei.shape)}")
    if ei.numel() and int(ei.min()) < 0:
        raise ValueError(f"edge_index must hold node ids >= 0, got a negative id {int(ei.min())}")
    if ei.numel() and int(ei.max()) >= num_nodes:
        raise ValueError(f"edge_index ids must be < num_nodes={num_nodes}, got {int(ei.max())}")
    return ei.long()
