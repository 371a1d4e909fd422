"""The book build gives each notebook's cells a timeout derived from the section's measured time
(book/_ext/cell_timeouts.py), so a stalled kernel fails the build within a minute or two. The
build itself failing a stalled cell by name is tested in tests/browser/test_build_failure.py."""
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("cell_timeouts", ROOT / "book" / "_ext" / "cell_timeouts.py")
cell_timeouts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(cell_timeouts)


def test_timeout_is_four_times_the_section_with_a_floor():
    assert cell_timeouts.cell_timeout(7.3, default=120) == 60  # 4 x 7.3 s is under the 60 s floor
    assert cell_timeouts.cell_timeout(32.1, default=120) == 129  # ceil(4 x 32.1 s)
    assert cell_timeouts.cell_timeout(None, default=120) == 120  # not measured: the book's own timeout


def test_the_book_config_uses_it_and_every_measured_limit_is_minutes_not_five():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"]["cell_timeouts"] == "book/_ext"
    sphinx = config["sphinx"]["config"]
    default = config["execute"]["timeout"]
    assert default <= 120 and (sphinx["d2lite_timeout_floor"], sphinx["d2lite_timeout_factor"]) == (60, 4)
    measured = cell_timeouts.measured_seconds(ROOT)
    assert len(measured) >= 80, f"benchmarks/cpu.md: expected a row per notebook, parsed {len(measured)}"
    limits = {nb: cell_timeouts.cell_timeout(s, default) for nb, s in measured.items()}
    assert max(limits.values()) <= 4 * 60, limits  # each section's budget is 60 s


def _app(tmp_path, seconds):
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "cpu.md").write_text(f"| `ch/measured.ipynb` | {seconds} | 300 | — |\n")
    env = SimpleNamespace(doc2path=lambda doc: str(tmp_path / f"{doc}.ipynb"))
    app = SimpleNamespace(srcdir=str(tmp_path), env=env, config=SimpleNamespace(
        nb_execution_timeout=120, d2lite_timeout_floor=60, d2lite_timeout_factor=4))
    cell_timeouts._read_table(app, env, [])
    return app


def test_a_measured_notebook_gets_its_timeout_in_the_metadata_an_unmeasured_one_is_left_alone(tmp_path):
    app = _app(tmp_path, 20.0)
    nb = {"cells": [], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    for doc, expected in (("ch/measured", {"execution_timeout": 80}), ("ch/new", None)):
        (tmp_path / "ch").mkdir(exist_ok=True)
        (tmp_path / f"{doc}.ipynb").write_text("{}")
        source = [json.dumps(nb)]
        cell_timeouts._set_timeout(app, doc, source)
        read = json.loads(source[0])
        assert read["metadata"].get("mystnb") == expected
        assert read["metadata"]["kernelspec"] == nb["metadata"]["kernelspec"]  # the rest untouched
