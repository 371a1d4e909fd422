"""The book's dark mode keeps every figure and diagram readable.

With the theme switched to dark (``html[data-theme="dark"]``, what the theme's switch sets),
each figure of a page (a matplotlib PNG, a diagram SVG, a static slider twin's frame) must be
drawn on light paper: the ring of pixels along its edge, as Chromium paints it, is light while
the page around it is dark. The twin's buttons must show their icons (dark on light).
"""
from __future__ import annotations

import io

import numpy as np
import pytest

# A section with figures and a static slider twin, and one with diagrams (SVG) and figures.
PAGES = ["notebooks/ch01_gradient_descent/02_learning_rate",
         "notebooks/ch05_convolution/04_convolution_in_cnns"]

DARK = """() => {
    document.documentElement.dataset.theme = 'dark';
    document.documentElement.dataset.mode = 'dark';
    return getComputedStyle(document.body).backgroundColor;
}"""

# Text in an HTML output (the twin's note) against the nearest background behind it: the WCAG
# contrast ratio of each element's colour, for every element that holds text of its own.
OUTPUT_TEXT_CONTRAST = """() => {
    const lum = c => {
        const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(v => {
            v = v / 255;
            return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const backdrop = el => {
        for (; el; el = el.parentElement) {
            const bg = getComputedStyle(el).backgroundColor;
            const alpha = (bg.match(/[\\d.]+/g) || [0, 0, 0, 0])[3];
            if (alpha === undefined || parseFloat(alpha) > 0.5) return bg;
        }
        return 'rgb(255, 255, 255)';
    };
    const els = [...document.querySelectorAll('article .cell_output .text_html *')]
        .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()));
    return els.map(e => {
        const [a, b] = [lum(getComputedStyle(e).color), lum(backdrop(e))];
        return [e.tagName + ': ' + e.textContent.trim().slice(0, 30),
                (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)];
    });
}"""

LIGHT_EDGE = 0.75  # luma (0..1) of a figure's edge; the dark page is about 0.08


def _luma(png: bytes) -> np.ndarray:
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float) / 255
    return rgb @ np.array([0.2126, 0.7152, 0.0722])


def _edge(luma: np.ndarray, width: int = 3) -> np.ndarray:
    w = min(width, *(s // 2 for s in luma.shape))
    return np.concatenate([luma[:w].ravel(), luma[-w:].ravel(), luma[:, :w].ravel(),
                           luma[:, -w:].ravel()])


@pytest.mark.parametrize("page", PAGES)
def test_figures_stay_light_in_dark_mode(site, page_log, page):
    tab = page_log.page
    tab.goto(f"{site}/{page}.html", wait_until="load")
    page_log.settle()
    tab.evaluate(DARK)
    tab.wait_for_timeout(100)  # let the theme's colour transitions finish
    body = _luma(tab.screenshot(clip={"x": 0, "y": 0, "width": 40, "height": 40}))
    assert body.mean() < 0.3, "the page did not turn dark: the test would prove nothing"
    images = tab.locator("article img")
    count = images.count()
    assert count >= 2, f"{page} should show figures, found {count}"
    sources = []
    for i in range(count):
        img = images.nth(i)
        if not img.is_visible():
            continue  # a twin's frames share one <img>; hidden ones are not drawn
        src = img.get_attribute("src") or ""
        sources.append(src)
        edge = _edge(_luma(img.screenshot()))
        assert edge.mean() > LIGHT_EDGE, (f"{page}: figure {i} ({src[-50:]}) has a dark edge in "
                                          f"dark mode (mean luma {edge.mean():.2f})")
    if "ch05" in page:
        assert any(s.endswith(".svg") for s in sources), "the diagram page shows its SVG diagrams"
    buttons = tab.locator(".anim-buttons button")
    for i in range(buttons.count()):
        inside = _luma(buttons.nth(i).screenshot())[4:-4, 4:-4]  # within the button's border
        label = buttons.nth(i).get_attribute("aria-label")
        assert inside.max() - inside.min() > 0.5, f"{page}: the {label!r} button shows no icon"
    if "ch01" in page:
        assert buttons.count() == 9, "the slider twin has its nine buttons"
        texts = tab.evaluate(OUTPUT_TEXT_CONTRAST)
        assert any(t.startswith("CODE") for t, _ in texts), texts
        faint = [(t, round(r, 1)) for t, r in texts if r < 4.5]
        assert not faint, f"{page}: output text too faint in dark mode (contrast < 4.5): {faint}"
    assert not page_log.errors, f"console errors: {page_log.errors}"
