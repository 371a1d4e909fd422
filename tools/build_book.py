"""Build the rendered book (Jupyter Book 1), reusing notebooks the test suite already executed.

    python tools/build_book.py [--root DIR] [--strict/--no-strict]

`make test` runs every notebook under nbval and keeps the executed copies in
``_build/.executed/``. This script first puts those copies into the book's execution cache
(``_build/.jupyter_cache``, keyed by each notebook's code), so the build only executes notebooks
that changed since: a fresh clone builds in minutes after the tests, and a rebuild with no
change takes seconds. A notebook that fails to execute fails the build, and the message names it.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def import_executed(root: Path) -> int:
    """Cache every executed notebook in ``_build/.executed`` whose code matches the source now."""
    import nbformat
    from jupyter_cache import get_cache

    executed = root / "_build" / ".executed"
    if not executed.is_dir():
        return 0
    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    count = 0
    for path in sorted(executed.rglob("*.ipynb")):
        source = root / path.relative_to(executed)
        if not source.exists():
            continue
        done, now = nbformat.read(str(path), 4), nbformat.read(str(source), 4)
        code = [c.source for c in done.cells if c.cell_type == "code"]
        if code != [c.source for c in now.cells if c.cell_type == "code"]:
            continue  # the notebook changed after the tests ran: let the build execute it
        cache.cache_notebook_file(str(path), uri=str(source), check_validity=False, overwrite=True)
        count += 1
    return count


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this repository)")
    args = ap.parse_args(argv)
    root = args.root.resolve()
    print(f"reused {import_executed(root)} notebooks executed by the tests", flush=True)
    env = dict(os.environ, D2LITE_HEADLESS="1")
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root), "--keep-going", "-W"]
    proc = subprocess.run(cmd, env=env)
    if proc.returncode:
        print("\nThe book build failed: the warnings above name each notebook that failed to execute "
              "(see _build/html/reports/ for their tracebacks).", file=sys.stderr)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
