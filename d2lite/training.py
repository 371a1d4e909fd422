"""A training loop that fits on one screen; everything optional is a callback.

>>> trainer = Trainer(max_epochs=10, metrics={"accuracy": accuracy})
>>> history = trainer.fit(model, train_loader, loss_fn=nn.CrossEntropyLoss(),
...                       optimizer=torch.optim.SGD(model.parameters(), lr=0.1), val_loader=test_loader)

The trainer owns the device: it moves the model once and every batch as it comes. Models never
pick a device.
"""
from __future__ import annotations

import time
from collections import defaultdict
from typing import Callable, Iterable, Mapping, Sequence

import torch
from torch import nn

from ._checks import positive_int
from .callbacks import Callback, default_callbacks
from .device import get_device, to_device

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def accuracy(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Share of rows whose arg-max in ``y_hat`` (n, classes) equals the label in ``y`` (n,).

    With ``y_hat`` of shape (n,) (one logit per row, binary task) the threshold is 0.
    """
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
        max_epochs: passes over the training data.
        device: where to compute (default: :func:`d2lite.get_device`).
        metrics: name → ``fn(y_hat, y)`` returning a scalar tensor, averaged over examples.
        callbacks: extensions (:mod:`d2lite.callbacks`); ``None`` takes the defaults, a live
            plot and progress bar in JupyterLab, one summary line elsewhere.
        grad_clip: clip the global gradient norm to this value (``None``: no clipping).
        channels_last: keep the model's 4-D weights and every 4-D input batch in channels-last
            memory order (NHWC, :func:`uses_channels_last`). The numbers are the same up to
            rounding, but oneDNN's convolutions and pooling run 1.3-2.3x faster on a CPU in that
            order, and CUDA's tensor cores prefer it too. ``None`` (default): on for CPU and CUDA
            when the model has a 2-D convolution, except one kind oneDNN gets wrong in that order
            (see :func:`uses_channels_last`); off for MPS and for models without convolutions.

    After :meth:`fit`, ``history`` maps ``"train_loss"``, ``"train_<metric>"``, ``"val_loss"``,
    ``"val_<metric>"`` to one value per epoch.
    """

    def __init__(self, *, max_epochs: int, device: torch.device | str | None = None,
                 metrics: Mapping[str, Metric] | None = None,
                 callbacks: Sequence[Callback] | None = None, grad_clip: float | None = None,
                 channels_last: bool | None = None):
        self.max_epochs = positive_int("max_epochs", max_epochs)
        self.device = device if isinstance(device, torch.device) else get_device(device)
        self.metrics = dict(metrics or {})
        for name, fn in self.metrics.items():
            if not callable(fn):
                raise TypeError(f"metric {name!r} must be callable fn(y_hat, y), got {type(fn).__name__}")
        self.callbacks = list(default_callbacks() if callbacks is None else callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be d2lite.callbacks.Callback objects, got {type(cb).__name__}")
        if grad_clip is not None and not grad_clip > 0:
            raise ValueError(f"grad_clip must be a positive number or None, got {grad_clip!r}")
        self.grad_clip = grad_clip
        if channels_last is not None and not isinstance(channels_last, bool):
            raise TypeError(f"channels_last must be True, False or None, got {channels_last!r}")
        self.channels_last = channels_last
        self.history: dict[str, list[float]] = {}
        self.epoch = 0
        self.should_stop = False  # a callback sets this to end training early

    def fit(self, model: nn.Module, train_loader: Iterable, *, loss_fn: Callable,
            optimizer: torch.optim.Optimizer, val_loader: Iterable | None = None) -> dict[str, list[float]]:
        """Train ``model`` for up to ``max_epochs`` epochs and return the history."""
        _check_fit_args(model, loss_fn, optimizer)
        model.to(self.device)
        nhwc = self._channels_last(model)
        if nhwc:
            model.to(memory_format=torch.channels_last)
        self.model, self.history, self.should_stop = model, defaultdict(list), False
        self.start_time = time.perf_counter()
        self._call("on_fit_start")
        for self.epoch in range(1, self.max_epochs + 1):
            model.train()
            sums, count = defaultdict(float), 0
            for batch in train_loader:
                X, y = self._to_device(batch, nhwc)
                y_hat = model(X)
                loss = loss_fn(y_hat, y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if self.grad_clip is not None:
                    nn.utils.clip_grad_norm_(model.parameters(), self.grad_clip)
                optimizer.step()
                n = len(y)  # sums stay tensors: no GPU→CPU sync inside the loop
                sums["loss"] += loss.detach() * n
                for name, fn in self.metrics.items():
                    sums[name] += fn(y_hat.detach(), y) * n
                count += n
            if count == 0:
                raise ValueError("train_loader yielded no batches: is the training set empty?")
            logs = {f"train_{k}": float(v) / count for k, v in sums.items()}
            if val_loader is not None:
                logs.update({f"val_{k}": v for k, v in self.evaluate(model, val_loader, loss_fn=loss_fn).items()})
            for k, v in logs.items():
                self.history[k].append(v)
            self._call("on_epoch_end", logs)
            if self.should_stop:
                break
        self.seconds = time.perf_counter() - self.start_time
        self._call("on_fit_end")
        self.history = dict(self.history)
        return self.history

    @torch.no_grad()
    def evaluate(self, model: nn.Module, loader: Iterable, *, loss_fn: Callable | None = None) -> dict[str, float]:
        """Average loss (if ``loss_fn`` is given) and metrics over ``loader``, in eval mode."""
        was_training, nhwc = model.training, self._channels_last(model)
        model.eval()
        sums, count = defaultdict(float), 0
        for batch in loader:
            X, y = self._to_device(batch, nhwc)
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

    def _to_device(self, batch, nhwc: bool):
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
    if torch.device(device).type not in ("cpu", "cuda"):
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


def _check_fit_args(model, loss_fn, optimizer) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable loss_fn(y_hat, y), got {type(loss_fn).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
