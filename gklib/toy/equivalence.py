"""Weight scale and output scale as equivalent laziness knobs (paper Fig 6 of v1, Fig 7 of v3; chapter 1).

Multiplying the initial weights of the committee machine by :math:`\\sigma` changes its laziness like the
output scale does. Since :math:`\\phi_\\epsilon(\\sigma h) = \\sigma\\,\\phi_{\\sigma\\epsilon}(h)` for
:math:`\\phi_\\epsilon(h) = h + \\frac\\epsilon2 h^2`, the network with weights :math:`\\sigma W` and
:math:`(\\alpha, \\epsilon)` is the network with weights :math:`W` and :math:`(\\sigma\\alpha, \\sigma\\epsilon)`;
and because :math:`\\nabla_{\\sigma W} = \\sigma^{-1}\\nabla_W`, a gradient step :math:`\\eta` on
:math:`\\sigma W` is a step :math:`\\eta/\\sigma^2` on :math:`W`. The coefficient of the quadratic
features is :math:`\\alpha\\epsilon M` with :math:`M = \\sigma^2 W^\\top W/N`, so what sets the laziness
is :math:`\\sigma^2\\alpha`: runs with equal :math:`\\sigma^2\\alpha` should grok alike.

:func:`weight_scale_sweeps` runs the paper's three sweeps on one task, each one batched
:func:`gklib.train` call: the output scale :math:`\\alpha = \\sigma^2` at :math:`\\sigma = 1`; the weight scale
:math:`\\sigma` at :math:`\\alpha = 1`; and the joint sweep :math:`\\alpha = \\sigma^{-2}`, which keeps
:math:`\\sigma^2\\alpha = 1`. Every run trains the weights it has (:math:`\\sigma W`) with the step
:math:`\\eta = cN/(\\sigma\\alpha)^2` — the usual :math:`cN/\\alpha^2` at :math:`\\sigma = 1`, and the
paper's code's :math:`\\eta = 0.5N/\\sigma^2` at :math:`\\alpha = 1`, :math:`c = 0.5`. In terms of
:math:`W` the α-sweep run at :math:`\\alpha = \\sigma^2` and the σ-sweep run at :math:`\\sigma` then take
the same step :math:`cN/\\sigma^4` from the same :math:`W_0`, with the same quadratic coefficient
:math:`\\sigma^2\\alpha\\epsilon`; they differ in the linear coefficient (:math:`\\sigma^2` vs :math:`\\sigma`)
and in :math:`\\epsilon` (:math:`\\epsilon` vs :math:`\\sigma\\epsilon`).
"""
from __future__ import annotations

import numpy as np

from ..data import Task
from ..params import Instance, Integer, Real, Reals, validate_params
from ..validation import as_param_array
from .linearized import weight_scaled_model
from .model import CommitteeMachine
from .trainer import train

__all__ = ["weight_scale_sweeps", "SWEEPS"]

SWEEPS = ("alpha", "sigma", "joint")
"""The three sweeps of :func:`weight_scale_sweeps`, in order."""


@validate_params(task=Instance(Task, what="a gklib Task"), sigmas=Reals(0, closed="neither"), N=Integer(1),
                 eps=Real(0, closed="neither"), steps=Integer(1), lr_scale=Real(0, closed="neither"), seed=Integer(0))
def weight_scale_sweeps(task, sigmas, *, N: int = 200, eps: float = 0.05, steps: int = 20_000,
                        lr_scale: float = 1.0, seed: int = 0, **train_kw) -> dict:
    """The α, σ and joint sweeps of paper Fig 6 (v3 Fig 7) on the committee machine, one batched
    :func:`gklib.train` call each, from the same initial weights :math:`W_0` (``seed``).

    Parameters
    ----------
    task : Task
        The data (the quadratic task of the paper's Fig 3(a) set-up).
    sigmas : float or sequence of float
        The weight scales :math:`\\sigma` > 0; the α sweep uses :math:`\\alpha = \\sigma^2`, the joint sweep
        :math:`\\alpha = \\sigma^{-2}` with weights :math:`\\sigma W_0`.
    N : int, default 200
        Width >= 1.
    eps : float, default 0.05
        The activation's :math:`\\epsilon` > 0 (at :math:`\\sigma = 1`).
    steps : int, default 20000
        GD steps of every run, >= 1.
    lr_scale : float, default 1.0
        :math:`c` > 0 in the step :math:`\\eta = cN/(\\sigma\\alpha)^2` on the trained weights.
    seed : int, default 0
        Seeds :math:`W_0`.
    **train_kw : dict
        Passed to :func:`gklib.train` (``n_log``, ``engine``, ...).

    Returns
    -------
    dict
        ``"sigma"`` (the σ values), ``"alpha"`` (dict sweep → α per run), ``"laziness"`` (dict sweep →
        :math:`\\sigma^2\\alpha` per run), ``"hist"`` (dict sweep → :class:`~gklib.History`) and ``"model"``
        (dict sweep → trained :class:`~gklib.CommitteeMachine`).

    Examples
    --------
    The joint sweep keeps :math:`\\sigma^2\\alpha = 1`:

    >>> import gklib as gk
    >>> from gklib.toy.equivalence import weight_scale_sweeps
    >>> task = gk.quadratic_task(D=6, P=30, P_test=50, seed=0)
    >>> out = weight_scale_sweeps(task, [0.5, 2.0], N=10, eps=0.5, steps=50, lr_scale=0.05, n_log=5)
    >>> out["laziness"]["joint"].tolist(), out["laziness"]["alpha"].tolist(), out["laziness"]["sigma"].tolist()
    ([1.0, 1.0], [0.25, 4.0], [0.25, 4.0])
    """
    s = as_param_array(sigmas, "sigmas")
    N, eps, steps, c = int(N), float(eps), int(steps), float(lr_scale)
    base = CommitteeMachine(task.D, N, alpha=1.0, eps=eps, seed=seed, dtype=task.X.dtype)
    alphas = {"alpha": s**2, "sigma": np.ones_like(s), "joint": s**-2.0}
    scale = {"alpha": np.ones_like(s), "sigma": s, "joint": s}
    models = {"alpha": CommitteeMachine(task.D, N, alpha=s**2, eps=eps, seed=seed, dtype=task.X.dtype),
              "sigma": weight_scaled_model(base, s),
              "joint": weight_scaled_model(base, s, alpha=s**-2.0)}
    hists = {}
    for k in SWEEPS:
        # gk.train's step is lr_scale N / alpha^2 with the run's alpha: c / sigma^2 gives cN / (sigma alpha)^2
        hists[k] = train(models[k], task, steps, lr_scale=c / scale[k] ** 2, **train_kw)
    return {"sigma": s, "alpha": alphas, "laziness": {k: scale[k] ** 2 * alphas[k] for k in SWEEPS},
            "hist": hists, "model": models}
