"""The public API of gklib (#30): every name that was reachable stays reachable, as the same object.

``api_names.json`` is the snapshot of the public names of ``gklib`` and its subpackages taken before the
namespace was made explicit (name -> where the object is defined); the chapters, tests and benchmarks
are also scanned for the names they actually use (``gk.<name>``, ``from gklib... import ...``).
"""
from __future__ import annotations

import importlib
import json
import re
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = json.loads((Path(__file__).with_name("api_names.json")).read_text())


def _origin(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return "module " + obj.__name__
    if isinstance(obj, (type, types.FunctionType)):
        return obj.__module__ + "." + obj.__qualname__
    return "value " + type(obj).__name__


def _snapshot_cases():
    return [(mod, name) for mod, names in sorted(SNAPSHOT.items()) for name in sorted(names)]


@pytest.mark.parametrize("module,name", _snapshot_cases(), ids=lambda x: x)
def test_snapshot_name_reachable(module, name):
    """Each public name of the snapshot is still an attribute of its (sub)package, the same object."""
    mod = importlib.import_module(module)
    assert hasattr(mod, name), f"{module}.{name} is no longer reachable"
    assert _origin(getattr(mod, name)) == SNAPSHOT[module][name]


def test_snapshot_is_substantial():
    """The snapshot itself was not emptied (a test over an empty list cannot fail)."""
    assert len(SNAPSHOT["gklib"]) >= 130
    assert {"gklib.toy", "gklib.kernels", "gklib.nets", "gklib.dmft", "gklib.viz"} <= set(SNAPSHOT)


# -- names the chapters, tests and benchmarks use ---------------------------------------------------------------

def _sources():
    for path in sorted([*ROOT.glob("book/*.ipynb"), *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*.py"),
                        *ROOT.glob("lab/**/*.py"), *ROOT.glob("lab/**/*.ipynb")]):
        if path.name == Path(__file__).name:
            continue
        text = path.read_text()
        if path.suffix == ".ipynb":
            nb = json.loads(text)
            text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        yield path, text


_GK_ATTR = re.compile(r"(?<![\w.])gk\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)")
_FROM = re.compile(r"^\s*from\s+(gklib(?:\.\w+)*)\s+import\s+(\([^)]*\)|[^\n#]+)", re.M)


def used_names():
    """``{"gk.<dotted>"}`` and ``{("gklib.mod", "name")}`` used in the course's code."""
    attrs, froms = set(), set()
    for _, text in _sources():
        if "import gklib as gk" in text:
            attrs.update(_GK_ATTR.findall(text))
        for mod, names in _FROM.findall(text):
            names = re.sub(r"#[^\n]*", "", names).strip("() \n\\")
            for item in names.split(","):
                item = item.strip()
                if item:
                    froms.add((mod, item.split(" as ")[0].strip()))
    return attrs, froms


ATTRS, FROMS = used_names()


def test_usage_scan_finds_names():
    assert len(ATTRS) >= 40 and len(FROMS) >= 60
    assert "train" in ATTRS and ("gklib.nets", "fit") in FROMS


@pytest.mark.parametrize("dotted", sorted(ATTRS))
def test_used_gk_attribute_resolves(dotted):
    """``gk.a.b.c`` as the chapters, tests and benchmarks write it (a method of a class counts)."""
    import gklib as gk

    obj = gk
    for part in dotted.split("."):
        assert hasattr(obj, part), f"gk.{dotted}: no {part!r}"
        obj = getattr(obj, part)


@pytest.mark.parametrize("module,name", sorted(FROMS))
def test_used_from_import_resolves(module, name):
    """``from gklib.x import name`` as the course's code writes it."""
    mod = importlib.import_module(module)
    if not hasattr(mod, name):  # a submodule not yet imported
        importlib.import_module(f"{module}.{name}")
    assert hasattr(mod, name), f"from {module} import {name}"


# -- the explicit namespace -------------------------------------------------------------------------------------

PACKAGES = ["gklib", "gklib.toy", "gklib.kernels", "gklib.nets", "gklib.dmft", "gklib.viz"]


@pytest.mark.parametrize("package", PACKAGES)
def test_all_has_no_duplicates_and_resolves(package):
    mod = importlib.import_module(package)
    names = mod.__all__
    assert len(names) >= 20
    dups = sorted({n for n in names if names.count(n) > 1})
    assert not dups, f"{package}.__all__ lists {dups} more than once"
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{package}.__all__ names {missing}, which do not resolve"
    assert set(names) <= set(dir(mod)), "dir() hides names of __all__"


@pytest.mark.parametrize("package", PACKAGES)
def test_all_lists_every_public_name(package):
    """``__all__`` lists every public object of the snapshot (the submodules of a subpackage aside)."""
    expected = {n for n, origin in SNAPSHOT[package].items()
                if n != "__version__" and (package == "gklib" or not origin.startswith("module "))}
    assert set(importlib.import_module(package).__all__) == expected


@pytest.mark.parametrize("package", ["gklib", "gklib.toy", "gklib.kernels", "gklib.nets", "gklib.dmft"])
def test_no_star_imports(package):
    source = Path(importlib.import_module(package).__file__).read_text()
    assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", source, re.M)


def test_unknown_attribute_raises_attribute_error():
    import gklib as gk

    with pytest.raises(AttributeError, match="no_such_name"):
        gk.no_such_name
    with pytest.raises(AttributeError, match="no_such_name"):
        gk.kernels.no_such_name
    assert not hasattr(gk, "no_such_name")


def test_import_is_light_and_lazy_names_load():
    """``import gklib`` loads neither pyplot, IPython, ipywidgets nor scipy.optimize; the lazy names then load."""
    import subprocess
    import sys

    code = (
        "import sys, gklib as gk\n"
        "heavy = ('matplotlib.pyplot', 'IPython', 'ipywidgets', 'scipy.optimize')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "from gklib import viz\n"
        "assert gk.viz is viz and callable(gk.viz.use_style) and gk.plot_sweep is viz.plot_sweep\n"
        "assert gk.mercer_spectrum is gk.kernels.spectrum.mercer_spectrum\n"
        "assert gk.mode_learning is gk.kernels.dynamics.mode_learning\n"
        "from gklib.kernels import MercerSpectrum, power_split\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    before, after = out.stdout.strip().splitlines()
    assert before == "[]", f"import gklib loaded {before}"
    assert "matplotlib.pyplot" in after and "scipy.optimize" in after
