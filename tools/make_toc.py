"""Write _toc.yml from the chapter folders: notebooks/chNN_*/index.md and its section notebooks.

    python tools/make_toc.py          # rewrite _toc.yml
    python tools/make_toc.py --check  # exit 1 if _toc.yml is out of date (the tests run this)

A chapter appears once its folder has an index.md; sections are its notebooks in file order.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARTS = [  # (caption, first chapter, last chapter), following ../shared/CHAPTERS.md
    ("Optimisation", 1, 1),
    ("Neural networks", 2, 4),
    ("Convolutional networks", 5, 6),
    ("Sequences", 7, 7),
    ("Attention and Transformers", 8, 11),
    ("Classical models", 12, 14),
    ("Generative models and graphs", 15, 17),
]
HEADER = """# Table of contents, written by tools/make_toc.py from notebooks/chNN_*/ (do not edit by hand).
format: jb-book
root: book/index
parts:
  - caption: Getting started
    chapters:
      - file: book/preface
      - file: book/how_to_use
      - file: book/notation
      - file: book/glossary
"""
FOOTER = """  - caption: Back matter
    chapters:
      - file: book/references
"""


def render() -> str:
    chapters = {}
    for folder in sorted((ROOT / "notebooks").glob("ch[0-9][0-9]_*")):
        if (folder / "index.md").exists():
            chapters[int(folder.name[2:4])] = folder
    out = [HEADER]
    for caption, lo, hi in PARTS:
        inside = [chapters.pop(n) for n in sorted(chapters) if lo <= n <= hi]
        if not inside:
            continue
        out.append(f"  - caption: {caption}\n    chapters:\n")
        for folder in inside:
            rel = folder.relative_to(ROOT).as_posix()
            out.append(f"      - file: {rel}/index\n")
            sections = sorted(folder.glob("*.ipynb"))
            if sections:
                out.append("        sections:\n")
                out.extend(f"          - file: {rel}/{nb.stem}\n" for nb in sections)
    if chapters:
        raise SystemExit(f"chapters outside every part: {sorted(chapters)}; extend PARTS")
    out.append(FOOTER)
    return "".join(out)


def main(argv) -> int:
    text, path = render(), ROOT / "_toc.yml"
    if "--check" in argv:
        if path.read_text(encoding="utf-8") != text:
            print("_toc.yml is out of date: run python tools/make_toc.py")
            return 1
        return 0
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
