"""Recurrent language models and their baselines: n-grams, RNN/GRU/LSTM models, training, text.

>>> vocab = Vocab(tokenize(corpus, "char"))
>>> ids = vocab[tokenize(corpus, "char")]
>>> model = RNNLM(vocab_size=len(vocab), num_hiddens=128, cell="lstm", embed_size=32)
>>> history = train_lm(model, lm_loader(ids, 32, 64), max_epochs=5, lr=0.01)
>>> generate_text(model, vocab, "to be ", num_tokens=40)

Perplexity (困惑度) is ``exp`` of the average next-token cross-entropy, the same for every model
here, so an n-gram baseline and a neural model compare directly.
"""
from __future__ import annotations

import collections
import math

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import (device as check_device, dropout_rate, finite_float, id_sequence, module, non_negative_float,
                      one_of, positive_int, seed as check_seed, tensor, text, token_index)

__all__ = ["CELLS", "NGramLM", "RNNLM", "SequenceClassifier", "generate_text", "perplexity", "recall_task",
           "train_lm"]

CELLS = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}


# ----------------------------------------------------------------------------------- n-grams
class NGramLM:
    """An n-gram language model with add-``k`` (Laplace for ``k=1``) smoothing.

    .. math:: P(x_t \\mid x_{t-n+1..t-1}) = \\frac{c(x_{t-n+1..t}) + k}{c(x_{t-n+1..t-1}) + kV}

    Args:
        n: order: 1 unigram, 2 bigram, ...
        vocab_size: ``V``, the number of possible tokens.
        k: pseudo-count added to every n-gram (``k > 0`` keeps unseen n-grams possible).
    """

    def __init__(self, n: int, *, vocab_size: int, k: float = 1.0):
        self.n, self.vocab_size = positive_int("n", n), positive_int("vocab_size", vocab_size)
        self.k = non_negative_float("k", k)
        if self.k == 0:
            raise ValueError("k must be > 0, or unseen n-grams get probability 0")
        self.counts, self.context_counts = collections.Counter(), collections.Counter()

    def fit(self, ids) -> "NGramLM":
        """Count the n-grams (and their (n-1)-gram contexts) of a token-index sequence."""
        ids = id_sequence("ids", ids, min_len=2).tolist()
        if max(ids) >= self.vocab_size or min(ids) < 0:
            raise ValueError(f"ids must hold token indices in [0, {self.vocab_size}), got {min(ids)}..{max(ids)}")
        grams = [tuple(ids[i:i + self.n]) for i in range(len(ids) - self.n + 1)]
        self.counts = collections.Counter(grams)
        self.context_counts = collections.Counter(g[:-1] for g in grams)
        return self

    def prob(self, context, token: int) -> float:
        """Smoothed ``P(token | last n-1 tokens of context)``."""
        if isinstance(context, (str, bytes)) or not hasattr(context, "__len__"):
            raise TypeError(f"context must be a sequence of token indices, got {type(context).__name__}")
        token_index("token", token, self.vocab_size)
        ctx = tuple(context)[len(context) - self.n + 1:] if self.n > 1 else ()
        if len(ctx) != self.n - 1:
            raise ValueError(f"context must hold at least {self.n - 1} tokens, got {len(context)}")
        return ((self.counts[ctx + (token,)] + self.k)
                / (self.context_counts[ctx] + self.k * self.vocab_size))

    def perplexity(self, ids) -> float:
        """``exp`` of the mean negative log-probability of ``ids[n-1:]`` given their contexts."""
        if not self.counts:
            raise ValueError("call fit(ids) before perplexity(ids)")
        ids = id_sequence("ids", ids, min_len=2).tolist()
        if len(ids) < self.n:
            raise ValueError(f"need at least n={self.n} tokens, got {len(ids)}")
        nll = [-math.log(self.prob(ids[t - self.n + 1:t], ids[t])) for t in range(self.n - 1, len(ids))]
        return math.exp(sum(nll) / len(nll))


# ------------------------------------------------------------------------------- neural models
class RNNLM(nn.Module):
    """A recurrent language model: tokens → (one-hot or embedding) → RNN/GRU/LSTM → logits.

    Args:
        vocab_size, num_hiddens: positive ints.
        cell: ``"rnn"``, ``"gru"`` or ``"lstm"``.
        num_layers: stacked recurrent layers (a deep RNN).
        embed_size: size of a learned embedding; ``None`` feeds one-hot vectors.
        dropout: dropout between stacked layers, in [0, 1).

    ``forward(X (B, T) long, state=None)`` returns ``(logits (B, T, vocab_size), state)``.
    """

    def __init__(self, *, vocab_size: int, num_hiddens: int, cell: str = "rnn", num_layers: int = 1,
                 embed_size: int | None = None, dropout: float = 0.0):
        super().__init__()
        self.vocab_size = positive_int("vocab_size", vocab_size)
        positive_int("num_hiddens", num_hiddens)
        positive_int("num_layers", num_layers)
        self.cell = one_of("cell", cell, tuple(CELLS))
        dropout_rate("dropout", dropout)
        self.embedding = None if embed_size is None else nn.Embedding(vocab_size, positive_int("embed_size", embed_size))
        self.rnn = CELLS[cell](embed_size or vocab_size, num_hiddens, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.output = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X: torch.Tensor, state=None):
        tensor("X", X, 2, dtype="long", what=" (B, T) of token indices")
        inputs = F.one_hot(X, self.vocab_size).float() if self.embedding is None else self.embedding(X)
        outputs, state = self.rnn(inputs, state)       # (B, T, H)
        return self.output(outputs), state


class SequenceClassifier(nn.Module):
    """Read a whole sequence with an RNN/GRU/LSTM and classify it from the last hidden state.

    An LSTM starts with its forget-gate bias at ``forget_bias`` (sigmoid(3) = 0.95), so its cell
    remembers by default; the other cells ignore it.

    ``forward(X (B, T) long)`` → logits ``(B, num_classes)``.
    """

    def __init__(self, *, vocab_size: int, num_classes: int, num_hiddens: int, cell: str = "rnn",
                 embed_size: int = 16, forget_bias: float = 3.0):
        super().__init__()
        for name, v in [("vocab_size", vocab_size), ("num_classes", num_classes),
                        ("num_hiddens", num_hiddens), ("embed_size", embed_size)]:
            positive_int(name, v)
        self.cell = one_of("cell", cell, tuple(CELLS))
        forget_bias = finite_float("forget_bias", forget_bias)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = CELLS[cell](embed_size, num_hiddens, batch_first=True)
        if cell == "lstm":  # a positive forget-gate bias: remember by default (gate order i, f, g, o)
            with torch.no_grad():
                self.rnn.bias_ih_l0[num_hiddens:2 * num_hiddens].fill_(float(forget_bias))
        self.output = nn.Linear(num_hiddens, num_classes)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        tensor("X", X, 2, dtype="long", what=" (B, T) of token indices")
        outputs, _ = self.rnn(self.embedding(X))
        return self.output(outputs[:, -1])


def recall_task(num_examples: int, *, seq_len: int, num_symbols: int = 4, num_noise: int = 4,
                seed: int = 0):
    """A long-range memory task: remember the first token of a sequence of distractors.

    Token ``X[:, 0]`` is one of ``num_symbols`` symbols (indices ``0..num_symbols-1``); the other
    ``seq_len - 1`` tokens are noise drawn from the next ``num_noise`` indices. The label is the
    first symbol, to be given after reading the whole sequence. Returns ``X (n, seq_len), y (n,)``.

    Raises:
        TypeError, ValueError: a count is not a positive int or ``seed`` is not a seed.
    """
    for name, v in [("num_examples", num_examples), ("seq_len", seq_len),
                    ("num_symbols", num_symbols), ("num_noise", num_noise)]:
        positive_int(name, v)
    check_seed("seed", seed)
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, num_symbols, (num_examples,), generator=g)
    X = torch.randint(num_symbols, num_symbols + num_noise, (num_examples, seq_len), generator=g)
    X[:, 0] = y
    return X, y


# --------------------------------------------------------------------------- training, metrics
def _device_of(model):
    return next(model.parameters()).device


@torch.no_grad()
def perplexity(model: nn.Module, loader, device=None) -> float:
    """``exp`` of the mean next-token cross-entropy of ``model`` over a loader of ``(X, Y)``.

    Raises:
        TypeError, ValueError: ``model`` is not a module, ``loader`` not iterable or empty, or
            ``device`` not a device.
    """
    module("model", model)
    if not hasattr(loader, "__iter__"):
        raise TypeError(f"loader must be an iterable of (X, Y) batches, got {type(loader).__name__}")
    device = _device_of(model) if device is None else check_device("device", device)
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for X, Y in loader:
        logits, _ = model(X.to(device))
        total += float(F.cross_entropy(logits.flatten(0, 1), Y.to(device).flatten(), reduction="sum"))
        count += Y.numel()
    model.train(was_training)
    if count == 0:
        raise ValueError("loader yielded no batches: is the set empty?")
    return math.exp(total / count)


def train_lm(model: nn.Module, train_loader, *, max_epochs: int, lr: float, optimizer: str = "adam",
             grad_clip: float | None = 1.0, device=None, val_loader=None) -> dict:
    """Train a language model on ``(X, Y)`` windows with :class:`d2lite.Trainer`; each window
    starts from a zero state.

    Returns a history: ``train_perplexity`` and (with ``val_loader``) ``val_perplexity`` per epoch,
    ``grad_norm`` per step (the global norm *before* clipping), and ``seconds``.
    """
    from ._checks import positive_float
    from .callbacks import LambdaCallback
    from .training import Trainer

    one_of("optimizer", optimizer, ("adam", "sgd"))
    history = collections.defaultdict(list)

    def lm_loss(model, batch):  # mean cross-entropy per token; the epoch mean weights by tokens
        X, Y = batch
        logits, _ = model(X)
        return F.cross_entropy(logits.flatten(0, 1), Y.flatten()), Y.numel()

    def end_epoch(trainer, logs):
        history["train_perplexity"].append(math.exp(logs["train_loss"]))
        if val_loader is not None:
            history["val_perplexity"].append(perplexity(model, val_loader, trainer.device))

    record = LambdaCallback(on_batch_end=lambda trainer, loss: history["grad_norm"].append(float(trainer.grad_norm)),
                            on_epoch_end=end_epoch)
    trainer = Trainer(max_epochs=max_epochs, device=device, callbacks=[record],
                      grad_clip=math.inf if grad_clip is None else grad_clip)  # inf: measure the norm, clip nothing
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    opt_class = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = opt_class(model.parameters(), lr=positive_float("lr", lr))
    trainer.fit(model, train_loader, optimizer=opt, batch_loss=lm_loss)
    history["seconds"] = trainer.seconds
    return dict(history)


@torch.no_grad()
def generate_text(model: RNNLM, vocab, prefix: str, num_tokens: int, *, mode: str = "char",
                  temperature: float = 0.0, seed: int = 0) -> str:
    """Continue ``prefix`` by ``num_tokens`` tokens: warm the state up on the prefix, then feed
    each prediction back in. ``temperature=0`` takes the arg-max; ``> 0`` samples from
    ``softmax(logits / temperature)``.

    Raises:
        TypeError, ValueError: a bad argument, or a prefix with no token or with tokens outside
            the vocabulary.
    """
    from .text import Vocab, tokenize

    module("model", model)
    module("vocab", vocab, Vocab)
    text("prefix", prefix)
    positive_int("num_tokens", num_tokens)
    non_negative_float("temperature", temperature)
    check_seed("seed", seed)
    tokens = tokenize(prefix, mode)
    if not tokens:
        raise ValueError(f"prefix must contain at least one token, got {prefix!r}")
    unknown = sorted({t for t in tokens if t not in vocab})
    if unknown:
        raise ValueError(f"prefix has tokens outside the vocabulary: {unknown}")
    device = _device_of(model)
    was_training = model.training
    model.eval()
    g = torch.Generator(device=device).manual_seed(seed)
    logits, state = model(torch.tensor([vocab[tokens]], device=device))
    out = []
    for _ in range(num_tokens):
        last = logits[0, -1]
        if temperature == 0:
            token = last.argmax()
        else:
            token = torch.multinomial(F.softmax(last / temperature, dim=-1), 1, generator=g)[0]
        out.append(int(token))
        logits, state = model(token.view(1, 1), state)
    model.train(was_training)
    sep = "" if mode == "char" else " "
    return sep.join(tokens + vocab.to_tokens(out))
