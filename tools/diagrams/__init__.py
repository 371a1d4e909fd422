"""The book's diagrams, drawn from source: ``tools/make_diagrams.py`` writes each one to
``notebooks/figures/NAME.svg``. See README.md beside this file for the style and how to add one."""
from __future__ import annotations

from typing import Callable

from .svg import Diagram

DIAGRAMS: dict[str, Callable[[], Diagram]] = {}


def diagram(name: str):
    """Register ``fn() -> Diagram`` under ``name`` (the file is ``notebooks/figures/NAME.svg``)."""
    def register(fn):
        if name in DIAGRAMS:
            raise ValueError(f"two diagrams are named {name!r}")
        DIAGRAMS[name] = fn
        return fn
    return register
