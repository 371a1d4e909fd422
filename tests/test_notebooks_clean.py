"""Committed notebooks carry no outputs or execution counts, follow the chapter shape, and keep
their code within the width the rendered page shows."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
# The rendered page shows 79 characters of code at a 1280-pixel-wide window (book/_static/code_width.css);
# ruff's line-length in pyproject.toml is the same number.
CODE_WIDTH = 79
BOOK_PAGES = sorted((ROOT / "book").glob("*.md")) + sorted((ROOT / "notebooks").glob("*/index.md"))


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


def _fenced_code(text: str) -> list[tuple[int, str]]:
    """(line number, line) of each line inside a fenced code block of Markdown text (``` or ~~~,
    three or more); MyST directives that hold no code ({math}, {bibliography}, ...) are skipped."""
    found, fence, code = [], None, False
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if fence is None:
            m = re.match(r"(`{3,}|~{3,})\s*(\S*)", stripped)
            if m:
                fence, info = m.group(1), m.group(2)
                code = not info.startswith("{") or info.startswith(("{code", "{literalinclude"))
        elif stripped.startswith(fence) and not stripped[len(fence):].strip():
            fence = None
        elif code:
            found.append((number, line))
    return found


def long_code_lines(path: Path) -> list[str]:
    """Where each code line wider than CODE_WIDTH is: notebook cell and line, or page line."""
    if path.suffix == ".md":
        return [f"line {n} ({len(line)} characters): {line.strip()[:60]}"
                for n, line in _fenced_code(path.read_text(encoding="utf-8")) if len(line) > CODE_WIDTH]
    found = []
    for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
        source = "".join(cell["source"])
        lines = (list(enumerate(source.split("\n"), 1)) if cell["cell_type"] == "code"
                 else _fenced_code(source) if cell["cell_type"] == "markdown" else [])
        found += [f"cell {i} ({cell['cell_type']}, id {cell.get('id', '?')}), line {n} ({len(line)} characters): "
                  f"{line.strip()[:60]}" for n, line in lines if len(line) > CODE_WIDTH]
    return found


def test_fenced_code_is_found():
    text = "prose\n```python\nx = 1\n```\n```{math}\nE = mc^2\n```\n~~~\ny\n~~~\n````{code-cell}\nz\n````"
    assert _fenced_code(text) == [(3, "x = 1"), (9, "y"), (12, "z")]


def test_long_code_lines_names_cell_and_line(tmp_path):
    cells = [{"cell_type": "markdown", "source": ["```\n", "y" * 80 + "\n", "```"]},
             {"cell_type": "code", "id": "c1", "source": ["x = 1\n", "s = '" + "x" * 76 + "'"]}]
    path = tmp_path / "wide.ipynb"
    path.write_text(json.dumps({"cells": cells}), encoding="utf-8")
    assert [where.split(":")[0] for where in long_code_lines(path)] == [
        "cell 0 (markdown, id ?), line 2 (80 characters)", "cell 1 (code, id c1), line 2 (82 characters)"]


@pytest.mark.parametrize("path", NOTEBOOKS + [ROOT / "tests" / "kernel_offline_check.ipynb"] + BOOK_PAGES,
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_code_fits_the_page(path):
    """No code line is wider than the page's code column, where it would scroll sideways. `ruff
    format` and tools/wrap_comments.py wrap code and comments; a long string is split by hand."""
    long = long_code_lines(path)
    assert not long, (f"{path.relative_to(ROOT)}: {len(long)} code lines longer than {CODE_WIDTH} characters, "
                      "which scroll sideways on the rendered page:\n  " + "\n  ".join(long))
