"""The rendered book in headless Chromium, served on loopback with every other host unreachable.

Each page of the table of contents must load with no failed or outside request and no console
error, have its math typeset by the site's own MathJax (no raw ``$...$`` left in the prose), and
show every figure, and show its code without a sideways scroll bar at a 1280-pixel-wide window.
A static slider twin must change the frame shown when moved, and the offline search must find
pages.
"""
from __future__ import annotations

import re

import pytest
import yaml

from conftest import ROOT

MATHJAX_DONE = """() => new Promise((resolve, reject) => {
    // Sphinx adds MathJax only to pages with math; elsewhere there is nothing to wait for.
    if (!document.querySelector('script[src*="mathjax"]')) return resolve(false);
    const start = Date.now();
    const wait = () => (window.MathJax && MathJax.startup && MathJax.startup.promise)
        ? MathJax.startup.promise.then(() => resolve(true))
        : (Date.now() - start > 20000 ? reject(new Error('MathJax did not start in 20 s'))
                                      : setTimeout(wait, 50));
    wait();
})"""

PAGE_FACTS = """() => {
    const article = document.querySelector('article') || document.body;
    const clone = article.cloneNode(true);
    clone.querySelectorAll('pre, code, .highlight, .cell_output, script, style, mjx-container')
         .forEach(e => e.remove());
    const maths = [...document.querySelectorAll('.math')];
    const imgs = [...document.querySelectorAll('article img')];
    return {
        prose: clone.innerText,
        math: maths.length,
        untypeset: maths.filter(m => !m.querySelector('mjx-container')).map(m => m.textContent.slice(0, 60)),
        mathErrors: document.querySelectorAll('mjx-merror').length,
        images: imgs.length,
        broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src.slice(-60)),
        h1: (document.querySelector('h1') || {}).innerText || '',
    };
}"""

# The code of each code cell (its input) and each fenced code block: does it scroll sideways?
# The page logs share a 1280-pixel-wide viewport (conftest.PageLog), where the code column must
# hold 79 characters (tests/test_notebooks_clean.py, book/_static/code_width.css). For a block
# that scrolls, the first line wider than the column says which one. Printed outputs are counted.
CODE_FACTS = """() => {
    const ctx = document.createElement('canvas').getContext('2d');
    const firstWide = pre => {
        const style = getComputedStyle(pre);
        ctx.font = style.font;
        const room = pre.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return pre.textContent.split('\\n').find(line => ctx.measureText(line).width > room) || '?';
    };
    const scrolls = pre => pre.scrollWidth > pre.clientWidth;
    const code = [...document.querySelectorAll('article div.highlight pre')]
        .filter(pre => !pre.closest('.cell_output'));
    const outputs = [...document.querySelectorAll('article .cell_output pre')];
    return {
        width: window.innerWidth,
        code: code.length,
        wide: code.filter(scrolls).map(firstWide),
        outputs: outputs.length,
        wideOutputs: outputs.filter(scrolls).length,
    };
}"""


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc.get("parts", toc.get("chapters", [])))
    return pages


@pytest.mark.parametrize("page", toc_pages())
def test_page_renders_offline(site, page_log, page):
    page_log.page.goto(f"{site}/{page}.html", wait_until="load")
    page_log.page.evaluate(MATHJAX_DONE)
    page_log.settle()
    facts = page_log.page.evaluate(PAGE_FACTS)
    code = page_log.page.evaluate(CODE_FACTS)
    assert not page_log.blocked, f"requests to other hosts: {page_log.blocked}"
    assert not page_log.failed, f"failed requests: {page_log.failed}"
    assert not page_log.errors, f"console errors: {page_log.errors}"
    assert facts["h1"].strip(), "the page has no title"
    assert not facts["untypeset"], f"math left untypeset: {facts['untypeset']}"
    assert facts["mathErrors"] == 0, "MathJax reported errors in this page's math"
    raw = re.findall(r"\$[^$\n]{1,80}\$", facts["prose"])
    assert not raw, f"raw TeX left in the prose: {raw[:5]}"
    assert not facts["broken"], f"figures that did not load: {facts['broken']}"
    assert code["width"] == 1280, "the code width is checked at a 1280-pixel-wide window"
    assert not code["wide"], (f"{page}: {len(code['wide'])} of {code['code']} code blocks scroll sideways at "
                              f"1280 px; the first one's first line too wide: {code['wide'][0]!r}")
    if page.startswith("notebooks/") and not page.endswith("/index"):
        assert facts["images"] >= 1, "a section notebook shows at least one figure"


def test_static_slider_twin_changes_frame(site, page_log):
    page = page_log.page
    page.goto(f"{site}/notebooks/ch01_gradient_descent/02_learning_rate.html", wait_until="networkidle")
    assert "Open the notebook in JupyterLab" in page.inner_text("article")
    slider = page.locator("input.anim-slider").first
    image = page.locator("img[id^='_anim_img']").first
    first = image.get_attribute("src")
    last = int(slider.get_attribute("max"))
    assert last >= 2, "the twin has several frames"
    slider.fill(str(last))  # a range input: fill sets the value and fires input/change
    page.wait_for_function("([el, src]) => el.src !== src", arg=[image.element_handle(), first])
    assert image.get_attribute("src") != first
    assert not page_log.errors and not page_log.blocked


def test_search_works_offline(site, page_log):
    page = page_log.page
    page.goto(f"{site}/search.html?q=momentum", wait_until="networkidle")
    page.wait_for_selector("#search-results li", timeout=15000)
    hits = page.locator("#search-results li").all_inner_texts()
    assert any("momentum" in h.lower() for h in hits), hits[:5]
    assert not page_log.blocked and not page_log.errors
