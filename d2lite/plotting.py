"""One figure style for the whole book, and the plots chapters keep needing.

Every helper returns a ``matplotlib.figure.Figure`` that pyplot no longer manages, so a notebook
cell shows it exactly once by ending with it (``fig``), and a script can ``fig.savefig(...)``.
"""
from __future__ import annotations

import numbers
import os
from typing import Callable, Mapping, Sequence

import matplotlib
import numpy as np
import torch

from ._checks import boolean, callable_, float_array, labels as check_labels, limits as check_limits
from ._checks import non_negative_float, numbers_seq, numeric_array, positive_float, positive_int, text, vector

__all__ = ["COLORS", "figure", "grid_2d", "live_frontend", "plot_contour", "plot_curves", "plot_decision_boundary",
           "plot_heatmap", "plot_surface", "plot_svm", "use_style"]

HEADLESS_ENV = "D2LITE_HEADLESS"
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
STYLE = {
    "figure.figsize": (5.5, 3.5), "figure.dpi": 90, "savefig.dpi": 90,
    "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=COLORS), "font.size": 10, "legend.frameon": False,
    "image.cmap": "viridis", "animation.embed_limit": 40.0,
    # Opaque white paper, whatever a reader's matplotlibrc says: a transparent figure would put
    # black ink on the book's dark theme (see book/_static/dark_mode.css).
    "figure.facecolor": "white", "axes.facecolor": "white", "savefig.transparent": False,
}


def live_frontend() -> bool:
    """True inside a Jupyter kernel that a person is watching.

    Tests and book builds set ``D2LITE_HEADLESS=1``: output then stays compact (no progress
    bars, one final plot instead of a redraw per epoch).
    """
    if os.environ.get(HEADLESS_ENV, "") not in ("", "0"):
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def use_style() -> None:
    """Apply the book's figure style (called once when d2lite is imported)."""
    matplotlib.rcParams.update(STYLE)


def figure(nrows: int = 1, ncols: int = 1, *, figsize=None, **kwargs):
    """``plt.subplots`` that returns a figure pyplot does not auto-show; returns ``(fig, axes)``.

    Raises:
        TypeError, ValueError: ``nrows``/``ncols`` is not a positive int, or ``figsize`` is not
            a pair of positive numbers.
    """
    import matplotlib.pyplot as plt

    positive_int("nrows", nrows)
    positive_int("ncols", ncols)
    if figsize is not None:
        if isinstance(figsize, (str, bytes)) or not hasattr(figsize, "__len__"):
            raise TypeError(f"figsize must be a pair (width, height) in inches, got {type(figsize).__name__}")
        if len(figsize) != 2:
            raise ValueError(f"figsize must be a pair (width, height) in inches, got {figsize!r}")
        for i, v in enumerate(figsize):
            positive_float(f"figsize[{i}]", v)

    fig, axes = plt.subplots(nrows, ncols, figsize=figsize, **kwargs)
    plt.close(fig)  # shown once, when the cell returns it or display() is called
    return fig, axes


def _new_or_given(ax, **kw):
    if ax is None:
        return figure(**kw)
    return ax.figure, ax


def _np(a) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def plot_curves(ys: Mapping[str, Sequence[float]] | Sequence[float], x=None, *, xlabel: str = "",
                ylabel: str = "", logy: bool = False, title: str | None = None, ax=None):
    """Plot one curve or several (a mapping label → values) against ``x`` (default 0, 1, …).

    Returns:
        The figure.

    Raises:
        TypeError, ValueError: ``ys`` holds no curve or a curve that is not a 1-D sequence of
            numbers, ``x`` has another length, or ``logy`` is not a bool.
    """
    if isinstance(ys, (str, bytes)) or not isinstance(ys, (Mapping, Sequence, np.ndarray, torch.Tensor)):
        raise TypeError(f"ys must be a sequence of numbers or a mapping label -> sequence, got {type(ys).__name__}")
    curves = dict(ys) if isinstance(ys, Mapping) else {"": ys}
    if not curves:
        raise ValueError("ys: plot_curves needs at least one curve, got none")
    boolean("logy", logy)
    arrays = {}
    for label, y in curves.items():
        y = numeric_array(f"ys[{label!r}]" if label else "ys", y)
        if y.ndim != 1:
            raise ValueError(f"ys: curve {label!r} must be 1-D, got shape {y.shape}")
        xs = np.arange(len(y)) if x is None else numeric_array("x", x)
        if len(xs) != len(y):
            raise ValueError(f"x has {len(xs)} values but curve {label!r} of ys has {len(y)}")
        arrays[label] = xs, y
    fig, ax = _new_or_given(ax)
    for label, (xs, y) in arrays.items():
        ax.plot(xs, y, label=label or None)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "")
    if logy:
        ax.set_yscale("log")
    if any(curves):
        ax.legend()
    return fig


def plot_heatmap(M, *, xlabels: Sequence[str] | None = None, ylabels: Sequence[str] | None = None,
                 xlabel: str = "", ylabel: str = "", title: str | None = None, cmap: str = "viridis",
                 colorbar: bool = True, ax=None):
    """Show a matrix (rows × columns) as colours, e.g. attention weights (queries × keys).

    NaN entries are left blank.

    Returns:
        The figure.

    Raises:
        TypeError, ValueError: ``M`` is not a 2-D numeric matrix, a label list has another
            length than its axis, or ``colorbar`` is not a bool.
    """
    M = numeric_array("M", M)
    if M.ndim != 2:
        raise ValueError(f"M: plot_heatmap needs a 2-D matrix, got shape {M.shape}")
    boolean("colorbar", colorbar)
    ticks = [(check_labels(name, lab, n), setter_name, n) for name, lab, setter_name, n in
             (("xlabels", xlabels, "set_xticks", M.shape[1]), ("ylabels", ylabels, "set_yticks", M.shape[0]))
             if lab is not None]
    fig, ax = _new_or_given(ax)
    im = ax.imshow(M, cmap=cmap, aspect="auto")
    ax.grid(False)
    for lab, setter_name, n in ticks:
        getattr(ax, setter_name)(range(n), lab)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title or "")
    if colorbar:
        fig.colorbar(im, ax=ax)
    return fig


def grid_2d(xlim, ylim, resolution: int = 100) -> tuple[torch.Tensor, torch.Tensor]:
    """Mesh grids ``(X1, X2)`` of shape (resolution, resolution) spanning the limits."""
    xlim, ylim = check_limits("xlim", xlim), check_limits("ylim", ylim)
    if positive_int("resolution", resolution) < 2:
        raise ValueError(f"resolution must be at least 2 grid points per axis, got {resolution}")
    x1 = torch.linspace(xlim[0], xlim[1], resolution)
    x2 = torch.linspace(ylim[0], ylim[1], resolution)
    return torch.meshgrid(x1, x2, indexing="xy")


def plot_contour(f: Callable, *, xlim=(-3, 3), ylim=(-3, 3), paths: Mapping[str, object] | None = None,
                 levels: int | Sequence[float] = 30, resolution: int = 150, title: str | None = None,
                 xlabel: str = "$x_1$", ylabel: str = "$x_2$", colors: Mapping[str, str] | None = None,
                 ax=None):
    """Contours of a 2-D function ``f(x1, x2)`` (on tensors) with optional optimiser paths.

    Args:
        paths: label → points of shape (T, 2), drawn as lines with markers from start to end.
        levels: number of contour levels, or the levels themselves (e.g. log-spaced).
        colors: label → colour, so a path keeps its colour when others are toggled.

    Returns:
        The figure.

    Raises:
        TypeError, ValueError: ``f`` is not callable or returns the wrong shape, a limit is not
            an increasing pair, ``resolution`` < 2, ``levels`` is not a positive int or a
            sequence of numbers, or a path is not (T, 2).
    """
    callable_("f", f)
    if isinstance(levels, numbers.Number):
        positive_int("levels", levels)
    else:
        numbers_seq("levels", levels)
    if paths is not None and not isinstance(paths, Mapping):
        raise TypeError(f"paths must be a mapping label -> points (T, 2), got {type(paths).__name__}")
    for label, pts in (paths or {}).items():
        if numeric_array(f"paths[{label!r}]", pts).ndim != 2 or _np(pts).shape[1] != 2:
            raise ValueError(f"paths[{label!r}] must have shape (T, 2), got {_np(pts).shape}")
    X1, X2 = grid_2d(xlim, ylim, resolution)
    with torch.no_grad():
        Z = _np(f(X1, X2))
    if Z.shape != X1.shape:
        raise ValueError(f"f(x1, x2) must return one value per grid point {tuple(X1.shape)}, got {Z.shape}")
    fig, ax = _new_or_given(ax)
    ax.contour(_np(X1), _np(X2), Z, levels=levels, colors="0.6", linewidths=0.7)
    for label, pts in (paths or {}).items():
        pts = _np(pts)
        ax.plot(pts[:, 0], pts[:, 1], "-o", ms=2.5, lw=1.2, label=label, color=(colors or {}).get(label))
    ax.set(xlim=xlim, ylim=ylim, xlabel=xlabel, ylabel=ylabel, title=title or "")
    if paths:
        ax.legend(loc="upper right")
    return fig


def plot_surface(f: Callable, *, xlim=(-3, 3), ylim=(-3, 3), resolution: int = 60,
                 title: str | None = None, xlabel: str = "$x_1$", ylabel: str = "$x_2$",
                 zlabel: str = "", ax=None):
    """A 3-D surface of ``f(x1, x2)``, e.g. the MSE paraboloid over two parameters.

    ``ax`` must be a 3-D axes (``fig.add_subplot(projection="3d")``) when given.

    Returns:
        The figure.

    Raises:
        TypeError, ValueError: ``f`` is not callable, a limit is not an increasing pair,
            ``resolution`` < 2, or ``ax`` is not a 3-D axes.
    """
    import matplotlib.pyplot as plt

    callable_("f", f)
    if ax is not None and getattr(ax, "name", "") != "3d":
        raise ValueError(f"ax must be a 3-D axes (projection='3d'), got a {getattr(ax, 'name', type(ax).__name__)!r} axes")
    X1, X2 = grid_2d(xlim, ylim, resolution)
    with torch.no_grad():
        Z = _np(f(X1, X2))
    if ax is None:
        fig = plt.figure(figsize=(5, 4))
        plt.close(fig)
        ax = fig.add_subplot(projection="3d")
    ax.plot_surface(_np(X1), _np(X2), Z, cmap="viridis", alpha=0.85, linewidth=0)
    ax.set(xlabel=xlabel, ylabel=ylabel, zlabel=zlabel, title=title or "")
    return ax.figure


def plot_decision_boundary(predict: Callable, X, y, *, resolution: int = 200, margin: float = 0.5,
                           title: str | None = None, ax=None):
    """Colour the plane by ``predict`` (points (m, 2) → labels or scores (m,)) and scatter ``X``.

    Scores are split at 0, so a logit or an SVM decision function works as well as labels.

    Returns:
        The figure.

    Raises:
        TypeError, ValueError: ``predict`` is not callable, ``X`` is not a finite (n, 2) array,
            ``y`` has another length, ``resolution`` < 2 or ``margin`` is not a number >= 0.
    """
    callable_("predict", predict)
    X = float_array("X", X, 2, what=" of points (n, 2)")
    if X.shape[1] != 2:
        raise ValueError(f"X must have shape (n, 2), got {X.shape}")
    y = vector("y", y, len(X))
    margin = non_negative_float("margin", margin)
    if positive_int("resolution", resolution) < 2:
        raise ValueError(f"resolution must be at least 2 grid points per axis, got {resolution}")
    lo, hi = X.min(0) - margin, X.max(0) + margin
    X1, X2 = grid_2d((lo[0], hi[0]), (lo[1], hi[1]), resolution)
    pts = torch.stack([X1.reshape(-1), X2.reshape(-1)], dim=1)
    with torch.no_grad():
        Z = _np(predict(pts)).reshape(X1.shape).astype(float)
    fig, ax = _new_or_given(ax)
    binary_scores = Z.min() < 0
    ax.contourf(_np(X1), _np(X2), Z > 0 if binary_scores else Z, alpha=0.25, cmap="coolwarm")
    if binary_scores:
        ax.contour(_np(X1), _np(X2), Z, levels=[0], colors="k", linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title or "")
    return fig



# --- support vector machines: boundary, margins and support vectors ----------------------------
def plot_svm(decision, X, y, *, support=None, resolution: int = 120, pad: float = 0.5,
             title: str | None = None, ax=None):
    """Draw ``f(x) = 0`` (solid) and the margins ``f(x) = ±1`` (dashed) over the points.

    Args:
        decision: maps points (m, 2) to scores (m,), e.g. ``svm.decision_function``.
        X: points (n, 2); y: labels (n,) (any two values).
        support: indices of support vectors, ringed in black.
        resolution: grid points per axis, at least 2.
        pad: margin around the points, a finite number >= 0.
        title: the axes' title.
        ax: axes to draw on; ``None`` makes a new figure.

    Returns:
        The figure.

    Raises:
        TypeError, ValueError: ``decision`` is not callable, ``X`` is not (n, 2), ``y`` has
            another length, or ``resolution``/``pad`` is out of range.
    """
    callable_("decision", decision)
    if positive_int("resolution", resolution) < 2:
        raise ValueError(f"resolution must be at least 2 grid points per axis, got {resolution}")
    pad = non_negative_float("pad", pad)
    if title is not None:
        text("title", title)

    X = float_array("X", X, 2, what=" of shape (n, d)")
    if X.shape[1] != 2:
        raise ValueError(f"plot_svm draws 2-D points: X must have shape (n, 2), got {X.shape}")
    y = vector("y", y, len(X))
    if ax is None:
        fig, ax = figure(figsize=(4, 3.5))
    lo, hi = X.min(0) - pad, X.max(0) + pad
    g1, g2 = np.meshgrid(np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution))
    Z = np.asarray(decision(np.c_[g1.ravel(), g2.ravel()])).reshape(g1.shape)
    ax.contourf(g1, g2, Z > 0, levels=[-0.5, 0.5, 1.5], colors=["#0072B2", "#D55E00"], alpha=0.15)
    ax.contour(g1, g2, Z, levels=[-1, 0, 1], colors="k", linestyles=["--", "-", "--"], linewidths=1)
    ax.scatter(X[:, 0], X[:, 1], c=(y == np.unique(y)[-1]), cmap="coolwarm", s=14, zorder=2)
    if support is not None and len(support):
        ax.scatter(X[support, 0], X[support, 1], s=70, facecolors="none", edgecolors="k",
                   linewidths=1, zorder=3, label=f"{len(support)} support vectors")
        ax.legend(loc="best", fontsize=8)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", title=title or "")
    return ax.figure
