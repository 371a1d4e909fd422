"""Sliders that redraw a figure in place, and the same figure as a static twin for the book.

A chapter writes one plain function ``draw(fig, **values)`` that updates ``fig`` for the given
control values. :class:`Explorer` binds it to ipywidgets controls in JupyterLab
(:meth:`Explorer.live`) and pre-renders frames for the rendered book, which has no kernel
(:meth:`Explorer.frames`: matplotlib's JavaScript animation, no server needed).

>>> ex = Explorer(draw, fig, lr=widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0))
>>> ex.live()                                   # JupyterLab: drag the slider
>>> ex.frames("lr", [0.001, 0.01, 0.1, 1.0])    # the book: step through precomputed frames

:func:`attention_explorer` is one such explorer, over the weights of any attention layer
(layer × head × query).
"""
from __future__ import annotations

import re
import time
from typing import Callable, Sequence


from ._checks import attention_weights, text

__all__ = ["Explorer", "attention_explorer"]

STATIC_NOTE = ("<p style='font-size:90%;color:#555'>Static twin: frames of <code>{name}</code> "
               "precomputed when the book was built. Open the notebook in JupyterLab for the live "
               "sliders.</p>")


# matplotlib's animation HTML styles its buttons with Font Awesome from a CDN; the book must work
# offline, and a Unicode symbol (⏮ ⏸ …) shows as an empty box where no installed font has it. So
# the stylesheet link goes and each icon becomes a small inline SVG drawn in the button's text
# colour: no font needed. Each button keeps matplotlib's title and aria-label (its name).
_SHAPES = {  # 16 x 16 paths, filled
    "fa-minus": "M3 7h10v2H3z",
    "fa-plus": "M7 3h2v4h4v2H9v4H7V9H3V7h4z",
    "fa-fast-backward": "M2 3h2v10H2zM9 3v10L4 8zM14 3v10L9 8z",
    "fa-step-backward": "M3 3h2v10H3zM13 3v10L5 8z",
    "fa-play fa-flip-horizontal": "M12 3v10L4 8z",
    "fa-pause": "M4 3h3v10H4zM9 3h3v10H9z",
    "fa-play": "M4 3v10l8-5z",
    "fa-step-forward": "M3 3v10l8-5zM11 3h2v10h-2z",
    "fa-fast-forward": "M2 3v10l5-5zM7 3v10l5-5zM12 3h2v10h-2z",
}
_DOT = "M6 6h4v4H6z"  # an icon matplotlib may add later: a square dot, the title names it


def _icon(classes: str) -> str:
    path = _SHAPES.get(" ".join(classes.split()), _DOT)
    return ('<svg class="d2l-icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true" '
            'focusable="false" style="vertical-align:middle"><path fill="currentColor" '
            f'd="{path}"/></svg>')


def _offline_html(html: str) -> str:
    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    html = re.sub(r'<i class="fa ([^"]*)"\s*></i>', lambda m: _icon(m.group(1)), html)
    # a matplotlib without aria-labels on its buttons: the title names the button to a reader
    return re.sub(r'<button title="([^"]*)"(?![^>]*aria-label)', r'<button title="\1" aria-label="\1"', html)


class Explorer:
    """Bind ``draw(fig, **values)`` to named controls.

    Args:
        draw: updates ``fig`` in place for keyword values, one per control.
        fig: the figure ``draw`` updates (from :func:`d2lite.figure`).
        **controls: name → an ipywidgets ``ValueWidget`` (slider, dropdown, checkbox …).

    Raises:
        TypeError: ``draw`` is not callable, ``fig`` is not a figure, or a control has no ``value``.
        ValueError: no controls were given.
    """

    def __init__(self, draw: Callable, fig, **controls):
        if not callable(draw):
            raise TypeError(f"draw must be callable draw(fig, **values), got {type(draw).__name__}")
        from matplotlib.figure import Figure

        if not isinstance(fig, Figure):
            raise TypeError(f"fig must be a matplotlib Figure (from d2lite.figure), got {type(fig).__name__}")
        if not controls:
            raise ValueError("Explorer needs at least one control, e.g. lr=FloatSlider(...)")
        for name, w in controls.items():
            if not hasattr(w, "value") or not hasattr(w, "observe"):
                raise TypeError(f"control {name!r} must be an ipywidgets value widget, got {type(w).__name__}")
        self.draw, self.fig, self.controls = draw, fig, controls
        self.draw_seconds = None

    @property
    def values(self) -> dict:
        return {name: w.value for name, w in self.controls.items()}

    def update(self, **values):
        """Redraw for the current control values, overridden by ``values``; returns the figure."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control(s) {sorted(unknown)}; known: {sorted(self.controls)}")
        t = time.perf_counter()
        self.draw(self.fig, **{**self.values, **values})
        self.draw_seconds = time.perf_counter() - t
        return self.fig

    def live(self):
        """The controls above the figure; each change redraws the same figure in place.

        Controls update on release, not while dragging, when a redraw (drawing and rendering
        the image) costs over 50 ms.
        """
        import ipywidgets as widgets
        from IPython.display import display

        from .plotting import live_frontend

        out = widgets.Output()
        # Headless (tests, the book build: D2LITE_HEADLESS=1) nobody sees the widget, so nothing is
        # sent through it: images routed through an Output widget make the executing client miss
        # a reply now and then and sit until the cell's timeout (measured: about 1 cell in 10 with
        # ipykernel 6 and 7 alike, benchmarks/soak.md). The controls still redraw the figure.
        watched = live_frontend()

        def refresh(_change=None):
            t = time.perf_counter()
            self.update()
            if watched:
                with out:
                    out.clear_output(wait=True)  # wait=True: swap the image without a blank flash
                    display(self.fig)  # renders the PNG: usually the costly part
            return time.perf_counter() - t

        seconds = refresh()
        for w in self.controls.values():
            if hasattr(w, "continuous_update"):
                w.continuous_update = seconds < 0.05
            w.observe(refresh, names="value")
        return widgets.VBox([*self.controls.values(), out])

    def frames(self, name: str, values: Sequence, *, interval_ms: int = 400):
        """A static, kernel-free twin: one precomputed frame per value of control ``name``.

        Other controls keep their current values. Returns an ``IPython.display.HTML`` with
        play/step buttons and a frame slider.
        """
        from IPython.display import HTML
        from matplotlib.animation import FuncAnimation

        if name not in self.controls:
            raise ValueError(f"unknown control {name!r}; known: {sorted(self.controls)}")
        values = list(values)
        if not values:
            raise ValueError(f"frames needs at least one value for {name!r}, got none")
        anim = FuncAnimation(self.fig, lambda i: self.update(**{name: values[i]}),
                             frames=len(values), interval=interval_ms, repeat=False)
        html = _offline_html(anim.to_jshtml(default_mode="once"))
        self.update()  # leave the figure as the controls say
        return HTML(STATIC_NOTE.format(name=name) + html)


# --- attention weights: layer × head × query -------------------------------------------------
def attention_explorer(weights, src_tokens, tgt_tokens, *, title: str = "attention"):
    """Sliders for layer, head and query position over an attention-weight tensor.

    Args:
        weights: array-like (layers, heads, num_queries, num_kv), or fewer leading axes: one
            example's attention weights (e.g. a Transformer's per-layer weights for one sentence).
        src_tokens: ``num_kv`` labels of the keys (the source, or the sequence itself for
            self-attention).
        tgt_tokens: ``num_queries`` labels of the queries.
        title: the start of each panel's title.

    Returns:
        A :class:`d2lite.Explorer` with controls ``layer``, ``head``, ``query``. The left panel
        shows the (layer, head) matrix with the chosen query's row outlined; the right panel its
        weights over the source.

    Raises:
        TypeError, ValueError: ``weights`` is not numeric, has the wrong number of axes or holds
            NaN/inf; a token list is not a sequence or its length does not match ``weights``.
    """
    import ipywidgets as widgets
    from matplotlib.patches import Rectangle

    from .plotting import figure

    W = attention_weights(weights)
    text("title", title)
    L, H, Tq, Tk = W.shape
    for name, toks, n in (("src_tokens (the source labels)", src_tokens, Tk),
                          ("tgt_tokens (the target labels)", tgt_tokens, Tq)):
        if isinstance(toks, str) or not hasattr(toks, "__len__"):
            raise TypeError(f"{name} must be a sequence of {n} tokens, got {type(toks).__name__}")
        if len(toks) != n:
            raise ValueError(f"{name} must hold {n} tokens for weights of shape {W.shape}, got {len(toks)}")
    src_tokens, tgt_tokens = [str(t) for t in src_tokens], [str(t) for t in tgt_tokens]
    fig, (ax_map, ax_bar) = figure(1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1.2, 1]})
    image = ax_map.imshow(W[0, 0], cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax_map.grid(False)
    ax_map.set_xticks(range(Tk), src_tokens, fontsize=7)
    ax_map.set_yticks(range(Tq), tgt_tokens, fontsize=7)
    ax_map.set(xlabel="keys (source)", ylabel="queries")
    # clip_on=False: the outline of the first and last rows would be half hidden by the axes edge
    box = ax_map.add_patch(Rectangle((-0.5, -0.5), Tk, 1, fill=False, ec="red", lw=1.5, clip_on=False))
    bars = ax_bar.bar(range(Tk), W[0, 0, 0], color="#0072B2")
    ax_bar.set_xticks(range(Tk), src_tokens, fontsize=7)
    ax_bar.set(ylim=(0, 1), ylabel="weight")
    fig.tight_layout()

    def draw(fig, layer, head, query):
        image.set_data(W[layer, head])
        box.set_y(query - 0.5)
        for bar, h in zip(bars, W[layer, head, query]):
            bar.set_height(h)
        ax_map.set_title(f"{title}: layer {layer + 1}/{L}, head {head + 1}/{H}", fontsize=9)
        ax_bar.set_title(f"query {query} ({tgt_tokens[query]!r}) attends to", fontsize=9)

    controls = dict(layer=widgets.IntSlider(value=0, min=0, max=L - 1, description="layer"),
                    head=widgets.IntSlider(value=0, min=0, max=H - 1, description="head"),
                    query=widgets.IntSlider(value=0, min=0, max=Tq - 1, description="query"))
    ex = Explorer(draw, fig, **controls)
    ex.weights, ex.bars = W, bars
    ex.update()
    return ex
