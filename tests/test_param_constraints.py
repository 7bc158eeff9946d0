"""Declared parameter constraints (gklib.params): the constraint types, the decorator, and a walk over every
public callable that declares constraints, feeding each declared parameter the invalid values its constraint
generates and requiring an error that names that parameter (never a result, never an unrelated error)."""
import dataclasses
from collections.abc import Callable
import importlib
import inspect
import math

import numpy as np
import pytest
import torch
from hypothesis import given, strategies as st

import gklib as gk
from gklib.params import (Array, Boolean, Instance, Integer, InvalidParameterError, Options, Pattern, Real, Reals,
                          constraints_of, validate_params)

PACKAGES = ["gklib", "gklib.toy", "gklib.kernels", "gklib.nets", "gklib.dmft", "gklib.metrics", "gklib.data",
            "gklib.history", "gklib.config", "gklib.runtime", "gklib.frontend", "gklib.training", "gklib.validation",
            "gklib.optim", "gklib.scorecard",
            "gklib.viz", "gklib.viz.style", "gklib.viz.story", "gklib.viz.live", "gklib.viz.dmft"]
# Modules whose every public callable declares its parameters (the others still check inside their bodies).
CONVERTED = {  # one module a line, sorted
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
}
# Parameters that take any object by design (callbacks, devices, dtypes checked elsewhere, step counts that
# may be per-run arrays, Adam's betas, the Task dataclass's fields, by_profile's per-profile values).
FREE = {"device", "dtype", "callback", "steps", "betas", "z", "seed", "quick", "book", "paper"}
# gklib.viz: matplotlib axes, figures and colours (anything matplotlib accepts; checked by matplotlib).
FREE |= {"ax", "axes", "axs", "fig", "color"}
# Per callable: parameters left undeclared on purpose.
UNDECLARED = {
    "diverged": {"loss", "ref"},                 # runs on the device inside every training step: no checks
    "divergence_message": {"loss", "runs"},      # formats what a diverged run produced (inf, NaN, any runs)
    "record": {"value", "passed"},               # a record holds any number, string or list; passed: bool(s)
    "validate_row": {"row"},                     # its own checks name the row and the field
}


def _public_callables():
    seen, out = set(), []
    for pkg in PACKAGES:
        mod = importlib.import_module(pkg)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and id(obj) not in seen:
                seen.add(id(obj))
                out.append(obj)
    return out


CALLABLES = _public_callables()
DECLARED = [f for f in CALLABLES if constraints_of(f)]


def _history():
    steps = np.arange(4.0)
    loss = np.array([1.0, 0.5, 0.05, 0.01])
    return gk.History(steps=steps, train_loss=loss, test_loss=loss * 2, weight_norm=np.ones(4),
                      train_acc=np.array([0.1, 0.5, 0.99, 1.0]), test_acc=np.array([0.1, 0.2, 0.5, 0.99]))


def _simulation():
    z = np.zeros((1, 2, 1))
    return gk.dmft.SimulationResult(t=np.arange(2.0), steps=np.arange(2), train_loss=np.ones((1, 2)),
                                    test_loss=np.ones((1, 2)), C=z[..., None] + 1, m=z, q_star=np.ones(1))


def _dmft_result():
    return gk.dmft.solve_dmft(1, 4.0, 1.0, 0.5, steps=1, samples=16, progress_bar=False)


_INSTANCES = {gk.History: _history, gk.dmft.SimulationResult: _simulation, gk.dmft.DMFTResult: _dmft_result,
              gk.CommitteeMachine: lambda: gk.CommitteeMachine(4, 3),
              gk.Task: lambda: gk.quadratic_task(D=4, P=5, P_test=5), torch.Generator: torch.Generator,
              str: lambda: "text", dict: lambda: {"alpha": [1.0]},
              torch.nn.Module: lambda: torch.nn.Linear(2, 1), Callable: lambda: (lambda *args: None)}


def _valid(c):
    """A value that satisfies constraint ``c``."""
    if isinstance(c, Options):
        return c.options[0]
    if isinstance(c, Boolean):
        return True
    if isinstance(c, Pattern):
        return c.example
    if isinstance(c, Instance):
        made = getattr(c, "make_example", lambda: None)()      # gklib.viz's Duck: a predicate, its example
        if made is not None:
            return made
        known = [t for t in c.types if t in _INSTANCES]
        if not known and c.none_ok:
            return None
        return _INSTANCES[known[0]]()
    if isinstance(c, Array):
        ndim = 1 if c.ndim is None else max(c.ndim)
        return np.ones((4,) * ndim) if ndim else np.float64(1.0)
    for v in (1, 2, 0.5, 0, 10, 1e5):
        if c.holds(v):
            return v
    raise AssertionError(f"no valid example for {c.describe()}")


def _cases():
    for f in DECLARED:
        for pname, c in constraints_of(f).items():
            for bad in c.invalid_examples():
                yield pytest.param(f, pname, bad, id=f"{f.__qualname__}-{pname}-{bad!r}"[:90])


@pytest.mark.parametrize("func, pname, bad", list(_cases()))
def test_every_declared_parameter_refuses_invalid_values(func, pname, bad):
    sig = inspect.signature(func)
    declared = constraints_of(func)
    kwargs = {}
    for name, p in sig.parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if name == pname:
            kwargs[name] = bad
        elif name in declared:
            kwargs[name] = _valid(declared[name])
        elif p.default is p.empty:
            kwargs[name] = object()          # never reached: the check comes first
    with pytest.raises(InvalidParameterError) as info:
        func(**kwargs)
    assert str(info.value).startswith(f"{pname} must be "), str(info.value)
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def test_the_walk_covers_the_converted_modules():
    assert len(DECLARED) >= 15
    missing = {}
    for f in CALLABLES:
        if f.__module__ not in CONVERTED:
            continue
        target = f.__init__ if inspect.isclass(f) else f
        params = [n for n, p in inspect.signature(target).parameters.items()
                  if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        undeclared = [n for n in params if n not in constraints_of(f) and n not in FREE
                      and n not in UNDECLARED.get(f.__name__, ())]
        if undeclared and not dataclasses.is_dataclass(f):      # records (History, Task) hold what they are given
            missing[f.__qualname__] = undeclared
    assert not missing, f"public callables with undeclared parameters: {missing}"


# --- the constraint types ---------------------------------------------------------------------------------

def test_messages_share_one_vocabulary():
    @validate_params(n=Integer(1), x=Real(0, 1, closed="left"), how=Options("a", "b"), flag=Boolean(),
                     v=Reals(0, closed="neither"), arr=Array(1, min_size=2), h=Instance(gk.History, what="a History"))
    def f(n, x=0.5, how="a", flag=False, v=1.0, arr=(1.0, 2.0), h=None):
        return n

    assert f(3, h=_history()) == 3
    cases = [({"n": 0}, "n must be an integer >= 1, got 0"),
             ({"n": 1, "x": 1.0}, "x must be a finite real number >= 0 and < 1, got 1.0"),
             ({"n": 1, "how": "c"}, "how must be one of ('a', 'b'), got 'c'"),
             ({"n": 1, "flag": 1}, "flag must be True or False, got 1"),
             ({"n": 1, "v": [1.0, -1.0]}, "v must be a finite real number > 0 (or a non-empty 1-D sequence of them)"),
             ({"n": 1, "arr": [1.0]}, "arr must be a 1-D array of finite numbers with at least 2 entries"),
             ({"n": 1, "h": 3}, "h must be a History, got 3")]
    for kw, msg in cases:
        with pytest.raises(InvalidParameterError) as info:
            f(**kw)
        assert str(info.value).startswith(msg), str(info.value)


def test_none_ok_and_defaults_are_not_checked_twice():
    @validate_params(k=Integer(1, none_ok=True))
    def f(k=None):
        return k

    assert f() is None and f(None) is None and f(4) == 4
    with pytest.raises(InvalidParameterError, match=r"k must be an integer >= 1 or None, got 0"):
        f(0)


def test_declarations_must_name_parameters_and_be_constraints():
    with pytest.raises(TypeError, match="no parameter"):
        validate_params(nope=Integer())(lambda x: x)
    with pytest.raises(TypeError, match="must be a Constraint"):
        validate_params(x=int)
    with pytest.raises(ValueError, match="closed"):
        Real(0, 1, closed="open")


def test_a_wrong_call_is_reported_by_python_itself():
    @validate_params(n=Integer(1))
    def f(n):
        return n

    with pytest.raises(TypeError, match="missing"):
        f()


@given(st.integers(-10**6, 10**6))
def test_integer_bounds_against_a_plain_comparison(v):
    c = Integer(-5, 7)
    assert c.holds(v) == (-5 <= v <= 7)
    assert c.holds(float(v)) == (-5 <= v <= 7)
    assert not c.holds(v + 0.5)


@given(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["both", "left", "right", "neither"]))
def test_real_intervals_against_a_plain_comparison(v, closed):
    c = Real(-1.0, 2.0, closed=closed)
    lo_ok = v > -1.0 or (v == -1.0 and closed in ("both", "left"))
    hi_ok = v < 2.0 or (v == 2.0 and closed in ("both", "right"))
    assert c.holds(v) == (math.isfinite(v) and lo_ok and hi_ok)


def test_every_invalid_example_is_refused_by_its_own_constraint():
    for f in DECLARED:
        for name, c in constraints_of(f).items():
            for bad in c.invalid_examples():
                if bad is None and c.none_ok:
                    continue
                assert not c.holds(bad), (f.__qualname__, name, bad)
            assert c.holds(_valid(c)) or isinstance(c, Instance)


def test_the_api_reference_lists_each_declaration():
    """The Sphinx helper of the API pages (book/_ext/gklib_xref.py) renders a function's declared constraints
    from the declaration itself, one bullet per parameter."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "book" / "_ext"))
    try:
        import gklib_xref
    finally:
        sys.path.pop(0)
    lines = gklib_xref.constraint_lines(gk.quadratic_task)
    assert ".. rubric:: Parameter constraints" in lines
    assert "* **D** : an integer >= 1" in lines
    assert "* **beta_scale** : a finite real number > 0 and <= 1e+06" in lines
    assert any(line.startswith("* **alpha** : a finite real number > 0") for line in
               gklib_xref.constraint_lines(gk.CommitteeMachine))
    assert gklib_xref.constraint_lines(gk.History.runs) == []
