"""The encoder–decoder interface that every sequence-to-sequence model in the book follows.

Batch-first tensors throughout:

* ``Encoder.forward(X, X_len)`` → ``enc_outputs`` (anything the decoder understands);
* ``Decoder.init_state(enc_outputs, X_len)`` → ``state``;
* ``Decoder.forward(Y_in, state)`` → ``(logits (B, T, V), new_state)``, for a whole
  teacher-forced sequence or incrementally one step (``T = 1``) at a time;
* ``Decoder.reorder_state(state, index)`` picks batch rows of a state (beam search needs it).

:class:`EncoderDecoder` chains the two. The GRU models, the loss, training and decoding live in
:mod:`d2lite.seq2seq`; the Transformer's encoder and decoder in :mod:`d2lite.transformer`.

>>> model = EncoderDecoder(GRUEncoder(vocab_size=30, embed_size=16, num_hiddens=32),
...                        GRUDecoder(vocab_size=20, embed_size=16, num_hiddens=32))
>>> logits = model(X, X_len, Y_in)                               # (B, T, 20)
"""
from __future__ import annotations

import collections

import torch
from torch import nn

from ._checks import source_batch, tensor

__all__ = ["Decoder", "Encoder", "EncoderDecoder"]


class Encoder(nn.Module):
    """Base encoder: ``forward(X, X_len)`` maps source indices ``(B, S)`` to ``enc_outputs``."""

    def forward(self, X: torch.Tensor, X_len: torch.Tensor):
        raise NotImplementedError


class Decoder(nn.Module):
    """Base decoder: ``init_state(enc_outputs, X_len)`` then ``forward(Y_in, state)``.

    ``forward`` returns ``(logits (B, T, V), new_state)``. ``reorder_state(state, index)`` keeps
    the batch rows ``index`` of every tensor in a (nested tuple/list/dict) state: by default it
    selects along dim 0 when that dim has the batch size, else along dim 1 (an RNN hidden state
    ``(num_layers, B, H)``); override it when a state keeps the batch elsewhere.
    """

    def init_state(self, enc_outputs, X_len: torch.Tensor):
        raise NotImplementedError

    def forward(self, Y_in: torch.Tensor, state):
        raise NotImplementedError

    def reorder_state(self, state, index: torch.Tensor):
        """Batch rows ``index`` (long tensor) of ``state``; see the class docstring."""
        return _map_tensors(state, lambda t: _select_rows(t, index, self._batch_size(state)))

    @staticmethod
    def _batch_size(state) -> int | None:
        sizes = []
        _map_tensors(state, lambda t: sizes.append(t.shape[0]) if t.ndim else None)
        return collections.Counter(sizes).most_common(1)[0][0] if sizes else None


def _map_tensors(obj, fn):
    if isinstance(obj, torch.Tensor):
        return fn(obj)
    if isinstance(obj, (tuple, list)):
        return type(obj)(_map_tensors(o, fn) for o in obj)
    if isinstance(obj, dict):
        return {k: _map_tensors(v, fn) for k, v in obj.items()}
    return obj


def _select_rows(t: torch.Tensor, index: torch.Tensor, batch: int | None):
    if t.ndim == 0:
        return t
    if t.shape[0] == batch:
        return t.index_select(0, index)
    if t.ndim > 1 and t.shape[1] == batch:
        return t.index_select(1, index)
    raise ValueError(f"cannot find the batch dimension (size {batch}) of a state tensor of shape "
                     f"{tuple(t.shape)}: override Decoder.reorder_state")


class EncoderDecoder(nn.Module):
    """Chain an :class:`Encoder` and a :class:`Decoder`: ``forward(X, X_len, Y_in)`` → logits."""

    def __init__(self, encoder: Encoder, decoder: Decoder):
        super().__init__()
        if not isinstance(encoder, nn.Module) or not isinstance(decoder, nn.Module):
            raise TypeError(f"encoder and decoder must be nn.Modules, got {type(encoder).__name__} "
                            f"and {type(decoder).__name__}")
        self.encoder, self.decoder = encoder, decoder

    def forward(self, X: torch.Tensor, X_len: torch.Tensor, Y_in: torch.Tensor) -> torch.Tensor:
        source_batch(X, X_len)
        tensor("Y_in", Y_in, 2, dtype="long", what=" (B, T) of token indices")
        if Y_in.shape[0] != X.shape[0]:
            raise ValueError(f"Y_in must have batch {X.shape[0]} like X, got shape {tuple(Y_in.shape)}")
        state = self.decoder.init_state(self.encoder(X, X_len), X_len)
        return self.decoder(Y_in, state)[0]
