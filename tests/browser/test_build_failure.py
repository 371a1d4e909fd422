"""A notebook that fails to execute fails the book build, and the message names it."""
from __future__ import annotations

import shutil
import subprocess
import sys

import nbformat

from conftest import ROOT


def test_failing_notebook_fails_the_build_by_name(tmp_path):
    shutil.copy(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copytree(ROOT / "book" / "_ext", tmp_path / "book" / "_ext")
    (tmp_path / "book" / "index.md").write_text("# A one-page book\n", encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Broken section"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(tmp_path / "broken_section.ipynb"))
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: broken_section\n",
                                       encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--root", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, "the build passed although a notebook raised ZeroDivisionError"
    assert "broken_section.ipynb: WARNING: Executing notebook failed" in output
    assert "failed to execute" in output  # tools/build_book.py's own closing message
