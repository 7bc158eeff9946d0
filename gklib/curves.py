"""Reading logged curves on their grid: when a curve first reaches a level, and what a series is at given steps.

The building blocks of the grokking measures in :mod:`gklib.metrics`:

- :func:`first_crossing` / :func:`first_below` — first logged step at which a curve reaches a level
  (or, ``interpolate=True``, the time read off linearly between grid points);
- :func:`value_at` — a logged series at given steps, one per run (e.g. at crossing times).

Times are resolved to the logging grid's spacing. Both are also importable from :mod:`gklib.metrics`.
"""
from __future__ import annotations

import numpy as np

from .history import History
from .params import Array, Boolean, Instance, Real, validate_params

_HISTORY = Instance(History, what="a gklib History")
_LOSS_LEVEL = Real(0, closed="neither")

__all__ = ["first_crossing", "first_below", "value_at"]


@validate_params(steps=Array(1), values=Array((1, 2), finite=False), level=Real(), above=Boolean(),
                 relative=Boolean(), interpolate=Boolean())
def first_crossing(steps, values, level: float, above: bool = False, relative: bool = False,
                   interpolate: bool = False):
    r"""First logged step at which a curve crosses a level.

    The crossing time is :math:`t = \min\{s_k : v_k < \theta\}` (with ``above``, :math:`v_k \ge \theta`,
    e.g. for accuracies) on the logging grid :math:`s_k`; NaN entries (a run that stopped early) never
    count. With ``relative=True`` the level is :math:`\theta\, v_0` (a fraction of the run's first
    value). With ``interpolate=True`` the time is read off the straight line between the last grid point
    before the crossing and the first one after it (the first grid point when the curve starts there).

    Parameters
    ----------
    steps : array_like, shape (T,)
        The logging grid (increasing, finite).
    values : array_like, shape (T,) or (R, T)
        One curve, or one per run, on that grid; NaN entries are allowed.
    level : float
        The level :math:`\theta` (any finite number).
    above : bool, default False
        Look for ``values >= level`` instead of ``values < level``.
    relative : bool, default False
        Read ``level`` as a fraction of each curve's first value.
    interpolate : bool, default False
        Interpolate linearly between grid points instead of returning a grid point.

    Returns
    -------
    float or numpy.ndarray, shape (R,)
        The crossing time (``inf`` where the curve never gets there); a float for ``(T,)`` values.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint, e.g. a non-finite ``level``.
    ValueError
        ``values`` does not have ``T`` columns.

    Examples
    --------
    >>> from gklib.metrics import first_crossing
    >>> first_crossing([0, 1, 2, 3], [0.1, 0.5, 0.9, 1.0], 0.9, above=True)
    2.0
    >>> first_crossing([0, 1, 2], [[1.0, 0.2, 0.1], [1.0, 0.9, 0.8]], 0.5).tolist()
    [1.0, inf]
    """
    level = float(level)
    steps = np.asarray(steps, dtype=float)
    v = np.asarray(values, dtype=float)
    if steps.ndim != 1 or v.shape[-1] != steps.size or v.ndim not in (1, 2):
        raise ValueError(f"values must have shape (T,) or (R, T) with T={steps.size}, got {v.shape}")
    v2 = np.atleast_2d(v)
    thr = level * v2[:, :1] if relative else level
    hit = (np.nan_to_num(v2, nan=-np.inf) >= thr) if above else (np.nan_to_num(v2, nan=np.inf) < thr)
    k = np.argmax(hit, 1)
    out = np.where(hit.any(1), steps[k], np.inf)
    if interpolate:
        r = np.flatnonzero(hit.any(1) & (k > 0))
        k, lvl = k[r], thr[r, 0] if relative else thr
        f = (v2[r, k - 1] - lvl) / (v2[r, k - 1] - v2[r, k])
        out[r] = steps[k - 1] + f * (steps[k] - steps[k - 1])
    return out if v.ndim == 2 else float(out[0])


@validate_params(steps=Array(1), values=Array((1, 2), finite=False), threshold=_LOSS_LEVEL, relative=Boolean(),
                 interpolate=Boolean())
def first_below(steps, values, threshold: float, relative: bool = False, interpolate: bool = False):
    r"""First logged step at which a loss is strictly below ``threshold`` (:func:`first_crossing` with a
    positive level, :math:`t = \min\{s_k : \ell_k < \theta\}`).

    Parameters
    ----------
    steps : array_like, shape (T,)
        The logging grid.
    values : array_like, shape (T,) or (R, T)
        A loss curve, or one per run; NaN entries never count.
    threshold : float
        The level :math:`\theta > 0`.
    relative : bool, default False
        Read ``threshold`` as a fraction of each curve's first value.
    interpolate : bool, default False
        Interpolate linearly between grid points.

    Returns
    -------
    float or numpy.ndarray, shape (R,)
        The crossing time (``inf``: never).

    Raises
    ------
    InvalidParameterError
        ``threshold <= 0``, NaN, a string, a wrong shape, ...

    Examples
    --------
    >>> from gklib import first_below
    >>> first_below([0, 1, 2, 3], [1.0, 0.5, 0.2, 0.05], 0.3)
    2.0
    >>> round(first_below([0, 1, 2, 3], [1.0, 0.5, 0.2, 0.05], 0.3, interpolate=True), 3)
    1.667
    >>> first_below([0, 1, 2], [1.0, 0.9, 0.8], 0.3)     # never crosses
    inf
    """
    return first_crossing(steps, values, float(threshold), relative=relative,
                          interpolate=interpolate)

@validate_params(history=_HISTORY, values=Array((1, 2), finite=False), t=Array((0, 1), finite=False))
def value_at(history: History, values, t) -> np.ndarray:
    """A logged series at given steps, one step per run: ``values[i]`` at step ``t[i]``.

    Parameters
    ----------
    history : History
        The history whose logging grid ``values`` lives on.
    values : array_like, shape (T,) or (R, T)
        The series.
    t : float or array_like, shape (R,)
        One logged step per run (or one for all), e.g. crossing times; non-finite entries give ``nan``.

    Returns
    -------
    numpy.ndarray, shape (R,)
        The values.

    Raises
    ------
    ValueError
        A finite ``t`` is not on the logging grid, or the shapes do not fit.

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4),
    ...                train_loss=np.array([1.0, 0.05, 0.01, 0.01]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]),
    ...                weight_norm=np.array([1.0, 1.0, 1.5, 2.0]))
    >>> gk.value_at(h, h.weight_norm, [2.0])
    array([1.5])
    >>> gk.value_at(h, h.weight_norm, np.inf)
    array([nan])
    """
    h = history
    t = np.atleast_1d(np.asarray(t, dtype=float))
    v = np.atleast_2d(np.asarray(values, dtype=float))
    R = max(len(t), v.shape[0])
    if v.shape[-1] != len(h.steps) or v.shape[0] not in (1, R) or len(t) not in (1, R):
        raise ValueError(f"values must have shape (T,) or (R, T) with T={len(h.steps)} and t one step per run; "
                         f"got {np.shape(values)} and {len(t)} steps")
    v, t = np.broadcast_to(v, (R, v.shape[-1])), np.broadcast_to(t, (R,))
    out = np.full(R, np.nan)
    for i, ti in enumerate(t):
        if np.isfinite(ti):
            j = np.searchsorted(h.steps, ti)
            if j >= len(h.steps) or h.steps[j] != ti:
                raise ValueError(f"step {ti:g} is not on the logging grid")
            out[i] = v[i, j]
    return out
