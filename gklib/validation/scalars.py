"""Checks of single arguments: positive integers and numbers, seeds, Adam's betas, floating dtypes
(scikit-learn style messages naming the parameter). Part of :mod:`gklib.validation`, whose names they are.
"""
from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch

__all__ = ["INT_MAX", "SEED_MAX", "check_positive_int", "check_seeds", "check_seed", "check_positive",
           "check_betas", "check_float_dtype"]

INT_MAX = 2**53
"""The largest integer a size or count may take (beyond it floats lose integers and arrays overflow)."""


def check_positive_int(value, name: str, allow_zero: bool = False, maximum: int = INT_MAX) -> int:
    """``value`` as an ``int``, refusing anything that is not a (non-negative) integer no larger than
    ``maximum`` (work that could not finish, or sizes that overflow, are refused). An integral float such as
    ``1e3`` is accepted.

    Parameters
    ----------
    value : int or float
        The value to check.
    name : str
        The parameter's name, for the message.
    allow_zero : bool, default False
        Accept 0.
    maximum : int, default 2**53
        The largest value accepted.

    Returns
    -------
    int
        The value.

    Raises
    ------
    ValueError
        Naming ``name``: a boolean, a non-integer, a negative value (or 0), or one above ``maximum``.

    Examples
    --------
    >>> from gklib.validation import check_positive_int
    >>> check_positive_int(1e3, "steps")
    1000
    >>> check_positive_int(0, "N")
    Traceback (most recent call last):
    ...
    ValueError: N must be > 0, got 0
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not isinstance(value, (Integral, np.integer)):
        if isinstance(value, (Real, np.floating)) and float(value).is_integer() and abs(value) <= 2**53:
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value}")
    if value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {value}")
    return value


def check_seeds(seeds, name: str = "seeds") -> list:
    """A list of seeds from a count (``n`` gives seeds ``0, ..., n-1``) or a sequence of seeds.

    Parameters
    ----------
    seeds : int or sequence of int
        A positive count, or the seeds themselves.
    name : str, default "seeds"
        The parameter's name, for the message.

    Returns
    -------
    list of int
        The seeds.

    Raises
    ------
    ValueError
        A count that is not a positive integer, or an empty sequence.

    Examples
    --------
    >>> from gklib.validation import check_seeds
    >>> check_seeds(3), check_seeds([5, 2])
    ([0, 1, 2], [5, 2])
    """
    seed_list = list(range(check_positive_int(seeds, name))) if np.ndim(seeds) == 0 else [int(s) for s in seeds]
    if not seed_list:
        raise ValueError(f"{name} must not be empty")
    return seed_list


SEED_MAX = 2**63 - 1


def check_seed(value, name: str = "seed") -> int:
    """A seed: an integer in ``[0, 2**63 - 1]`` (the range of a torch generator's seed). Floats, booleans and
    integers out of range are refused (they used to be truncated or wrapped onto other seeds silently).

    Parameters
    ----------
    value : int
        The seed (a Python or NumPy integer).
    name : str, default "seed"
        The parameter's name, for the message.

    Returns
    -------
    int
        The seed.

    Raises
    ------
    ValueError
        Naming ``name``.

    Examples
    --------
    >>> from gklib.validation import check_seed
    >>> check_seed(7)
    7
    >>> check_seed(1.0)
    Traceback (most recent call last):
    ...
    ValueError: seed must be an integer in [0, 2**63 - 1], got 1.0
    """
    if isinstance(value, bool) or not isinstance(value, (Integral, np.integer)):
        raise ValueError(f"{name} must be an integer in [0, 2**63 - 1], got {value!r}")
    value = int(value)
    if not 0 <= value <= SEED_MAX:
        raise ValueError(f"{name} must be an integer in [0, 2**63 - 1], got {value}")
    return value


def check_positive(value, name: str, allow_zero: bool = False) -> float:
    """``value`` as a finite ``float`` that is > 0 (or >= 0); strings and booleans are refused.

    Parameters
    ----------
    value : float
        The value to check.
    name : str
        The parameter's name, for the message.
    allow_zero : bool, default False
        Accept 0.

    Returns
    -------
    float
        The value.

    Raises
    ------
    ValueError
        Naming ``name``.

    Examples
    --------
    >>> from gklib.validation import check_positive
    >>> check_positive(2, "alpha")
    2.0
    >>> check_positive(float("nan"), "alpha")
    Traceback (most recent call last):
    ...
    ValueError: alpha must be > 0 and finite, got nan
    """
    if isinstance(value, (str, bytes, bool)):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'} and finite, got {value!r}")
    return v


def check_betas(betas) -> tuple:
    """Adam's ``betas``: two numbers in ``[0, 1)`` (the moment decay rates).

    Parameters
    ----------
    betas : tuple or list of float
        The two coefficients.

    Returns
    -------
    tuple of float
        ``(beta1, beta2)``.

    Raises
    ------
    ValueError
        Anything else.

    Examples
    --------
    >>> from gklib.validation import check_betas
    >>> check_betas([0.9, 0.99])
    (0.9, 0.99)
    """
    ok = isinstance(betas, (tuple, list)) and len(betas) == 2 and all(
        isinstance(b, (Real, np.floating)) and not isinstance(b, bool) and 0 <= float(b) < 1 for b in betas)
    if not ok:
        raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}")
    return tuple(float(b) for b in betas)


def check_float_dtype(dtype, name: str = "dtype"):
    """``dtype`` as a floating torch dtype (an integer dtype would silently truncate inputs and weights).

    Parameters
    ----------
    dtype : torch.dtype
        The dtype to check.
    name : str, default "dtype"
        The parameter's name, for the message.

    Returns
    -------
    torch.dtype
        The dtype.

    Raises
    ------
    TypeError
        Naming ``name``.

    Examples
    --------
    >>> import torch
    >>> from gklib.validation import check_float_dtype
    >>> check_float_dtype(torch.float64)
    torch.float64
    >>> check_float_dtype(torch.int64)
    Traceback (most recent call last):
    ...
    TypeError: dtype must be a floating torch dtype (torch.float32 or torch.float64), got torch.int64
    """
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"{name} must be a floating torch dtype (torch.float32 or torch.float64), got {dtype!r}")
    return dtype

