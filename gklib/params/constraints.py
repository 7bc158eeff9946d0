"""The constraint types of :mod:`gklib.params`: what one parameter may be (an integer, a real number or
one per run, one of some options, a string of some pattern, a boolean, an instance of some types, an
array), each saying in words what it allows and generating values it refuses.
"""
from __future__ import annotations

import math
from numbers import Integral

import numpy as np

from .core import Constraint, _is_number

__all__ = ["Integer", "Real", "Reals", "Options", "Pattern", "Boolean", "Instance", "Array"]


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
    """An integer (Python or NumPy; an integral float such as ``1e3`` is accepted) in ``[low, high]``.

    Parameters
    ----------
    low, high : int or None, default None
        The bounds, inclusive (``None``: unbounded).
    none_ok : bool, default False
        Allow ``None``.

    Examples
    --------
    >>> from gklib.params import Integer
    >>> c = Integer(0, 10)
    >>> c.holds(1e1), c.holds(2.5), c.holds(True)
    (True, False, False)
    """

    def __init__(self, low=None, high=None, *, none_ok: bool = False):
        self.low, self.high, self.none_ok = low, high, none_ok

    def describe(self) -> str:
        b = _bounds(self.low, self.high, "both")
        return "an integer" + (f" {b}" if b else "")

    def holds(self, value) -> bool:
        if not _is_number(value):
            return False
        v = float(value)
        if not (math.isfinite(v) and v.is_integer()):
            return False
        exact = int(value) if isinstance(value, (Integral, np.integer)) else v    # no rounding of large ints
        return _within(exact, self.low, self.high, "both")

    def invalid_examples(self) -> list:
        out = super().invalid_examples() + [2.5, float("nan")]
        if self.low is not None:
            out.append(self.low - 1)
        if self.high is not None:
            out.append(self.high + 1)
        return out


class Real(Constraint):
    """A finite real number in the interval from ``low`` to ``high``; booleans, strings, NaN and ±inf are
    refused.

    Parameters
    ----------
    low, high : float or None, default None
        The bounds (``None``: unbounded).
    closed : {"both", "left", "right", "neither"}, default "both"
        Which ends belong to the interval.
    none_ok : bool, default False
        Allow ``None``.

    Raises
    ------
    ValueError
        An unknown ``closed``.

    Examples
    --------
    >>> from gklib.params import Real
    >>> c = Real(0, closed="neither")
    >>> c.describe(), c.holds(0.0), c.holds(1e-9)
    ('a finite real number > 0', False, True)
    """

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
    """A :class:`Real`, or a non-empty 1-D sequence of them (a sweep: one value per run).

    Parameters
    ----------
    low, high : float or None, default None
        The bounds of every entry.
    closed : {"both", "left", "right", "neither"}, default "both"
        Which ends belong to the interval.
    none_ok : bool, default False
        Allow ``None``.

    Examples
    --------
    >>> from gklib.params import Reals
    >>> c = Reals(0, closed="neither")
    >>> c.holds(0.5), c.holds([0.5, 2.0]), c.holds([0.5, -1.0]), c.holds([])
    (True, True, False, False)
    """

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
    """One of a fixed set of values (compared exactly, type included: ``"SGD"`` is not ``"sgd"``).

    Parameters
    ----------
    *options : str or bool or int
        The allowed values (at least one).
    none_ok : bool, default False
        Allow ``None``.

    Raises
    ------
    ValueError
        No option given.

    Examples
    --------
    >>> from gklib.params import Options
    >>> c = Options("auto", "stats", "direct")
    >>> c.holds("stats"), c.holds("Stats")
    (True, False)
    """

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
    """A string that matches the regular expression ``regex`` in full -- for families of names such as
    ``"hermiteK"``.

    Parameters
    ----------
    regex : str
        The pattern (matched with ``re.fullmatch``).
    what : str
        Which strings, in words (the end of the error message).
    example : str
        One string that matches (checked; the test-suite uses it).
    none_ok : bool, default False
        Allow ``None``.

    Raises
    ------
    ValueError
        ``example`` does not match.

    Examples
    --------
    >>> from gklib.params import Pattern
    >>> c = Pattern(r"quadratic|hermite[1-9][0-9]*", what="'quadratic' or 'hermiteK'", example="hermite3")
    >>> c.holds("hermite12"), c.holds("hermite"), c.holds("relu")
    (True, False, False)
    """

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
    """``True`` or ``False`` (NumPy booleans too; not 0/1 or strings).

    Parameters
    ----------
    none_ok : bool, default False
        Allow ``None``.

    Examples
    --------
    >>> from gklib.params import Boolean
    >>> Boolean().holds(True), Boolean().holds(1)
    (True, False)
    """

    def __init__(self, *, none_ok: bool = False):
        self.none_ok = none_ok

    def describe(self) -> str:
        return "True or False"

    def holds(self, value) -> bool:
        return isinstance(value, (bool, np.bool_))

    def invalid_examples(self) -> list:
        return super().invalid_examples() + [2]


class Instance(Constraint):
    """An instance of one of ``types``.

    Parameters
    ----------
    *types : type
        The allowed types (at least one).
    what : str or None, default None
        Names them in the message, e.g. ``"a gklib History"`` (``None``: the type names).
    none_ok : bool, default False
        Allow ``None``.

    Raises
    ------
    ValueError
        No type given.

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.params import Instance
    >>> c = Instance(gk.Task, what="a gklib Task")
    >>> c.describe(), c.holds(None)
    ('a gklib Task', False)
    """

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
    """Array-like numbers (a list, NumPy array or tensor; a tensor is checked in place, without a copy) with
    ``ndim`` dimensions, at least ``min_size`` entries, and, with ``finite``, no NaN or infinite entry.

    Parameters
    ----------
    ndim : int or tuple of int or None, default None
        The allowed numbers of dimensions (``None``: any).
    min_size : int, default 1
        The fewest entries.
    finite : bool, default True
        Refuse NaN and ±inf entries.
    none_ok : bool, default False
        Allow ``None``.

    Examples
    --------
    >>> import torch
    >>> from gklib.params import Array
    >>> c = Array(2)
    >>> c.holds(torch.ones(3, 2)), c.holds([1.0, 2.0]), c.holds([[1.0, float("nan")]])
    (True, False, False)
    >>> c.describe()
    'a 2-D array of finite numbers'
    """

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

