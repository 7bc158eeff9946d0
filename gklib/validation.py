"""Argument checks shared by every public function (scikit-learn style messages).

The training policy (optimiser names, the divergence rule) is :mod:`gklib.training`; its names
``OPTIMIZERS``, ``DIVERGENCE_FACTOR``, ``check_optimizer`` and ``diverged`` can still be imported from here."""
from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import torch


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


def as_param_array(value, name: str, allow_zero: bool = False, positive: bool = True) -> np.ndarray:
    """A per-run hyperparameter (a scalar or a sequence, one value per run) as a 1-D float array, every entry
    checked.

    Parameters
    ----------
    value : float or sequence of float
        The value(s).
    name : str
        The parameter's name, for the message.
    allow_zero : bool, default False
        Accept 0 (with ``positive``).
    positive : bool, default True
        Require > 0 (or >= 0); ``False``: only finite.

    Returns
    -------
    numpy.ndarray, shape (R,)
        The values as floats.

    Raises
    ------
    ValueError
        Naming ``name``: an empty or 2-D value, or an entry out of range.

    Examples
    --------
    >>> from gklib.validation import as_param_array
    >>> as_param_array(0.5, "alpha").tolist(), as_param_array([1, 2], "alpha").tolist()
    ([0.5], [1.0, 2.0])
    """
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a scalar or a non-empty 1-D sequence, got shape {arr.shape}")
    for v in arr:
        if positive:
            check_positive(v, name, allow_zero=allow_zero)
        elif not math.isfinite(v):
            raise ValueError(f"{name} must be finite, got {v!r}")
    return arr


def broadcast_runs(**arrays: np.ndarray) -> tuple[int, dict]:
    """Broadcast 1-D per-run parameter arrays of length 1 or ``R`` to the common length ``R`` (the run axis).

    Parameters
    ----------
    arrays : numpy.ndarray
        The arrays, passed as keyword arguments named after their parameters.

    Returns
    -------
    R : int
        The number of runs.
    arrays : dict of numpy.ndarray
        Each array, of length ``R``.

    Raises
    ------
    ValueError
        Two lengths other than 1 differ (the message names the parameter).

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.validation import broadcast_runs
    >>> R, p = broadcast_runs(alpha=np.array([1.0, 2.0, 3.0]), eps=np.array([0.1]))
    >>> R, p["eps"].tolist()
    (3, [0.1, 0.1, 0.1])
    """
    lengths = {k: len(v) for k, v in arrays.items()}
    R = max(lengths.values())
    for k, n in lengths.items():
        if n not in (1, R):
            raise ValueError(f"{k} has {n} values but other parameters have {R}; "
                             "sweeps must have equal lengths (or length 1)")
    return R, {k: np.broadcast_to(v, (R,)).copy() for k, v in arrays.items()}


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


def as_inputs(X, name: str, D=None, like=None):
    """``X`` as a 2-D tensor ``(n, D)`` with at least one row, on ``like``'s device and dtype.

    Parameters
    ----------
    X : torch.Tensor or array_like, shape (n, D)
        Inputs.
    name : str
        The parameter's name, for the message.
    D : int or None, default None
        The required number of columns (``None``: any).
    like : torch.Tensor or None, default None
        A tensor whose device and dtype ``X`` takes.

    Returns
    -------
    torch.Tensor, shape (n, D)
        The inputs.

    Raises
    ------
    ValueError
        Naming ``name``: another shape, or no row.

    Examples
    --------
    >>> import torch
    >>> from gklib.validation import as_inputs
    >>> as_inputs([[1, 2]], "X", D=2, like=torch.zeros(1, dtype=torch.float64)).dtype
    torch.float64
    """
    X = torch.as_tensor(X)
    if like is not None:
        X = X.to(device=like.device, dtype=like.dtype)
    if X.ndim != 2 or (D is not None and X.shape[-1] != D):
        raise ValueError(f"{name} must have shape (n, {D if D is not None else 'D'}), got {tuple(X.shape)}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one row")
    return X



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


def check_data(X, y, X_test=None, y_test=None):
    """Validate a data set before training: tensors with one row per sample, at least one sample, ``y`` rows
    matching ``X`` (and ``y_test`` matching ``X_test``), test inputs and labels shaped like the training
    ones, and every floating-point value finite.

    Parameters
    ----------
    X : torch.Tensor, shape (P, ...)
        Training inputs.
    y : torch.Tensor, shape (P, ...)
        Training labels.
    X_test : torch.Tensor or None, shape (P_test, ...), default None
        Test inputs (given together with ``y_test``).
    y_test : torch.Tensor or None, shape (P_test, ...), default None
        Test labels.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        Naming the offender: mismatched rows or shapes, no sample, NaN or infinite values.
    TypeError
        Not a tensor, or class labels mixed with regression targets.

    Examples
    --------
    >>> import torch
    >>> from gklib.validation import check_data
    >>> check_data(torch.zeros(3, 2), torch.zeros(3))
    >>> check_data(torch.zeros(3, 2), torch.zeros(4))
    Traceback (most recent call last):
    ...
    ValueError: X has 3 rows but y has 4
    """
    pairs = [("X", X, "y", y)] + ([("X_test", X_test, "y_test", y_test)] if X_test is not None else [])
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test must be given together")
    for xn, xv, yn, yv in pairs:
        for n, v in ((xn, xv), (yn, yv)):
            if not isinstance(v, torch.Tensor):
                raise TypeError(f"{n} must be a torch.Tensor, got {type(v).__name__}")
            if v.ndim == 0 or v.shape[0] == 0:
                raise ValueError(f"{n} must have at least one row (one per sample), got shape {tuple(v.shape)}")
            if v.is_floating_point() and not bool(torch.isfinite(v).all()):
                raise ValueError(f"{n} contains NaN or infinite values")
        if xv.shape[0] != yv.shape[0]:
            raise ValueError(f"{xn} has {xv.shape[0]} rows but {yn} has {yv.shape[0]}")
    if X_test is not None:
        if X_test.shape[1:] != X.shape[1:]:
            raise ValueError(f"X_test has samples of shape {tuple(X_test.shape[1:])} but X has {tuple(X.shape[1:])}")
        if y_test.shape[1:] != y.shape[1:]:
            raise ValueError(f"y_test has labels of shape {tuple(y_test.shape[1:])} but y has {tuple(y.shape[1:])}")
        if y_test.dtype.is_floating_point != y.dtype.is_floating_point:
            raise TypeError("y and y_test must both be class labels (integers) or both regression targets (floats)")


_MOVED_TO_TRAINING = ("OPTIMIZERS", "DIVERGENCE_FACTOR", "check_optimizer", "diverged")


def __getattr__(name):
    """The old import paths of the training policy, now in :mod:`gklib.training`."""
    if name in _MOVED_TO_TRAINING:
        from . import training

        return getattr(training, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
