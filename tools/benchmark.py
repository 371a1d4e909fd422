"""Measure the book: per notebook wall time, peak memory and the results it reports; the
trainer's overhead against a bare PyTorch loop; optionally the whole test suite's time.

    .venv/bin/python tools/benchmark.py              # all notebooks → benchmarks/<device>.md
    .venv/bin/python tools/benchmark.py --suite      # also time the two test phases of `make test`
    .venv/bin/python tools/benchmark.py notebooks/ch01_gradient_descent/04_optimizers.ipynb

Each notebook runs in a fresh kernel with the network blocked, exactly as in the tests. This
is a measuring tool, not a test: it never fails on a slow notebook, it reports.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUARD = ROOT / "tests" / "netguard"
BUDGET_S = 60.0


def machine() -> str:
    import torch

    import d2lite as d2l

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    dev = d2l.get_device()
    gpu = f", {torch.cuda.get_device_name(dev)}" if dev.type == "cuda" else ""
    return (f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores{gpu}; "
            f"Python {platform.python_version()}, torch {torch.__version__}, device {dev}")


def run_notebook(path: Path) -> dict:
    """Execute one notebook in a fresh kernel; return seconds, peak MiB and reported results."""
    import nbformat
    from nbclient import NotebookClient

    saved_env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.jsonl"
        os.environ.update(D2LITE_HEADLESS="1", D2LITE_BLOCK_NETWORK="1", D2LITE_RESULTS_FILE=str(results),
                          PYTHONPATH=os.pathsep.join(filter(None, [str(GUARD), os.environ.get("PYTHONPATH")])))
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        start, peak_mib, error = time.perf_counter(), float("nan"), ""
        try:
            with client.setup_kernel():
                pid = client.km.provisioner.process.pid
                for i, cell in enumerate(nb.cells):
                    client.execute_cell(cell, i)
                peak_mib = _peak_rss_mib(pid)
        except Exception as e:  # report, don't stop the benchmark
            error = f"{type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''}"
        seconds = time.perf_counter() - start
        reported = {}
        if results.exists():
            for line in results.read_text().splitlines():
                reported.update(json.loads(line))
    os.environ.clear()  # the kernel's settings must not leak into the next notebook or the suite run
    os.environ.update(saved_env)
    return {"notebook": str(path.relative_to(ROOT)), "seconds": seconds, "peak_mib": peak_mib,
            "results": reported, "error": error}


def _peak_rss_mib(pid: int) -> float:
    try:  # Linux: the kernel process's high-water mark of resident memory
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import psutil  # elsewhere: resident memory now (a lower bound of the peak)

    return psutil.Process(pid).memory_info().rss / 2**20


def trainer_overhead(repeats: int = 15, epochs: int = 10) -> dict:
    """Time of d2lite.Trainer over a bare loop (fastest run of each), same model, data, seed and steps."""
    import torch
    from torch import nn

    import d2lite as d2l

    data = d2l.load_images("mnist28", flatten=True)
    device = d2l.get_device()

    def setup():
        d2l.set_seed(0)
        model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10)).to(device)
        loader = d2l.make_loader(data.X_train, data.y_train, batch_size=64, seed=0)
        return model, loader, torch.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss()

    def bare():
        model, loader, opt, loss_fn = setup()
        for _ in range(epochs):
            model.train()
            for X, y in loader:
                X, y = X.to(device), y.to(device)
                loss = loss_fn(model(X), y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
        return model

    def trainer():
        model, loader, opt, loss_fn = setup()
        d2l.Trainer(max_epochs=epochs, device=device, callbacks=[]).fit(model, loader, loss_fn=loss_fn, optimizer=opt)
        return model

    def timed(fn):
        """Wall and CPU seconds of one run. The CPU time of this one thread is what the ratio uses:
        other processes on a busy machine inflate wall time, hardly our thread's CPU time."""
        if device.type == "cuda":
            torch.cuda.synchronize()
        gc.collect()
        gc.disable()  # as `timeit` does: a collection landing in one run but not the other is noise
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            model = fn()
        finally:
            gc.enable()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - wall, time.thread_time() - cpu, model

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # one thread: its CPU time is all the work, with no pool spinning

    timed(bare)  # warm-up: allocator, kernels, caches
    runs = {"bare": [], "trainer": []}
    params = {}
    for i in range(repeats):  # interleaved, order alternating, so drift hits both alike
        order = (("bare", bare), ("trainer", trainer)) if i % 2 == 0 else (("trainer", trainer), ("bare", bare))
        for name, fn in order:
            wall, cpu, model = timed(fn)
            runs[name].append((wall, cpu))
            params[name] = torch.cat([p.detach().flatten().cpu() for p in model.parameters()])
    torch.set_num_threads(threads)
    same = torch.allclose(params["bare"], params["trainer"])
    # On a GPU the host CPU time is not the cost, so the ratio uses wall time there.
    col = 0 if device.type != "cpu" else 1
    # Interference (another process, the VM's neighbours, a cold cache) only ever adds time, so the
    # fastest run of each is the best estimate of its own cost (as `timeit` advises); the ratio is
    # of those minimums. The median of the pairs' ratios is reported beside it: on a busy 2-core
    # machine it wandered between 0.94 and 1.19 over runs in which nothing in the Trainer changed.
    pair_ratios = [t[col] / b[col] for b, t in zip(runs["bare"], runs["trainer"])]
    bare_s = min(b[col] for b in runs["bare"])
    trainer_s = min(t[col] for t in runs["trainer"])
    return {"bare_s": bare_s, "trainer_s": trainer_s, "ratio": trainer_s / bare_s,
            "pair_median": statistics.median(pair_ratios),
            "ratio_min": min(pair_ratios), "ratio_max": max(pair_ratios), "clock": "wall" if col == 0 else "CPU",
            "repeats": repeats, "same_weights": same,
            "steps": epochs * len(range(0, len(data.X_train), 64))}


# The two test phases of `make test`, timed one after the other; tests/test_benchmark_tool.py
# checks that they are the Makefile's pytest commands.
SUITE_PHASES = (("unit tests and notebooks", ["-n", "2", "--dist", "loadfile", "--no-loadscope-reorder",
                                                         "--ignore=tests/browser"]),
                ("browser tests", ["-n", "2", "--dist", "worksteal", "tests/browser"]))


def suite_seconds() -> list[tuple[str, float, int]]:
    """Run each phase of the test suite; return ``(phase, seconds, exit code)`` for each."""
    out = []
    for name, args in SUITE_PHASES:
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=ROOT)
        out.append((name, time.perf_counter() - t, proc.returncode))
    return out


def table(rows, overhead, suite, desc) -> str:
    lines = [f"# Benchmark: {desc.split(';')[-1].strip()}", "", f"Machine: {desc}.",
             f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with `tools/benchmark.py` "
             "(each notebook in a fresh kernel, network blocked, kernel start included).", "",
             "| notebook | seconds | peak MiB | results reported by the notebook |", "|---|---:|---:|---|"]
    for r in rows:
        res = ", ".join(f"{k} = {v:.4g}" for k, v in r["results"].items()) or "—"
        flag = " **over 60 s**" if r["seconds"] > BUDGET_S else ""
        err = f" **failed: {r['error']}**" if r["error"] else ""
        lines.append(f"| `{r['notebook']}` | {r['seconds']:.1f}{flag} | {r['peak_mib']:.0f} | {res}{err} |")
    total = sum(r["seconds"] for r in rows)
    lines += ["", f"All {len(rows)} notebooks one after another: {total:.0f} s; "
              f"slowest {max((r['seconds'] for r in rows), default=0):.1f} s (budget {BUDGET_S:.0f} s each)."]
    if overhead:
        lines += ["", f"Trainer overhead: `d2lite.Trainer` {overhead['trainer_s']:.3f} s vs a bare loop "
                  f"{overhead['bare_s']:.3f} s of {overhead['clock']} time (fastest of {overhead['repeats']} "
                  f"interleaved pairs, {overhead['steps']} SGD steps each, MLP 784-256-10 on the 28×28 digits): "
                  f"ratio **{overhead['ratio']:.3f}**, budget 1.05 (the pairs' own ratios: median "
                  f"{overhead['pair_median']:.3f}, range {overhead['ratio_min']:.3f}–{overhead['ratio_max']:.3f}); "
                  f"same final weights: {overhead['same_weights']}."]
    if suite:
        parts = "; ".join(f"{name} {sec:.0f} s (exit code {rc})" for name, sec, rc in suite)
        lines += ["", f"Whole test suite, the two phases of `make test`: {sum(s for _, s, _ in suite):.0f} s "
                      f"({parts})."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook under notebooks/")
    ap.add_argument("--suite", action="store_true", help="also time the whole test suite")
    ap.add_argument("--no-overhead", action="store_true", help="skip the trainer-overhead measurement")
    ap.add_argument("--out", type=Path, help="Markdown file (default: benchmarks/<device>.md)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import d2lite as d2l

    paths = [p.resolve() for p in args.notebooks] or sorted(
        p for p in (ROOT / "notebooks").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
    rows = []
    for p in paths:
        rows.append(run_notebook(p))
        r = rows[-1]
        print(f"{r['seconds']:6.1f} s {r['peak_mib']:7.0f} MiB  {r['notebook']}  {r['error']}", flush=True)
    overhead = None if args.no_overhead else trainer_overhead()
    suite = suite_seconds() if args.suite else None
    out = args.out or ROOT / "benchmarks" / f"{d2l.get_device().type}.md"
    out.write_text(table(rows, overhead, suite, machine()), encoding="utf-8")
    print(f"wrote {out}")
    return 1 if any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
