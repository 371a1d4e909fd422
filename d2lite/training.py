"""A training loop that fits on one screen; everything optional is a callback.

>>> trainer = Trainer(max_epochs=10, metrics={"accuracy": accuracy})
>>> history = trainer.fit(model, train_loader, loss_fn=nn.CrossEntropyLoss(),
...                       optimizer=torch.optim.SGD(model.parameters(), lr=0.1), val_loader=test_loader)

Batches other than ``(X, y)`` pairs (a language model's windows, a seq2seq tuple, BERT's seven
tensors, a whole graph) come with ``batch_loss(model, batch) -> (loss, n)`` instead of ``loss_fn``;
callbacks (:mod:`d2lite.callbacks`) add the rest: schedules, per-batch records, early stopping.

The trainer owns the device: it moves the model once and every batch as it comes. Models never
pick a device.
"""
from __future__ import annotations

import math
import time
from collections import defaultdict
from typing import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn

from ._checks import device as check_device, positive_float, positive_int
from .callbacks import Callback, default_callbacks
from .device import get_device, to_device

__all__ = ["Trainer", "accuracy", "uses_channels_last"]

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Share of rows whose arg-max in ``y_hat`` (n, classes) equals the label in ``y`` (n,).

    With ``y_hat`` of shape (n,) (one logit per row, binary task) the threshold is 0.
    """
    for name, t in (("y_hat", y_hat), ("y", y)):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    if y_hat.ndim == 2:
        pred = y_hat.argmax(dim=1)
    elif y_hat.ndim == 1:
        pred = (y_hat > 0).long()
    else:
        raise ValueError(f"y_hat must be (n, classes) or (n,), got shape {tuple(y_hat.shape)}")
    if pred.shape != y.shape:
        raise ValueError(f"labels y must have shape {tuple(pred.shape)}, got {tuple(y.shape)}")
    return (pred == y).float().mean()


class Trainer:
    """Fit a model with a given loss and optimiser; evaluate it; keep a history per epoch.

    Args:
        max_epochs: passes over the training data (a callback may stop earlier).
        device: where to compute (default: :func:`d2lite.get_device`).
        metrics: name → ``fn(y_hat, y)`` returning a scalar tensor, averaged over examples.
        callbacks: extensions (:mod:`d2lite.callbacks`); ``None`` takes the defaults, a live
            plot and progress bar in JupyterLab, one summary line elsewhere.
        grad_clip: clip the global gradient norm to this value (``None``: no clipping;
            ``math.inf``: measure the norm without clipping). The norm before clipping is
            ``trainer.grad_norm`` after each step.
        channels_last: keep the model's 4-D weights and every 4-D input batch in channels-last
            memory order (NHWC, :func:`uses_channels_last`). The numbers are the same up to
            rounding, but oneDNN's convolutions and pooling run 1.3-2.3x faster on a CPU in that
            order, and CUDA's tensor cores prefer it too. ``None`` (default): on for CPU and CUDA
            when the model has a 2-D convolution, except one kind oneDNN gets wrong in that order
            (see :func:`uses_channels_last`); off for MPS and for models without convolutions.

    After :meth:`fit`, ``history`` maps ``"train_loss"``, ``"train_<metric>"``, ``"val_loss"``,
    ``"val_<metric>"`` to one value per epoch. Callbacks may read ``history``, ``epoch``,
    ``steps`` (optimiser steps so far), ``grad_norm``, ``model`` and set ``should_stop``.
    """

    def __init__(self, *, max_epochs: int, device: torch.device | str | None = None,
                 metrics: Mapping[str, Metric] | None = None,
                 callbacks: Sequence[Callback] | None = None, grad_clip: float | None = None,
                 channels_last: bool | None = None):
        self.max_epochs = positive_int("max_epochs", max_epochs)
        self.device = device if isinstance(device, torch.device) else get_device(device)
        if metrics is not None and not isinstance(metrics, Mapping):
            raise TypeError(f"metrics must be a dict name -> fn(y_hat, y) or None, got {type(metrics).__name__}")
        self.metrics = dict(metrics or {})
        for name, fn in self.metrics.items():
            if not callable(fn):
                raise TypeError(f"metric {name!r} must be callable fn(y_hat, y), got {type(fn).__name__}")
        if isinstance(callbacks, Callback) or not (callbacks is None or isinstance(callbacks, Iterable)):
            raise TypeError(f"callbacks must be a list of Callback objects or None, got {type(callbacks).__name__}")
        self.callbacks = list(default_callbacks() if callbacks is None else callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be d2lite.callbacks.Callback objects, got {type(cb).__name__}")
        if grad_clip is not None and grad_clip != math.inf:
            positive_float("grad_clip", grad_clip)  # a str, NaN, 0 or a negative number says so
        self.grad_clip = grad_clip
        if channels_last is not None and not isinstance(channels_last, bool):
            raise TypeError(f"channels_last must be True, False or None, got {channels_last!r}")
        self.channels_last = channels_last
        self.history: dict[str, list[float]] = {}
        self.epoch = self.steps = 0
        self.grad_norm = None
        self.should_stop = False  # a callback sets this to end training early

    def fit(self, model: nn.Module, train_loader: Iterable, *, optimizer: torch.optim.Optimizer,
            loss_fn: Callable | None = None, batch_loss: Callable | None = None,
            val_loader: Iterable | None = None) -> dict[str, list[float]]:
        """Train ``model`` for up to ``max_epochs`` epochs and return the history.

        A batch becomes a loss in one of two ways: ``(X, y)`` batches and ``loss_fn(model(X), y)``
        (the default; metrics need it), or any batch (a tuple, a dict, ...) and
        ``batch_loss(model, batch)`` returning ``(loss, n)``, where ``n`` (an int) is how many
        examples or tokens the loss averages over: the batch's weight in the epoch's mean.
        """
        _check_fit_args(model, train_loader, optimizer, loss_fn, batch_loss, val_loader, self.metrics)
        model.to(self.device)
        nhwc, pairs = self._channels_last(model), batch_loss is None
        if nhwc:
            model.to(memory_format=torch.channels_last)
        self.model, self.history, self.should_stop = model, defaultdict(list), False
        self.steps, self.grad_norm = 0, None
        hooks = [cb.on_batch_end for cb in self.callbacks  # only those that do something: no overhead else
                 if getattr(cb.on_batch_end, "__func__", None) is not Callback.on_batch_end]
        self.start_time = time.perf_counter()
        self._call("on_fit_start")
        try:
            for self.epoch in range(1, self.max_epochs + 1):
                model.train()
                sums, count = dict.fromkeys(["loss", *self.metrics], 0.0), 0
                for batch in train_loader:
                    batch = self._to_device(batch, nhwc, pairs)
                    if pairs:
                        X, y = batch
                        y_hat = model(X)
                        loss, n = loss_fn(y_hat, y), len(y)
                        for name, fn in self.metrics.items():
                            sums[name] += fn(y_hat.detach(), y) * n
                    else:
                        loss, n = _loss_and_count(batch_loss(model, batch))
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    if self.grad_clip is not None:
                        self.grad_norm = nn.utils.clip_grad_norm_(model.parameters(), self.grad_clip)
                    optimizer.step()
                    self.steps += 1
                    sums["loss"] += loss.detach() * n  # sums stay tensors: no GPU→CPU sync inside the loop
                    count += n
                    for hook in hooks:
                        hook(self, loss.detach())
                if count == 0:
                    raise ValueError("train_loader yielded no batches: is the training set empty?")
                logs = {f"train_{k}": float(v) / count for k, v in sums.items()}
                if val_loader is not None:
                    logs.update({f"val_{k}": v for k, v in self.evaluate(
                        model, val_loader, loss_fn=loss_fn, batch_loss=batch_loss).items()})
                for k, v in logs.items():
                    self.history[k].append(v)
                self._call("on_epoch_end", logs)
                if self.should_stop:
                    break
        finally:  # also on an error or an interrupt: bars close, the best weights come back
            self.seconds = time.perf_counter() - self.start_time
            self.history = dict(self.history)
            self._call("on_fit_end")
        return self.history

    @torch.no_grad()
    def evaluate(self, model: nn.Module, loader: Iterable, *, loss_fn: Callable | None = None,
                 batch_loss: Callable | None = None) -> dict[str, float]:
        """Average loss (with ``loss_fn`` or ``batch_loss``, as in :meth:`fit`) and metrics over
        ``loader``, in eval mode."""
        if batch_loss is not None and (loss_fn is not None or self.metrics):
            raise ValueError("batch_loss replaces loss_fn and metrics: pass batch_loss alone")
        was_training, nhwc = model.training, self._channels_last(model)
        model.eval()
        sums, count = defaultdict(float), 0
        for batch in loader:
            batch = self._to_device(batch, nhwc, batch_loss is None)
            if batch_loss is not None:
                loss, n = _loss_and_count(batch_loss(model, batch))
                sums["loss"] += loss * n
            else:
                X, y = batch
                y_hat, n = model(X), len(y)
                if loss_fn is not None:
                    sums["loss"] += loss_fn(y_hat, y) * n
                for name, fn in self.metrics.items():
                    sums[name] += fn(y_hat, y) * n
            count += n
        model.train(was_training)
        if count == 0:
            raise ValueError("the evaluation loader yielded no batches: is the set empty?")
        return {k: float(v) / count for k, v in sums.items()}

    def _channels_last(self, model: nn.Module) -> bool:
        if self.channels_last is not None:
            return self.channels_last
        return uses_channels_last(model, self.device)

    def _to_device(self, batch, nhwc: bool, pair: bool = True):
        if not pair:
            return to_device(batch, self.device)
        X, y = to_device(_unpack(batch), self.device)
        if nhwc and isinstance(X, torch.Tensor) and X.ndim == 4:
            X = X.contiguous(memory_format=torch.channels_last)
        return X, y

    def _call(self, hook: str, *args) -> None:
        for cb in self.callbacks:
            getattr(cb, hook)(self, *args)


def uses_channels_last(model: nn.Module, device: torch.device | str) -> bool:
    """Whether the :class:`Trainer` stores ``model``'s images channels-last by default on ``device``.

    On CPU and CUDA, when the model has a 2-D (transposed) convolution, unless it has a 1×1
    convolution with stride > 1 and fewer than 16 input channels per group: oneDNN computes that
    one's weight gradient wrongly in channels-last order, or writes past its buffer
    (uxlfoundation/oneDNN#6035; measured here with torch 2.13: 2-7 input channels give wrong
    gradients on two threads and heap corruption on one).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if check_device("device", device).type not in ("cpu", "cuda"):
        return False
    convs = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    return bool(convs) and not any(_strided_narrow_1x1(m) for m in convs)


def _strided_narrow_1x1(conv) -> bool:
    return (isinstance(conv, nn.Conv2d) and tuple(conv.kernel_size) == (1, 1) and tuple(conv.stride) != (1, 1)
            and conv.in_channels // conv.groups < 16)


def _unpack(batch):
    if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
        raise ValueError(f"each batch must be a pair (X, y), got {type(batch).__name__}"
                         + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else ""))
    return batch


def _loss_and_count(out):
    if not (isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], torch.Tensor)):
        raise TypeError(f"batch_loss must return a pair (loss tensor, n), got {type(out).__name__}"
                        + (f" of length {len(out)}" if isinstance(out, tuple) else ""))
    return out


def _check_fit_args(model, train_loader, optimizer, loss_fn, batch_loss, val_loader, metrics) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    for name, loader in (("train_loader", train_loader), ("val_loader", val_loader)):
        if not (isinstance(loader, Iterable) or loader is None and name == "val_loader"):
            raise TypeError(f"{name} must be an iterable of batches (e.g. a DataLoader), got {type(loader).__name__}")
    if (loss_fn is None) == (batch_loss is None):
        raise ValueError("give fit either loss_fn(y_hat, y) for (X, y) batches or batch_loss(model, batch) "
                         f"-> (loss, n) for any batch, got {'both' if loss_fn is not None else 'neither'}")
    name, fn = ("loss_fn", loss_fn) if batch_loss is None else ("batch_loss", batch_loss)
    if not callable(fn):
        raise TypeError(f"{name} must be callable, got {type(fn).__name__}")
    if batch_loss is not None and metrics:
        raise ValueError(f"metrics {sorted(metrics)} need loss_fn and (X, y) batches; with batch_loss, "
                         "compute them in batch_loss or a callback")
