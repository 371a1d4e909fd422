"""Attention: masked softmax, scoring functions, multi-head attention, positional encoding.

Shapes are batch-first: queries ``(batch, num_queries, query_size)``, keys ``(batch, num_kv,
key_size)``, values ``(batch, num_kv, value_size)``. Every attention module returns
``(output, weights)`` so the weights can be plotted, e.g. with :func:`d2lite.widgets.attention_explorer`.

Masks are given as *valid lengths*: ``valid_lens`` of shape ``(batch,)`` keeps the first
``valid_lens[b]`` keys for every query of example ``b``; shape ``(batch, num_queries)`` gives each
query its own length (a causal mask is ``valid_lens[b, i] = i + 1``). Masked keys get weight 0.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ._checks import attention_inputs, boolean, dropout_rate, non_negative_int, positive_int, tensor

__all__ = ["AdditiveAttention", "DotProductAttention", "MultiHeadAttention", "PositionalEncoding", "causal_valid_lens",
           "masked_softmax", "sinusoidal_encoding"]

MASK_VALUE = -1e6  # exp(-1e6 - max) is exactly 0 in float32; finite, so a fully masked row stays finite


def masked_softmax(scores: torch.Tensor, valid_lens: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the last axis of ``scores`` with keys beyond each valid length set to weight 0.

    Args:
        scores: float tensor (batch, ..., num_queries, num_kv) of attention scores; extra axes
            (e.g. heads) sit between batch and queries.
        valid_lens: integer tensor (batch,) or (batch, num_queries), the number of keys each
            example (or each query) may attend to; ``None`` masks nothing. Lengths above
            ``num_kv`` keep every key; a length of 0 masks the whole row (uniform weights).

    Returns:
        The weights, of the shape of ``scores``; each row sums to one.

    Raises:
        TypeError: ``scores`` is not a float tensor or ``valid_lens`` not an integer tensor.
        ValueError: ``scores`` has fewer than 3 axes, or ``valid_lens`` has the wrong shape.
    """
    tensor("scores", scores, dtype="float")
    if scores.ndim < 3:
        raise ValueError(f"scores must be (batch, ..., num_queries, num_kv), got shape {tuple(scores.shape)}")
    if valid_lens is None:
        return torch.softmax(scores, dim=-1)
    tensor("valid_lens", valid_lens, dtype="long")
    batch, num_q, num_kv = scores.shape[0], scores.shape[-2], scores.shape[-1]
    if valid_lens.ndim == 1 and valid_lens.shape[0] == batch:
        lens = valid_lens.reshape(batch, *[1] * (scores.ndim - 2), 1)
    elif valid_lens.shape == (batch, num_q):
        lens = valid_lens.reshape(batch, *[1] * (scores.ndim - 3), num_q, 1)
    else:
        raise ValueError(f"valid_lens must have shape ({batch},) or ({batch}, {num_q}) for scores of "
                         f"shape {tuple(scores.shape)}, got {tuple(valid_lens.shape)}")
    # No value check here: reading valid_lens would force a device sync on every forward pass.
    keep = torch.arange(num_kv, device=scores.device) < lens.to(scores.device)
    return torch.softmax(scores.masked_fill(~keep, MASK_VALUE), dim=-1)


def causal_valid_lens(batch_size: int, num_queries: int, offset: int = 0, device=None) -> torch.Tensor:
    """Valid lengths ``(batch, num_queries)`` for a causal mask: query ``i`` sees keys ``0 … offset+i``.

    Raises:
        TypeError, ValueError: ``batch_size`` or ``num_queries`` is not a positive int, or
            ``offset`` not an int >= 0.
    """
    positive_int("batch_size", batch_size)
    positive_int("num_queries", num_queries)
    non_negative_int("offset", offset)
    lens = torch.arange(offset + 1, offset + num_queries + 1, device=device)
    return lens.repeat(batch_size, 1)


class AdditiveAttention(nn.Module):
    """Additive (Bahdanau) scoring: ``a(q, k) = w_v^T tanh(W_q q + W_k k)``; queries and keys may differ in size.

    ``forward(queries, keys, values, valid_lens=None)`` returns ``(output (batch, num_queries,
    value_size), weights (batch, num_queries, num_kv))``.
    """

    def __init__(self, *, query_size: int, key_size: int, num_hiddens: int, dropout: float = 0.0):
        super().__init__()
        self.query_size, self.key_size = positive_int("query_size", query_size), positive_int("key_size", key_size)
        positive_int("num_hiddens", num_hiddens)
        self.W_q = nn.Linear(query_size, num_hiddens, bias=False)
        self.W_k = nn.Linear(key_size, num_hiddens, bias=False)
        self.w_v = nn.Linear(num_hiddens, 1, bias=False)
        self.dropout = nn.Dropout(dropout_rate("dropout", dropout))

    def forward(self, queries, keys, values, valid_lens=None):
        attention_inputs(queries, keys, values, self.query_size, self.key_size)
        # (b, q, 1, h) + (b, 1, kv, h) -> (b, q, kv, h) -> scores (b, q, kv)
        features = torch.tanh(self.W_q(queries).unsqueeze(2) + self.W_k(keys).unsqueeze(1))
        weights = masked_softmax(self.w_v(features).squeeze(-1), valid_lens)
        return torch.bmm(self.dropout(weights), values), weights


class DotProductAttention(nn.Module):
    """Scaled dot-product scoring: ``a(q, k) = q^T k / sqrt(d)``; queries and keys share size ``d``.

    ``forward(queries, keys, values, valid_lens=None)`` returns ``(output, weights)``. Extra axes
    (heads) between batch and sequence are allowed: ``(batch, ..., n, d)``.
    """

    def __init__(self, *, dropout: float = 0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout_rate("dropout", dropout))

    def forward(self, queries, keys, values, valid_lens=None):
        for name, x in (("queries", queries), ("keys", keys), ("values", values)):
            tensor(name, x, dtype="float")
            if x.ndim < 3:
                raise ValueError(f"{name} must be (batch, ..., n, d), at least 3-D, got shape {tuple(x.shape)}")
        if not queries.shape[:-2] == keys.shape[:-2] == values.shape[:-2]:
            raise ValueError(f"queries, keys and values need the same leading (batch, ...) axes, got shapes "
                             f"{tuple(queries.shape)}, {tuple(keys.shape)} and {tuple(values.shape)}")
        if queries.shape[-1] != keys.shape[-1]:
            raise ValueError(f"dot-product attention needs queries and keys of the same size, got "
                             f"{queries.shape[-1]} and {keys.shape[-1]} (use AdditiveAttention otherwise)")
        if keys.shape[-2] != values.shape[-2]:
            raise ValueError(f"keys and values need the same length, got {keys.shape[-2]} and {values.shape[-2]}")
        scores = queries @ keys.transpose(-2, -1) / math.sqrt(queries.shape[-1])
        weights = masked_softmax(scores, valid_lens)
        return self.dropout(weights) @ values, weights


class MultiHeadAttention(nn.Module):
    """Multi-head attention: ``num_heads`` scaled dot-product heads on learned projections.

    Args:
        num_hiddens: output size, and the total size of the projected queries/keys/values
            (split across heads).
        num_heads: number of heads; must divide ``num_hiddens``.
        dropout: dropout on the attention weights, in [0, 1).
        bias: biases in the four projections.
        query_size, key_size, value_size: input feature sizes (default ``num_hiddens``).

    ``forward(queries, keys, values, valid_lens=None)`` returns ``(output (batch, num_queries,
    num_hiddens), weights (batch, num_heads, num_queries, num_kv))``.
    """

    def __init__(self, *, num_hiddens: int, num_heads: int, dropout: float = 0.0, bias: bool = False,
                 query_size: int | None = None, key_size: int | None = None, value_size: int | None = None):
        super().__init__()
        positive_int("num_hiddens", num_hiddens)
        positive_int("num_heads", num_heads)
        boolean("bias", bias)
        if num_hiddens % num_heads:
            raise ValueError(f"num_heads must divide num_hiddens, got {num_heads} heads for {num_hiddens}")
        self.num_hiddens, self.num_heads = num_hiddens, num_heads
        sizes = [positive_int(n, s) if s is not None else num_hiddens
                 for n, s in (("query_size", query_size), ("key_size", key_size), ("value_size", value_size))]
        self.query_size, self.key_size, self.value_size = sizes
        self.W_q = nn.Linear(sizes[0], num_hiddens, bias=bias)
        self.W_k = nn.Linear(sizes[1], num_hiddens, bias=bias)
        self.W_v = nn.Linear(sizes[2], num_hiddens, bias=bias)
        self.W_o = nn.Linear(num_hiddens, num_hiddens, bias=bias)
        self.attention = DotProductAttention(dropout=dropout)

    def _split(self, X):  # (b, n, num_hiddens) -> (b, heads, n, num_hiddens / heads)
        return X.reshape(X.shape[0], X.shape[1], self.num_heads, -1).transpose(1, 2)

    def forward(self, queries, keys, values, valid_lens=None):
        attention_inputs(queries, keys, values, self.query_size, self.key_size)
        if values.shape[-1] != self.value_size:
            raise ValueError(f"values must have {self.value_size} features, got {values.shape[-1]}")
        Q, K, V = self._split(self.W_q(queries)), self._split(self.W_k(keys)), self._split(self.W_v(values))
        out, weights = self.attention(Q, K, V, valid_lens)            # (b, heads, q, d_head)
        out = out.transpose(1, 2).reshape(queries.shape[0], queries.shape[1], self.num_hiddens)
        return self.W_o(out), weights


def sinusoidal_encoding(max_len: int, num_hiddens: int) -> torch.Tensor:
    """The sinusoidal table ``P`` (max_len, num_hiddens).

    ``P[i, 2j] = sin(i / 10000^(2j/d))`` and ``P[i, 2j+1] = cos(i / 10000^(2j/d))``.

    Raises:
        TypeError, ValueError: ``max_len`` or ``num_hiddens`` is not a positive int.
    """
    positive_int("max_len", max_len)
    positive_int("num_hiddens", num_hiddens)
    pos = torch.arange(max_len, dtype=torch.float32).unsqueeze(1)
    freqs = torch.pow(10000.0, -torch.arange(0, num_hiddens, 2, dtype=torch.float32) / num_hiddens)
    P = torch.zeros(max_len, num_hiddens)
    P[:, 0::2] = torch.sin(pos * freqs)
    P[:, 1::2] = torch.cos(pos * freqs[: num_hiddens // 2])
    return P


class PositionalEncoding(nn.Module):
    """Add the sinusoidal encoding to ``X`` (batch, T, num_hiddens), then dropout.

    ``forward(X, offset=0)`` adds rows ``offset … offset+T-1`` (``offset`` serves step-by-step decoding).
    """

    def __init__(self, *, num_hiddens: int, dropout: float = 0.0, max_len: int = 1000):
        super().__init__()
        self.register_buffer("P", sinusoidal_encoding(max_len, num_hiddens), persistent=False)
        self.dropout = nn.Dropout(dropout_rate("dropout", dropout))

    def forward(self, X, offset: int = 0):
        tensor("X", X, 3, dtype="float", what=" (batch, T, num_hiddens)")
        non_negative_int("offset", offset)
        if X.shape[-1] != self.P.shape[1]:
            raise ValueError(f"X must have {self.P.shape[1]} features, got {X.shape[-1]}")
        if offset + X.shape[1] > self.P.shape[0]:
            raise ValueError(f"positions up to {offset + X.shape[1]} exceed max_len={self.P.shape[0]}")
        return self.dropout(X + self.P[offset:offset + X.shape[1]].to(X.dtype))
