"""Comparing runs: the spread of a measure over repeated runs, the distance between two predictions, and
the exponent of a power law.

- :func:`spread` — median and range of a measure over seeds, and :func:`spread_text` — the same as
  table cells (``"median [min–max]"``);
- :func:`prediction_distance` — root-mean-square distance between two predictions;
- :func:`loglog_slope` — least-squares slope on log-log axes (power-law exponents).

All three are also importable from :mod:`gklib.metrics`.
"""
from __future__ import annotations

import numpy as np
import torch

from .params import Array, Instance, Integer, validate_params


__all__ = ["spread", "spread_text", "prediction_distance", "loglog_slope"]


@validate_params(values=Array(finite=False), axis=Integer())
def spread(values, axis: int = 0) -> dict:
    """Median, minimum and maximum of ``values`` along ``axis`` (e.g. the seed axis of an ``(S, A)`` array
    of delays).

    ``inf`` (a run that never crossed) counts as larger than every finite value, so a median is finite
    when more than half the runs crossed.

    Parameters
    ----------
    values : array_like
        Numbers (``inf`` allowed), at least one.
    axis : int, default 0
        The axis to summarise over.

    Returns
    -------
    dict
        ``{"median", "min", "max"}``, each a NumPy value or an array without ``axis``.

    Examples
    --------
    >>> from gklib import spread
    >>> s = spread([[1.0, 10.0], [3.0, float("inf")], [2.0, 30.0]])
    >>> s["median"].tolist(), s["max"].tolist()
    ([2.0, 30.0], [3.0, inf])
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        raise ValueError("values is empty")
    return {"median": np.median(v, axis=axis), "min": np.min(v, axis=axis), "max": np.max(v, axis=axis)}


@validate_params(values=Array(finite=False), fmt=Instance(str, what="a format string"), axis=Integer())
def spread_text(values, fmt: str = "{:.0f}", axis: int = 0) -> list:
    """Table cells ``"median [min–max]"`` of :func:`spread`, one per column left after ``axis``;
    ``inf`` (a run that never crossed) is written "never".

    Parameters
    ----------
    values : array_like
        Numbers (``inf`` allowed), at least one.
    fmt : str, default "{:.0f}"
        Format of each number.
    axis : int, default 0
        The axis to summarise over (the seeds).

    Returns
    -------
    list of str
        One cell per remaining entry (a 1-D ``values`` gives one cell).

    Examples
    --------
    >>> from gklib.comparisons import spread_text
    >>> spread_text([[100.0, 10.0], [300.0, float("inf")], [200.0, float("inf")]])
    ['200 [100–300]', 'never [10–never]']
    >>> spread_text([0.25, 0.5, 0.75], "{:.2f}")
    ['0.50 [0.25–0.75]']
    """
    s = spread(values, axis=axis)
    med, lo, hi = (np.atleast_1d(s[k]) for k in ("median", "min", "max"))

    def f(x):
        return "never" if np.isposinf(x) else fmt.format(x)
    return [f"{f(m)} [{f(a)}–{f(b)}]" for m, a, b in zip(med.ravel(), lo.ravel(), hi.ravel())]


@validate_params(f=Array(), g=Array())
def prediction_distance(f, g):
    r"""Root-mean-square distance :math:`\sqrt{\langle (f - g)^2\rangle}` between two predictions, averaged
    over the last axis (the data points).

    Parameters
    ----------
    f, g : array_like or torch.Tensor, shape (..., n)
        Predictions of equal shape, finite.

    Returns
    -------
    float or numpy.ndarray, shape (...)
        The distance (a float for 1-D inputs).

    Raises
    ------
    ValueError
        The shapes differ.

    Examples
    --------
    >>> from gklib import prediction_distance
    >>> prediction_distance([0.0, 0.0, 0.0, 0.0], [1.0, -1.0, 1.0, -1.0])
    1.0
    >>> prediction_distance([[0.0, 0.0], [1.0, 1.0]], [[0.0, 0.0], [1.0, 3.0]]).round(3).tolist()
    [0.0, 1.414]
    """
    f, g = torch.as_tensor(f, dtype=torch.float64), torch.as_tensor(g, dtype=torch.float64)
    if f.shape != g.shape:
        raise ValueError(f"predictions have different shapes {tuple(f.shape)} and {tuple(g.shape)}")
    d = ((f - g) ** 2).mean(-1).sqrt().cpu().numpy()
    return float(d) if d.ndim == 0 else d


@validate_params(x=Array(min_size=2), y=Array(min_size=2))
def loglog_slope(x, y) -> float:
    r"""Least-squares slope of :math:`\log y` against :math:`\log x`: the exponent :math:`k` of a power law
    :math:`y \propto x^k`.

    Parameters
    ----------
    x, y : array_like
        Positive, finite numbers of equal size (at least 2 each; flattened).

    Returns
    -------
    float
        The slope.

    Raises
    ------
    ValueError
        Sizes differ or an entry is not positive.

    Examples
    --------
    >>> from gklib import loglog_slope
    >>> round(loglog_slope([1, 10, 100], [3.0, 0.3, 0.03]), 6)
    -1.0
    """
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y need equal sizes >= 2, got {x.size} and {y.size}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log fit")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])
