"""Write every diagram of the book from its source in tools/diagrams/ to notebooks/figures/.

    .venv/bin/python tools/make_diagrams.py            # (re)write the SVG files
    .venv/bin/python tools/make_diagrams.py --check    # fail if a file differs from its source

Each diagram is a function in tools/diagrams/chNN.py decorated with ``@diagram("name")``;
the SVG files are generated, committed text, and tests/test_diagrams.py checks that they match.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "notebooks" / "figures"
sys.path.insert(0, str(ROOT / "tools"))


def render_all() -> dict[str, str]:
    """Name -> SVG text of every registered diagram."""
    from diagrams import DIAGRAMS

    for path in sorted((ROOT / "tools" / "diagrams").glob("ch*.py")):
        importlib.import_module(f"diagrams.{path.stem}")
    return {name: fn().svg() for name, fn in sorted(DIAGRAMS.items())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--png", nargs="*", metavar="NAME",
                        help="also screenshot these diagrams to /tmp/NAME.png (system Chromium)")
    args = parser.parse_args()
    svgs = render_all()
    stale = sorted(n for n, s in svgs.items()
                   if not (FIGURES / f"{n}.svg").exists()
                   or (FIGURES / f"{n}.svg").read_text(encoding="utf-8") != s)
    orphans = sorted(p.stem for p in FIGURES.glob("*.svg") if p.stem not in svgs)
    if args.check:
        for name in stale:
            print(f"notebooks/figures/{name}.svg differs from its source: run {Path(__file__).name}")
        for name in orphans:
            print(f"notebooks/figures/{name}.svg has no source in tools/diagrams/")
        return 1 if stale or orphans else 0
    FIGURES.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (FIGURES / f"{name}.svg").write_text(svgs[name], encoding="utf-8")
    for name in orphans:
        (FIGURES / f"{name}.svg").unlink()
    print(f"{len(svgs)} diagrams, {len(stale)} written, {len(orphans)} removed")
    for name in args.png or ():
        screenshot(name)
    return 0


def screenshot(name: str) -> None:
    """Save /tmp/NAME.png: the diagram as Chromium draws it, to look at while drawing."""
    import re
    import shutil
    import subprocess

    svg = FIGURES / f"{name}.svg"
    w, h = (int(v) for v in re.search(r'width="(\d+)" height="(\d+)"', svg.read_text()).groups())
    chrome = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    subprocess.run([chrome, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot=/tmp/{name}.png", f"--window-size={w},{h}",
                    svg.as_uri()], check=True, capture_output=True)
    print(f"/tmp/{name}.png")


if __name__ == "__main__":
    sys.exit(main())
