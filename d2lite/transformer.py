"""Transformer blocks: position-wise FFN, add & norm, encoder and decoder blocks and stacks.

:class:`TransformerEncoder` maps token ids ``(batch, T)`` to hidden states ``(batch, T,
num_hiddens)`` and keeps each layer's attention weights (``attention_weights``: a list of
``(batch, heads, T, T)``); BERT and ViT build on it and on :class:`TransformerEncoderBlock`.

:class:`TransformerDecoder` follows the decoder interface of :mod:`d2lite.encoder_decoder`:
``state = decoder.init_state(enc_outputs, X_len)`` then ``logits, state = decoder(Y_in, state)``,
either teacher-forced (all target steps at once, with a causal mask) or one step at a time (the
state caches each block's past inputs, so step ``t`` attends to steps ``0 … t``).
"""
from __future__ import annotations

import torch
from torch import nn

from ._checks import boolean, dropout_rate, positive_int, tensor
from .attention import MultiHeadAttention, PositionalEncoding, causal_valid_lens
from .encoder_decoder import Decoder, Encoder

__all__ = ["AddNorm", "PositionWiseFFN", "TransformerDecoder", "TransformerDecoderBlock",
           "TransformerEncoder", "TransformerEncoderBlock"]


class PositionWiseFFN(nn.Module):
    """The same two-layer MLP applied at every position: ``(batch, T, d) -> (batch, T, num_outputs)``."""

    def __init__(self, *, num_inputs: int, ffn_num_hiddens: int, num_outputs: int | None = None):
        super().__init__()
        num_outputs = num_inputs if num_outputs is None else num_outputs
        self.net = nn.Sequential(nn.Linear(positive_int("num_inputs", num_inputs),
                                           positive_int("ffn_num_hiddens", ffn_num_hiddens)),
                                 nn.ReLU(), nn.Linear(ffn_num_hiddens, positive_int("num_outputs", num_outputs)))

    def forward(self, X):
        tensor("X", X, dtype="float")
        if X.ndim < 1 or X.shape[-1] != self.net[0].in_features:
            raise ValueError(f"X must have {self.net[0].in_features} features in its last axis, "
                             f"got shape {tuple(X.shape)}")
        return self.net(X)


class AddNorm(nn.Module):
    """Residual connection then layer norm: ``LayerNorm(X + dropout(Y))``."""

    def __init__(self, *, num_hiddens: int, dropout: float = 0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout_rate("dropout", dropout))
        self.ln = nn.LayerNorm(positive_int("num_hiddens", num_hiddens))

    def forward(self, X, Y):
        tensor("X", X, dtype="float")
        tensor("Y", Y, dtype="float")
        if X.shape[-1:] != self.ln.normalized_shape:
            raise ValueError(f"X must have {self.ln.normalized_shape[0]} features, got shape {tuple(X.shape)}")
        if X.shape != Y.shape:
            raise ValueError(f"AddNorm needs X and Y of the same shape, got {tuple(X.shape)} and {tuple(Y.shape)}")
        return self.ln(X + self.dropout(Y))


class TransformerEncoderBlock(nn.Module):
    """Multi-head self-attention and a position-wise FFN, each followed by add & norm.

    ``forward(X, valid_lens=None)``: ``X`` (batch, T, num_hiddens), ``valid_lens`` (batch,) masks
    padded keys; returns (batch, T, num_hiddens). The last weights are kept in
    ``attention_weights`` (batch, num_heads, T, T).
    """

    def __init__(self, *, num_hiddens: int, num_heads: int, ffn_num_hiddens: int, dropout: float = 0.0,
                 bias: bool = False):
        super().__init__()
        boolean("bias", bias)
        self.attention = MultiHeadAttention(num_hiddens=num_hiddens, num_heads=num_heads, dropout=dropout, bias=bias)
        self.addnorm1 = AddNorm(num_hiddens=num_hiddens, dropout=dropout)
        self.ffn = PositionWiseFFN(num_inputs=num_hiddens, ffn_num_hiddens=ffn_num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens=num_hiddens, dropout=dropout)
        self.attention_weights = None

    def forward(self, X, valid_lens=None):
        tensor("X", X, 3, dtype="float", what=" (batch, T, num_hiddens)")
        out, self.attention_weights = self.attention(X, X, X, valid_lens)
        Y = self.addnorm1(X, out)
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(Encoder):
    """Token ids in, hidden states out: embedding + sinusoidal positional encoding, then blocks.

    The embeddings are *not* multiplied by sqrt(num_hiddens) as in Vaswani et al.: ``nn.Embedding``
    starts each entry from N(0, 1), already the scale of the encoding's entries (in [-1, 1]),
    so the sum keeps both the token and the position (section 9.1). The decoder does the same.

    Args:
        vocab_size, num_hiddens, num_heads, ffn_num_hiddens, num_layers: positive ints.
        dropout: dropout rate in [0, 1).
        max_len: longest sequence the positional encoding covers.
        bias: biases in the attention projections.

    ``forward(X, valid_lens=None)``: ``X`` long (batch, T), ``valid_lens`` (batch,); returns
    (batch, T, num_hiddens). ``attention_weights`` then lists each layer's (batch, heads, T, T).
    """

    def __init__(self, *, vocab_size: int, num_hiddens: int, num_heads: int, ffn_num_hiddens: int,
                 num_layers: int, dropout: float = 0.0, max_len: int = 1000, bias: bool = False):
        super().__init__()
        self.num_hiddens = num_hiddens
        boolean("bias", bias)
        self.embedding = nn.Embedding(positive_int("vocab_size", vocab_size), positive_int("num_hiddens", num_hiddens))
        self.pos_encoding = PositionalEncoding(num_hiddens=num_hiddens, dropout=dropout, max_len=max_len)
        self.blocks = nn.ModuleList(
            TransformerEncoderBlock(num_hiddens=num_hiddens, num_heads=num_heads, ffn_num_hiddens=ffn_num_hiddens,
                                    dropout=dropout, bias=bias) for _ in range(positive_int("num_layers", num_layers)))

    @property
    def attention_weights(self) -> list:
        return [blk.attention_weights for blk in self.blocks]

    def forward(self, X, valid_lens=None):
        tensor("X", X, 2, dtype="long", what=" (batch, T) of token ids")
        # No sqrt(d) factor: N(0, 1) embeddings are already on the encoding's scale (see the docstring).
        X = self.pos_encoding(self.embedding(X))
        for blk in self.blocks:
            X = blk(X, valid_lens)
        return X


class TransformerDecoderBlock(nn.Module):
    """Masked self-attention, encoder-decoder attention and an FFN, each with add & norm.

    ``forward(X, enc_outputs, enc_valid_lens, cache=None)`` returns ``(Y, new_cache)``; ``cache``
    holds this block's earlier inputs (batch, t, d) so one-step decoding sees the past. Weights are
    kept in ``self_attention_weights`` and ``cross_attention_weights``.
    """

    def __init__(self, *, num_hiddens: int, num_heads: int, ffn_num_hiddens: int, dropout: float = 0.0,
                 bias: bool = False):
        super().__init__()
        boolean("bias", bias)
        self.self_attention = MultiHeadAttention(num_hiddens=num_hiddens, num_heads=num_heads, dropout=dropout, bias=bias)
        self.addnorm1 = AddNorm(num_hiddens=num_hiddens, dropout=dropout)
        self.cross_attention = MultiHeadAttention(num_hiddens=num_hiddens, num_heads=num_heads, dropout=dropout, bias=bias)
        self.addnorm2 = AddNorm(num_hiddens=num_hiddens, dropout=dropout)
        self.ffn = PositionWiseFFN(num_inputs=num_hiddens, ffn_num_hiddens=ffn_num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens=num_hiddens, dropout=dropout)
        self.self_attention_weights = self.cross_attention_weights = None

    def forward(self, X, enc_outputs, enc_valid_lens=None, cache=None):
        tensor("X", X, 3, dtype="float", what=" (batch, T, num_hiddens)")
        tensor("enc_outputs", enc_outputs, 3, dtype="float", what=" (batch, T_src, num_hiddens)")
        if cache is not None:
            tensor("cache", cache, 3, dtype="float", what=" (batch, t, num_hiddens)")
            if cache.shape[0] != X.shape[0] or cache.shape[2] != X.shape[2]:
                raise ValueError(f"cache must be ({X.shape[0]}, t, {X.shape[2]}) to match X, got {tuple(cache.shape)}")
        past = 0 if cache is None else cache.shape[1]
        key_values = X if cache is None else torch.cat([cache, X], dim=1)
        # Query i (at absolute step past + i) may see keys 0 .. past + i: autoregressive.
        causal = causal_valid_lens(X.shape[0], X.shape[1], offset=past, device=X.device)
        out, self.self_attention_weights = self.self_attention(X, key_values, key_values, causal)
        Y = self.addnorm1(X, out)
        out, self.cross_attention_weights = self.cross_attention(Y, enc_outputs, enc_outputs, enc_valid_lens)
        Z = self.addnorm2(Y, out)
        return self.addnorm3(Z, self.ffn(Z)), key_values


class TransformerDecoder(Decoder):
    """A stack of decoder blocks and an output layer, with the :mod:`d2lite.encoder_decoder` decoder interface.

    Like :class:`TransformerEncoder`, it adds the positional encoding to unscaled embeddings.

    ``init_state(enc_outputs, X_len)`` returns a fresh state; ``forward(Y_in, state)`` takes
    target ids (batch, T) and returns ``(logits (batch, T, vocab_size), state)``. Feeding all
    steps at once (teacher forcing) or one step per call gives the same logits.
    """

    def __init__(self, *, vocab_size: int, num_hiddens: int, num_heads: int, ffn_num_hiddens: int,
                 num_layers: int, dropout: float = 0.0, max_len: int = 1000, bias: bool = False):
        super().__init__()
        self.num_hiddens = num_hiddens
        boolean("bias", bias)
        self.embedding = nn.Embedding(positive_int("vocab_size", vocab_size), positive_int("num_hiddens", num_hiddens))
        self.pos_encoding = PositionalEncoding(num_hiddens=num_hiddens, dropout=dropout, max_len=max_len)
        self.blocks = nn.ModuleList(
            TransformerDecoderBlock(num_hiddens=num_hiddens, num_heads=num_heads, ffn_num_hiddens=ffn_num_hiddens,
                                    dropout=dropout, bias=bias) for _ in range(positive_int("num_layers", num_layers)))
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, X_len=None):
        """``[enc_outputs (batch, T_src, d), X_len (batch,), per-block caches]`` for a new batch."""
        tensor("enc_outputs", enc_outputs, 3, dtype="float", what=" (batch, T_src, num_hiddens)")
        if X_len is not None:
            tensor("X_len", X_len, 1, dtype="long", shape=(enc_outputs.shape[0],), what=" of valid lengths")
        if enc_outputs.shape[-1] != self.num_hiddens:
            raise ValueError(f"enc_outputs must have {self.num_hiddens} features, got {enc_outputs.shape[-1]}")
        return [enc_outputs, X_len, [None] * len(self.blocks)]

    @property
    def attention_weights(self) -> dict:
        """``{"self": [...], "cross": [...]}``: each layer's last weights (batch, heads, T, T_kv)."""
        return {"self": [b.self_attention_weights for b in self.blocks],
                "cross": [b.cross_attention_weights for b in self.blocks]}

    def forward(self, Y_in, state):
        tensor("Y_in", Y_in, 2, dtype="long", what=" (batch, T) of token ids")
        if not isinstance(state, list) or len(state) != 3:
            raise TypeError("state must come from init_state(enc_outputs, X_len)")
        enc_outputs, enc_valid_lens, caches = state
        if enc_outputs.shape[0] != Y_in.shape[0]:
            raise ValueError(f"Y_in has batch {Y_in.shape[0]} but the state was made for {enc_outputs.shape[0]}")
        offset = 0 if caches[0] is None else caches[0].shape[1]
        X = self.pos_encoding(self.embedding(Y_in), offset=offset)
        new_caches = []
        for blk, cache in zip(self.blocks, caches):
            X, kv = blk(X, enc_outputs, enc_valid_lens, cache)
            new_caches.append(kv)
        return self.dense(X), [enc_outputs, enc_valid_lens, new_caches]
