"""The book build's parallel executor and the key it shares with the tests (tools/executed.py,
tools/build_book.py): a change to a code cell or to d2lite re-executes, prose does not; a
failing notebook is named and fails the build; valid executions are reused."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load(name):
    sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # the executor's workers look execute_one up by its module's name
    spec.loader.exec_module(module)
    return module


keys = _load("executed")
build_book = _load("build_book")


def _nb(code, prose="# A section"):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(prose), nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def test_key_changes_with_code_and_library_not_with_prose(tmp_path):
    package = tmp_path / "d2lite"
    package.mkdir()
    (package / "__init__.py").write_text("x = 1\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'd2lite'\n")
    library = keys.library_digest(package)
    key = keys.notebook_key(_nb("print(1)"), library)
    assert keys.notebook_key(_nb("print(1)", prose="# Reworded prose"), library) == key
    assert keys.notebook_key(_nb("print(2)"), library) != key
    (package / "__init__.py").write_text("x = 2\n")
    assert keys.library_digest(package) != library
    (package / "__init__.py").write_text("x = 1\n")
    assert keys.library_digest(package) == library
    (package / "sub").mkdir()
    (package / "sub" / "new.py").write_text("")
    assert keys.library_digest(package) != library  # a new module counts
    (package / "sub" / "new.py").unlink()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'd2lite'\nversion = '2'\n")
    assert keys.library_digest(package) != library


def test_the_kernels_d2lite_is_the_one_hashed():
    assert (keys.kernel_d2lite() / "__init__.py").is_file()
    assert len(keys.library_key()) == 64


@pytest.fixture
def book(tmp_path):
    (tmp_path / "_config.yml").write_text("execute:\n  timeout: 30\n", encoding="utf-8")
    (tmp_path / "ch").mkdir()
    for name, code in (("good_one", "print('one')"), ("good_two", "x = 2\nassert x == 2"), ("broken", "1 / 0")):
        nbformat.write(_nb(code), str(tmp_path / "ch" / f"{name}.ipynb"))
    (tmp_path / "index.md").write_text("# Book\n", encoding="utf-8")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: ch/good_one\n"
                                       "  - file: ch/good_two\n  - file: ch/broken\n", encoding="utf-8")
    return tmp_path


def test_parallel_executor_names_the_failure_and_reuses_the_rest(book):
    reused, done, failed = build_book.execute_missing(book, jobs=2)
    assert reused == [] and sorted(p.name for p in done) == ["good_one.ipynb", "good_two.ipynb"]
    assert [(p.name, e.split(":")[0]) for p, e in failed] == [("broken.ipynb", "CellExecutionError")]
    assert "ZeroDivisionError" in failed[0][1]
    copy = nbformat.read(str(book / "_build" / ".executed" / "ch" / "good_one.ipynb"), 4)
    assert copy.cells[1].outputs[0]["text"] == "one\n"
    assert keys.key_of(copy) == keys.notebook_key(copy)
    # jupyter-book finds the copy in its cache by the source's hash: the executor added no metadata
    from jupyter_cache import get_cache

    cache = get_cache(str(book / "_build" / ".jupyter_cache"))
    source = nbformat.read(str(book / "ch" / "good_one.ipynb"), 4)
    assert cache.create_hashed_notebook(copy)[1] == cache.create_hashed_notebook(source)[1]
    assert not (book / "_build" / ".executed" / "ch" / "broken.ipynb").exists()
    # A second build reuses both; editing a code cell re-executes only that notebook.
    nbformat.write(_nb("print('one, edited')"), str(book / "ch" / "good_one.ipynb"))
    nbformat.write(_nb("x = 2\nassert x == 2", prose="# New prose"), str(book / "ch" / "good_two.ipynb"))
    nbformat.write(_nb("pass"), str(book / "ch" / "broken.ipynb"))
    reused, done, failed = build_book.execute_missing(book, jobs=2)
    assert [p.name for p in reused] == ["good_two.ipynb"]
    assert sorted(p.name for p in done) == ["broken.ipynb", "good_one.ipynb"] and failed == []


def test_a_failed_notebook_fails_the_build_by_name(book, monkeypatch, capsys):
    calls = []
    monkeypatch.setattr(build_book.subprocess, "run",
                        lambda cmd, **kw: calls.append(cmd) or subprocess.CompletedProcess(cmd, 0))
    assert build_book.main(["--root", str(book), "--jobs", "2"]) == 1
    err = capsys.readouterr().err
    assert "ch/broken.ipynb: CellExecutionError" in err and "failed to execute" in err
    assert calls and calls[0][1:3] == ["build", str(book)]  # jupyter-book still renders (and reports it)


def test_jobs_must_be_positive(book):
    with pytest.raises(SystemExit):
        build_book.main(["--root", str(book), "--jobs", "0"])
