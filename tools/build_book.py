"""Build the rendered book (Jupyter Book 1), executing the notebooks in parallel first and
reusing every execution still valid, whether the tests or an earlier build ran it.

    python tools/build_book.py [--root DIR] [--jobs N]

Every notebook of the book (``_toc.yml``) needs an executed copy in ``_build/.executed/`` whose
key (tools/executed.py: the notebook's code cells and the d2lite sources) matches now. ``make
test`` leaves such copies for the notebooks it passed; so does this script. The rest are
executed here, ``--jobs`` at a time (default: every core), each in a fresh kernel in its own
folder with the per-cell timeout of book/_ext/cell_timeouts.py, with one math thread per kernel
and the network blocked, as under ``make test``. Then all of them go into the book's execution
cache (``_build/.jupyter_cache``) and ``jupyter-book build`` renders the pages without executing
anything. A notebook that fails is named here; jupyter-book then executes it once more for its
report (``<notebook>.ipynb: WARNING: Executing notebook failed: ...``, the traceback under
``_build/html/reports/``), and the build exits non-zero.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import executed as keys  # noqa: E402


def _cell_timeouts():
    spec = importlib.util.spec_from_file_location("cell_timeouts", ROOT / "book" / "_ext" / "cell_timeouts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def book_notebooks(root: Path) -> list[Path]:
    """The notebooks the book's table of contents lists, in its order."""
    import yaml

    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    found: list[Path] = []

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                path = root / (node["file"] if node["file"].endswith(".ipynb") else node["file"] + ".ipynb")
                if path.is_file():
                    found.append(path)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc)
    return list(dict.fromkeys(found))


def timeouts(root: Path, notebooks: list[Path]) -> dict[Path, int]:
    """Each notebook's per-cell timeout, as the book's cell_timeouts extension gives it."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    default = config.get("execute", {}).get("timeout", 30)
    sphinx = config.get("sphinx", {}).get("config", {})
    floor, factor = sphinx.get("d2lite_timeout_floor", 60), sphinx.get("d2lite_timeout_factor", 4)
    ct = _cell_timeouts()
    measured = ct.measured_seconds(root)
    return {nb: ct.cell_timeout(measured.get(nb.relative_to(root).as_posix()), default, floor, factor)
            for nb in notebooks}


def kernel_env() -> dict[str, str]:
    """The environment of ``make test``'s kernels: headless, one math thread, network blocked."""
    guard = ROOT / "tests" / "netguard"
    env = dict(os.environ, D2LITE_HEADLESS="1", D2LITE_BLOCK_NETWORK="1")
    env.setdefault("OMP_NUM_THREADS", "1")
    env.setdefault("MKL_NUM_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard), os.environ.get("PYTHONPATH")]))
    return env


def execute_one(source: str, target: str, key: str, timeout: int) -> tuple[str, str | None, float]:
    """Execute ``source`` in a fresh kernel in its folder; on success write it, stamped with
    ``key``, to ``target``. Returns (source, None or the error's name and message, seconds)."""
    import nbformat
    from nbclient import NotebookClient

    start = time.monotonic()
    nb = nbformat.read(source, 4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"),
                            resources={"metadata": {"path": str(Path(source).parent)}}, allow_errors=False,
                            record_timing=False)  # cell metadata would change jupyter-cache's hash
    try:
        client.execute()
    except Exception as exc:  # CellExecutionError, CellTimeoutError, DeadKernelError, ...
        first = str(exc).strip().splitlines()[-1:] or [""]
        return source, f"{type(exc).__name__}: {first[0][:300]}", time.monotonic() - start
    keys.stamp(nb, key)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(target).with_suffix(".tmp")
    nbformat.write(nb, str(tmp))
    os.replace(tmp, target)
    return source, None, time.monotonic() - start


def execute_missing(root: Path, jobs: int) -> tuple[list[Path], list[Path], list[tuple[Path, str]]]:
    """Execute, ``jobs`` at a time, every book notebook without a valid executed copy.
    Returns (reused, executed, failed with their errors)."""
    import nbformat

    executed_dir = root / "_build" / ".executed"
    library = keys.library_key()
    notebooks = book_notebooks(root)
    limits = timeouts(root, notebooks)
    seconds = _cell_timeouts().measured_seconds(root)
    reused, todo = [], []
    for source in notebooks:
        target = executed_dir / source.relative_to(root)
        key = keys.notebook_key(nbformat.read(str(source), 4), library)
        if target.is_file() and keys.key_of(nbformat.read(str(target), 4)) == key:
            reused.append(source)
        else:
            todo.append((source, target, key))
    # The slowest (by the benchmark table; an unmeasured one counts as slow) first.
    todo.sort(key=lambda t: -seconds.get(t[0].relative_to(root).as_posix(), 60.0))
    done, failed = [], []
    if todo:
        print(f"executing {len(todo)} notebooks, {jobs} at a time", flush=True)
        os.environ.update(kernel_env())  # the kernels inherit it
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(execute_one, str(s), str(t), k, limits[s]) for s, t, k in todo]
            for future in as_completed(futures):
                source, error, took = future.result()
                rel = Path(source).relative_to(root)
                if error is None:
                    done.append(Path(source))
                    print(f"  {took:6.1f} s  {rel}", flush=True)
                else:
                    failed.append((Path(source), error))
                    print(f"  FAILED  {rel}: {error}", flush=True)
    return reused, done, failed


def import_executed(root: Path, notebooks: list[Path], failed: list[Path]) -> None:
    """Put each executed copy into the book's cache, and drop any cached execution of a failed
    notebook (keyed by code only, it may predate a d2lite change), so jupyter-book runs it."""
    import nbformat
    from jupyter_cache import get_cache

    cache = get_cache(str(root / "_build" / ".jupyter_cache"))
    executed_dir = root / "_build" / ".executed"
    for source in notebooks:
        path = executed_dir / source.relative_to(root)
        cache.cache_notebook_file(str(path), uri=str(source), check_validity=False, overwrite=True)
    for source in failed:
        try:
            record = cache.match_cache_notebook(nbformat.read(str(source), 4))
        except KeyError:
            continue
        cache.remove_cache(record.pk)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", type=Path, default=ROOT, help="the book's folder (default: this repository)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="notebooks executed at once (default: every core)")
    args = ap.parse_args(argv)
    if args.jobs < 1:
        ap.error(f"--jobs must be at least 1, got {args.jobs}")
    root = args.root.resolve()
    start = time.monotonic()
    reused, done, failed = execute_missing(root, args.jobs)
    print(f"reused {len(reused)} executed notebooks, executed {len(done)}, failed {len(failed)} "
          f"({time.monotonic() - start:.0f} s)", flush=True)
    import_executed(root, reused + done, [s for s, _ in failed])
    env = dict(os.environ, **kernel_env())
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(root), "--keep-going", "-W"]
    proc = subprocess.run(cmd, env=env)
    if failed:
        print("\nThese notebooks failed to execute:", file=sys.stderr)
        for source, error in failed:
            print(f"  {source.relative_to(root)}: {error}", file=sys.stderr)
    if proc.returncode or failed:
        print("\nThe book build failed: the notebooks named above failed to execute "
              "(see _build/html/reports/ for their tracebacks).", file=sys.stderr)
        return proc.returncode or 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
