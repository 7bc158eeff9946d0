"""The declaration machinery of :mod:`gklib.params`: the error, the base of every constraint, the
decorator that checks a function's arguments against their declared constraints, and the look-up
that reads the declarations back (for the test-suite and the API pages).
"""
from __future__ import annotations

import functools
import inspect
from numbers import Real as _Real

import numpy as np

__all__ = ["InvalidParameterError", "Constraint", "validate_params", "constraints_of"]


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
        gklib.params.core.InvalidParameterError: on_divergence must be one of ('raise', 'nan'), got 'warn'
        """
        if value is None and self.none_ok:
            return
        if not self.holds(value):
            text = self.describe() + (" or None" if self.none_ok else "")
            raise InvalidParameterError(f"{name} must be {text}, got {_short(value)}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


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
    gklib.params.core.InvalidParameterError: n must be an integer >= 1, got 0
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
