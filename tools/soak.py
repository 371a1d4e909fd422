"""Soak the kernel: execute the book's notebooks many times, as the book build does, and count stalls.

    .venv/bin/python tools/soak.py --minutes 10                  # the default sample, 10 minutes
    .venv/bin/python tools/soak.py --minutes 5 notebooks/ch05_convolution/03_filtering_photographs.ipynb
    .venv/bin/python tools/soak.py --minutes 3 --synthetic 300 --label "ipykernel 6.31.0: 300 trivial cells"
    .venv/bin/python tools/soak.py --minutes 1 --synthetic 100 --output-widget --label "...: Output widget"

A benchmark, not a test: it reports and never fails. Each run executes one notebook in a fresh
kernel through the call the book build makes (myst-nb's cache mode calls jupyter-cache's
``single_nb_execution``, which drives ``nbclient``), with the per-cell timeout the build gives
that notebook (book/_ext/cell_timeouts.py) and the build's environment (``D2LITE_HEADLESS=1``,
the notebook's folder as working directory).

A stall is any of:

* a cell hits its timeout (``CellTimeoutError``), or the execution fails in any other way;
* a message is late by more than ``--wait`` seconds (default 5; normally milliseconds): the
  kernel starts a cell late after the client sent it (``iopub.status.busy`` minus the time
  the request left: the request was not read, ipython/ipykernel#1554), the client gets a reply
  late, or the client sends the next request late after the last reply;
* a cell runs more than ``--slow`` times the whole notebook's measured seconds
  (benchmarks/cpu.md) and at least 20 s.

The result goes to ``benchmarks/soak.md``, one section per ipykernel version (``--label``); a new
run replaces the section of the same heading.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "soak.md"
# The section (it sat 314 s in a book build), then the shortest sections: many kernels
# and many requests per minute.
DEFAULT = ["notebooks/ch05_convolution/03_filtering_photographs.ipynb",
           "notebooks/ch05_convolution/01_what_is_convolution.ipynb",
           "notebooks/ch13_hmm/01_dishonest_casino.ipynb",
           "notebooks/ch08_attention/02_scoring_functions.ipynb",
           "notebooks/ch05_convolution/05_pooling.ipynb",
           "notebooks/ch14_bayes/01_bayes_rule.ipynb"]


def _timeouts():
    spec = importlib.util.spec_from_file_location("cell_timeouts", ROOT / "book" / "_ext" / "cell_timeouts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _stamp(value) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()  # Python 3.10 too


SYNTHETIC = "synthetic"


# What d2lite.Explorer.live() does on each redraw: an image shown through an ipywidgets Output.
OUTPUT_SETUP = ("import base64, os\nimport ipywidgets as widgets\nfrom IPython.display import display\n"
                "out = widgets.Output()\ndisplay(out)\npng = base64.b64encode(os.urandom(60_000)).decode()")
OUTPUT_CELL = ("with out:\n    out.clear_output(wait=True)\n"
               "    display({'image/png': png, 'text/plain': 'an image'}, raw=True)")


def synthetic_notebook(cells: int, output_widget: bool = False):
    """A notebook of ``cells`` trivial cells: many requests and replies a second, where a race
    between them has many chances (the book's notebooks send one or two a second). With
    ``output_widget`` each cell shows a 60 kB image through an ipywidgets ``Output``, as the
    book's live explorers do."""
    import nbformat

    if output_widget:
        sources = [OUTPUT_SETUP] + [OUTPUT_CELL] * cells
    else:
        sources = [f"x = {i}" for i in range(cells)]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def run_once(path: Path | str, timeout: int, cells: int = 0, output_widget: bool = False) -> dict:
    """Execute ``path`` once in a fresh kernel: per-cell seconds, the gaps around each request,
    and the error if any. Kernel times come from nbclient's ``record_timing``, client times from
    its hooks (the same client, only observed)."""
    import nbformat
    from jupyter_cache.executors.utils import single_nb_execution

    sent, received = {}, {}

    def on_cell_complete(cell, cell_index):  # nbclient calls it once the request is sent
        sent[cell_index] = time.time()

    def on_cell_executed(cell, cell_index, execute_reply):
        received[cell_index] = time.time()

    nb = synthetic_notebook(cells, output_widget) if path == SYNTHETIC else nbformat.read(str(path), as_version=4)
    start = time.monotonic()
    cwd = ROOT if path == SYNTHETIC else path.parent
    result = single_nb_execution(nb, cwd=str(cwd), timeout=timeout, allow_errors=False, meta_override=True,
                                 record_timing=True, on_cell_complete=on_cell_complete, on_cell_executed=on_cell_executed)
    wall = time.monotonic() - start
    cells, gaps, previous = [], [], None
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type != "code" or "shell.execute_reply" not in timing or index not in received:
            continue
        busy, reply = _stamp(timing["iopub.status.busy"]), _stamp(timing["shell.execute_reply"])
        cells.append(reply - busy)
        gaps.append({"cell": index, "unread": busy - sent[index], "reply": received[index] - reply,
                     "client": sent[index] - received[previous] if previous is not None else 0.0})
        previous = index
    error = None if result.err is None else f"{type(result.err).__name__}: {str(result.err).splitlines()[0][:120]}"
    return {"wall": wall, "cells": cells, "gaps": gaps, "error": error}


def _synthetic_name(args) -> str:
    if args.output_widget:
        return f"{args.synthetic} cells, each an image through an Output widget (`--synthetic --output-widget`)"
    return f"{args.synthetic} trivial cells (`--synthetic`)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", default=DEFAULT, help="notebooks to cycle through (default: a sample)")
    ap.add_argument("--minutes", type=float, default=10.0, help="wall-time budget (default 10)")
    ap.add_argument("--first-weight", type=int, default=2,
                    help="the first notebook runs this many times per round (default 2)")
    ap.add_argument("--wait", type=float, default=5.0, help="a message this late is a stall, seconds (default 5)")
    ap.add_argument("--slow", type=float, default=3.0, help="cell slower than this x the notebook's measured time")
    ap.add_argument("--synthetic", type=int, default=0, metavar="CELLS",
                    help="instead of notebooks, run a notebook of this many trivial cells over and over")
    ap.add_argument("--synthetic-timeout", type=int, default=10, help="its per-cell timeout, seconds (default 10)")
    ap.add_argument("--output-widget", action="store_true",
                    help="the synthetic cells show an image through an ipywidgets Output (as d2lite's explorers)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--label", help="the section's heading (default: the ipykernel version); a run replaces "
                    "the section of the same heading")
    args = ap.parse_args(argv)

    timeouts = _timeouts()
    measured = timeouts.measured_seconds(ROOT)
    os.environ["D2LITE_HEADLESS"] = "1"  # as tools/build_book.py
    paths = [SYNTHETIC] if args.synthetic else [Path(p).resolve() for p in args.notebooks]
    schedule = [paths[0]] * args.first_weight + paths[1:]
    stats = {p: {"runs": 0, "cells": 0, "walls": [], "max_cell": 0.0, "waits": [], "stalls": []} for p in paths}
    deadline = time.monotonic() + 60 * args.minutes
    began = time.monotonic()
    i = 0
    while time.monotonic() < deadline:
        path = schedule[i % len(schedule)]
        i += 1
        if path == SYNTHETIC:
            rel, seconds, timeout = _synthetic_name(args), None, args.synthetic_timeout
            r = run_once(SYNTHETIC, timeout, args.synthetic, args.output_widget)
        else:
            rel = path.resolve().relative_to(ROOT).as_posix()
            seconds = measured.get(rel)
            timeout = timeouts.cell_timeout(seconds, 120)
            r = run_once(ROOT / rel, timeout)
        s = stats[path]
        s["runs"] += 1
        s["cells"] += len(r["cells"])
        s["walls"].append(r["wall"])
        waits = [max(g["unread"], g["reply"], g["client"]) for g in r["gaps"]]
        s["waits"] += waits
        s["max_cell"] = max([s["max_cell"], *r["cells"]])
        problems = []
        if r["error"]:
            problems.append(r["error"])
        for g in r["gaps"]:
            for key, what in (("unread", "the kernel started the request"), ("reply", "the client got the reply"),
                              ("client", "the client sent the request")):
                if g[key] > args.wait:
                    problems.append(f"cell {g['cell']}: {what} {g[key]:.1f} s late")
        limit = max(20.0, args.slow * (seconds or 60.0)) if path != SYNTHETIC else timeout / 2
        problems += [f"cell took {c:.0f} s" for c in r["cells"] if c > limit]
        s["stalls"] += [f"run {s['runs']}: {p}" for p in problems]
        print(f"{rel}: {r['wall']:.1f} s, {len(r['cells'])} cells, max wait "
              f"{max(waits, default=0) * 1000:.0f} ms{'; ' + '; '.join(problems) if problems else ''}",
              flush=True)
    elapsed = time.monotonic() - began
    write_report(args, stats, measured, elapsed)
    return 0


def write_report(args, stats, measured, elapsed) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    kernel = KernelSpecManager().get_kernel_spec("python3").argv[0]
    if kernel.startswith("python"):  # jupyter_client starts the native kernel with this interpreter
        kernel = sys.executable
    versions = ", ".join(f"{name} {version(name)}" for name in
                         ("ipykernel", "jupyter_client", "nbclient", "jupyter-cache", "pyzmq", "tornado"))
    runs = sum(s["runs"] for s in stats.values())
    cells = sum(s["cells"] for s in stats.values())
    stalls = sum(len(s["stalls"]) for s in stats.values())
    waits = [w for s in stats.values() for w in s["waits"]]
    label = args.label or f"ipykernel {version('ipykernel')}"
    lines = [f"## {label}", "",
             (f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.system()} {platform.machine()}, "
              f"{os.cpu_count()} cores (shared with other work), Python {platform.python_version()}; {versions}; "
              f"kernel `{kernel}`."), "",
             (f"**{stalls} stalls** in {runs} runs, {cells} cells executed, {elapsed / 60:.1f} minutes. "
              f"The longest of the three gaps around each request (client sent -> kernel started, kernel "
              f"replied -> client received, client received -> next request sent) was "
              f"{statistics.median(waits) * 1000:.1f} ms at the median, {max(waits) * 1000:.0f} ms at most "
              f"(a stall: over {args.wait:g} s).") if waits else "No cells ran.", "",
             ("| notebook | measured s | cell timeout s | runs | cells | run s (median, max) | slowest cell s | "
              "longest gap ms | stalls |"), "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    timeouts = _timeouts()
    for path, s in stats.items():
        if not s["runs"]:
            continue
        if path == SYNTHETIC:
            rel, sec, limit = _synthetic_name(args), None, args.synthetic_timeout
        else:
            rel = path.resolve().relative_to(ROOT).as_posix()
            sec = measured.get(rel)
            limit = timeouts.cell_timeout(sec, 120)
            rel = f"`{rel}`"
        lines.append(f"| {rel} | {sec if sec is not None else '—'} | {limit} | {s['runs']} "
                     f"| {s['cells']} | {statistics.median(s['walls']):.1f}, {max(s['walls']):.1f} "
                     f"| {s['max_cell']:.1f} | {max(s['waits'], default=0) * 1000:.0f} | {len(s['stalls'])} |")
    details = [d for s in stats.values() for d in s["stalls"]]
    if details:
        lines += ["", "Stalls:", ""] + [f"- {d}" for d in details[:50]]
    section = "\n".join(lines) + "\n"

    header = ("# Kernel soak: the book's notebooks executed many times over\n\n"
              "Written by `tools/soak.py` (a benchmark, not a test; see its docstring for what counts as a "
              "stall). Each run is one notebook in a fresh kernel, executed as the book build executes it: "
              "jupyter-cache's `single_nb_execution` over nbclient, with the build's per-cell timeout. "
              "pyproject.toml caps ipykernel below 7 because of what this measures.\n\n")
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else header
    parts = old.split("\n## ")
    kept = [parts[0].rstrip("\n") + "\n"] + ["## " + p.rstrip("\n") + "\n" for p in parts[1:]
                                             if not p.startswith(label + "\n")]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(kept + [section]), encoding="utf-8")
    print(f"\n{stalls} stalls in {runs} runs ({cells} cells); wrote {args.out}")


if __name__ == "__main__":
    sys.exit(main())
