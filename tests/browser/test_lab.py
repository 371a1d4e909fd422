"""JupyterLab as a reader uses it: open a section, run every cell, move a slider, see it redraw.

Done for the gradient-descent section's learning rate and for the attention explorer."""
from __future__ import annotations

import pytest

from conftest import ROOT, PageLog

# (section, slider to move, value typed into its readout): the gradient-descent section's
# learning rate, and the attention explorer's query position.
SLIDERS = [("notebooks/ch01_gradient_descent/02_learning_rate.ipynb", "lr", "1.2"),
           ("notebooks/ch08_attention/04_multihead_self_attention.ipynb", "query", "5")]

KERNEL_IDLE = """(path) => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return !!k && k.status === 'idle' && w.context.path === path;
}"""

ALL_RUN = """() => {
    const w = window.jupyterapp.shell.currentWidget;
    const cells = w.content.widgets.filter(c => c.model.type === 'code');
    const k = w.sessionContext.session.kernel;
    return k.status === 'idle' && cells.every(c => c.model.executionCount !== null);
}"""

ERRORS = """() => [...document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]')]
    .map(e => e.innerText).filter(t => /Error|Traceback/.test(t))"""


@pytest.fixture
def lab_page(browser):
    log = PageLog(browser, viewport=(1400, 1000))
    yield log
    log.close()


# Both sliders in one test, so that one worker runs JupyterLab while the other builds the book
# (xdist's `loadgroup` does not group tests under pytest 9: they ran side by side, and the book
# build waited for both). conftest.py puts this test first in the queue.
def test_sliders_redraw_in_jupyterlab(lab, lab_page):
    for notebook, name, value in SLIDERS:
        _run_and_move_slider(lab, lab_page, notebook, name, value)


def _run_and_move_slider(lab, lab_page, notebook, name, value):
    base, token = lab
    page = lab_page.page
    # A workspace of its own, reset: no tab restored from another test can be the current one.
    page.goto(f"{base}/lab/workspaces/{name}/tree/{notebook}?token={token}&reset")
    page.wait_for_function(KERNEL_IDLE, arg=notebook, timeout=90_000)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(1000)
    try:
        page.wait_for_function(ALL_RUN, timeout=240_000, polling=500)
    finally:
        page.screenshot(path=str(ROOT / "_build" / f"lab-{name}-run.png"))
        assert page.evaluate(ERRORS) == [], f"a cell of {notebook} failed in JupyterLab"

    label = page.locator("label.widget-label", has_text=name)
    slider = page.locator(".jp-OutputArea .widget-slider").filter(has=label).first
    slider.scroll_into_view_if_needed()
    box = slider.locator("xpath=ancestor::div[contains(@class,'widget-vbox')][1]")
    figure = box.locator("img").first
    figure.wait_for(timeout=30_000)
    before_src, before_png = figure.get_attribute("src"), figure.screenshot()

    readout = slider.locator(".widget-readout").first
    readout.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    page.screenshot(path=str(ROOT / "_build" / f"lab-{name}.png"))
    page.wait_for_function("([el, src]) => !el.isConnected || el.src !== src",
                           arg=[figure.element_handle(), before_src], timeout=30_000)
    after = box.locator("img").first
    after.wait_for(timeout=30_000)
    assert float(readout.inner_text().strip()) == float(value), f"the {name} slider did not take {value}"
    assert after.get_attribute("src") != before_src, f"moving the {name} slider left the figure as it was"
    assert after.screenshot() != before_png, f"moving the {name} slider left the figure as it was"
    assert not lab_page.blocked, f"JupyterLab asked for other hosts: {lab_page.blocked}"
