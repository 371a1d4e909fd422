"""Test-suite set-up for every test, unit and notebook alike (so it lives at the root):
offline guard, compact notebook output, one math thread per worker, per-notebook timings."""
from __future__ import annotations

import os
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
