"""Test-suite set-up for every test, unit and notebook alike (so it lives at the root):
offline guard, compact notebook output, one math thread per worker, per-notebook timings, and
the executed notebooks kept for the book (so the book build need not run them again).

With ``D2LITE_REUSE_EXECUTED=1`` a notebook whose executed copy in ``_build/.executed/`` still
matches its key (tools/executed.py: its code cells and the d2lite sources; the book build and
this suite write such copies only when every cell ran without error) is skipped, as already
passed. Without it (``make test``, CI, a fresh clone) every notebook runs."""
from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the unit tests draw figures without a screen

GUARD_DIR = Path(__file__).parent / "tests" / "netguard"
BUDGET_SECONDS = 60.0

# Before any kernel starts: kernels inherit this environment, so they block the network too
# (sitecustomize.py) and keep their output compact (d2lite.live_frontend() is False).
os.environ["D2LITE_BLOCK_NETWORK"] = "1"
os.environ["D2LITE_HEADLESS"] = "1"
# Two workers on two cores: one math thread per kernel, or torch's threads fight each other
# (element-wise ops measured 100x slower when oversubscribed).
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD_DIR), os.environ.get("PYTHONPATH")]))
sys.path.insert(0, str(GUARD_DIR))
import netguard  # noqa: E402

netguard.install()

_seconds: dict[str, float] = defaultdict(float)
# Notebooks nbval ran, with the outputs it saw: written to _build/.executed/ at the end when every
# cell passed; tools/build_book.py puts them in the book's execution cache.
EXECUTED_DIR = Path(__file__).parent / "_build" / ".executed"
_executed: dict[Path, list] = {}  # notebook path -> [notebook node, all cells passed]


def _keys():
    """tools/executed.py, the key shared with the book build."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("d2lite_executed_key", Path(__file__).parent / "tools" / "executed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _skip_reused(items) -> None:
    """Under D2LITE_REUSE_EXECUTED=1, skip the notebooks whose executed copy is still valid."""
    if os.environ.get("D2LITE_REUSE_EXECUTED") != "1":
        return
    import nbformat
    import pytest

    keys, root, valid = _keys(), Path(__file__).parent.resolve(), {}
    library = keys.library_key()
    for item in items:
        path = Path(str(item.fspath)).resolve()
        if path.suffix != ".ipynb" or root not in path.parents:
            continue
        if path not in valid:
            copy = EXECUTED_DIR / path.relative_to(root)
            valid[path] = copy.is_file() and keys.key_of(nbformat.read(str(copy), 4)) == keys.notebook_key(
                nbformat.read(str(path), 4), library)
        if valid[path]:
            item.add_marker(pytest.mark.skip(reason="D2LITE_REUSE_EXECUTED=1: executed copy still valid"))


def _benchmark_seconds() -> dict[str, float]:
    """Seconds per notebook from the last benchmark table (benchmarks/cpu.md), if there is one."""
    table = Path(__file__).parent / "benchmarks" / "cpu.md"
    try:
        text = table.read_text(encoding="utf-8")
    except OSError:
        return {}
    return {m[1]: float(m[2]) for m in re.finditer(r"^\| `(notebooks/[^`]+\.ipynb)` \| ([\d.]+) \|", text, re.M)}


def pytest_collection_modifyitems(config, items):
    """Slowest notebooks first, by the benchmark table (a notebook not in it counts as slow), then
    the rest in their order. xdist hands whole files to the two workers in this order (``make
    test`` passes ``--no-loadscope-reorder``), so the long ones start early and short files fill
    in at the end instead of one worker finishing a long notebook while the other waits."""
    seconds = _benchmark_seconds()

    def rank(item):
        path = item.nodeid.split("::")[0]
        return -seconds.get(path, BUDGET_SECONDS) if path.endswith(".ipynb") and path.startswith("notebooks/") else 0

    items.sort(key=rank)
    _skip_reused(items)


def pytest_runtest_makereport(item, call):
    if call.when != "call" or not hasattr(item, "test_outputs") or not hasattr(item, "cell"):
        return
    path = Path(str(item.parent.fspath)).resolve()
    entry = _executed.setdefault(path, [item.parent.nb, True])
    entry[1] = entry[1] and call.excinfo is None and item.test_outputs is not None
    if item.test_outputs is not None:
        item.cell.outputs = [_as_output(o) for o in item.test_outputs]
        item.cell.execution_count = item.cell_num + 1


def _as_output(out):
    import nbformat

    kind = out["output_type"]
    if kind == "stream":
        return nbformat.v4.new_output("stream", name=out["name"], text=out["text"])
    if kind == "error":
        return nbformat.v4.new_output("error", ename=out["ename"], evalue=out["evalue"], traceback=out["traceback"])
    extra = {"execution_count": out.get("execution_count")} if kind == "execute_result" else {}
    return nbformat.v4.new_output(kind, data=out.get("data", {}), metadata=out.get("metadata", {}), **extra)


def pytest_sessionfinish(session):
    import nbformat

    root = Path(__file__).parent.resolve()
    keys = library = None
    for path, (nb, passed) in _executed.items():
        if not passed or root not in path.parents:
            continue
        if keys is None:
            keys = _keys()
            library = keys.library_key()
        # Its code cells as nbval ran them (the outputs it filled in do not count), with the
        # d2lite the kernels imported.
        keys.stamp(nb, keys.notebook_key(nb, library))
        target = EXECUTED_DIR / path.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        nbformat.write(nb, str(tmp))
        os.replace(tmp, target)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration  # setup (kernel start) + every cell


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    tr = terminalreporter
    tr.section("seconds per notebook (budget 60 s on a 2-core CPU)")
    for path, s in sorted(_seconds.items()):
        tr.write_line(f"{s:7.1f} s  {path}{'   OVER BUDGET' if s > BUDGET_SECONDS else ''}")
    tr.write_line(f"{sum(_seconds.values()):7.1f} s  all notebooks, summed over workers")
