"""Wrap the comments of notebook code cells to the book's code width (79 characters).

A code line wider than 79 characters scrolls sideways on the rendered page. `ruff format`
(see pyproject.toml) wraps the code; it never touches comments, so this script does: a
full-line comment is wrapped onto as many comment lines as it needs, and a trailing comment
that makes its line too long moves onto its own line(s) above the code.

    .venv/bin/python tools/wrap_comments.py notebooks/ch09_*/*.ipynb
"""
from __future__ import annotations

import io
import json
import sys
import textwrap
import tokenize
from pathlib import Path

WIDTH = 79


def _comments(source: str) -> list[tuple[int, int, str]]:
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    return [(t.start[0], t.start[1], t.string)
            for t in toks if t.type == tokenize.COMMENT]


def _wrapped(indent: str, text: str) -> list[str]:
    parts = textwrap.wrap(text[1:].strip(), WIDTH - len(indent) - 2,
                          break_long_words=False, break_on_hyphens=False)
    return [f"{indent}# {part}" for part in parts]


def wrap_source(source: str) -> str:
    lines = source.split("\n")
    for row, col, text in sorted(_comments(source), reverse=True):
        line = lines[row - 1]
        if len(line) <= WIDTH or text.startswith("#!"):
            continue
        indent = line[: len(line) - len(line.lstrip())]
        code = line[:col].rstrip()
        new = _wrapped(indent, text)
        if not new:
            continue
        lines[row - 1: row] = new if not code else [*new, code]
    return "\n".join(lines)


def wrap_notebook(path: Path) -> bool:
    raw = path.read_text(encoding="utf-8")
    nb = json.loads(raw)
    changed = False
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        src = "".join(cell["source"])
        new = wrap_source(src)
        if new != src:
            cell["source"] = new.splitlines(keepends=True)
            changed = True
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
    return changed


if __name__ == "__main__":
    n = sum(wrap_notebook(Path(p)) for p in sys.argv[1:])
    print(f"{n} notebook(s) changed")
