"""Crossing times and delays: when a curve first reaches a level, and what that says about grokking.

Every measure reads a :class:`~gklib.History` (single run or batched, from any trainer) and works on
its logging grid, so times are resolved to the grid's spacing:

- :func:`first_crossing` / :func:`first_below` — first logged step at which a curve reaches a level
  (or, ``interpolate=True``, the time read off linearly between grid points);
- :func:`crossing_times` — that step for the train and the test loss;
- :func:`grokking_delay` — :math:`t^{\\rm te}_\\theta - t^{\\rm tr}_\\theta` (signed);
- :func:`amount_of_grokking` — the paper's Fig 3(e) measure
  :math:`\\max(0, t^{\\rm te}_{0.1} - t^{\\rm tr}_{0.1})` (absolute threshold 0.1 on the MSE);
- :func:`sweep_summary` — crossing times, delays and final losses of every run of a sweep;
- accuracies: :func:`accuracy_crossings` (train/test accuracy reaching a level, and their delay),
  :func:`accuracy_delay`, :func:`generalisation_at_fit`, :func:`value_at_fit` (any logged series at the
  step the training set is fitted), :func:`value_at` (at given steps, one per run);
- over seeds: :func:`spread` (median and range of a measure over repeated runs);
- comparisons: :func:`prediction_distance`, :func:`loglog_slope` (power-law exponents).

Loss thresholds are absolute unless ``relative=True`` (then a fraction of each run's initial loss).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .history import History
from .params import Array, Boolean, Instance, Integer, Real, validate_params
from .validation import check_positive

_HISTORY = Instance(History, what="a gklib History")
_LOSS_LEVEL = Real(0, closed="neither")
_FRACTION = Real(0, 1)

__all__ = ["first_crossing", "first_below", "crossing_times", "grokking_delay", "amount_of_grokking",
           "sweep_summary", "accuracy_crossings", "accuracy_delay", "generalisation_at_fit", "value_at_fit", "value_at", "spread",
           "prediction_distance", "loglog_slope"]


def _check_history(history):
    if not isinstance(history, History):
        raise ValueError(f"history must be a gklib History, got {type(history).__name__}")
    return history


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
    try:
        ok = not isinstance(level, bool) and math.isfinite(float(level))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"level must be a finite number, got {level!r}")
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
    return first_crossing(steps, values, check_positive(threshold, "threshold"), relative=relative,
                          interpolate=interpolate)


@validate_params(history=_HISTORY, threshold=_LOSS_LEVEL, relative=Boolean())
def crossing_times(history: History, threshold: float = 0.1, relative: bool = False) -> dict:
    r"""Crossing times of the train and the test loss: :math:`t^{\rm tr}_\theta` and :math:`t^{\rm te}_\theta`,
    the first logged steps with the loss below :math:`\theta`.

    Parameters
    ----------
    history : History
            A single-run or batched history from any trainer.
    threshold : float, default 0.1
        The level :math:`\theta > 0` (absolute unless ``relative``).
    relative : bool, default False
        Read ``threshold`` as a fraction of each run's initial loss.

    Returns
    -------
    dict
        ``{"train": t_tr, "test": t_te}``, floats (``inf``: never) or ``(R,)`` arrays for a batched history.

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4),
    ...                train_loss=np.array([1.0, 0.05, 0.01, 0.01]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]),
    ...                weight_norm=np.array([1.0, 1.0, 1.5, 2.0]))
    >>> gk.crossing_times(h, 0.1)
    {'train': 1.0, 'test': 3.0}
    >>> gk.grokking_delay(h, 0.1)
    2.0
    """
    h = _check_history(history)
    return {k: first_below(h.steps, getattr(h, f"{k}_loss"), threshold, relative) for k in ("train", "test")}


@validate_params(history=_HISTORY, threshold=_LOSS_LEVEL, relative=Boolean())
def grokking_delay(history: History, threshold: float = 0.1, relative: bool = False):
    r"""Signed delay :math:`t^{\rm te}_\theta - t^{\rm tr}_\theta` between the test and the train loss reaching
    ``threshold``: ``inf`` if the test loss never gets there (while the train loss does), ``nan`` if the
    train loss never does.

    Parameters
    ----------
    history : History
            A single-run or batched history from any trainer.
    threshold : float, default 0.1
        The level :math:`\theta > 0`.
    relative : bool, default False
        Read ``threshold`` as a fraction of each run's initial loss.

    Returns
    -------
    float or numpy.ndarray, shape (R,)
        The delay in steps.

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4),
    ...                train_loss=np.array([1.0, 0.05, 0.01, 0.01]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]),
    ...                weight_norm=np.array([1.0, 1.0, 1.5, 2.0]))
    >>> gk.grokking_delay(h, 0.1)
    2.0
    >>> gk.grokking_delay(h, 0.001)      # the train loss never gets there
    nan
    """
    t = crossing_times(history, threshold, relative)
    tr, te = np.atleast_1d(t["train"]), np.atleast_1d(t["test"])
    with np.errstate(invalid="ignore"):
        d = np.where(np.isfinite(tr), te - tr, np.nan)
    return d if history.batched else float(d[0])


@validate_params(history=_HISTORY, threshold=_LOSS_LEVEL, censor=Boolean())
def amount_of_grokking(history: History, threshold: float = 0.1, censor: bool = True):
    r"""The paper's "amount of grokking" (Fig 3(e)): :math:`\max(0, t^{\rm te}_{0.1} - t^{\rm tr}_{0.1})`.

    A curve that never crosses within the run counts as crossing at the run's last logged step when
    ``censor`` (so the value is a lower bound, and a run where neither loss crosses scores 0); a run that
    diverged gives ``nan``.

    Parameters
    ----------
    history : History
            A single-run or batched history from any trainer.
    threshold : float, default 0.1
        Absolute level on the loss (0.1 in the paper), > 0.
    censor : bool, default True
        Count a missing crossing as one at the last logged step; ``False`` gives ``nan`` for such runs.

    Returns
    -------
    float or numpy.ndarray, shape (R,)
        The amount of grokking in steps (>= 0).

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4),
    ...                train_loss=np.array([1.0, 0.05, 0.01, 0.01]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]),
    ...                weight_norm=np.array([1.0, 1.0, 1.5, 2.0]))
    >>> gk.amount_of_grokking(h)
    2.0
    >>> gk.amount_of_grokking(h, threshold=0.02)   # test censored at step 3
    1.0
    >>> gk.amount_of_grokking(h, threshold=0.02, censor=False)
    nan
    """
    h = _check_history(history)
    t = crossing_times(h, threshold)
    tr, te = np.atleast_1d(t["train"]), np.atleast_1d(t["test"])
    if censor:
        last = _last_logged(h)
        tr, te = np.minimum(tr, last), np.minimum(te, last)
    with np.errstate(invalid="ignore"):
        a = np.maximum(0.0, te - tr)
    a = np.where(np.isfinite(tr) & np.isfinite(te) & ~np.atleast_1d(h.diverged), a, np.nan)
    return a if h.batched else float(a[0])


def _last_logged(h: History) -> np.ndarray:
    """Last logged step of each run (runs stopped early have NaN after)."""
    ok = np.isfinite(np.atleast_2d(h.test_loss))
    idx = ok.shape[1] - 1 - np.argmax(ok[:, ::-1], 1)
    return np.asarray(h.steps, dtype=float)[idx]


@validate_params(history=_HISTORY, threshold=_LOSS_LEVEL, relative=Boolean())
def sweep_summary(history: History, threshold: float = 0.1, relative: bool = False) -> dict:
    r"""Per-run summary of a (batched) history: the crossing times :math:`t^{\rm tr}_\theta`,
    :math:`t^{\rm te}_\theta`, their difference and ratio, the final losses, the peak test loss and the
    growth of the weight norm :math:`\|W(t_{\rm end})\| / \|W(0)\|`.

    Every value of a run that diverged is NaN (``diverged`` True), never its last value before divergence.

    Parameters
    ----------
    history : History
            A single-run or batched history from any trainer.
    threshold : float, default 0.1
        The loss level :math:`\theta > 0` of the crossing times.
    relative : bool, default False
        Read ``threshold`` as a fraction of each run's initial loss.

    Returns
    -------
    dict of numpy.ndarray, each shape (R,)
        Keys ``t_train``, ``t_test``, ``delay``, ``ratio``, ``final_train``, ``final_test``, ``max_test``,
        ``norm_growth`` (floats) and ``diverged`` (bool).

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4),
    ...                train_loss=np.array([1.0, 0.05, 0.01, 0.01]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]),
    ...                weight_norm=np.array([1.0, 1.0, 1.5, 2.0]))
    >>> s = gk.sweep_summary(h)
    >>> s["t_train"], s["t_test"], s["ratio"], s["norm_growth"]
    (array([1.]), array([3.]), array([3.]), array([2.]))
    """
    h = _check_history(history)
    t = crossing_times(h, threshold, relative)
    tr, te = np.atleast_1d(t["train"]), np.atleast_1d(t["test"])
    wn = np.atleast_2d(h.weight_norm)
    bad = np.atleast_1d(h.diverged)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {"t_train": tr, "t_test": te, "delay": np.where(np.isfinite(tr), te - tr, np.nan),
               "ratio": te / tr, "final_train": np.atleast_1d(h.final("train_loss")),
               "final_test": np.atleast_1d(h.final("test_loss")),
               "max_test": np.nanmax(np.atleast_2d(h.test_loss), 1),
               "norm_growth": np.atleast_1d(h.final("weight_norm")) / wn[:, 0]}
    out = {k: np.where(bad, np.nan, np.asarray(v, dtype=float)) for k, v in out.items()}
    out["diverged"] = bad
    return out


def _check_accuracy(history):
    h = _check_history(history)
    if h.train_acc is None or h.test_acc is None:
        raise ValueError("history has no accuracies (train_acc/test_acc); train with gklib.nets.fit")
    return h


@validate_params(history=_HISTORY, level=_FRACTION)
def accuracy_crossings(history: History, level: float = 0.9) -> dict:
    r"""First logged steps at which the train and the test accuracy reach ``level``
    (:math:`\min\{s_k: a_k \ge \ell\}`), and the delay between them.

    Parameters
    ----------
    history : History
        A history with accuracies (``train_acc``, ``test_acc``), e.g. from :func:`gklib.nets.fit`.
    level : float, default 0.9
        The accuracy level, in [0, 1].

    Returns
    -------
    dict
        ``{"train", "test", "delay"}``: floats for a single run, ``(R,)`` arrays for a batched one
        (``inf``: never).

    Raises
    ------
    ValueError
        The history has no accuracies.

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.ones(4),
    ...                test_loss=np.ones(4), weight_norm=np.ones(4),
    ...                train_acc=np.array([0.2, 0.95, 1.0, 1.0]),
    ...                test_acc=np.array([0.1, 0.3, 0.6, 0.97]))
    >>> gk.accuracy_crossings(h, 0.9)
    {'train': 1.0, 'test': 3.0, 'delay': 2.0}
    """
    h = _check_accuracy(history)
    tr = first_crossing(h.steps, h.train_acc, level, above=True)
    te = first_crossing(h.steps, h.test_acc, level, above=True)
    with np.errstate(invalid="ignore"):
        return {"train": tr, "test": te, "delay": te - tr}


@validate_params(history=_HISTORY, level=_FRACTION)
def accuracy_delay(history: History, level: float = 0.9):
    """Steps between the train and the test accuracy first reaching ``level`` (``inf``: the test accuracy
    never does); the ``delay`` of :func:`accuracy_crossings`.

    Parameters
    ----------
    history : History
        A history with accuracies.
    level : float, default 0.9
        The accuracy level, in [0, 1].

    Returns
    -------
    float or numpy.ndarray, shape (R,)
        The delay in steps.

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.ones(4),
    ...                test_loss=np.ones(4), weight_norm=np.ones(4),
    ...                train_acc=np.array([0.2, 0.95, 1.0, 1.0]),
    ...                test_acc=np.array([0.1, 0.3, 0.6, 0.97]))
    >>> gk.accuracy_delay(h, 0.9)
    2.0
    """
    return accuracy_crossings(history, level)["delay"]


@validate_params(history=_HISTORY, level=_FRACTION)
def generalisation_at_fit(history: History, level: float = 0.99) -> np.ndarray:
    """Test accuracy at the logged step where the train accuracy first reaches ``level``.

    A grokking run is still near its memorisation level then; a run without grokking has already
    generalised.

    Parameters
    ----------
    history : History
        A history with accuracies.
    level : float, default 0.99
        The accuracy level, in [0, 1].

    Returns
    -------
    numpy.ndarray, shape (R,)
        One value per run (``nan``: the train accuracy never reached ``level``).

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.ones(4),
    ...                test_loss=np.ones(4), weight_norm=np.ones(4),
    ...                train_acc=np.array([0.2, 0.95, 1.0, 1.0]),
    ...                test_acc=np.array([0.1, 0.3, 0.6, 0.97]))
    >>> gk.generalisation_at_fit(h, 0.99)
    array([0.6])
    """
    h = _check_accuracy(history)
    return value_at_fit(h, h.test_acc, level)


@validate_params(history=_HISTORY, values=Array((1, 2), finite=False), level=_FRACTION)
def value_at_fit(history: History, values, level: float = 0.99) -> np.ndarray:
    """Any logged series at the step where each run's train accuracy first reaches ``level``.

    Parameters
    ----------
    history : History
        A history with accuracies.
    values : array_like, shape (T,) or (R, T)
        A series on the logging grid, e.g. ``hist.extra[...]`` or ``hist.weight_norm``.
    level : float, default 0.99
        The accuracy level, in [0, 1].

    Returns
    -------
    numpy.ndarray, shape (R,)
        One value per run (``nan``: never reached).

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.ones(4),
    ...                test_loss=np.ones(4), weight_norm=np.ones(4),
    ...                train_acc=np.array([0.2, 0.95, 1.0, 1.0]),
    ...                test_acc=np.array([0.1, 0.3, 0.6, 0.97]))
    >>> gk.value_at_fit(h, [10.0, 11.0, 12.0, 13.0], 0.9)
    array([11.])
    """
    h = _check_accuracy(history)
    return value_at(h, values, first_crossing(h.steps, h.train_acc, level, above=True))


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
    h = _check_history(history)
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
