"""The committee machine's linearisation, trained exactly, and the laziness knobs (chapter 1).

The first-order Taylor model of the committee machine around its initial weights, trained by gradient
descent, is kernel gradient descent with the initial NTK (:mod:`gklib.toy.ntk`). Its residuals evolve
linearly, so any step is available in closed form (:class:`KernelGD`, :func:`train_linearized`).

Output scale α is one of several equivalent laziness knobs: dividing the labels by α
(:func:`label_scaled_task`) or scaling the initial weights by σ (:func:`weight_scaled_model`) gives
exactly the same dynamics (chapter 1, "Four knobs for laziness"). Networks against their linearisations and the laziness
measures are in :mod:`gklib.nets.laziness`.

The closed-form solver itself (:class:`~gklib.toy.kernel_gd.KernelGD`,
:func:`~gklib.toy.kernel_gd.kernel_gd_gain`, :func:`~gklib.toy.kernel_gd.check_closed_form`) is in
:mod:`gklib.toy.kernel_gd`; the three are also importable from here.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import torch

from ..history import History
from ..data import Task
from ..params import Instance, Integer, Real, Reals, validate_params
from ..validation import as_run_array
from .model import CommitteeMachine
# Defined in gklib.toy.kernel_gd, importable from here too (not in __all__: the API reference lists each
# once, under the module that defines it).
from .kernel_gd import KernelGD, check_closed_form, kernel_gd_gain  # noqa: F401

__all__ = ["train_linearized", "label_scaled_task", "weight_scaled_model"]


@validate_params(model=Instance(CommitteeMachine, what='a CommitteeMachine'), task=Instance(Task, what='a gklib Task'), lr_scale=Reals(0, closed='neither'),
                 log_every=Integer(1, none_ok=True), n_log=Integer(1, 10**7))
def train_linearized(model: CommitteeMachine, task, steps, lr_scale=1.0, log_every: int | None = None,
                     n_log: int = 200) -> History:
    r"""GD of the committee machine's linearisation (the lazy limit), exactly and cheaply (:class:`KernelGD`).

    Same arguments, logging grid and :class:`~gklib.History` series as :func:`gklib.train`, whose network
    curves it is meant to be plotted against; ``model`` is not modified.

    Parameters
    ----------
    model : CommitteeMachine
        Quadratic activation and fixed readouts only.
    task : Task
        A task with the model's input dimension.
    steps : int
        Number of GD steps, >= 0.
    lr_scale : float or sequence of float, default 1.0
        :math:`c > 0` in :math:`\eta = cN/\alpha^2`.
    log_every : int or None, default None
        Log every ``k >= 1`` steps; ``None``: ``n_log`` log-spaced steps.
    n_log : int, default 200
        Number of log-spaced logging steps, in [1, 10**7].

    Returns
    -------
    History
        ``engine="kernel"``.

    Raises
    ------
    ValueError
        An unsupported model (:func:`check_closed_form`).

    Examples
    --------
    >>> import gklib as gk
    >>> task = gk.quadratic_task(D=20, P=100, P_test=200, seed=0)
    >>> model = gk.CommitteeMachine(D=20, N=50, alpha=1.0, eps=0.1, seed=0)
    >>> lin = gk.train_linearized(model, task, steps=2000)      # the kernel (lazy) limit
    >>> net = gk.train(model, task, steps=2000)
    >>> bool(net.final() < lin.final())       # the network learns the quadratic target, the kernel does not
    True
    """
    check_closed_form(model, "train_linearized")
    return KernelGD(model, task, lr_scale).history(steps, n_log=n_log, log_every=log_every)


@validate_params(task=Instance(Task, what='a gklib Task'), scale=Real(0, closed='neither'))
def label_scaled_task(task, scale: float):
    r"""The task with labels divided by ``scale``: :math:`y \to y/s` (and :math:`\beta\to\beta/\sqrt s`).

    GD with :math:`\eta_0/\alpha^2` on :math:`(\alpha f_c - y)^2` is *exactly* GD with :math:`\eta_0` on
    :math:`(f_c - y/\alpha)^2` (chapter 1, "Four knobs for laziness"): label scale is a laziness knob.

    Parameters
    ----------
    task : Task
        The task (not modified).
    scale : float
        The divisor :math:`s > 0`.

    Returns
    -------
    Task
        The scaled copy (``meta["q_star"]`` divided by ``s`` too).

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.toy.linearized import label_scaled_task
    >>> task = gk.quadratic_task(D=5, P=4, P_test=3)
    >>> bool(label_scaled_task(task, 2.0).y.allclose(task.y / 2))
    True
    """
    s = float(scale)
    meta = dict(task.meta)
    if "q_star" in meta:
        meta["q_star"] = meta["q_star"] / s
    return replace(task, y=task.y / s, y_test=task.y_test / s, meta=meta,
                   beta=None if task.beta is None else task.beta / s**0.5,
                   quad_form=None if task.quad_form is None else task.quad_form / s)


@validate_params(model=Instance(CommitteeMachine, what='a CommitteeMachine'), sigma=Reals(0, closed='neither'), alpha=Reals(0, closed='neither', none_ok=True))
def weight_scaled_model(model: CommitteeMachine, sigma, *, alpha=None) -> CommitteeMachine:
    r"""A copy of a single-run model with initial weights :math:`\sigma W_0` (one run per σ).

    Since :math:`\phi_\epsilon(\sigma h) = \sigma\,\phi_{\sigma\epsilon}(h)`, GD on :math:`\sigma W` with
    :math:`(\alpha, \epsilon)` is exactly GD on :math:`W` with :math:`(\sigma\alpha, \sigma\epsilon)` at the
    same ``lr_scale`` (chapter 1, "Four knobs for laziness"). ``model`` is not modified.

    Parameters
    ----------
    model : CommitteeMachine
        A single-run model with the quadratic activation and fixed readouts.
    sigma : float or sequence of float
        Weight scale(s) :math:`\sigma > 0`; a sequence gives one run per value.
    alpha : float or sequence of float or None, default None
        Output scale of the copy (> 0; one value per σ; ``None``: the model's).

    Returns
    -------
    CommitteeMachine
        The scaled model.

    Raises
    ------
    ValueError
        A batched model, another activation or readouts, or ``alpha`` of another length than ``sigma``.

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.toy.linearized import weight_scaled_model
    >>> m = gk.CommitteeMachine(D=4, N=3)
    >>> s = weight_scaled_model(m, [1.0, 2.0])
    >>> s.R, bool(s.W0[1].allclose(2 * m.W0))
    (2, True)
    """
    if model.R != 1:
        raise ValueError("model must be a single-run CommitteeMachine")
    if model.activation != "quadratic" or model._a is not None:
        raise ValueError("weight_scaled_model needs activation='quadratic' with fixed readouts (readout=False): "
                         f"the identity phi_eps(sigma h) = sigma phi_(sigma eps)(h) holds for it only, got "
                         f"activation={model.activation!r}, readout={model._a is not None}")
    s = as_run_array(sigma)
    al = np.array([float(model.alpha[0])]) if alpha is None else as_run_array(alpha)
    if al.size not in (1, s.size):
        raise ValueError(f"alpha has {al.size} values but sigma has {s.size}")
    a = np.broadcast_to(al, s.shape)
    W0 = model._W0[0]
    W = torch.stack([float(v) * W0 for v in s])
    a, e = [float(v) for v in a], [float(model.eps[0])] * len(s)
    out = CommitteeMachine.from_weights(W, alpha=a, eps=e, center=model.center)
    out.batched = np.ndim(sigma) > 0
    out.seeds = np.broadcast_to(model.seeds, (len(s),)).copy()
    return out

