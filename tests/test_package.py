"""The package stays a readable toolbox: documented public API, modules of modest size."""
import inspect
from pathlib import Path

import d2lite as d2l

PUBLIC = [name for name in dir(d2l) if not name.startswith("_") and callable(getattr(d2l, name))]


def test_every_public_callable_is_documented():
    undocumented = [n for n in PUBLIC if not inspect.getdoc(getattr(d2l, n))]
    assert not undocumented, f"add docstrings to: {undocumented}"


def test_modules_stay_small():
    root = Path(d2l.__file__).parent
    sizes = {str(p.relative_to(root)): len(p.read_text().splitlines()) for p in root.rglob("*.py")}
    too_big = {k: v for k, v in sizes.items() if v > 400}
    assert not too_big, f"split these modules (one concept each, ~100-350 lines): {too_big}"
