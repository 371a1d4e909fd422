"""Extensions to :class:`d2lite.Trainer`: live plot, progress bar, early stopping, summary,
learning-rate schedules, and callbacks made of plain functions.

A callback overrides any of four hooks; each receives the trainer, whose ``history``,
``epoch``, ``steps``, ``max_epochs``, ``model``, ``grad_norm`` and ``should_stop`` it may read
(and ``should_stop`` set). ``on_fit_end`` runs even when training stops with an error.
"""
from __future__ import annotations

import copy
import math

import torch

from ._checks import boolean, callable_, non_negative_float, one_of, positive_int, text
from .plotting import figure, live_frontend

__all__ = ["Callback", "EarlyStopping", "LRScheduler", "LambdaCallback", "LivePlot", "ProgressBar", "Summary",
           "default_callbacks"]


class Callback:
    """Base class: every hook does nothing."""

    def on_fit_start(self, trainer) -> None: ...

    def on_batch_end(self, trainer, loss: torch.Tensor) -> None:
        """After each optimiser step; ``loss`` is the batch's detached loss (``float(loss)`` syncs a GPU)."""

    def on_epoch_end(self, trainer, logs: dict[str, float]) -> None: ...

    def on_fit_end(self, trainer) -> None: ...


def default_callbacks() -> list[Callback]:
    """A live plot and a progress bar in a live notebook; a final plot and one line elsewhere."""
    if live_frontend():
        return [ProgressBar(), LivePlot()]
    return [LivePlot(), Summary()]


class LivePlot(Callback):
    """Plot losses and metrics per epoch, redrawn in place in JupyterLab.

    With no live front end (tests, book builds) it draws once, at the end of training.
    One panel for the losses and one for each metric; train solid, validation dashed.
    """

    def __init__(self, *, every: int = 1):
        self.every = positive_int("every", every)

    def on_fit_start(self, trainer) -> None:
        self.live, self.handle, self.fig = live_frontend(), None, None

    def _draw(self, trainer) -> None:
        from IPython import get_ipython
        from IPython.display import display

        names = sorted({k.split("_", 1)[1] for k in trainer.history})
        names.sort(key=lambda n: n != "loss")  # loss panel first
        if self.fig is None:
            self.fig, axes = figure(1, len(names), figsize=(4 * len(names), 3), squeeze=False)
            self.axes = dict(zip(names, axes[0]))
        for name, ax in self.axes.items():
            ax.clear()
            for split, style in (("train", "-"), ("val", "--")):
                ys = trainer.history.get(f"{split}_{name}")
                if ys:
                    ax.plot(range(1, len(ys) + 1), ys, style, label=split)
            ax.set(xlabel="epoch", ylabel=name, xlim=(0.8, max(trainer.max_epochs, 2) + 0.2))
            ax.legend()
        self.fig.tight_layout()
        if get_ipython() is None:  # a plain script: keep the figure (self.fig), print nothing
            return
        if self.handle is None:
            self.handle = display(self.fig, display_id=True)
        else:
            self.handle.update(self.fig)

    def on_epoch_end(self, trainer, logs) -> None:
        if self.live and trainer.epoch % self.every == 0:
            self._draw(trainer)

    def on_fit_end(self, trainer) -> None:
        if trainer.history:
            self._draw(trainer)


class ProgressBar(Callback):
    """A tqdm bar over epochs showing the latest logs."""

    def on_fit_start(self, trainer) -> None:
        from tqdm.auto import tqdm

        self.bar = tqdm(total=trainer.max_epochs, unit="epoch", leave=False)

    def on_epoch_end(self, trainer, logs) -> None:
        self.bar.set_postfix({k: f"{v:.4g}" for k, v in logs.items()}, refresh=False)
        self.bar.update(1)

    def on_fit_end(self, trainer) -> None:
        self.bar.close()


class Summary(Callback):
    """Print one line when training ends: epochs, final logs and time."""

    def on_fit_end(self, trainer) -> None:
        last = ", ".join(f"{k} {v[-1]:.4g}" for k, v in trainer.history.items())
        print(f"epoch {trainer.epoch}/{trainer.max_epochs}: {last} "
              f"({trainer.seconds:.1f} s on {trainer.device})")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    Args:
        monitor: a key of the epoch logs, e.g. ``"val_loss"`` or ``"val_accuracy"``.
        mode: ``"min"`` (lower is better) or ``"max"``.
        restore_best: load the best epoch's weights back into the model at the end.

    Raises:
        TypeError, ValueError: a bad argument (the message names it); during fit, ValueError if
            ``monitor`` is not logged.
    """

    def __init__(self, *, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0,
                 mode: str = "min", restore_best: bool = True):
        self.monitor, self.patience = text("monitor", monitor), positive_int("patience", patience)
        self.min_delta = non_negative_float("min_delta", min_delta)
        self.sign = 1.0 if one_of("mode", mode, ("min", "max")) == "min" else -1.0
        self.restore_best = boolean("restore_best", restore_best)

    def on_fit_start(self, trainer) -> None:
        self.best, self.best_epoch, self.best_state, self.wait = math.inf, 0, None, 0

    def on_epoch_end(self, trainer, logs) -> None:
        if self.monitor not in logs:
            raise ValueError(f"EarlyStopping monitors {self.monitor!r}, but the logs hold only "
                             f"{sorted(logs)} (pass val_loader= to fit for 'val_*' keys)")
        score = self.sign * logs[self.monitor]
        if score < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = score, trainer.epoch, 0
            if self.restore_best:
                self.best_state = copy.deepcopy(trainer.model.state_dict())
        else:
            self.wait += 1
            trainer.should_stop = self.wait >= self.patience

    def on_fit_end(self, trainer) -> None:
        if self.restore_best and self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)


class LRScheduler(Callback):
    """Step a ``torch.optim.lr_scheduler`` scheduler after every epoch or every batch.

    Args:
        scheduler: built on the optimiser passed to :meth:`Trainer.fit`, e.g.
            ``CosineAnnealingLR(optimizer, T_max=max_epochs)`` (``every="epoch"``) or
            ``OneCycleLR(optimizer, max_lr, total_steps=max_epochs * len(loader))`` (``every="batch"``).
        every: ``"epoch"`` or ``"batch"``: when to call ``scheduler.step()``.
        monitor: for ``ReduceLROnPlateau`` only, the epoch log it watches, e.g. ``"val_loss"``.
    """

    def __init__(self, scheduler, *, every: str = "epoch", monitor: str | None = None):
        from torch.optim.lr_scheduler import LRScheduler as Base, ReduceLROnPlateau

        if not isinstance(scheduler, (Base, ReduceLROnPlateau)):
            raise TypeError(f"scheduler must be a torch.optim.lr_scheduler scheduler, got {type(scheduler).__name__}")
        self.scheduler, self.every = scheduler, one_of("every", every, ("epoch", "batch"))
        plateau = isinstance(scheduler, ReduceLROnPlateau)
        if plateau != (monitor is not None) or plateau and every != "epoch":
            raise ValueError("monitor (the log to watch, e.g. 'val_loss') goes with a ReduceLROnPlateau stepped "
                             f"every epoch and only with it; got monitor={monitor!r}, every={every!r} for a "
                             f"{type(scheduler).__name__}")
        self.monitor = None if monitor is None else text("monitor", monitor)

    def on_batch_end(self, trainer, loss) -> None:
        if self.every == "batch":
            self.scheduler.step()

    def on_epoch_end(self, trainer, logs) -> None:
        if self.every != "epoch":
            return
        if self.monitor is None:
            self.scheduler.step()
        elif self.monitor in logs:
            self.scheduler.step(logs[self.monitor])
        else:
            raise ValueError(f"LRScheduler monitors {self.monitor!r}, but the logs hold only {sorted(logs)}")


class LambdaCallback(Callback):
    """A callback made of plain functions, one per hook, each called with the hook's arguments.

    >>> norms = []
    >>> LambdaCallback(on_batch_end=lambda trainer, loss: norms.append(float(trainer.grad_norm)))
    """

    def __init__(self, *, on_fit_start=None, on_batch_end=None, on_epoch_end=None, on_fit_end=None):
        for name, fn in (("on_fit_start", on_fit_start), ("on_batch_end", on_batch_end),
                         ("on_epoch_end", on_epoch_end), ("on_fit_end", on_fit_end)):
            if fn is not None:
                setattr(self, name, callable_(name, fn))
