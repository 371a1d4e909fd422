"""A notebook that fails to execute fails the book build, and the message names it; so does one
whose cell runs far past its section's measured time (book/_ext/cell_timeouts.py)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

import nbformat

from conftest import ROOT


def _section(path, title, code):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {title}"), nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(path))


def test_failing_notebook_fails_the_build_by_name(tmp_path):
    # The book's configuration with a 3 s floor instead of 60 s, so the stall costs seconds here.
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert "d2lite_timeout_floor: 60" in config
    (tmp_path / "_config.yml").write_text(config.replace("d2lite_timeout_floor: 60", "d2lite_timeout_floor: 3"),
                                          encoding="utf-8")
    shutil.copytree(ROOT / "book" / "_ext", tmp_path / "book" / "_ext")
    (tmp_path / "book" / "index.md").write_text("# A one-page book\n", encoding="utf-8")
    _section(tmp_path / "broken_section.ipynb", "Broken section", "1 / 0")
    # Measured at half a second, so its cells get max(3 s, 4 x 0.5 s) = 3 s; this one never ends.
    _section(tmp_path / "stalled_section.ipynb", "Stalled section", "import time\ntime.sleep(600)")
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "cpu.md").write_text("| notebook | seconds |\n|---|---:|\n"
                                                    "| `stalled_section.ipynb` | 0.5 |\n", encoding="utf-8")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: broken_section\n"
                                       "  - file: stalled_section\n", encoding="utf-8")
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "build_book.py"), "--root", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - start
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, "the build passed although a notebook raised ZeroDivisionError"
    assert "broken_section.ipynb: WARNING: Executing notebook failed: CellExecutionError" in output
    assert "stalled_section.ipynb: WARNING: Executing notebook failed: CellTimeoutError" in output
    assert "failed to execute" in output  # tools/build_book.py's own closing message
    assert seconds < 120, f"the build took {seconds:.0f} s: the stalled cell was not stopped at its 3 s limit"
