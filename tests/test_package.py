"""The package stays a readable toolbox: documented public API, modules of modest size."""
import importlib
import inspect
import re
from pathlib import Path

import pytest

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


MODULES = sorted(p.stem for p in Path(d2l.__file__).parent.glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("name", MODULES)
def test_each_module_lists_its_public_names(name):
    module = importlib.import_module(f"d2lite.{name}")
    assert hasattr(module, "__all__"), f"d2lite/{name}.py has no __all__"
    missing = [n for n in module.__all__ if not hasattr(module, n)]
    assert not missing, f"d2lite.{name}.__all__ lists names it does not define: {missing}"
    assert len(set(module.__all__)) == len(module.__all__), f"d2lite.{name}.__all__ repeats a name"
    # a public function or class defined here is either in __all__ or named with a leading underscore
    defined = [n for n, v in vars(module).items() if not n.startswith("_") and getattr(v, "__module__", None)
               == module.__name__ and (inspect.isfunction(v) or inspect.isclass(v))]
    unlisted = sorted(set(defined) - set(module.__all__))
    assert not unlisted, f"d2lite.{name} defines public {unlisted} but leaves them out of __all__"


def test_package_exports_exactly_the_union_of_the_modules():
    owners = {}
    for name in MODULES:
        for n in getattr(importlib.import_module(f"d2lite.{name}"), "__all__", ()):
            owners.setdefault(n, []).append(name)
    clashes = {n: m for n, m in owners.items() if len(m) > 1}
    assert not clashes, f"one name, several modules (d2l.<name> would be ambiguous): {clashes}"
    assert sorted(d2l.__all__) == sorted(owners)
    for n, (module,) in owners.items():  # the top-level name is the module's object
        assert getattr(d2l, n) is getattr(importlib.import_module(f"d2lite.{module}"), n), n
    exported = {n for n, v in vars(d2l).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert exported == set(d2l.__all__), f"imported but not in __all__: {sorted(exported - set(d2l.__all__))}"


def test_modules_named_in_the_package_docstring():
    listed = set(re.findall(r"^``(\w+)``", d2l.__doc__, flags=re.M))
    assert listed == set(MODULES), f"module map out of date: {sorted(listed ^ set(MODULES))}"
