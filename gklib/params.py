"""Declared parameter constraints: each public function states its parameters' types and ranges once,
next to its signature, and every call is checked against them before any work is done.

A declaration reads like the documentation::

    @validate_params(D=Integer(low=1), eps=Real(low=0), engine=Options("auto", "stats", "direct"))
    def f(D, eps=0.02, engine="auto"): ...

An argument that breaks its constraint raises :class:`InvalidParameterError` (a subclass of both
``ValueError`` and ``TypeError``, so either may be caught) with one vocabulary of messages::

    D must be an integer >= 1, got -3
    eps must be a finite real number >= 0, got nan
    engine must be one of ('auto', 'stats', 'direct'), got 'fast'

The declarations are kept on the function (``f.__gklib_constraints__``), where the test-suite reads them
to feed every public callable invalid values (:meth:`Constraint.invalid_examples`) and where
:func:`constraints_of` finds them. Arguments that are not declared are left to the function's own checks.
"""
from __future__ import annotations

import functools
import inspect
import math
from numbers import Integral, Real as _Real

import numpy as np

__all__ = ["InvalidParameterError", "Constraint", "Integer", "Real", "Reals", "Options", "Pattern", "Boolean",
           "Instance", "Array", "validate_params", "constraints_of"]


class InvalidParameterError(ValueError, TypeError):
    """An argument that breaks its declared constraint; the message names the parameter."""


def _is_number(value) -> bool:
    return isinstance(value, (_Real, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_))


class Constraint:
    """One parameter's allowed values. ``none_ok``: ``None`` is allowed too (it then means the default
    the docstring names)."""

    none_ok: bool = False

    def describe(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def holds(self, value) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def invalid_examples(self) -> list:
        """Values that must be refused (the walking test feeds them to every declared parameter)."""
        return ["a string"] + ([] if self.none_ok else [None])

    def check(self, value, name: str):
        if value is None and self.none_ok:
            return
        if not self.holds(value):
            text = self.describe() + (" or None" if self.none_ok else "")
            raise InvalidParameterError(f"{name} must be {text}, got {_short(value)}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bounds(low, high, closed: str) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>=' if closed in ('both', 'left') else '>'} {low:g}")
    if high is not None:
        parts.append(f"{'<=' if closed in ('both', 'right') else '<'} {high:g}")
    return " and ".join(parts)


def _within(v: float, low, high, closed: str) -> bool:
    if low is not None and (v < low or (v == low and closed in ("right", "neither"))):
        return False
    if high is not None and (v > high or (v == high and closed in ("left", "neither"))):
        return False
    return True


class Integer(Constraint):
    """An integer (Python or NumPy; an integral float such as ``1e3`` is accepted) in ``[low, high]``."""

    def __init__(self, low=None, high=None, *, none_ok: bool = False):
        self.low, self.high, self.none_ok = low, high, none_ok

    def describe(self) -> str:
        b = _bounds(self.low, self.high, "both")
        return "an integer" + (f" {b}" if b else "")

    def holds(self, value) -> bool:
        if not _is_number(value):
            return False
        v = float(value)
        return math.isfinite(v) and v.is_integer() and _within(v, self.low, self.high, "both")

    def invalid_examples(self) -> list:
        out = super().invalid_examples() + [2.5, float("nan")]
        if self.low is not None:
            out.append(self.low - 1)
        if self.high is not None:
            out.append(self.high + 1)
        return out


class Real(Constraint):
    """A finite real number in the interval from ``low`` to ``high``; ``closed`` says which ends belong to it
    (``"both"``, ``"left"``, ``"right"`` or ``"neither"``)."""

    def __init__(self, low=None, high=None, closed: str = "both", *, none_ok: bool = False):
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.low, self.high, self.closed, self.none_ok = low, high, closed, none_ok

    def describe(self) -> str:
        b = _bounds(self.low, self.high, self.closed)
        return "a finite real number" + (f" {b}" if b else "")

    def holds(self, value) -> bool:
        if not _is_number(value):
            return False
        v = float(value)
        return math.isfinite(v) and _within(v, self.low, self.high, self.closed)

    def invalid_examples(self) -> list:
        out = super().invalid_examples() + [float("nan"), float("inf")]
        if self.low is not None:
            out.append(self.low - 1.0 if self.closed in ("both", "left") else self.low)
        if self.high is not None:
            out.append(self.high + 1.0 if self.closed in ("both", "right") else self.high)
        return out


class Reals(Real):
    """A :class:`Real` or a non-empty 1-D sequence of them (a sweep: one value per run)."""

    def describe(self) -> str:
        return super().describe() + " (or a non-empty 1-D sequence of them)"

    def holds(self, value) -> bool:
        if _is_number(value):
            return super().holds(value)
        if isinstance(value, (str, bytes, dict, set)) or value is None:
            return False
        try:
            arr = np.asarray(value)
        except Exception:
            return False
        if arr.ndim != 1 or arr.size == 0 or arr.dtype == object or arr.dtype.kind not in "iuf":
            return False
        return all(super(Reals, self).holds(v) for v in arr.tolist())

    def invalid_examples(self) -> list:
        return super().invalid_examples() + [[], [[1.0]]]


class Options(Constraint):
    """One of a fixed set of values (strings: compared exactly)."""

    def __init__(self, *options, none_ok: bool = False):
        if not options:
            raise ValueError("Options needs at least one allowed value")
        self.options, self.none_ok = options, none_ok

    def describe(self) -> str:
        return f"one of {self.options!r}"

    def holds(self, value) -> bool:
        return isinstance(value, (str, bool, Integral)) and any(
            value == o and type(value) is type(o) for o in self.options)

    def invalid_examples(self) -> list:
        return [e for e in super().invalid_examples() if e not in self.options] + ["no such option"]


class Pattern(Constraint):
    """A string that matches the regular expression ``regex`` in full (``what`` says in words which strings,
    e.g. ``"'quadratic' or 'hermiteK' (e.g. 'hermite3')"``); ``example`` is one string that matches."""

    def __init__(self, regex: str, *, what: str, example: str, none_ok: bool = False):
        import re

        self.regex, self.what, self.example, self.none_ok = re.compile(regex), what, example, none_ok
        if not self.holds(example):
            raise ValueError(f"example {example!r} does not match {regex!r}")

    def describe(self) -> str:
        return self.what

    def holds(self, value) -> bool:
        return isinstance(value, str) and self.regex.fullmatch(value) is not None

    def invalid_examples(self) -> list:
        return [e for e in super().invalid_examples() if not self.holds(e)] + [3, "no such option"]


class Boolean(Constraint):
    """``True`` or ``False`` (NumPy booleans too; not 0/1 or strings)."""

    def __init__(self, *, none_ok: bool = False):
        self.none_ok = none_ok

    def describe(self) -> str:
        return "True or False"

    def holds(self, value) -> bool:
        return isinstance(value, (bool, np.bool_))

    def invalid_examples(self) -> list:
        return super().invalid_examples() + [2]


class Instance(Constraint):
    """An instance of one of ``types`` (``what`` names them in the message, e.g. ``"a gklib History"``)."""

    def __init__(self, *types, what: str | None = None, none_ok: bool = False):
        if not types:
            raise ValueError("Instance needs at least one type")
        self.types, self.none_ok = types, none_ok
        self.what = what or ("an instance of " + " or ".join(t.__name__ for t in types))

    def describe(self) -> str:
        return self.what

    def holds(self, value) -> bool:
        return isinstance(value, self.types)

    def invalid_examples(self) -> list:
        return [e for e in super().invalid_examples() if not isinstance(e, self.types)] + [3.0]


class Array(Constraint):
    """Array-like numbers (a list, NumPy array or tensor) with ``ndim`` dimensions (one of them when a
    tuple), at least ``min_size`` entries, and, with ``finite``, no NaN or infinite entry."""

    def __init__(self, ndim=None, *, min_size: int = 1, finite: bool = True, none_ok: bool = False):
        self.ndim = (ndim,) if isinstance(ndim, int) else ndim
        self.min_size, self.finite, self.none_ok = min_size, finite, none_ok

    def describe(self) -> str:
        dims = "" if self.ndim is None else " or ".join(f"{d}-D" for d in self.ndim) + " "
        return (f"a {dims}array of {'finite ' if self.finite else ''}numbers"
                + (f" with at least {self.min_size} entries" if self.min_size > 1 else ""))

    def holds(self, value) -> bool:
        if isinstance(value, (str, bytes, dict, set)) or value is None:
            return False
        if hasattr(value, "detach") and hasattr(value, "is_floating_point"):     # a tensor: checked in place
            if value.is_complex() or (self.ndim is not None and value.ndim not in self.ndim):
                return False
            if value.numel() < self.min_size:
                return False
            return not (self.finite and value.is_floating_point()) or bool(value.isfinite().all())
        try:
            arr = np.asarray(value)
        except Exception:
            return False
        if arr.dtype == object or arr.dtype.kind not in "biuf":
            return False
        if self.ndim is not None and arr.ndim not in self.ndim:
            return False
        if arr.size < self.min_size:
            return False
        return not self.finite or bool(np.isfinite(arr).all())

    def invalid_examples(self) -> list:
        out = super().invalid_examples() + ([[float("nan")] * max(2, self.min_size)] if self.finite else [])
        if self.ndim is not None and 3 not in self.ndim:
            out.append(np.ones((2, 2, 2)))
        return out


def validate_params(**constraints):
    """Decorator: check the named parameters of the decorated function against their constraints on every
    call (``InvalidParameterError`` naming the first that breaks its constraint), then call it.

    Every key must be a parameter of the function (checked once, when the module is imported)."""
    for name, c in constraints.items():
        if not isinstance(c, Constraint):
            raise TypeError(f"the constraint of {name} must be a Constraint, got {type(c).__name__}")

    def decorate(func):
        sig = inspect.signature(func)
        unknown = sorted(set(constraints) - set(sig.parameters))
        if unknown:
            raise TypeError(f"{func.__qualname__} has no parameter(s) {unknown} to constrain")

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                bound = sig.bind(*args, **kwargs)
            except TypeError:
                return func(*args, **kwargs)  # let Python report the wrong call as usual
            for name, value in bound.arguments.items():
                c = constraints.get(name)
                if c is not None:
                    c.check(value, name)
            return func(*args, **kwargs)

        wrapper.__gklib_constraints__ = dict(constraints)
        return wrapper

    return decorate


def constraints_of(func) -> dict:
    """The declared constraints of ``func`` (a function or a class, whose ``__init__`` is read), by
    parameter name; ``{}`` when it declares none."""
    target = func.__init__ if inspect.isclass(func) else func
    return dict(getattr(target, "__gklib_constraints__", {}))
