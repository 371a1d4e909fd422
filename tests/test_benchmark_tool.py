"""tools/benchmark.py times the test suite by re-running the pytest commands of `make test`; it
once timed a command the Makefile no longer ran. This keeps the two lists the same."""
from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _benchmark():
    spec = importlib.util.spec_from_file_location("benchmark", ROOT / "tools" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _makefile_pytest_args() -> list[list[str]]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", text, re.M)
    assert recipe, "the Makefile has no `test:` target"
    return [shlex.split(line.split("-m pytest", 1)[1]) for line in recipe.group(1).splitlines()
            if "-m pytest" in line]


def test_benchmark_times_the_same_phases_as_make_test():
    phases = [args for _, args in _benchmark().SUITE_PHASES]
    assert phases == _makefile_pytest_args(), "update SUITE_PHASES in tools/benchmark.py to match the Makefile"
