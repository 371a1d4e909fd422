"""Committed notebooks carry no outputs or execution counts, and follow the chapter shape."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_has_no_outputs(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
             and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_has_checks_and_exercises(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    assert "assert " in code, f"{path.name} has no check cell"
    assert "## Exercises" in text and "## Summary" in text, f"{path.name} lacks a Summary or Exercises section"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_title_is_numbered_by_its_chapter(path):
    """The first cell is the title, "# N.M Title", N the chapter folder's number (the TOC and
    the rendered page take the section number from it)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    first = "".join(nb["cells"][0]["source"]).splitlines()[0] if nb["cells"] else ""
    chapter = int(path.parent.name[2:4])
    assert re.match(rf"# {chapter}\.\d+ \S", first), f"{path.name}: title should be '# {chapter}.M Title', got {first!r}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_live_slider_has_a_static_twin(path):
    """The rendered book has no kernel: each live widget cell is hidden there and followed by
    precomputed frames (Explorer.frames), which say that JupyterLab gives the live version."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    for i, cell in enumerate(cells):
        source = "".join(cell["source"])
        if ".live()" in source or "interact(" in source:
            tags = cell.get("metadata", {}).get("tags", [])
            assert "remove-output" in tags, f"{path.name}: live widget cell {i} is not tagged remove-output"
            later = "".join("".join(c["source"]) for c in cells[i + 1:])
            assert ".frames(" in later, f"{path.name}: live widget cell {i} has no static twin (.frames) after it"


def test_toc_lists_every_chapter_and_section():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "make_toc.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
