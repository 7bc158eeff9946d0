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
    """An argument that breaks its declared constraint; the message names the parameter, what was given and
    what is allowed. A subclass of both ``ValueError`` and ``TypeError``, so either may be caught.

    Examples
    --------
    >>> import gklib as gk
    >>> try:
    ...     gk.quadratic_task(D=-3)
    ... except ValueError as err:
    ...     print(err)
    D must be an integer >= 1, got -3
    """


def _is_number(value) -> bool:
    return isinstance(value, (_Real, np.floating, np.integer)) and not isinstance(value, (bool, np.bool_))


class Constraint:
    """One parameter's allowed values; the base of :class:`Integer`, :class:`Real`, :class:`Reals`,
    :class:`Options`, :class:`Pattern`, :class:`Boolean`, :class:`Instance` and :class:`Array`.

    A subclass says in words what it allows (:meth:`describe`), decides (:meth:`holds`) and generates
    values it refuses (:meth:`invalid_examples`, for the test-suite). ``none_ok = True`` allows ``None``
    too (it then means the default the docstring names).

    Examples
    --------
    >>> from gklib.params import Integer
    >>> c = Integer(1)
    >>> c.describe(), c.holds(3), c.holds(0)
    ('an integer >= 1', True, False)
    """

    none_ok: bool = False

    def describe(self) -> str:  # pragma: no cover - abstract
        """What the constraint allows, in words (the end of the error message).

        Returns
        -------
        str
            E.g. ``"a finite real number > 0"``.

        Examples
        --------
        >>> from gklib.params import Real
        >>> Real(0, 1, closed="left").describe()
        'a finite real number >= 0 and < 1'
        """
        raise NotImplementedError

    def holds(self, value) -> bool:  # pragma: no cover - abstract
        """Whether ``value`` satisfies the constraint (``None`` is handled by :meth:`check`).

        Parameters
        ----------
        value : object
            The argument.

        Returns
        -------
        bool
            ``True`` when allowed.

        Examples
        --------
        >>> from gklib.params import Real
        >>> Real(0).holds(2.5), Real(0).holds(float("nan")), Real(0).holds("2")
        (True, False, False)
        """
        raise NotImplementedError

    def invalid_examples(self) -> list:
        """Values the constraint must refuse: the walking test feeds them to every declared parameter.

        Returns
        -------
        list
            A string, ``None`` (unless ``none_ok``) and values just outside the allowed range.

        Examples
        --------
        >>> from gklib.params import Integer
        >>> Integer(1, 5).invalid_examples()
        ['a string', None, 2.5, nan, 0, 6]
        """
        return ["a string"] + ([] if self.none_ok else [None])

    def check(self, value, name: str):
        """Raise :class:`InvalidParameterError` naming ``name`` unless ``value`` is allowed (or is ``None`` with
        ``none_ok``).

        Parameters
        ----------
        value : object
            The argument.
        name : str
            The parameter's name.

        Returns
        -------
        None

        Raises
        ------
        InvalidParameterError
            ``"<name> must be <describe()>, got <value>"``.

        Examples
        --------
        >>> from gklib.params import Options
        >>> Options("raise", "nan").check("warn", "on_divergence")
        Traceback (most recent call last):
        ...
        gklib.params.InvalidParameterError: on_divergence must be one of ('raise', 'nan'), got 'warn'
        """
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
        return math.isfinite(v) and v.is_integer() and _within(v, self.low, self.high, "both")

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


def validate_params(**constraints):
    """Decorator: check the named parameters of the decorated function against their constraints on every
    call (:class:`InvalidParameterError` naming the first that breaks its constraint), then call it.

    Every key must be a parameter of the function (checked once, when the module is imported). The
    declarations are kept on the function (``__gklib_constraints__``), where :func:`constraints_of`, the
    test-suite and the API pages read them. A call that does not bind (a missing argument) is left to
    Python's own error.

    Parameters
    ----------
    **constraints : Constraint
        One constraint per parameter name.

    Returns
    -------
    callable
        The decorator.

    Raises
    ------
    TypeError
        A value that is not a :class:`Constraint`, or a name that is not a parameter.

    Examples
    --------
    >>> from gklib.params import Integer, Real, validate_params
    >>> @validate_params(n=Integer(1), eps=Real(0))
    ... def f(n, eps=0.02):
    ...     return n * eps
    >>> f(3, 0.5)
    1.5
    >>> f(0)
    Traceback (most recent call last):
    ...
    gklib.params.InvalidParameterError: n must be an integer >= 1, got 0
    """
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
    """The declared constraints of a function or a class (whose ``__init__`` is read).

    Parameters
    ----------
    func : callable
        A function, method or class.

    Returns
    -------
    dict
        ``{parameter name: Constraint}``; ``{}`` when it declares none.

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.params import constraints_of
    >>> sorted(constraints_of(gk.log_grid))
    ['log_every', 'n_log', 'steps']
    >>> constraints_of(gk.History.runs)
    {}
    """
    target = func.__init__ if inspect.isclass(func) else func
    return dict(getattr(target, "__gklib_constraints__", {}))
