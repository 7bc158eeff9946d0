"""Reference documentation of the core modules (issue #29): every public callable -- function, class and
public method -- has a numpydoc ``Parameters`` section when it takes parameters, ``Returns`` when it returns
something, and an ``Examples`` section with at least one doctest (``make unit`` runs them:
``pytest --doctest-modules gklib``). The test fails listing every callable that lacks one.

``DOCUMENTED`` lists the modules held to this; add a module once its docstrings are complete."""
import ast
import importlib
import inspect
import re
import textwrap

import pytest

DOCUMENTED = [  # one module a line, sorted
    "gklib.comparisons",
    "gklib.config",
    "gklib.curves",
    "gklib.data",
    "gklib.dmft.delay",
    "gklib.dmft.escape",
    "gklib.dmft.gap",
    "gklib.dmft.online",
    "gklib.dmft.results",
    "gklib.dmft.saad_solla",
    "gklib.dmft.sim",
    "gklib.dmft.solver",
    "gklib.dmft.stats",
    "gklib.frontend",
    "gklib.history",
    "gklib.kernels.dynamics",
    "gklib.kernels.ntk",
    "gklib.kernels.regression",
    "gklib.kernels.spectrum",
    "gklib.metrics",
    "gklib.nets.data",
    "gklib.nets.experiments",
    "gklib.nets.laziness",
    "gklib.nets.modules",
    "gklib.nets.trainer",
    "gklib.nets.wrappers",
    "gklib.optim",
    "gklib.params.constraints",
    "gklib.params.core",
    "gklib.runtime",
    "gklib.scorecard.records",
    "gklib.scorecard.rows",
    "gklib.scorecard.rules",
    "gklib.toy.alignment",
    "gklib.toy.diagnostics",
    "gklib.toy.equivalence",
    "gklib.toy.experiments",
    "gklib.toy.formula",
    "gklib.toy.kernel_gd",
    "gklib.toy.linearized",
    "gklib.toy.model",
    "gklib.toy.ntk",
    "gklib.toy.tasks",
    "gklib.toy.theory",
    "gklib.toy.trainer",
    "gklib.training",
    "gklib.validation.arrays",
    "gklib.validation.scalars",
    "gklib.viz.chapter_explorers",
    "gklib.viz.dmft",
    "gklib.viz.explorers",
    "gklib.viz.figures",
    "gklib.viz.kernel_figures",
    "gklib.viz.live",
    "gklib.viz.nets",
    "gklib.viz.slider",
    "gklib.viz.story",
    "gklib.viz.style",
    "gklib.viz.sweeps",
]

_SECTION = re.compile(r"^\s*(Parameters|Returns|Yields|Raises|Examples|Attributes|Notes)\s*\n\s*-{3,}\s*$",
                      re.MULTILINE)


def _public(mod):
    """(qualified name, object) for every public function and class defined in ``mod`` and every public method
    of those classes, inherited ones from gklib bases included (properties are attributes, documented in their
    class)."""
    names = getattr(mod, "__all__", None) or [n for n in vars(mod) if not n.startswith("_")]
    out = []
    for name in names:
        obj = getattr(mod, name, None)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)) or obj.__module__ != mod.__name__:
            continue
        out.append((name, obj))
        if inspect.isclass(obj):
            seen = set()
            # its own methods, then those it inherits from gklib bases (e.g. a mixin in another module)
            for klass in [k for k in obj.__mro__ if k.__module__.startswith("gklib")]:
                for attr, member in vars(klass).items():
                    if attr.startswith("_") or attr in seen:
                        continue
                    seen.add(attr)
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    if inspect.isfunction(member):
                        out.append((f"{name}.{attr}", getattr(obj, attr)))
    return out


def _sections(doc):
    return set(_SECTION.findall(doc or ""))


def _takes_parameters(obj):
    if inspect.isclass(obj) and not any("__init__" in vars(k) for k in obj.__mro__
                                        if k.__module__.startswith("gklib")):
        return False                     # the constructor of a builtin base (an exception, object)
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False
    return any(n not in ("self", "cls") for n in params)


def _returns_something(obj):
    """A function whose source has a ``return <value>`` or ``yield`` (classes and ``-> None`` do not)."""
    if inspect.isclass(obj):
        return False
    func = inspect.unwrap(obj)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False
    node = tree.body[0]
    if getattr(node, "returns", None) is not None and ast.unparse(node.returns) == "None":
        return False
    for sub in ast.walk(node):
        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and sub is not node:
            continue
        if isinstance(sub, ast.Return) and sub.value is not None and not (
                isinstance(sub.value, ast.Constant) and sub.value.value is None):
            return True
        if isinstance(sub, (ast.Yield, ast.YieldFrom)):
            return True
    return False


def _missing(qualname, obj):
    doc = inspect.getdoc(obj) or ""
    found = _sections(doc)
    lacks = []
    if not doc.strip():
        return ["a docstring"]
    if _takes_parameters(obj) and "Parameters" not in found:
        lacks.append("Parameters")
    if _returns_something(obj) and not found & {"Returns", "Yields"}:
        lacks.append("Returns")
    if "Examples" not in found or ">>> " not in doc:
        lacks.append("Examples")
    return lacks


@pytest.mark.parametrize("module", DOCUMENTED)
def test_every_public_callable_is_documented(module):
    mod = importlib.import_module(module)
    members = _public(mod)
    assert members, f"{module} has no public callables"
    missing = {q: lacks for q, obj in members if (lacks := _missing(q, obj))}
    assert not missing, f"{module}: public callables lacking sections: {missing}"


def test_the_checker_sees_a_missing_section():
    def documented(x):
        """Square.

        Parameters
        ----------
        x : float
            A number.

        Returns
        -------
        float

        Examples
        --------
        >>> documented(2.0)
        4.0
        """
        return x * x

    def bare(x):
        """Square."""
        return x * x

    assert _missing("documented", documented) == []
    assert _missing("bare", bare) == ["Parameters", "Returns", "Examples"]


def test_the_api_pages_render_numpydoc_sections():
    """book/_ext/gklib_xref.py: typed entries become bullets with the type in italics and the description
    below; unnamed Returns/Raises entries too; an Examples section after Returns is a rubric, not a title."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
    try:
        import gklib_xref
    finally:
        sys.path.pop(0)
    lines = textwrap.dedent('''\
        Sum.

        Parameters
        ----------
        X : torch.Tensor, shape (n, D)
            Inputs.
        *args : float
            More.

        Returns
        -------
        float
            The sum.

        Examples
        --------
        >>> 1 + 1
        2''').splitlines()
    gklib_xref.format_sections(lines)
    assert "* **X** : *torch.Tensor, shape (n, D)*" in lines
    assert "* **\\*args** : *float*" in lines
    assert "* *float*" in lines and "  The sum." in lines
    assert ".. rubric:: Examples" in lines and "--------" not in lines
