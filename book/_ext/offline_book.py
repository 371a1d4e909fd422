"""Sphinx extension: the rendered book needs no network.

Sphinx's default loads MathJax from a CDN. This serves MathJax 3 from the built site instead,
copied from the ``django-static-mathjax`` wheel of pyproject.toml's ``book`` extra (it ships
MathJax's distribution files and nothing else that the book uses; it needs no Django).

Jupyter Book 1 also adds thebe (live code through a remote Binder kernel), which loads its
library from a CDN when used. It cannot work offline, so its scripts are dropped from every
page: readers run the notebooks live in JupyterLab instead, where the sliders work too.
"""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

SITE_DIR = "mathjax"  # under _static/


def _mathjax_es5() -> Path:
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("MathJax for the offline book is missing: pip install django-static-mathjax "
                           "(pyproject.toml, extra book)")
    es5 = Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax" / "es5"
    if not (es5 / "tex-mml-chtml.js").exists():
        raise RuntimeError(f"expected MathJax's tex-mml-chtml.js under {es5}, found none")
    return es5


def _use_local_mathjax(app, config) -> None:
    _mathjax_es5()  # fail early, with the install hint, rather than after executing notebooks
    config.mathjax_path = f"{SITE_DIR}/tex-mml-chtml.js"  # relative: served from _static/


def _copy_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        shutil.copytree(_mathjax_es5(), Path(app.outdir) / "_static" / SITE_DIR, dirs_exist_ok=True)


def _drop_thebe(app, pagename, templatename, context, doctree) -> None:
    def online(script) -> bool:
        text = f"{script} {getattr(script, 'attributes', {})}"
        return "thebe" in text.lower()

    if "script_files" in context:
        context["script_files"] = [s for s in context["script_files"] if not online(s)]


def setup(app):
    app.connect("config-inited", _use_local_mathjax)
    app.connect("build-finished", _copy_mathjax)
    app.connect("html-page-context", _drop_thebe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
