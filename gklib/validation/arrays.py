"""Checks of array arguments: per-run parameter arrays and their broadcasting, model inputs, training
data (scikit-learn style messages naming the parameter). Part of :mod:`gklib.validation`, whose names
they are.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .scalars import check_positive

__all__ = ["as_param_array", "as_run_array", "broadcast_runs", "as_inputs", "check_data"]


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


def as_run_array(value) -> np.ndarray:
    """A per-run parameter that its function's declared constraint (:class:`~gklib.params.Reals`) has
    already checked, as a 1-D float array: the conversion of :func:`as_param_array` without its checks.

    Parameters
    ----------
    value : float or sequence of float
        One value, or one per run.

    Returns
    -------
    numpy.ndarray, shape (R,)
        The values as floats (``R = 1`` for a scalar).

    Examples
    --------
    >>> from gklib.validation import as_run_array
    >>> as_run_array(0.5).tolist(), as_run_array([1, 2]).tolist()
    ([0.5], [1.0, 2.0])
    """
    return np.atleast_1d(np.asarray(value, dtype=float))


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

