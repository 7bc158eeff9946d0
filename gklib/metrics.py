"""Grokking read from a run's history: crossing times, delays, the amount of grokking, per-run summaries.

Every measure reads a :class:`~gklib.History` (single run or batched, from any trainer) and works on
its logging grid, so times are resolved to the grid's spacing:

- :func:`crossing_times` — the first logged steps with the train and the test loss below a level
  (:func:`gklib.curves.first_below` on each curve);
- :func:`grokking_delay` — :math:`t^{\\rm te}_\\theta - t^{\\rm tr}_\\theta` (signed);
- :func:`amount_of_grokking` — the paper's Fig 3(e) measure
  :math:`\\max(0, t^{\\rm te}_{0.1} - t^{\\rm tr}_{0.1})` (absolute threshold 0.1 on the MSE);
- :func:`sweep_summary` — crossing times, delays and final losses of every run of a sweep;
- accuracies: :func:`accuracy_crossings` (train/test accuracy reaching a level, and their delay),
  :func:`accuracy_delay`, :func:`generalisation_at_fit`, :func:`value_at_fit` (any logged series at the
  step the training set is fitted).

Loss thresholds are absolute unless ``relative=True`` (then a fraction of each run's initial loss).

The curve primitives (:func:`~gklib.curves.first_crossing`, :func:`~gklib.curves.first_below`,
:func:`~gklib.curves.value_at`) live in :mod:`gklib.curves`, the comparisons across runs
(:func:`~gklib.comparisons.spread`, :func:`~gklib.comparisons.prediction_distance`,
:func:`~gklib.comparisons.loglog_slope`) in :mod:`gklib.comparisons`; all six are also importable from
here (``from gklib.metrics import first_below``), as they were before.
"""
from __future__ import annotations

import numpy as np

# Defined in gklib.comparisons and gklib.curves, importable from here too; not in __all__, so that the API
# reference lists each once, under the module that defines it.
from .comparisons import loglog_slope, prediction_distance, spread  # noqa: F401
from .curves import first_below, first_crossing, value_at  # noqa: F401
from .history import History
from .params import Array, Boolean, Instance, Real, validate_params

_HISTORY = Instance(History, what="a gklib History")
_LOSS_LEVEL = Real(0, closed="neither")
_FRACTION = Real(0, 1)

__all__ = ["crossing_times", "grokking_delay", "amount_of_grokking", "sweep_summary", "accuracy_crossings",
           "accuracy_delay", "generalisation_at_fit", "value_at_fit"]


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
    h = history
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
    h = history
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
    h = history
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


def _check_accuracy(h):
    """``h`` if it has accuracies (its type is checked by the callers' declared constraint)."""
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
