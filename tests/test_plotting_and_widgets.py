import re

import ipywidgets as widgets
import numpy as np
import pytest
import torch

import d2lite as d2l
from d2lite.widgets import attention_explorer


def test_figure_is_not_managed_by_pyplot():
    import matplotlib.pyplot as plt

    fig, ax = d2l.figure()
    assert fig.number not in plt.get_fignums() if hasattr(fig, "number") else True
    assert ax.figure is fig


def test_plot_curves_and_bad_input():
    fig = d2l.plot_curves({"a": [3, 2, 1], "b": torch.tensor([1.0, 2.0, 3.0])}, xlabel="step", logy=True)
    ax = fig.axes[0]
    assert [l.get_label() for l in ax.lines] == ["a", "b"] and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="1-D"):
        d2l.plot_curves({"a": np.ones((2, 2))})
    with pytest.raises(ValueError, match="x has"):
        d2l.plot_curves([1, 2, 3], x=[0, 1])


def test_plot_heatmap_labels_and_shape():
    fig = d2l.plot_heatmap(torch.rand(2, 3), xlabels=list("abc"), ylabels=["q1", "q2"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list("abc")
    with pytest.raises(ValueError, match="2-D"):
        d2l.plot_heatmap(torch.rand(3))
    with pytest.raises(ValueError, match="tick labels"):
        d2l.plot_heatmap(torch.rand(2, 3), xlabels=["a"])


def test_plot_contour_with_paths():
    path = d2l.trace_path(d2l.ill_conditioned, (-2, 2), lambda p: torch.optim.SGD(p, lr=0.2), num_steps=10)
    fig = d2l.plot_contour(d2l.ill_conditioned, paths={"gd": path}, colors={"gd": "red"}, levels=[0.1, 1.0])
    assert fig.axes[0].lines[0].get_color() == "red"
    xs, ys = fig.axes[0].lines[0].get_data()
    assert len(xs) == 11 and xs[0] == -2 and ys[0] == 2
    with pytest.raises(ValueError, match=r"\(T, 2\)"):
        d2l.plot_contour(d2l.ill_conditioned, paths={"bad": torch.ones(5, 3)})
    with pytest.raises(ValueError, match="limits"):
        d2l.plot_contour(d2l.ill_conditioned, xlim=(1, -1))


def test_plot_surface_and_decision_boundary():
    assert d2l.plot_surface(d2l.ill_conditioned, xlabel="$w$").axes[0].get_xlabel() == "$w$"
    fig, ax = d2l.figure()
    with pytest.raises(ValueError, match="3-D axes"):
        d2l.plot_surface(d2l.ill_conditioned, ax=ax)
    X, y = d2l.toy_2d("blobs", num_examples=50)
    fig = d2l.plot_decision_boundary(lambda P: P.sum(1), X, y)  # scores split at 0
    assert len(fig.axes[0].collections) >= 2
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        d2l.plot_decision_boundary(lambda P: P[:, 0], torch.ones(5, 3), y[:5])


def test_trace_path_matches_a_hand_loop():
    path = d2l.trace_path(d2l.ill_conditioned, (1.0, 1.0), lambda p: torch.optim.SGD(p, lr=0.1), num_steps=3)
    x = np.array([1.0, 1.0])
    for _ in range(3):
        x = x - 0.1 * np.array([0.2 * x[0], 4 * x[1]])
    assert path.shape == (4, 2) and np.allclose(path[-1].numpy(), x)
    with pytest.raises(ValueError, match="two numbers"):
        d2l.trace_path(d2l.ill_conditioned, (1.0, 2.0, 3.0), lambda p: torch.optim.SGD(p, lr=0.1), num_steps=1)


def test_rosenbrock_minimum():
    assert d2l.rosenbrock(1.0, 1.0) == 0 and d2l.rosenbrock(0.0, 0.0) == 1


def _explorer():
    fig, ax = d2l.figure()
    (line,) = ax.plot([0, 1], [0, 0])

    def draw(fig, slope, offset):
        line.set_ydata([offset, offset + slope])

    ctrl = dict(slope=widgets.FloatSlider(value=1.0, min=0, max=2), offset=widgets.IntSlider(value=0))
    return d2l.Explorer(draw, fig, **ctrl), line


def test_explorer_update_redraws_the_same_figure():
    ex, line = _explorer()
    fig = ex.update(slope=2.0)
    assert fig is ex.fig and list(line.get_ydata()) == [0, 2.0]
    assert ex.draw_seconds is not None


def test_explorer_live_reacts_to_slider_moves():
    ex, line = _explorer()
    box = ex.live()
    assert isinstance(box, widgets.VBox) and len(box.children) == 3
    ex.controls["offset"].value = 1  # what a reader's drag does
    assert list(line.get_ydata()) == [1, 2.0]
    assert ex.controls["slope"].continuous_update  # the draw is cheap


def test_explorer_frames_is_a_static_animation():
    ex, line = _explorer()
    html = ex.frames("slope", [0.0, 1.0, 2.0]).data
    assert "Static twin" in html and html.count("data:image/png;base64") == 3
    assert "http" not in html  # no CDN stylesheet: works offline
    assert list(line.get_ydata()) == [0, 1.0]  # back to the controls' values


def test_figures_are_opaque_white_for_the_dark_theme(tmp_path):
    """A saved figure is white paper to its edges, even where rcParams asked otherwise before
    d2lite restyled: on the book's dark theme a transparent one would be black on black."""
    import matplotlib
    from PIL import Image

    with matplotlib.rc_context({"figure.facecolor": "none", "savefig.transparent": True}):
        d2l.use_style()
        fig, ax = d2l.figure()
        ax.plot([0, 1], [0, 1])
        fig.savefig(tmp_path / "f.png")
    rgba = np.asarray(Image.open(tmp_path / "f.png").convert("RGBA"))
    edge = np.concatenate([rgba[0], rgba[-1], rgba[:, 0], rgba[:, -1]])
    assert (edge == 255).all(), "the figure's margin is not opaque white"

def test_explorer_frames_controls_need_no_font():
    """The buttons draw their icons as inline SVG: no icon font, no symbol a font may lack."""
    ex, _ = _explorer()
    html = ex.frames("slope", [0.0, 1.0, 2.0]).data
    controls = html[html.index('<div class="anim-controls">'):]
    assert all(ord(ch) < 128 for ch in controls), \
        sorted({ch for ch in controls if ord(ch) >= 128})
    assert "fa-" not in html and "font-awesome" not in html and "<i " not in controls
    buttons = re.findall(r"<button[^>]*>(.*?)</button>", controls, flags=re.DOTALL)
    assert len(buttons) == 9
    assert all(b.count("<svg") == 1 and 'fill="currentColor"' in b for b in buttons)
    labels = re.findall(r'<button[^>]*aria-label="([^"]+)"', controls)
    for name in ("Play", "Pause", "Play backwards", "First frame", "Previous frame",
                 "Next frame", "Last frame", "Decrease speed", "Increase speed"):
        assert name in labels, (name, labels)
    shapes = re.findall(r'<path fill="currentColor" d="([^"]+)"', controls)
    assert len(set(shapes)) == 9, "each button has its own icon"


def test_offline_html_labels_buttons_and_replaces_unknown_icons():
    from d2lite.widgets import _offline_html

    old = ('<link rel="stylesheet" href="https://x/font-awesome.min.css">'
           '<button title="Rewind" onclick="a()"><i class="fa fa-rewind"></i></button>')
    html = _offline_html(old)
    assert "http" not in html and "fa-" not in html and "<svg" in html
    assert 'aria-label="Rewind"' in html


def test_explorer_bad_input():
    fig, _ = d2l.figure()
    with pytest.raises(TypeError, match="callable"):
        d2l.Explorer("draw", fig, a=widgets.IntSlider())
    with pytest.raises(ValueError, match="at least one control"):
        d2l.Explorer(lambda fig: None, fig)
    with pytest.raises(TypeError, match="value widget"):
        d2l.Explorer(lambda fig, a: None, fig, a=3)
    ex, _ = _explorer()
    with pytest.raises(ValueError, match="unknown control"):
        ex.update(scale=1)
    with pytest.raises(ValueError, match="unknown control"):
        ex.frames("scale", [1])
    with pytest.raises(ValueError, match="at least one value"):
        ex.frames("slope", [])


def test_live_frontend_is_false_headless(monkeypatch):
    monkeypatch.setenv("D2LITE_HEADLESS", "1")
    assert not d2l.live_frontend()
    monkeypatch.setenv("D2LITE_HEADLESS", "")
    assert not d2l.live_frontend()  # plain pytest process: no Jupyter kernel


def test_report_prints_and_records(tmp_path, monkeypatch, capsys):
    import json

    path = tmp_path / "results.jsonl"
    monkeypatch.setenv("D2LITE_RESULTS_FILE", str(path))
    out = d2l.report(test_accuracy=torch.tensor(0.9512), steps=30)
    assert out == {"test_accuracy": pytest.approx(0.9512), "steps": 30.0}
    assert capsys.readouterr().out.strip() == "test_accuracy = 0.9512 | steps = 30"
    assert json.loads(path.read_text().splitlines()[0])["steps"] == 30.0
    with pytest.raises(TypeError, match="real number"):
        d2l.report(name="adam")
    with pytest.raises(ValueError, match="at least one"):
        d2l.report()


def test_attention_explorer_draws_the_chosen_row():
    W = torch.softmax(torch.randn(2, 3, 4, 5), -1)
    ex = attention_explorer(W, list("abcde"), list("wxyz"))
    ex.update(layer=1, head=2, query=3)
    assert np.allclose([b.get_height() for b in ex.bars], W[1, 2, 3].numpy())
    assert set(ex.controls) == {"layer", "head", "query"}
    with pytest.raises(ValueError, match="source"):
        attention_explorer(W, list("abc"), list("wxyz"))
    with pytest.raises(ValueError, match="weights"):
        attention_explorer(torch.rand(5), list("a"), list("b"))
