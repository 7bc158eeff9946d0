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
