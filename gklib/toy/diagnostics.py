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

from ..history import History
from ..kernels.regression import cka
from ..metrics import first_below, first_crossing
from ..validation import check_positive, check_positive_int
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


def lazy_rich_run(model: CommitteeMachine, task, steps: int, lr_scale: float = 1.0, *, n_log: int = 60,
                  n_align: int = 1000, n_probe: int = 200, **train_kw) -> History:
    """Train a single-run ``model`` on ``task`` (:func:`gklib.train`, in place) and measure at every logged
    step the distance to its linearisation, the weight and kernel change and the kernel–target alignment.

    Returns the network's :class:`~gklib.History` with the series of :data:`DIAGNOSTICS` in ``extra``
    (arrays on the logging grid). ``train_kw`` goes to :func:`gklib.train` (``engine``, ...). The
    linearisation is :class:`KernelGD`'s closed form: the quadratic activation with fixed readouts only
    (``ValueError`` naming ``readout`` or ``activation`` otherwise).
    """
    if not isinstance(model, CommitteeMachine) or model.R != 1:
        raise ValueError("model must be a single-run CommitteeMachine")
    check_closed_form(model, "lazy_rich_run")
    steps = check_positive_int(steps, "steps")
    check_positive(lr_scale, "lr_scale")
    kg = KernelGD(model, task, lr_scale)
    Xtr, Xte = task.X, task.X_test
    Xa, ya = Xte[:check_positive_int(n_align, "n_align")], task.y_test[:n_align].double()
    Xp = Xte[:check_positive_int(n_probe, "n_probe")]
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


def story_times(hist: History, level: float = 0.1, leave: float = 0.1) -> dict:
    """The times that tell the lazy-to-rich story of a :func:`lazy_rich_run` history (logged steps):

    - ``train``, ``test``: first step with the train / test loss below ``level`` × its initial value;
    - ``leave``: first step at which the network's training-set predictions are ``leave`` (relative RMS)
      away from its linearisation's;
    - ``lin_plateau``: first step at which the linearised model has done 90 % of its own final fall of
      the training loss;
    - ``test_peak``: the step of the largest test loss.
    """
    s, ex = hist.steps, hist.extra
    ltr = ex["lin_train_loss"]
    fall = ltr[0] - ltr[-1]
    return {"train": first_below(s, hist.train_loss, level, relative=True),
            "test": first_below(s, hist.test_loss, level, relative=True),
            "leave": first_crossing(s, ex["dist_train"], leave, above=True),
            "lin_plateau": first_below(s, ltr - ltr[-1], 0.1 * fall) if fall > 0 else 0.0,
            "test_peak": float(s[int(np.nanargmax(hist.test_loss))])}
