r"""Statistics of single runs' times and modes, for comparing many finite-D runs with the DMFT (chapter 4.5;
part of :mod:`gklib.dmft`): quantiles of partly censored crossing times, the growth rate of the difference
mode, and a rank correlation that ranks censored times last.
"""
from __future__ import annotations

import numpy as np

from ..params import Array, Real, Reals, validate_params

__all__ = ["censored_quantiles", "mode_growth_rate", "rank_correlation"]


@validate_params(times=Array(finite=False), q=Reals(0, 1))
def censored_quantiles(times, q=(0.25, 0.5, 0.75)) -> np.ndarray:
    """Quantiles of escape times some of which are censored (``inf``: not within the run).

    A quantile is exact as long as it lies below the censoring point (it only needs the *count* of
    later runs), so the ``inf`` entries are ranked last and a quantile that falls among them is
    ``inf``. Lower quantile interpolation (a value that occurs) keeps that rule exact.

    Parameters
    ----------
    times : array_like, shape (..., S)
        Times over the last axis (``inf``: censored).
    q : float or sequence of float, default (0.25, 0.5, 0.75)
        Quantile levels in [0, 1].

    Returns
    -------
    numpy.ndarray, shape (len(q), ...)
        The quantiles (no leading axis for a single ``q``).

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import censored_quantiles
    >>> censored_quantiles([3.0, np.inf, 1.0, 2.0, np.inf], (0.0, 0.5, 1.0)).tolist()
    [1.0, 3.0, inf]
    """
    t = np.sort(np.asarray(times, dtype=float), axis=-1)
    return np.quantile(t, q, axis=-1, method="lower")


@validate_params(t=Array(1), m=Array((2, 3)), t0=Real(), t1=Real())
def mode_growth_rate(t, m, t0: float, t1: float):
    r"""Growth rate of the difference mode :math:`|m_1-m_2|` (N = 2): the least-squares slope of
    :math:`\ln|m_1-m_2|` against t over ``t0 <= t <= t1``.

    ``t`` (T+1,); ``m`` (T+1, 2) for one run or a DMFT solution, or (S, T+1, 2) for S runs (then an (S,)
    array). Grid points beyond the end of ``m`` are ignored, so a shorter solution can share a longer grid.

    Parameters
    ----------
    t : array_like, shape (T+1,)
        The grid.
    m : array_like, shape (T+1, 2) or (S, T+1, 2)
        The overlaps of one run (or solution), or of S runs.
    t0, t1 : float
        The window, with at least two grid points.

    Returns
    -------
    float or numpy.ndarray, shape (S,)
        The rate(s).

    Raises
    ------
    ValueError
        ``m`` not ending in N = 2 units, or fewer than two grid points in the window.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import mode_growth_rate
    >>> t = np.arange(0.0, 5.0, 0.5)
    >>> m = np.stack([0.01 * np.exp(0.3 * t), np.zeros_like(t)], -1)
    >>> round(mode_growth_rate(t, m, 1.0, 4.0), 10)
    0.3
    """
    m = np.asarray(m, dtype=float)
    if m.shape[-1] != 2:
        raise ValueError(f"m must end in the N = 2 units, got shape {m.shape}")
    t = np.asarray(t, dtype=float)[: m.shape[-2]]
    sel = (t >= t0) & (t <= t1)
    if sel.sum() < 2:
        raise ValueError(f"need at least two grid points in [t0, t1] = [{t0}, {t1}]")
    la = np.log(np.abs(m[..., sel, 0] - m[..., sel, 1]))
    slope = np.polyfit(t[sel], la.reshape(-1, sel.sum()).T, 1)[0]
    return float(slope[0]) if m.ndim == 2 else slope


@validate_params(x=Array(min_size=2, finite=False), y=Array(min_size=2, finite=False))
def rank_correlation(x, y) -> float:
    """Spearman's rank correlation of ``x`` and ``y`` (flattened), with ``inf`` (a censored time) ranked
    above every finite value, ties broken by position. −1: y falls exactly as x grows.

    Parameters
    ----------
    x, y : array_like
        The same number (>= 2) of values; ``inf`` allowed.

    Returns
    -------
    float
        The correlation in [-1, 1].

    Raises
    ------
    ValueError
        ``x`` and ``y`` of different sizes.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import rank_correlation
    >>> rank_correlation([0.1, 0.5, 0.3, 0.9], [np.inf, 2.0, 5.0, 1.0])     # inf ranks last
    -1.0
    """
    x, y = np.ravel(x), np.ravel(y)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("x and y must have the same size, at least 2")
    rk = lambda v: np.argsort(np.argsort(v, kind="stable"), kind="stable")  # noqa: E731
    return float(np.corrcoef(rk(x), rk(y))[0, 1])
