"""The book's diagrams (tools/diagrams/ -> notebooks/figures/*.svg): generated from their
source, each one placed on a page with alt text equal to its title, none missing, none unused."""
from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "notebooks" / "figures"
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+\.svg)\)")
MIN_DIAGRAMS = 30  # issue 20: at least 30 diagrams, each where the text needs it

sys.path.insert(0, str(ROOT / "tools"))
import make_diagrams  # noqa: E402


def _pages():
    """(page, markdown text) for every notebook markdown cell and every Markdown page."""
    for nb in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in nb.parts:
            continue
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield f"{nb.relative_to(ROOT)} cell {i}", nb.parent, "".join(cell["source"])
    for md in sorted([*ROOT.glob("book/*.md"), *ROOT.glob("notebooks/*/index.md")]):
        yield str(md.relative_to(ROOT)), md.parent, md.read_text(encoding="utf-8")


def _references():
    return [(where, folder, alt, target) for where, folder, text in _pages()
            for alt, target in IMAGE.findall(text)]


def _title(svg_text: str) -> str:
    m = re.search(r"<title>(.*?)</title>", svg_text, re.S)
    return html.unescape(m.group(1)) if m else ""


def test_every_diagram_is_generated_from_its_source():
    svgs = make_diagrams.render_all()
    on_disk = {p.stem for p in FIGURES.glob("*.svg")}
    assert on_disk == set(svgs), (f"no source for {sorted(on_disk - set(svgs))}, "
                                  f"not generated: {sorted(set(svgs) - on_disk)} "
                                  "(run tools/make_diagrams.py)")
    stale = [n for n, s in svgs.items() if (FIGURES / f"{n}.svg").read_text(encoding="utf-8") != s]
    assert not stale, f"differ from their source (run tools/make_diagrams.py): {stale}"


@pytest.mark.parametrize("name", sorted(p.stem for p in FIGURES.glob("*.svg")))
def test_diagram_is_self_contained_with_title_and_opaque_background(name):
    text = (FIGURES / f"{name}.svg").read_text(encoding="utf-8")
    assert len(_title(text)) >= 30, f"{name}.svg: its <title> (the alt text) is missing or short"
    assert re.search(r'<rect width="\d+" height="\d+" rx="\d+" fill="#ffffff"/>', text), \
        f"{name}.svg has no opaque background: it would vanish on the dark theme"
    assert not re.search(r"(href|src)=\"(https?:)?//", text), f"{name}.svg refers to another host"
    assert "<image" not in text, f"{name}.svg embeds a bitmap"


def test_every_reference_resolves_and_has_the_diagrams_title_as_alt_text():
    refs = _references()
    problems = []
    for where, folder, alt, target in refs:
        path = (folder / target).resolve()
        if not path.exists():
            problems.append(f"{where}: {target} does not exist")
        elif path.parent != FIGURES:
            problems.append(f"{where}: {target} is not in notebooks/figures/")
        elif alt.strip() != _title(path.read_text(encoding="utf-8")):
            problems.append(f"{where}: the alt text of {target} is not the diagram's title "
                            f"(alt {alt[:40]!r}...)")
    assert not problems, "\n".join(problems)


def test_every_diagram_is_used_and_there_are_enough():
    used = {(folder / target).resolve().stem for _, folder, _, target in _references()}
    unused = sorted(p.stem for p in FIGURES.glob("*.svg") if p.stem not in used)
    assert not unused, f"diagrams referenced by no page: {unused}"
    assert len(used) >= MIN_DIAGRAMS, f"{len(used)} diagrams on the pages, want >= {MIN_DIAGRAMS}"
