"""Extensions to :class:`d2lite.Trainer`: live plot, progress bar, early stopping, summary.

A callback overrides any of three hooks; each receives the trainer, whose ``history``,
``epoch``, ``max_epochs``, ``model`` and ``should_stop`` it may read (and ``should_stop`` set).
"""
from __future__ import annotations

import copy
import math

from .plotting import figure, live_frontend


class Callback:
    """Base class: every hook does nothing."""

    def on_fit_start(self, trainer) -> None: ...

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
        self.every = every

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
        ValueError: bad ``mode``/``patience``, or (during fit) ``monitor`` is not logged.
    """

    def __init__(self, *, monitor: str = "val_loss", patience: int = 3, min_delta: float = 0.0,
                 mode: str = "min", restore_best: bool = True):
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"patience must be an int >= 1, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.sign = 1.0 if mode == "min" else -1.0
        self.restore_best = restore_best

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
