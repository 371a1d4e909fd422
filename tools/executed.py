"""The key of an executed notebook, shared by the tests (conftest.py) and the book build
(tools/build_book.py), so that each reuses what the other executed.

jupyter-cache keys an execution by the notebook's code cells only (MyST-NB #299): a change to
``d2lite`` would not re-execute the notebooks that import it. Here the key is

    sha256(the notebook's code cells) + sha256(every d2lite/**/*.py and pyproject.toml)

of the ``d2lite`` a kernel imports, stored in the executed copy's metadata (``d2lite_key``) in
``_build/.executed/``. An executed copy counts only while its key matches the key now: edit a
code cell, or any file of d2lite, and the notebook runs again; edit only prose and it does not.
"""
from __future__ import annotations

import functools
import hashlib
import json
import subprocess
import sys
from pathlib import Path

META = "d2lite_key"


def code_digest(nb) -> str:
    """sha256 of a notebook's code cells (their sources, in order); markdown does not count."""
    code = [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]
    return hashlib.sha256(json.dumps(code, ensure_ascii=False).encode("utf-8")).hexdigest()


def library_digest(package: Path) -> str:
    """sha256 of every ``*.py`` under ``package`` (path and bytes) and of the ``pyproject.toml``
    beside it, if there is one."""
    package = Path(package)
    h = hashlib.sha256()
    files = sorted(p for p in package.rglob("*.py") if "__pycache__" not in p.parts)
    pyproject = package.parent / "pyproject.toml"
    for path in files + ([pyproject] if pyproject.is_file() else []):
        h.update(path.relative_to(package.parent).as_posix().encode("utf-8") + b"\0")
        h.update(path.read_bytes() + b"\0")
    return h.hexdigest()


@functools.lru_cache(maxsize=None)
def kernel_d2lite(cwd: str | None = None) -> Path:
    """The ``d2lite`` package a kernel started from this environment imports (asked of a fresh
    interpreter, so neither this process's working folder nor pytest's rootdir counts)."""
    code = "import importlib.util as u; print(u.find_spec('d2lite').origin)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=cwd or "/", check=True)
    return Path(out.stdout.strip()).parent


def library_key() -> str:
    return library_digest(kernel_d2lite())


def notebook_key(nb, library: str | None = None) -> str:
    """The key of ``nb`` with the d2lite a kernel imports now (or ``library``, a library_digest)."""
    return code_digest(nb) + ":" + (library if library is not None else library_key())


def stamp(nb, key: str) -> None:
    nb["metadata"][META] = key


def key_of(nb) -> str | None:
    return nb.get("metadata", {}).get(META)
