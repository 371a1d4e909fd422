"""Sequence-to-sequence models: a GRU encoder–decoder (plain, or with Bahdanau attention), the masked
loss, training, decoding and BLEU.

The models follow the encoder–decoder interface of :mod:`d2lite.encoder_decoder` (batch-first
tensors), which the Transformer (:mod:`d2lite.transformer`) follows too.

>>> model = EncoderDecoder(GRUEncoder(vocab_size=30, embed_size=16, num_hiddens=32),
...                        GRUDecoder(vocab_size=20, embed_size=16, num_hiddens=32))
>>> logits = model(X, X_len, Y_in)                               # (B, T, 20)
>>> preds, scores = beam_search(model, X, X_len, bos=1, eos=2, max_len=12, beam_size=4)
"""
from __future__ import annotations

import collections
import math

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import dropout_rate, module, non_negative_float, positive_int, source_batch, tensor, token_index
from .attention import AdditiveAttention
from .encoder_decoder import Decoder, Encoder, EncoderDecoder

__all__ = ["BahdanauDecoder", "GRUDecoder", "GRUEncoder", "beam_search", "bleu", "exact_match", "greedy_decode",
           "sequence_loss", "teacher_inputs", "train_seq2seq"]


# ------------------------------------------------------------------------------ plain GRU seq2seq
class GRUEncoder(Encoder):
    """Embedding + multi-layer GRU; returns ``(outputs (B, S, H), state (num_layers, B, H))``.

    Padded positions are skipped (packed sequences), so ``state`` is the hidden state after the
    last *valid* token of each row and ``outputs`` is zero at padded positions.
    """

    def __init__(self, *, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        for name, v in [("vocab_size", vocab_size), ("embed_size", embed_size),
                        ("num_hiddens", num_hiddens), ("num_layers", num_layers)]:
            positive_int(name, v)
        dropout_rate("dropout", dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, batch_first=True,
                          dropout=dropout if num_layers > 1 else 0.0)

    def forward(self, X, X_len):
        source_batch(X, X_len)  # shapes and dtypes; lengths are checked by the decoders and data builders
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(X), X_len.cpu(), batch_first=True,
                                                   enforce_sorted=False)
        outputs, state = self.rnn(packed)
        outputs, _ = nn.utils.rnn.pad_packed_sequence(outputs, batch_first=True, total_length=X.shape[1])
        return outputs, state


class GRUDecoder(Decoder):
    """GRU decoder whose state starts at the encoder's final state; that state's top layer is
    also fed at every step as a fixed context vector (concatenated to the embedding).

    ``state = (hidden (num_layers, B, H), context (B, H))``.
    """

    def __init__(self, *, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int = 1,
                 dropout: float = 0.0):
        super().__init__()
        for name, v in [("vocab_size", vocab_size), ("embed_size", embed_size),
                        ("num_hiddens", num_hiddens), ("num_layers", num_layers)]:
            positive_int(name, v)
        dropout_rate("dropout", dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, batch_first=True,
                          dropout=dropout if num_layers > 1 else 0.0)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, X_len):
        _, hidden = enc_outputs
        if hidden.shape[0] != self.rnn.num_layers or hidden.shape[2] != self.rnn.hidden_size:
            raise ValueError(f"encoder state must be (num_layers={self.rnn.num_layers}, B, "
                             f"{self.rnn.hidden_size}), got {tuple(hidden.shape)}")
        return hidden, hidden[-1]

    def forward(self, Y_in, state):
        hidden, context = state
        tensor("Y_in", Y_in, 2, dtype="long", what=" (B, T) of token indices")
        if Y_in.shape[0] != context.shape[0]:
            raise ValueError(f"Y_in must be (B={context.shape[0]}, T) token indices, got {tuple(Y_in.shape)}")
        emb = self.embedding(Y_in)                                        # (B, T, E)
        ctx = context.unsqueeze(1).expand(-1, Y_in.shape[1], -1)          # (B, T, H)
        outputs, hidden = self.rnn(torch.cat([emb, ctx], dim=2), hidden)  # (B, T, H)
        return self.dense(outputs), (hidden, context)

    def reorder_state(self, state, index):
        hidden, context = state
        return hidden.index_select(1, index), context.index_select(0, index)


class BahdanauDecoder(GRUDecoder):
    """GRU decoder with additive attention over the encoder outputs (Bahdanau et al., 2015).

    At step ``t`` the query is the previous top-layer hidden state, the keys and values are the
    encoder outputs (masked to ``X_len``), and the context is concatenated to the embedding of
    the input token. ``state = (enc_outputs (B, S, H), hidden (num_layers, B, H), X_len (B,))``;
    ``attention_weights`` holds the ``(B, T, S)`` weights of the last call.
    """

    def __init__(self, *, vocab_size: int, embed_size: int, num_hiddens: int, num_layers: int = 1,
                 dropout: float = 0.0):
        super().__init__(vocab_size=vocab_size, embed_size=embed_size, num_hiddens=num_hiddens,
                         num_layers=num_layers, dropout=dropout)
        self.attention = AdditiveAttention(query_size=num_hiddens, key_size=num_hiddens, num_hiddens=num_hiddens)
        self.attention_weights = None

    def init_state(self, enc_outputs, X_len):
        outputs, _ = enc_outputs
        hidden, _ = super().init_state(enc_outputs, X_len)
        tensor("enc_outputs", outputs, 3, dtype="float", what=" (B, S, H)")
        tensor("X_len", X_len, 1, dtype="long", shape=(outputs.shape[0],), what=" of valid lengths")
        return outputs, hidden, X_len

    def forward(self, Y_in, state):
        enc_outputs, hidden, X_len = state
        tensor("Y_in", Y_in, 2, dtype="long", what=" (B, T) of token indices")
        if Y_in.shape[0] != enc_outputs.shape[0]:
            raise ValueError(f"Y_in must be (B={enc_outputs.shape[0]}, T) token indices, got {tuple(Y_in.shape)}")
        outputs, weights = [], []
        for emb in self.embedding(Y_in).unbind(1):                                # (B, E): one step
            context, w = self.attention(hidden[-1].unsqueeze(1), enc_outputs, enc_outputs, X_len)  # (B, 1, H)
            out, hidden = self.rnn(torch.cat([emb.unsqueeze(1), context], dim=2), hidden)       # (B, 1, H)
            outputs.append(out)
            weights.append(w)                                                     # (B, 1, S)
        self.attention_weights = torch.cat(weights, dim=1)                        # (B, T, S)
        return self.dense(torch.cat(outputs, dim=1)), (enc_outputs, hidden, X_len)

    def reorder_state(self, state, index):
        enc_outputs, hidden, X_len = state
        return enc_outputs.index_select(0, index), hidden.index_select(1, index), X_len.index_select(0, index)


# ----------------------------------------------------------------------------------- loss, train
def sequence_loss(logits: torch.Tensor, Y: torch.Tensor, Y_len: torch.Tensor) -> torch.Tensor:
    """Cross-entropy averaged over the valid positions ``t < Y_len[b]`` only (padding is masked).

    Args:
        logits: (B, T, V) float tensor.
        Y: (B, T) long tensor of target indices.
        Y_len: (B,) integer tensor of valid lengths. Not read here (a loss runs every step, and
            reading it would sync the device): if no position is valid the loss is NaN.

    Raises:
        TypeError, ValueError: an argument has the wrong type, dtype or shape.
    """
    tensor("logits", logits, 3, dtype="float", what=" (B, T, V)")
    tensor("Y", Y, 2, dtype="long", what=" (B, T) of target indices")
    if Y.shape != logits.shape[:2]:
        raise ValueError(f"logits must be (B, T, V) and Y (B, T); got {tuple(logits.shape)} and {tuple(Y.shape)}")
    tensor("Y_len", Y_len, 1, dtype="long", shape=(Y.shape[0],), what=" of valid lengths")
    mask = torch.arange(Y.shape[1], device=Y.device)[None, :] < Y_len.to(Y.device)[:, None]  # (B, T)
    loss = F.cross_entropy(logits.transpose(1, 2), Y, reduction="none")  # (B, T)
    return (loss * mask).sum() / mask.sum()


def teacher_inputs(Y: torch.Tensor, bos: int) -> torch.Tensor:
    """Decoder inputs for teacher forcing: ``<bos>`` then the targets shifted right by one.

    Raises:
        TypeError, ValueError: ``Y`` is not a (B, T) tensor of token indices, or ``bos`` is not
            a token index.
    """
    tensor("Y", Y, 2, dtype="long", what=" (B, T) of token indices")
    token_index("bos", bos)
    return torch.cat([torch.full_like(Y[:, :1], bos), Y[:, :-1]], dim=1)


def train_seq2seq(model: nn.Module, train_loader, *, max_epochs: int, lr: float, bos: int,
                  device=None, grad_clip: float | None = 1.0) -> dict:
    """Train with Adam, teacher forcing and the masked :func:`sequence_loss`, through :class:`d2lite.Trainer`.

    ``train_loader`` yields ``(X, X_len, Y, Y_len)``. Returns ``{"loss": [...], "seconds": s}``
    with the token-averaged training loss of each epoch.
    """
    from ._checks import positive_float
    from .training import Trainer

    trainer = Trainer(max_epochs=max_epochs, device=device, callbacks=[], grad_clip=grad_clip)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    if isinstance(bos, bool) or not isinstance(bos, int) or bos < 0:
        raise TypeError(f"bos must be a non-negative int token index, got {bos!r}")
    optimizer = torch.optim.Adam(model.parameters(), lr=positive_float("lr", lr))

    def seq_loss(model, batch):  # the loss averages over the valid target tokens; so does the epoch
        X, X_len, Y, Y_len = batch
        return sequence_loss(model(X, X_len, teacher_inputs(Y, bos)), Y, Y_len), int(Y_len.sum())

    history = trainer.fit(model, train_loader, optimizer=optimizer, batch_loss=seq_loss)
    return {"loss": history["train_loss"], "seconds": trainer.seconds}


# ----------------------------------------------------------------------------------- decoding
def _start(model, X, X_len, bos, eos, max_len):
    module("model", model, EncoderDecoder)
    source_batch(X, X_len, values=True)  # decoding is not a training step: reading lengths is fine
    positive_int("max_len", max_len)
    dense = getattr(model.decoder, "dense", None)
    vocab_size = dense.out_features if isinstance(dense, nn.Linear) else None
    for name, v in [("bos", bos), ("eos", eos)]:
        token_index(name, v, vocab_size)
    device = next(model.parameters()).device
    X, X_len = X.to(device), X_len.to(device)
    model.eval()
    return X, X_len, model.decoder.init_state(model.encoder(X, X_len), X_len)


def _strip(rows, eos):
    out = []
    for row in rows:
        out.append(row[:row.index(eos)] if eos in row else row)
    return out


@torch.no_grad()
def greedy_decode(model: EncoderDecoder, X: torch.Tensor, X_len: torch.Tensor, *, bos: int, eos: int,
                  max_len: int):
    """Pick the most likely token at each step until ``<eos>`` or ``max_len`` tokens.

    Returns ``(preds, scores)``: one list of token indices per row (without ``<bos>``/``<eos>``)
    and a ``(B,)`` CPU tensor of sequence log-probabilities, summed over the emitted tokens
    including ``<eos>``.
    """
    X, X_len, state = _start(model, X, X_len, bos, eos, max_len)
    B = X.shape[0]
    token = torch.full((B, 1), bos, dtype=torch.long, device=X.device)
    scores = torch.zeros(B, device=X.device)
    done = torch.zeros(B, dtype=torch.bool, device=X.device)
    steps = []
    for _ in range(max_len):
        logits, state = model.decoder(token, state)
        logp = F.log_softmax(logits[:, -1].float(), dim=-1)     # (B, V)
        best, token = logp.max(dim=-1, keepdim=True)             # (B, 1)
        scores += best.squeeze(1) * (~done)
        steps.append(token)
        done |= token.squeeze(1) == eos
        if done.all():
            break
    return _strip(torch.cat(steps, dim=1).tolist(), eos), scores.cpu()


@torch.no_grad()
def beam_search(model: EncoderDecoder, X: torch.Tensor, X_len: torch.Tensor, *, bos: int, eos: int,
                max_len: int, beam_size: int, length_penalty: float = 0.0):
    """Keep the ``beam_size`` best partial sequences per row; return the best finished one.

    A sequence's score is its summed log-probability over the emitted tokens including
    ``<eos>``. Candidates are ranked by that score divided by ``L ** length_penalty``, with ``L``
    the number of emitted tokens (``<eos>`` included); open candidates of one step all have the
    same length, so the penalty only changes how finished sequences of different lengths compare
    with each other and with the open ones. ``length_penalty=0`` (the default) is the raw sum, so
    ``beam_size=1`` is greedy decoding; a positive value counters the raw sum's preference for
    short outputs.

    Returns ``(preds, scores)`` like :func:`greedy_decode`: the scores are the raw summed
    log-probabilities of the chosen sequences, not the normalised ones, so they compare with
    greedy decoding's whatever ``length_penalty`` is.

    Raises:
        TypeError, ValueError: a bad argument, e.g. ``length_penalty`` not a number ``>= 0``.
    """
    positive_int("beam_size", beam_size)
    alpha = non_negative_float("length_penalty", length_penalty)
    X, X_len, state = _start(model, X, X_len, bos, eos, max_len)
    B, k, dev = X.shape[0], beam_size, X.device
    state = model.decoder.reorder_state(state, torch.arange(B, device=dev).repeat_interleave(k))
    scores = torch.full((B, k), -math.inf, device=dev)
    scores[:, 0] = 0.0                     # start from one beam, or the k copies would tie
    lengths = torch.zeros(B, k, device=dev)  # emitted tokens, <eos> included
    finished = torch.zeros(B, k, dtype=torch.bool, device=dev)
    seqs = torch.full((B * k, 1), bos, dtype=torch.long, device=dev)
    for step in range(max_len):
        logits, state = model.decoder(seqs[:, -1:], state)
        logp = F.log_softmax(logits[:, -1].float(), dim=-1).view(B, k, -1)   # (B, k, V)
        V = logp.shape[-1]
        # A finished beam continues with one free <eos> token, so it keeps its score, length and slot.
        logp = torch.where(finished[..., None], torch.full_like(logp, -math.inf), logp)
        logp[..., eos] = torch.where(finished, torch.zeros_like(scores), logp[..., eos])
        cand = (scores[..., None] + logp).view(B, k * V)                        # raw sums
        cand_len = torch.where(finished, lengths, torch.full_like(lengths, step + 1.0))
        cand_len = cand_len[..., None].expand(B, k, V).reshape(B, k * V)
        _, flat = (cand / cand_len ** alpha).topk(k, dim=1)                     # (B, k)
        scores, lengths = cand.gather(1, flat), cand_len.gather(1, flat)
        beam, token = flat // V, flat % V
        rows = (torch.arange(B, device=dev)[:, None] * k + beam).view(-1)
        state = model.decoder.reorder_state(state, rows)
        seqs = torch.cat([seqs[rows], token.view(-1, 1)], dim=1)
        finished = finished.gather(1, beam) | (token == eos)
        # Raw scores only fall as tokens are added and no sequence grows past max_len tokens, so
        # an open beam can end no better than score / max_len ** alpha: stop once a finished
        # beam beats that bound for every open one (alpha = 0: beats every open score).
        norm = scores / lengths ** alpha
        open_best = torch.where(finished, torch.full_like(scores, -math.inf), scores).amax(1)
        done_best = torch.where(finished, norm, torch.full_like(scores, -math.inf)).amax(1)
        if bool((done_best >= open_best / float(max_len) ** alpha).all()):
            break
    best = (scores / lengths ** alpha).argmax(dim=1)
    picked = seqs.view(B, k, -1)[torch.arange(B, device=dev), best, 1:]
    return _strip(picked.tolist(), eos), scores[torch.arange(B, device=dev), best].cpu()


# ------------------------------------------------------------------------------------- metrics
def bleu(pred_tokens, label_tokens, k: int = 4) -> float:
    """BLEU of one prediction against one reference, as in d2l (not sacreBLEU's corpus BLEU).

    .. math:: \\exp\\bigl(\\min(0, 1 - L_\\text{label}/L_\\text{pred})\\bigr)\\prod_{n=1}^{k} p_n^{1/2^n}

    with :math:`p_n` the clipped n-gram precision. Longer n-grams weigh more (:math:`1/2^n`), and
    orders :math:`n > L_\\text{pred}` are skipped. An empty prediction scores 0.
    """
    positive_int("k", k)
    for name, toks in (("pred_tokens", pred_tokens), ("label_tokens", label_tokens)):
        if not hasattr(toks, "__iter__"):
            raise TypeError(f"{name} must be a sequence of tokens, got {type(toks).__name__}")
    pred, label = list(pred_tokens), list(label_tokens)
    if not label:
        raise ValueError("label_tokens must be a non-empty sequence of tokens")
    if not pred:
        return 0.0
    score = math.exp(min(0.0, 1 - len(label) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):
        label_ngrams = collections.Counter(tuple(label[i:i + n]) for i in range(len(label) - n + 1))
        matches = 0
        for i in range(len(pred) - n + 1):
            gram = tuple(pred[i:i + n])
            if label_ngrams[gram] > 0:
                matches += 1
                label_ngrams[gram] -= 1
        score *= (matches / (len(pred) - n + 1)) ** (0.5 ** n)
    return score


def exact_match(preds, labels) -> float:
    """Share of predictions equal to their label (sequences compared as lists).

    Raises:
        TypeError, ValueError: ``preds`` or ``labels`` is not a sequence, or they are empty or
            of different lengths.
    """
    for name, seq in (("preds", preds), ("labels", labels)):
        if not hasattr(seq, "__iter__"):
            raise TypeError(f"{name} must be a sequence of predictions/labels, got {type(seq).__name__}")
    preds, labels = list(preds), list(labels)
    if len(preds) != len(labels):
        raise ValueError(f"preds and labels must have the same length, got {len(preds)} and {len(labels)}")
    if not preds:
        raise ValueError("preds and labels must be non-empty")
    return sum(list(p) == list(q) for p, q in zip(preds, labels)) / len(preds)
