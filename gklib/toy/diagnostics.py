"""Lazy or rich? The measurements that decide it, along one training run (introduction, chapter 3).

:func:`lazy_rich_run` trains a committee machine with :func:`gklib.train` and records, at every logged
step, how far the network is from its linearisation (trained exactly, :class:`KernelGD`) and how far its
weights and kernel are from their initial values:

- ``lin_train_loss``, ``lin_test_loss``: the linearised model's losses on the same grid;
- ``dist_train``, ``dist_test``: RMS distance between the network's and the linearisation's predictions on
  the training and test points, relative to the RMS of the labels (function-space distance);
- ``weight_change``: :math:`\\|W_t - W_0\\|_F / \\|W_0\\|_F`;
- ``kernel_change``: :math:`\\|K_t - K_0\\|_F / \\|K_0\\|_F` of the NTK Gram matrix on ``n_probe`` test points;
- ``alignment``: the kernel–target alignment :math:`y_c^\\top K_t y_c / (\\|K_{t,c}\\|_F\\|y_c\\|^2)` of the
  current NTK on ``n_align`` test points (the paper's measure, :func:`gklib.kernels.cka`).

:func:`story_times` reads the history: the crossing times of the train and test losses and the step at
which the network leaves its linearisation.
"""
from __future__ import annotations

import numpy as np
import torch

from ..data import Task
from ..history import History
from ..kernels.regression import cka
from ..metrics import first_below, first_crossing
from ..params import Instance, Integer, Real, validate_params
from .linearized import KernelGD, check_closed_form
from .model import CommitteeMachine
from .ntk import committee_ntk
from .trainer import train

__all__ = ["lazy_rich_run", "story_times", "DIAGNOSTICS"]

DIAGNOSTICS = ("lin_train_loss", "lin_test_loss", "dist_train", "dist_test", "weight_change", "kernel_change",
               "alignment")
"""The series that :func:`lazy_rich_run` adds to ``History.extra``."""


def _alignment(K, y) -> float:
    """:func:`gklib.kernels.cka` of the current NTK (NaN once the kernel is not finite: a diverged run)."""
    return float(cka(K, y)) if bool(torch.isfinite(K).all()) else float("nan")


@validate_params(model=Instance(CommitteeMachine, what="a single-run CommitteeMachine"),
                 task=Instance(Task, what="a gklib Task"), steps=Integer(1), lr_scale=Real(0, closed="neither"),
                 n_log=Integer(1), n_align=Integer(1), n_probe=Integer(1))
def lazy_rich_run(model: CommitteeMachine, task, steps: int, lr_scale: float = 1.0, *, n_log: int = 60,
                  n_align: int = 1000, n_probe: int = 200, **train_kw) -> History:
    r"""Train a single-run ``model`` on ``task`` (:func:`gklib.train`, in place) and measure at every logged
    step the distance to its linearisation, the weight and kernel change and the kernel–target alignment
    (the series of :data:`DIAGNOSTICS`, defined in the module docstring).

    The linearisation is :class:`~gklib.toy.linearized.KernelGD`'s closed form: the quadratic activation
    with fixed readouts only.

    Parameters
    ----------
    model : CommitteeMachine
        A single run (not batched); trained in place.
    task : Task
        The data, of the model's D.
    steps : int
        GD steps >= 1.
    lr_scale : float, default 1.0
        :math:`c` in :math:`\eta=cN/\alpha^2`, > 0.
    n_log : int, default 60
        About this many logged steps.
    n_align : int, default 1000
        Test points for the alignment (at most the test set).
    n_probe : int, default 200
        Test points for the kernel change.
    **train_kw : dict
        Passed to :func:`gklib.train` (``engine``, ...).

    Returns
    -------
    History
        The network's history with the series of :data:`DIAGNOSTICS` in ``extra`` (arrays on the logging
        grid).

    Raises
    ------
    ValueError
        A batched model, or one without the closed form (naming ``readout`` or ``activation``).

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.toy.diagnostics import lazy_rich_run
    >>> task = gk.quadratic_task(D=6, P=30, P_test=50, seed=0)
    >>> hist = lazy_rich_run(gk.CommitteeMachine(6, 10, alpha=1.0, eps=0.5, seed=0), task, 100, n_log=8)
    >>> ex = hist.extra
    >>> round(float(ex["dist_train"][0]), 5), bool(ex["dist_train"][-1] > 1e-3)   # starts on its linearisation
    (0.0, True)
    """
    if model.R != 1:
        raise ValueError("model must be a single-run CommitteeMachine")
    check_closed_form(model, "lazy_rich_run")
    steps, n_align, n_probe = int(steps), int(n_align), int(n_probe)
    kg = KernelGD(model, task, lr_scale)
    Xtr, Xte = task.X, task.X_test
    Xa, ya = Xte[:n_align], task.y_test[:n_align].double()
    Xp = Xte[:n_probe]
    K0p = committee_ntk(model, Xp, initial=True).double()
    W0n = float(model._W0.norm())
    scale_tr = float(task.y.double().pow(2).mean().sqrt())
    scale_te = float(task.y_test.double().pow(2).mean().sqrt())
    rec = {k: [] for k in DIAGNOSTICS}

    def measure(step, m):
        ftr, fte = m(Xtr).double(), m(Xte).double()
        ltr, lte = kg.predict(step), kg.predict(step, kg.t.X_test)
        rec["lin_train_loss"].append(float(((ltr - kg.t.y) ** 2).mean()))
        rec["lin_test_loss"].append(float(((lte - kg.t.y_test) ** 2).mean()))
        rec["dist_train"].append(float((ftr - ltr).pow(2).mean().sqrt()) / scale_tr)
        rec["dist_test"].append(float((fte - lte).pow(2).mean().sqrt()) / scale_te)
        rec["weight_change"].append(float((m._W - m._W0).norm()) / W0n)
        Kp = committee_ntk(m, Xp).double()
        rec["kernel_change"].append(float((Kp - K0p).norm() / K0p.norm()))
        rec["alignment"].append(_alignment(committee_ntk(m, Xa).double(), ya))

    hist = train(model, task, steps, lr_scale=lr_scale, n_log=n_log, callback=measure, **train_kw)
    hist.extra.update({k: np.array(v) for k, v in rec.items()})
    return hist


@validate_params(hist=Instance(History, what="a gklib History (from lazy_rich_run)"),
                 level=Real(0, closed="neither"), leave=Real(0, closed="neither"))
def story_times(hist: History, level: float = 0.1, leave: float = 0.1) -> dict:
    """The times that tell the lazy-to-rich story of a :func:`lazy_rich_run` history (logged steps):

    - ``train``, ``test``: first step with the train / test loss below ``level`` × its initial value;
    - ``leave``: first step at which the network's training-set predictions are ``leave`` (relative RMS)
      away from its linearisation's;
    - ``lin_plateau``: first step at which the linearised model has done 90 % of its own final fall of
      the training loss;
    - ``test_peak``: the step of the largest test loss.

    Parameters
    ----------
    hist : History
        A history with the :data:`DIAGNOSTICS` in ``extra``.
    level : float, default 0.1
        Relative loss level > 0.
    leave : float, default 0.1
        Relative RMS distance > 0 that counts as having left the linearisation.

    Returns
    -------
    dict
        ``{"train", "test", "leave", "lin_plateau", "test_peak"}``, floats (``inf``: never).

    Raises
    ------
    ValueError
        A history without the diagnostics.

    Examples
    --------
    >>> import numpy as np
    >>> import gklib as gk
    >>> from gklib.toy.diagnostics import story_times
    >>> s = np.arange(0.0, 50.0, 10.0)
    >>> hist = gk.History(steps=s, train_loss=np.array([1.0, 0.4, 0.05, 0.01, 0.01]),
    ...                   test_loss=np.array([1.0, 1.2, 0.5, 0.08, 0.01]), weight_norm=np.ones(5),
    ...                   extra={"lin_train_loss": np.array([1.0, 0.5, 0.3, 0.3, 0.3]),
    ...                          "dist_train": np.array([0.0, 0.01, 0.05, 0.2, 0.3])})
    >>> t = story_times(hist)
    >>> t["train"], t["test"], t["leave"], t["test_peak"]
    (20.0, 30.0, 30.0, 10.0)
    """
    if not {"lin_train_loss", "dist_train"} <= set(hist.extra):
        raise ValueError("hist must come from lazy_rich_run (its extra lacks lin_train_loss or dist_train)")
    s, ex = hist.steps, hist.extra
    ltr = ex["lin_train_loss"]
    fall = ltr[0] - ltr[-1]
    return {"train": first_below(s, hist.train_loss, level, relative=True),
            "test": first_below(s, hist.test_loss, level, relative=True),
            "leave": first_crossing(s, ex["dist_train"], leave, above=True),
            "lin_plateau": first_below(s, ltr - ltr[-1], 0.1 * fall) if fall > 0 else 0.0,
            "test_peak": float(s[int(np.nanargmax(hist.test_loss))])}
