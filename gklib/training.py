"""The training policy shared by every trainer (:func:`gklib.train`, :func:`gklib.nets.fit`).

- **Optimiser names**: ``OPTIMIZERS`` (the names of the ``torch.optim`` classes); the older spellings
  of :func:`gklib.train` are the aliases ``OPTIMIZER_ALIASES`` (``"gd"`` = ``"sgd"``, ``"momentum"`` =
  ``"sgd"`` with ``momentum > 0``), accepted by it and :func:`gklib.nets.fit`. :func:`check_optimizer` checks a name and its
  momentum.
- **Optimiser steps**: :class:`~gklib.optim.RunOptimizer` (in :mod:`gklib.optim`, importable from here
  too), the updates of ``torch.optim.SGD`` (heavy-ball momentum), ``Adam`` and ``AdamW`` for tensors
  that carry many runs on a leading axis, each run with its own learning rate.
- **Divergence**: the rule :func:`diverged`, applied step by step by :class:`DivergenceWatch`, which
  raises or records with one message (:func:`divergence_message`): the step and run, the run's
  parameters, the loss, and advice.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

from ._forward import forwarding
from .params import Instance, Integer, Options, Real, validate_params

__all__ = ["OPTIMIZERS", "OPTIMIZER_ALIASES", "DIVERGENCE_FACTOR", "check_optimizer", "check_on_divergence", "diverged",
           "divergence_message", "DivergenceWatch"]

OPTIMIZERS = ("sgd", "adam", "adamw")
"""One optimiser vocabulary for every trainer (the names of the torch.optim classes)."""
OPTIMIZER_ALIASES = {"gd": "sgd", "momentum": "sgd"}
"""Older spellings that every trainer accepts: ``"gd"`` is ``"sgd"``, ``"momentum"`` is ``"sgd"``
with ``momentum > 0`` (required)."""
DIVERGENCE_FACTOR = 1e6
"""A run has diverged when its loss exceeds this factor times its initial loss (or is not finite)."""


@validate_params(optimizer=Instance(str, what="a string"), aliases=Instance(dict, what="a dict", none_ok=True),
                 momentum=Real(0, 1, closed="left", none_ok=True))
def check_optimizer(optimizer, aliases: dict | None = None, momentum=None):
    """Check an optimiser name (and its momentum): one of :data:`OPTIMIZERS`, ``"sgd"`` (gradient descent,
    heavy-ball momentum with ``momentum > 0``; weight decay adds λθ to the gradient), ``"adam"`` (weight
    decay added to the gradient) or ``"adamw"`` (decoupled weight decay).

    Parameters
    ----------
    optimizer : str
        The name.
    aliases : dict or None, default None
        Older spellings accepted too, ``{alias: name}`` (:data:`OPTIMIZER_ALIASES` for :func:`gklib.train`).
    momentum : float or None, default None
        With a number, also check it: in [0, 1), only with ``"sgd"``, and > 0 with the alias ``"momentum"``.

    Returns
    -------
    str or tuple
        The canonical name, or ``(name, momentum)`` when ``momentum`` is given.

    Raises
    ------
    ValueError
        An unknown name (the message lists the known ones) or a momentum that does not fit.

    Examples
    --------
    >>> from gklib.training import OPTIMIZER_ALIASES, check_optimizer
    >>> check_optimizer("adamw")
    'adamw'
    >>> check_optimizer("momentum", OPTIMIZER_ALIASES, momentum=0.9)
    ('sgd', 0.9)
    >>> check_optimizer("lbfgs")
    Traceback (most recent call last):
    ...
    ValueError: optimizer must be one of ('sgd', 'adam', 'adamw'), got 'lbfgs'
    """
    name = (aliases or {}).get(optimizer, optimizer)
    if momentum is not None:
        if not 0 <= momentum < 1 or (momentum and name != "sgd") or (optimizer == "momentum" and not momentum):
            raise ValueError(f"momentum must be in [0, 1) and needs optimizer='sgd' (optimizer='momentum': "
                             f"momentum > 0), got {momentum} with {optimizer!r}")
    if name not in OPTIMIZERS:
        known = OPTIMIZERS + tuple(aliases or ())
        raise ValueError(f"optimizer must be one of {known}, got {optimizer!r}")
    return name if momentum is None else (name, momentum)


def diverged(loss, ref):
    r"""The divergence rule of every trainer: a loss :math:`\ell` has diverged when it is not finite or
    :math:`\ell > 10^6\,\ell_0` (``DIVERGENCE_FACTOR`` times the initial loss :math:`\ell_0`).

    It runs inside the training loops on the device, so it does not check its arguments.

    Parameters
    ----------
    loss : torch.Tensor
        Losses (e.g. one per run, or ``(steps, runs)``).
    ref : torch.Tensor
        Initial losses, the shape of ``loss`` (clamped at 1e-12).

    Returns
    -------
    torch.Tensor of bool
        The mask of diverged entries, the shape of ``loss``.

    Examples
    --------
    >>> import torch
    >>> from gklib.training import diverged
    >>> diverged(torch.tensor([1.0, 2e6, float("nan")]), torch.ones(3)).tolist()
    [False, True, True]
    """
    return ~torch.isfinite(loss) | (loss > DIVERGENCE_FACTOR * ref.clamp_min(1e-12))


@validate_params(on_divergence=Options("raise", "nan"))
def check_on_divergence(on_divergence: str) -> str:
    """Check what a trainer does with a diverged run: ``"raise"`` (a ``RuntimeError`` naming the run and step)
    or ``"nan"`` (freeze the run; its history is NaN from that step on).

    Parameters
    ----------
    on_divergence : {"raise", "nan"}
        The policy.

    Returns
    -------
    str
        ``on_divergence`` itself.

    Raises
    ------
    ValueError
        Anything else.

    Examples
    --------
    >>> from gklib.training import check_on_divergence
    >>> check_on_divergence("nan")
    'nan'
    """
    return on_divergence          # the declared constraint is the check


@validate_params(step=Integer(0), run=Integer(0), params=Instance(dict, what="a dict"),
                 lr_name=Instance(str, what="a string"))
def divergence_message(step, run, params: dict, loss: float, lr_name: str, runs=None, steps=None) -> str:
    """The one message of a diverged run: the step and run, the run's parameters, the loss, and advice.

    Parameters
    ----------
    step : int
        The step at which ``run`` broke the rule.
    run : int
        The run's index.
    params : dict
        The run's hyperparameters, ``{name: number}``.
    loss : float
        Its train loss then (may be ``inf`` or ``nan``).
    lr_name : str
        The name of the learning-rate parameter to advise on (e.g. ``"lr_scale"``).
    runs, steps : sequence of int or None, default None
        All the runs that diverged and their steps (they are frozen, their history is NaN).

    Returns
    -------
    str
        The message.

    Examples
    --------
    >>> from gklib.training import divergence_message
    >>> divergence_message(12, 1, {"alpha": 0.5}, float("inf"), "lr_scale")
    'training diverged at step 12 in run 1 (alpha=0.5): the train loss became inf. Try a smaller lr_scale.'
    """
    desc = ", ".join(f"{k}={v:.4g}" for k, v in params.items())
    msg = f"training diverged at step {step} in run {run} ({desc}): the train loss became {loss:.3g}"
    if runs is not None:
        msg += f"; runs {list(runs)} diverged at steps {list(steps)}, their history is NaN from then on " \
               "(History.diverged_at)"
    return f"{msg}. Try a smaller {lr_name}."


class DivergenceWatch:
    """The divergence rule (:func:`diverged`) applied to every step's train loss of ``R`` runs.

    :meth:`record` takes a step's losses (a tensor, one per run still computed; they stay on the device) and
    :meth:`check` applies the rule to those recorded since the last check, so a trainer may check in blocks
    without waiting for the device at each step; the step reported is still the first step at which a run
    broke the rule, relative to the first loss recorded. On a divergence :meth:`check` raises
    ``RuntimeError`` (``on_divergence="raise"``) or marks the run (``bad``, ``diverged_at``) and returns it,
    for the trainer to freeze it; :meth:`warn` then reports them all.

    Parameters
    ----------
    params : dict
        ``{name: (R,) values}`` describing the runs in the message (at least one entry).
    on_divergence : {"raise", "nan"}
        The policy.
    lr_name : str
        The learning-rate parameter the advice names.
    loss_scale : float, default 1.0
        A recorded loss times ``loss_scale`` is the train loss (for the message).

    Examples
    --------
    >>> import torch
    >>> from gklib.training import DivergenceWatch
    >>> w = DivergenceWatch({"alpha": [1.0, 2.0]}, "nan", "lr_scale")
    >>> for loss in ([1.0, 1.0], [0.5, 3e6], [0.2, float("inf")]):
    ...     w.record(torch.tensor(loss))
    >>> w.check(step=2).tolist(), w.diverged_at.tolist()
    ([1], [nan, 1.0])
    """

    @validate_params(params=Instance(dict, what="a dict"), on_divergence=Options("raise", "nan"),
                     lr_name=Instance(str, what="a string"), loss_scale=Real(0, closed="neither"))
    def __init__(self, params: dict, on_divergence: str, lr_name: str, loss_scale: float = 1.0):
        self.params = {k: np.asarray(v) for k, v in params.items()}
        R = len(next(iter(self.params.values())))
        self.raise_, self.lr_name, self.scale = on_divergence == "raise", lr_name, loss_scale
        self.bad = np.zeros(R, dtype=bool)
        self.diverged_at = np.full(R, np.nan)
        self.losses, self.first, self.ref, self.event = [], 0, None, None

    def record(self, loss):
        """Record one step's losses (kept on the device until the next :meth:`check`).

        Parameters
        ----------
        loss : torch.Tensor, shape (R_active,)
            The step's train losses, one per run still computed.

        Returns
        -------
        None

        Examples
        --------
        >>> import torch
        >>> from gklib.training import DivergenceWatch
        >>> w = DivergenceWatch({"alpha": [1.0]}, "raise", "lr_scale")
        >>> w.record(torch.tensor([1.0])); len(w.losses)
        1
        """
        self.losses.append(loss)

    def select(self, keep):
        """Keep only the runs ``keep`` (indices or a mask into the runs computed so far), e.g. when finished runs
        leave the batch.

        Parameters
        ----------
        keep : sequence of int or of bool
            The runs to keep.

        Returns
        -------
        None

        Examples
        --------
        >>> import torch
        >>> from gklib.training import DivergenceWatch
        >>> w = DivergenceWatch({"alpha": [1.0, 2.0]}, "nan", "lr_scale")
        >>> w.record(torch.tensor([1.0, 1.0])); _ = w.check(0)
        >>> w.select([1]); w.ref.tolist()
        [1.0]
        """
        self.losses = [v[torch.as_tensor(keep, device=v.device)] for v in self.losses]
        self.ref = self.ref[torch.as_tensor(keep, device=self.ref.device)]

    def check(self, step, idx=None):
        """Apply the rule to the losses recorded since the last check (the last one is that of ``step``); raise,
        or return the runs that diverged now (they are marked ``bad``, with ``diverged_at`` their first bad step).

        Parameters
        ----------
        step : int
            The step of the last recorded loss.
        idx : numpy.ndarray of int or None, default None
            The runs the recorded losses belong to (default: all ``R``).

        Returns
        -------
        numpy.ndarray of int
            The runs that diverged since the last check (empty when none).

        Raises
        ------
        RuntimeError
            A run diverged and ``on_divergence="raise"``; the message names the step, run and parameters.

        Examples
        --------
        >>> import torch
        >>> from gklib.training import DivergenceWatch
        >>> w = DivergenceWatch({"alpha": [1.0]}, "raise", "lr_scale")
        >>> w.record(torch.tensor([1.0])); w.record(torch.tensor([float("nan")]))
        >>> w.check(step=1)
        Traceback (most recent call last):
        ...
        RuntimeError: training diverged at step 1 in run 0 (alpha=1): the train loss became nan. Try a smaller lr_scale.
        """
        idx = np.arange(len(self.bad)) if idx is None else idx
        L = torch.stack(self.losses)                              # (steps, runs)
        self.losses = []
        if self.ref is None:
            self.ref = L[0].clone()
        bad = diverged(L, self.ref.expand_as(L))
        hit = bad.any(0).cpu().numpy() & ~self.bad[idx]
        self.first, start = step + 1, self.first
        if not hit.any():
            return idx[hit]
        first = bad.to(torch.int8).argmax(0).cpu().numpy()
        steps = start + first
        i = int(np.flatnonzero(hit)[np.argmin(steps[hit])])       # the earliest (then the first) run
        event = (int(steps[i]), int(idx[i]), float(L[first[i], i]) * self.scale)
        if self.raise_:
            raise RuntimeError(self._message(*event))
        self.event = self.event or event
        self.bad[idx[hit]] = True
        self.diverged_at[idx[hit]] = steps[hit]
        return idx[hit]

    def _message(self, step, run, loss, **kw):
        return divergence_message(step, run, {k: v[run] for k, v in self.params.items()}, loss, self.lr_name, **kw)

    @validate_params(stacklevel=Integer(1))
    def warn(self, stacklevel: int = 2):
        """A ``RuntimeWarning`` naming the first divergence and every run that diverged (nothing if none did).

        Parameters
        ----------
        stacklevel : int, default 2
            As in ``warnings.warn``, counted from the caller.

        Returns
        -------
        None

        Examples
        --------
        >>> import torch, warnings
        >>> from gklib.training import DivergenceWatch
        >>> w = DivergenceWatch({"alpha": [1.0, 2.0]}, "nan", "lr_scale")
        >>> w.record(torch.tensor([1.0, 1.0])); w.record(torch.tensor([1.0, float("inf")])); _ = w.check(1)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always"); w.warn()
        >>> "runs [1] diverged at steps [1]" in str(caught[0].message)
        True
        """
        if self.event is not None:
            runs = np.flatnonzero(self.bad)
            warnings.warn(self._message(*self.event, runs=runs.tolist(),
                                        steps=self.diverged_at[runs].astype(int).tolist()),
                          RuntimeWarning, stacklevel=stacklevel + 1)


# RunOptimizer is defined in gklib.optim (which reads this module's names); importable from here too, not in
# __all__, so that the API reference lists it once, under its own module.
__getattr__, __dir__ = forwarding(__name__, globals(), {"RunOptimizer": "gklib.optim"})
