"""Sphinx extension: each notebook's cells get a timeout derived from the section's measured time.

Jupyter Book has one execution timeout for every cell of every notebook. A kernel that stalls
(it sits idle and never answers a request: see the ipykernel cap in pyproject.toml) then holds
the build until that timeout ends, and a timeout long enough for the slowest section lets a
stalled short one wait minutes. Here each notebook's cells may run

    max(floor, factor * seconds)     (by default max(60 s, 4 x the section's seconds))

where ``seconds`` is the whole notebook's time in the last benchmark table
(``benchmarks/cpu.md``, written by ``tools/benchmark.py``): no cell of a section can take longer
than the section, so a cell past that limit is a stall or a regression, and the build fails it
by name (``<notebook>.ipynb: WARNING: Executing notebook failed: CellTimeoutError``). A notebook
missing from the table keeps the book's own ``execute.timeout`` (``_config.yml``).

The limit reaches the executor as myst-nb's file-level setting ``execution_timeout``, added to
the notebook's metadata as Sphinx reads the source (the notebook on disk is unchanged, and the
execution cache, keyed by the code, still matches).
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

TABLE = Path("benchmarks") / "cpu.md"
ROW = re.compile(r"^\| `([^`]+\.ipynb)` \| ([\d.]+) \|", re.M)


def measured_seconds(root: Path) -> dict[str, float]:
    """Seconds per notebook (path relative to ``root``, with ``/``) from the benchmark table."""
    try:
        text = (Path(root) / TABLE).read_text(encoding="utf-8")
    except OSError:
        return {}
    return {m[1]: float(m[2]) for m in ROW.finditer(text)}


def cell_timeout(seconds: float | None, default: int, floor: float = 60, factor: float = 4) -> int:
    """The per-cell timeout of a notebook measured at ``seconds`` (``default`` when unmeasured)."""
    if seconds is None:
        return int(default)
    return math.ceil(max(floor, factor * seconds))


def _set_timeout(app, docname: str, source: list) -> None:
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".ipynb":
        return
    try:
        rel = path.resolve().relative_to(Path(app.srcdir).resolve()).as_posix()
    except ValueError:
        return
    seconds = app.env.d2lite_measured_seconds.get(rel)
    if seconds is None:
        return  # the book's execute.timeout applies
    timeout = cell_timeout(seconds, app.config.nb_execution_timeout,
                           app.config.d2lite_timeout_floor, app.config.d2lite_timeout_factor)
    nb = json.loads(source[0])
    nb.setdefault("metadata", {}).setdefault("mystnb", {})["execution_timeout"] = timeout
    source[0] = json.dumps(nb, ensure_ascii=False)


def _read_table(app, env, docnames) -> None:
    env.d2lite_measured_seconds = measured_seconds(Path(app.srcdir))


def setup(app):
    app.add_config_value("d2lite_timeout_floor", 60, "env", types=(int, float))
    app.add_config_value("d2lite_timeout_factor", 4, "env", types=(int, float))
    app.connect("env-before-read-docs", _read_table)
    app.connect("source-read", _set_timeout)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
