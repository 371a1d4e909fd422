"""BERT: a Transformer encoder pretrained by masked language modelling and next-sentence prediction.

Input ids are ``<cls> A <sep> B <sep>`` padded with ``<pad>``; ``segments`` mark A with 0 and B
with 1. :class:`BERTEncoder` adds learned token, segment and position embeddings and runs
:class:`d2lite.transformer.TransformerEncoderBlock` s; :class:`BERTModel` adds the two
pretraining heads. :func:`pretrain_data` turns lists of sentences (consecutive sentences
grouped in "documents") into the tensors both tasks need, masking 15% of tokens with the
80/10/10 rule (:func:`mask_tokens`).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import torch
from torch import nn

from . import _checks
from ._checks import dropout_rate, fraction, module, positive_int, seed as check_seed, tensor
from .transformer import TransformerEncoderBlock

__all__ = ["BERT_RESERVED", "BERTClassifier", "BERTEncoder", "BERTModel", "MaskLM", "NextSentencePred",
           "PretrainData", "get_tokens_and_segments", "mask_tokens", "pretrain", "pretrain_accuracy", "pretrain_data",
           "pretrain_loss"]

BERT_RESERVED = ("<pad>", "<unk>", "<cls>", "<sep>", "<mask>")


def get_tokens_and_segments(tokens_a, tokens_b=None):
    """``<cls> A <sep> [B <sep>]`` and its segment ids (0 for ``<cls>``, A and the first ``<sep>``; 1 for B).

    Raises:
        TypeError: ``tokens_a`` or ``tokens_b`` is not a sequence of tokens.
        ValueError: ``tokens_a`` is empty.
    """
    tokens_a = _checks.token_list("tokens_a", tokens_a)
    if not tokens_a:
        raise ValueError("tokens_a must hold at least one token, got an empty sequence")
    tokens = ["<cls>"] + tokens_a + ["<sep>"]
    segments = [0] * len(tokens)
    if tokens_b is not None:
        tokens_b = _checks.token_list("tokens_b", tokens_b)
        tokens += tokens_b + ["<sep>"]
        segments += [1] * (len(tokens_b) + 1)
    return tokens, segments


class BERTEncoder(nn.Module):
    """Token + segment + learned position embeddings, then ``num_layers`` Transformer encoder blocks.

    Args:
        vocab_size, num_hiddens, num_heads, ffn_num_hiddens, num_layers: positive ints.
        dropout: dropout rate in [0, 1).
        max_len: longest input; one learned position vector per position.

    ``forward(tokens, segments, valid_lens=None)``: ``tokens`` and ``segments`` long (batch, T),
    ``valid_lens`` (batch,) masks padding, or (batch, T) gives each query its own length (a causal
    mask, for comparison with left-to-right models); returns (batch, T, num_hiddens). ``attention_weights``
    then lists each layer's (batch, heads, T, T).
    """

    def __init__(self, *, vocab_size: int, num_hiddens: int, num_heads: int, ffn_num_hiddens: int,
                 num_layers: int, dropout: float = 0.0, max_len: int = 64):
        super().__init__()
        self.max_len = positive_int("max_len", max_len)
        self.token_embedding = nn.Embedding(positive_int("vocab_size", vocab_size),
                                            positive_int("num_hiddens", num_hiddens))
        self.segment_embedding = nn.Embedding(2, num_hiddens)
        self.pos_embedding = nn.Parameter(0.02 * torch.randn(1, max_len, num_hiddens))  # learned, not sinusoidal
        self.dropout = nn.Dropout(dropout_rate("dropout", dropout))
        self.blocks = nn.ModuleList(
            TransformerEncoderBlock(num_hiddens=num_hiddens, num_heads=num_heads, ffn_num_hiddens=ffn_num_hiddens,
                                    dropout=dropout, bias=True) for _ in range(positive_int("num_layers", num_layers)))

    @property
    def attention_weights(self) -> list:
        return [blk.attention_weights for blk in self.blocks]

    def embed(self, tokens, segments):
        """The input representation (batch, T, num_hiddens): the sum of the three embeddings."""
        _checks.token_segment_ids(tokens, segments, None, self.max_len)
        X = self.token_embedding(tokens) + self.segment_embedding(segments)
        return X + self.pos_embedding[:, :tokens.shape[1]]

    def forward(self, tokens, segments, valid_lens=None):
        _checks.token_segment_ids(tokens, segments, valid_lens, self.max_len)
        X = self.dropout(self.embed(tokens, segments))
        for blk in self.blocks:
            X = blk(X, valid_lens)
        return X


class MaskLM(nn.Module):
    """Masked-language-model head: an MLP from the encoding at each predicted position to vocabulary logits.

    ``forward(X, pred_positions)``: ``X`` (batch, T, num_hiddens), ``pred_positions`` long
    (batch, num_preds); returns (batch, num_preds, vocab_size).
    """

    def __init__(self, *, vocab_size: int, num_hiddens: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(positive_int("num_hiddens", num_hiddens), num_hiddens), nn.ReLU(),
                                 nn.LayerNorm(num_hiddens), nn.Linear(num_hiddens, positive_int("vocab_size", vocab_size)))

    def forward(self, X, pred_positions):
        tensor("X", X, 3, dtype="float", what=" (batch, T, num_hiddens)")
        if X.shape[-1] != self.mlp[0].in_features:
            raise ValueError(f"X must have {self.mlp[0].in_features} features, got shape {tuple(X.shape)}")
        tensor("pred_positions", pred_positions, 2, dtype="long", what=" (batch, num_preds)")
        if pred_positions.shape[0] != X.shape[0]:
            raise ValueError(f"pred_positions must have batch {X.shape[0]}, got {pred_positions.shape[0]}")
        index = pred_positions.unsqueeze(-1).expand(-1, -1, X.shape[-1])   # (b, p, d)
        return self.mlp(torch.gather(X, 1, index))


class NextSentencePred(nn.Module):
    """Next-sentence head: two logits (0 = B is random, 1 = B follows A) from the pooled ``<cls>`` vector."""

    def __init__(self, *, num_hiddens: int):
        super().__init__()
        self.output = nn.Linear(positive_int("num_hiddens", num_hiddens), 2)

    def forward(self, X):
        tensor("X", X, 2, dtype="float", what=" (batch, num_hiddens)")
        if X.shape[-1] != self.output.in_features:
            raise ValueError(f"X must have {self.output.in_features} features, got shape {tuple(X.shape)}")
        return self.output(X)


class BERTModel(nn.Module):
    """:class:`BERTEncoder` with a pooler (``tanh`` layer on ``<cls>``), :class:`MaskLM` and :class:`NextSentencePred`.

    ``forward(tokens, segments, valid_lens=None, pred_positions=None)`` returns ``(encoded (batch,
    T, d), mlm_logits (batch, num_preds, vocab) or None, nsp_logits (batch, 2))``.
    """

    def __init__(self, *, vocab_size: int, num_hiddens: int, num_heads: int, ffn_num_hiddens: int,
                 num_layers: int, dropout: float = 0.0, max_len: int = 64):
        super().__init__()
        self.encoder = BERTEncoder(vocab_size=vocab_size, num_hiddens=num_hiddens, num_heads=num_heads,
                                   ffn_num_hiddens=ffn_num_hiddens, num_layers=num_layers, dropout=dropout,
                                   max_len=max_len)
        self.pooler = nn.Sequential(nn.Linear(num_hiddens, num_hiddens), nn.Tanh())
        self.mlm = MaskLM(vocab_size=vocab_size, num_hiddens=num_hiddens)
        self.nsp = NextSentencePred(num_hiddens=num_hiddens)

    def forward(self, tokens, segments, valid_lens=None, pred_positions=None):
        encoded = self.encoder(tokens, segments, valid_lens)
        mlm_logits = None if pred_positions is None else self.mlm(encoded, pred_positions)
        return encoded, mlm_logits, self.nsp(self.pooler(encoded[:, 0]))


class BERTClassifier(nn.Module):
    """A pretrained (or fresh) :class:`BERTModel`'s encoder and pooler with a new linear output layer on ``<cls>``.

    ``forward(tokens, segments, valid_lens=None)`` returns logits (batch, num_classes).
    """

    def __init__(self, bert: BERTModel, *, num_classes: int = 2):
        super().__init__()
        if not isinstance(bert, BERTModel):
            raise TypeError(f"bert must be a BERTModel, got {type(bert).__name__}")
        self.encoder, self.pooler = bert.encoder, bert.pooler
        self.output = nn.Linear(bert.pooler[0].out_features, positive_int("num_classes", num_classes))

    def forward(self, tokens, segments, valid_lens=None):
        return self.output(self.pooler(self.encoder(tokens, segments, valid_lens)[:, 0]))


def mask_tokens(tokens, vocab, *, mask_prob: float = 0.15, rng: random.Random | None = None):
    """Choose ~``mask_prob`` of the non-special tokens to predict and corrupt them by the 80/10/10 rule.

    Of the chosen positions, 80% become ``<mask>``, 10% a random vocabulary token, 10% stay as
    they are (so the model cannot trust that an unmasked token is always right).

    Args:
        tokens: a list of tokens, e.g. from :func:`get_tokens_and_segments`.
        vocab: a :class:`d2lite.Vocab` that reserves ``BERT_RESERVED``; random replacements
            come from its ordinary tokens.
        mask_prob: share of the ordinary tokens to choose, in (0, 1).
        rng: a ``random.Random``; ``None`` uses ``random.Random(0)``.

    Returns:
        ``(corrupted tokens, positions, original tokens at those positions)``; at least one
        position is chosen when the sentence has a non-special token.

    Raises:
        TypeError, ValueError: a bad argument, or ``tokens`` holds no ordinary token.
    """
    from .text import Vocab

    tokens = _checks.token_list("tokens", tokens)
    module("vocab", vocab, Vocab)
    fraction("mask_prob", mask_prob)
    if rng is not None and not isinstance(rng, random.Random):
        raise TypeError(f"rng must be a random.Random or None, got {type(rng).__name__}")
    rng = rng or random.Random(0)
    candidates = [i for i, tok in enumerate(tokens) if tok not in ("<cls>", "<sep>", "<pad>")]
    if not candidates:
        raise ValueError("tokens hold no ordinary token to mask")
    rng.shuffle(candidates)
    chosen = sorted(candidates[:max(1, round(len(candidates) * mask_prob))])
    corrupted = list(tokens)
    for i in chosen:
        u = rng.random()
        if u < 0.8:
            corrupted[i] = "<mask>"
        elif u < 0.9:
            corrupted[i] = vocab.idx_to_token[rng.randrange(len(BERT_RESERVED), len(vocab))]
    return corrupted, chosen, [tokens[i] for i in chosen]


@dataclass
class PretrainData:
    """Padded tensors for pretraining: ids, segments, valid lengths, MLM targets and NSP labels.

    ``mlm_weights`` is 1 at real predictions and 0 at padded ones; ``nsp_labels`` is 1 when
    sentence B really follows A. ``tensors()`` lists them in the order of the fields.
    """

    tokens: torch.Tensor
    segments: torch.Tensor
    valid_lens: torch.Tensor
    pred_positions: torch.Tensor
    mlm_weights: torch.Tensor
    mlm_labels: torch.Tensor
    nsp_labels: torch.Tensor

    def tensors(self) -> tuple:
        """The seven tensors, e.g. for ``TensorDataset(*data.tensors())``."""
        return (self.tokens, self.segments, self.valid_lens, self.pred_positions, self.mlm_weights,
                self.mlm_labels, self.nsp_labels)

    def __len__(self) -> int:
        return len(self.tokens)


def pretrain_data(documents, vocab, *, max_len: int = 32, mask_prob: float = 0.15, seed: int = 0) -> PretrainData:
    """Make MLM + NSP examples from documents of consecutive sentences.

    Every pair of neighbouring sentences ``(A, B)`` gives one example; half the time ``B`` is
    swapped for a random sentence of the whole corpus (label 0 instead of 1).

    Args:
        documents: a list of documents, each a list of sentences (token lists) in order (e.g.
            the verses of one book).
        vocab: a :class:`d2lite.Vocab` that reserves ``<pad> <unk> <cls> <sep> <mask>`` (see
            ``BERT_RESERVED``).
        max_len: length after padding; pairs longer than that are skipped.
        mask_prob: share of tokens to predict, in (0, 1).
        seed: seeds the random next sentences and the masking.

    Returns:
        A :class:`PretrainData`.

    Raises:
        TypeError, ValueError: a bad argument, a vocabulary without the reserved tokens, or no
            sentence pair that fits in ``max_len``.
    """
    from .text import Vocab

    if isinstance(documents, (str, bytes)) or not hasattr(documents, "__iter__"):
        raise TypeError(f"documents must be a list of documents (lists of sentences), got {type(documents).__name__}")
    module("vocab", vocab, Vocab)
    positive_int("max_len", max_len)
    fraction("mask_prob", mask_prob)
    check_seed("seed", seed)
    missing = [t for t in BERT_RESERVED if t not in vocab]
    if missing:
        raise ValueError(f"vocab must reserve {list(BERT_RESERVED)}; missing {missing}")
    documents = [[list(s) for s in doc if len(s)] for doc in documents]
    sentences = [s for doc in documents for s in doc]
    if not any(len(doc) >= 2 for doc in documents):
        raise ValueError("documents must hold at least one document with two non-empty sentences")
    rng = random.Random(seed)
    max_preds = max(1, round(max_len * mask_prob))
    rows = []
    for doc in documents:
        for a, b in zip(doc[:-1], doc[1:]):
            is_next = rng.random() < 0.5
            if not is_next:
                b = rng.choice(sentences)
            if len(a) + len(b) + 3 > max_len:
                continue
            tokens, segments = get_tokens_and_segments(a, b)
            corrupted, positions, labels = mask_tokens(tokens, vocab, mask_prob=mask_prob, rng=rng)
            rows.append((vocab[corrupted], segments, positions[:max_preds], vocab[labels[:max_preds]], int(is_next)))
    if not rows:
        raise ValueError(f"no sentence pair fits in max_len={max_len}; use a larger max_len or shorter sentences")
    pad = vocab["<pad>"]

    def padded(seqs, length, value=0):  # one tensor call for all rows is much faster than one per row
        return torch.tensor([list(q) + [value] * (length - len(q)) for q in seqs])

    return PretrainData(padded([r[0] for r in rows], max_len, pad), padded([r[1] for r in rows], max_len),
                        torch.tensor([len(r[0]) for r in rows]), padded([r[2] for r in rows], max_preds),
                        padded([[1.0] * len(r[2]) for r in rows], max_preds, 0.0),
                        padded([r[3] for r in rows], max_preds), torch.tensor([r[4] for r in rows]))


def pretrain_loss(model: BERTModel, tokens, segments, valid_lens, pred_positions, mlm_weights, mlm_labels,
                  nsp_labels):
    """The pretraining loss: masked-word cross-entropy averaged over real predictions, plus the
    next-sentence cross-entropy.

    Args:
        model: a :class:`BERTModel`.
        tokens, segments, valid_lens, pred_positions, mlm_weights, mlm_labels, nsp_labels: the
            fields of :class:`PretrainData` (one batch of them), in order.

    Returns:
        ``(loss, mlm_logits, nsp_logits)``.

    Raises:
        TypeError, ValueError: an argument has the wrong type, dtype or shape, or the batch
            holds no masked word (all ``mlm_weights`` zero), where the average would be 0/0.
    """
    module("model", model, BERTModel)
    tensor("mlm_weights", mlm_weights, 2, dtype="float", what=" (batch, num_preds)")
    tensor("mlm_labels", mlm_labels, 2, dtype="long", shape=tuple(mlm_weights.shape), what=" (batch, num_preds)")
    tensor("nsp_labels", nsp_labels, 1, dtype="long", shape=(mlm_weights.shape[0],), what=" (batch,)")
    # No value check (a GPU sync every step): all-zero mlm_weights give NaN; pretrain_data never makes them.
    _, mlm_logits, nsp_logits = model(tokens, segments, valid_lens, pred_positions)
    mlm = nn.functional.cross_entropy(mlm_logits.flatten(0, 1), mlm_labels.flatten(), reduction="none")
    mlm = (mlm * mlm_weights.flatten()).sum() / mlm_weights.sum()
    return mlm + nn.functional.cross_entropy(nsp_logits, nsp_labels), mlm_logits, nsp_logits


@torch.no_grad()
def pretrain_accuracy(model: BERTModel, batch) -> tuple[float, float]:
    """Masked-word accuracy (over real predictions) and next-sentence accuracy on one batch of the
    seven :class:`PretrainData` tensors, in eval mode."""
    module("model", model, BERTModel)
    if not (isinstance(batch, (list, tuple)) and len(batch) == 7):
        raise TypeError(f"batch must be the seven PretrainData tensors (a list or tuple), got {type(batch).__name__}")
    was_training = model.training
    model.eval()
    _, mlm_logits, nsp_logits = pretrain_loss(model, *batch)
    model.train(was_training)
    w = batch[4] > 0
    return (float((mlm_logits.argmax(-1) == batch[5])[w].float().mean()),
            float((nsp_logits.argmax(-1) == batch[6]).float().mean()))


def pretrain(model: BERTModel, loader, *, max_epochs: int, lr: float, weight_decay: float = 0.01,
             warmup: float = 0.1, eval_batch=None, eval_every: int | None = None, device=None) -> dict:
    """Pretrain on masked words and next sentences (:func:`pretrain_loss`) with :class:`d2lite.Trainer`.

    AdamW with ``weight_decay`` and a one-cycle learning rate, stepped after every batch: it rises
    to ``lr`` over the first ``warmup`` share of the steps, then anneals towards 0
    (``torch.optim.lr_scheduler.OneCycleLR``).

    Args:
        loader: batches of the seven :class:`PretrainData` tensors, e.g.
            ``d2lite.tensor_loader(*data.tensors(), batch_size=128)``; it must have a ``len``.
        eval_batch: held-out tensors (the seven, all at once) scored with :func:`pretrain_accuracy`
            after each epoch's last step and, with ``eval_every``, after every ``eval_every``-th
            step of an epoch (its steps 0, k, 2k, ...).

    Returns:
        A history: ``loss`` per step; with ``eval_batch``, ``step`` (the 0-based step after which
        it was measured), ``mlm_accuracy`` and ``nsp_accuracy``; and ``seconds``.
    """
    from ._checks import non_negative_float, positive_float
    from .callbacks import LambdaCallback, LRScheduler
    from .training import Trainer

    module("model", model, BERTModel)
    if not hasattr(loader, "__len__") or not hasattr(loader, "__iter__"):
        raise TypeError(f"loader must be an iterable of batches with a len (e.g. a DataLoader), got "
                        f"{type(loader).__name__}")
    if len(loader) == 0:
        raise ValueError("loader yields no batches: is the pretraining set empty?")
    if eval_batch is not None and not (isinstance(eval_batch, (list, tuple)) and len(eval_batch) == 7):
        raise TypeError("eval_batch must be the seven PretrainData tensors (a list or tuple) or None, "
                        f"got {type(eval_batch).__name__}")
    eval_every = None if eval_every is None else positive_int("eval_every", eval_every)
    steps = positive_int("max_epochs", max_epochs) * len(loader)
    opt = torch.optim.AdamW(model.parameters(), lr=positive_float("lr", lr),
                            weight_decay=non_negative_float("weight_decay", weight_decay))
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps,
                                                pct_start=fraction("warmup", warmup))
    history = {"loss": []}
    if eval_batch is not None:
        history.update(step=[], mlm_accuracy=[], nsp_accuracy=[])

    def after_step(trainer, loss):
        history["loss"].append(float(loss))
        i = (trainer.steps - 1) % len(loader)  # the step's index within its epoch
        if eval_batch is not None and (i == len(loader) - 1 or eval_every is not None and i % eval_every == 0):
            history["step"].append(trainer.steps - 1)
            held_out = [t.to(trainer.device) for t in eval_batch]
            for k, v in zip(("mlm_accuracy", "nsp_accuracy"), pretrain_accuracy(model, held_out)):
                history[k].append(v)

    trainer = Trainer(max_epochs=max_epochs, device=device,
                      callbacks=[LRScheduler(sched, every="batch"), LambdaCallback(on_batch_end=after_step)])
    trainer.fit(model, loader, optimizer=opt, batch_loss=lambda model, b: (pretrain_loss(model, *b)[0], len(b[0])))
    history["seconds"] = trainer.seconds
    return history
