"""The package stays a readable toolbox (documented public API, modules of modest size), and it
is a real package: its wheel builds, holds every module, declares every distribution d2lite
imports, and works installed in a fresh virtual environment with nothing but what it declares."""
import ast
import importlib
import importlib.metadata as md
import inspect
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import d2lite as d2l

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "d2lite"
PUBLIC = [name for name in dir(d2l) if not name.startswith("_") and callable(getattr(d2l, name))]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DEPENDENCIES = [Requirement(r) for r in PYPROJECT["dependencies"]]


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


# ------------------------------------------------------------------------------------ packaging
def _imports() -> dict[str, set[str]]:
    """Third-party top-level modules d2lite imports anywhere (inside functions too), by module
    file; plus packages it only looks up with ``importlib.util.find_spec("name")``, as ``find_spec:name``."""
    found: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "find_spec" and node.args
                  and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                names = ["find_spec:" + node.args[0].value]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "d2lite":
                    found.setdefault(top, set()).add(path.name)
    return found


def test_every_import_is_a_declared_dependency():
    declared = {canonicalize_name(r.name) for r in DEPENDENCIES}
    owners = md.packages_distributions()
    imports = _imports()
    assert {"torch", "numpy", "mlxtend", "babel"} <= set(imports), f"the import scan missed some: {sorted(imports)}"
    undeclared = {}
    for module, files in imports.items():
        if module.startswith("find_spec:"):
            continue
        dists = {canonicalize_name(d) for d in owners.get(module, [])}
        if not dists:
            undeclared[module] = f"imported in {sorted(files)}, and no installed distribution provides it"
        elif not dists & declared:
            undeclared[module] = f"imported in {sorted(files)}, provided by {sorted(dists)}"
    assert not undeclared, f"add to pyproject.toml's dependencies: {undeclared}"
    # Packages d2lite only finds (never imports) are data-only wheels installed without their
    # dependencies: pinned in requirements-nodeps.txt, deliberately not dependencies (a dependency
    # would pull in theirs; see the comment in pyproject.toml).
    nodeps = {canonicalize_name(Requirement(line).name)
              for line in (ROOT / "requirements-nodeps.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")}
    for module in (m.split(":", 1)[1] for m in imports if m.startswith("find_spec:")):
        dists = {canonicalize_name(d) for d in owners.get(module, [module])}
        assert dists & nodeps and not dists & declared, f"{module}: expected only in requirements-nodeps.txt"


def _closure(requirements) -> dict[str, md.Distribution]:
    """The installed distributions that satisfy ``requirements`` and, recursively, theirs
    (markers evaluated for this interpreter; a version outside a range fails)."""
    found: dict[str, md.Distribution] = {}
    seen, todo = set(), [(r, "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({**default_environment(), "extra": extra}):
            continue
        name = canonicalize_name(req.name)
        try:
            dist = found.get(name) or md.distribution(req.name)
        except md.PackageNotFoundError:
            raise AssertionError(f"{req} is required but not installed") from None
        assert req.specifier.contains(dist.version, prereleases=True), f"installed {name} {dist.version}: not {req}"
        found[name] = dist
        for e in {"", *req.extras} - {e for n, e in seen if n == name}:
            seen.add((name, e))
            todo += [(Requirement(r), e) for r in dist.requires or []]
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """d2lite's wheel, built by pip from the package's files (offline, no build isolation)."""
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("wheel")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(PACKAGE, src / "d2lite", ignore=shutil.ignore_patterns("__pycache__"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "--no-cache-dir", "-q", "-w", str(out), str(src)], capture_output=True, text=True,
                          env=_pip_env())
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (path,) = out.glob("d2lite-*.whl")
    return path


def _pip_env() -> dict[str, str]:
    # No pip configuration of this machine (find-links, extra indexes, constraints): only what
    # the command line gives, and no index at all.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def test_wheel_holds_every_module_and_declares_the_dependencies(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = z.read(meta).decode()
    files = [f"d2lite/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*.py")]
    missing = sorted(f for f in files if f not in names)  # subpackages (d2lite/_checks/) too
    assert not missing, f"the wheel lacks {missing}"
    def key(r: Requirement):
        return canonicalize_name(r.name), str(r.specifier), str(r.marker or "")

    requires = {key(Requirement(line.split(":", 1)[1])) for line in metadata.splitlines()
                if line.startswith("Requires-Dist:")}
    assert {key(r) for r in DEPENDENCIES} <= requires
    assert {"book", "test", "notebooks"} <= {line.split(":", 1)[1].strip() for line in metadata.splitlines()
                                            if line.startswith("Provides-Extra:")}


def test_wheel_works_in_a_fresh_venv_with_only_its_dependencies(wheel, tmp_path):
    """A fresh venv (no system site-packages) sees exactly the distributions d2lite's metadata
    requires, transitively, as installed here (linked into one folder on its path, since the
    tests have no network to download them); pip installs the wheel there without an index,
    so it must find every requirement, in range, among them; then every module imports, and so
    does every third-party module d2lite imports inside a function."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    py = tmp_path / "venv" / "bin" / "python"
    site = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    deps = tmp_path / "deps"
    deps.mkdir()
    closure = _closure(DEPENDENCIES)
    assert "d2lite" not in closure and {"torch", "numpy", "sphinx"} <= set(closure)
    for dist in closure.values():
        base = Path(dist.locate_file(""))
        for top in {Path(f).parts[0] for f in dist.files or [] if not str(f).startswith("..")} - {"__pycache__"}:
            if not (deps / top).exists():
                (deps / top).symlink_to(base / top)
    (site / "d2lite-deps.pth").write_text(f"{deps}\n", encoding="utf-8")
    env = _pip_env()
    env["PYTHONPATH"] = str(ROOT / "tests" / "netguard")  # the network guard only: not this checkout
    proc = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-index", "--no-cache-dir",
                           "-q", str(wheel)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lazy = sorted(m for m in _imports() if not m.startswith("find_spec:"))  # imported inside functions too
    code = ("import importlib, importlib.util, pkgutil, d2lite\n"
            f"assert d2lite.__file__.startswith({str(site)!r}), d2lite.__file__\n"
            "for m in pkgutil.iter_modules(d2lite.__path__): importlib.import_module('d2lite.' + m.name)\n"
            f"for m in {lazy!r}: importlib.import_module(m)\n"
            "assert importlib.util.find_spec('jupyter_book') is None  # the book's tools are not there\n"
            "print(len(list(pkgutil.iter_modules(d2lite.__path__))))")
    proc = subprocess.run([py, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    subpackages = [d for d in PACKAGE.iterdir() if (d / "__init__.py").exists()]
    # every module but __init__, and every subpackage (d2lite._checks)
    assert int(proc.stdout.split()[-1]) == len(list(PACKAGE.glob("*.py"))) - 1 + len(subpackages)
