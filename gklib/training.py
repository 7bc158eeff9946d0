"""The training policy shared by every trainer (:func:`gklib.train`, :func:`gklib.nets.fit`).

- **Optimiser names**: ``OPTIMIZERS`` (the names of the ``torch.optim`` classes); the older spellings
  of :func:`gklib.train` are the aliases ``OPTIMIZER_ALIASES`` (``"gd"`` = ``"sgd"``, ``"momentum"`` =
  ``"sgd"`` with ``momentum > 0``), accepted by it alone. :func:`check_optimizer` checks a name and its
  momentum.
- **Optimiser steps**: :class:`RunOptimizer`, the updates of ``torch.optim.SGD`` (heavy-ball momentum),
  ``Adam`` and ``AdamW`` for tensors that carry many runs on a leading axis, each run with its own
  learning rate (``gklib.train``'s direct engine; ``gklib.nets.fit`` uses ``torch.optim`` itself).
- **Divergence**: the rule :func:`diverged`, applied step by step by :class:`DivergenceWatch`, which
  raises or records with one message (:func:`divergence_message`): the step and run, the run's
  parameters, the loss, and advice.
"""
from __future__ import annotations

import warnings

import numpy as np
import torch

__all__ = ["OPTIMIZERS", "OPTIMIZER_ALIASES", "DIVERGENCE_FACTOR", "check_optimizer", "check_on_divergence", "diverged",
           "divergence_message", "DivergenceWatch", "RunOptimizer"]

OPTIMIZERS = ("sgd", "adam", "adamw")
"""One optimiser vocabulary for every trainer (the names of the torch.optim classes)."""
OPTIMIZER_ALIASES = {"gd": "sgd", "momentum": "sgd"}
"""Older spellings that :func:`gklib.train` still accepts: ``"gd"`` is ``"sgd"``, ``"momentum"`` is ``"sgd"``
with ``momentum > 0`` (required)."""
DIVERGENCE_FACTOR = 1e6
"""A run has diverged when its loss exceeds this factor times its initial loss (or is not finite)."""


def check_optimizer(optimizer, aliases: dict | None = None, momentum=None):
    """``optimizer`` as one of ``OPTIMIZERS``: ``"sgd"`` (gradient descent, heavy-ball momentum
    with ``momentum > 0``; weight decay adds λθ to the gradient), ``"adam"`` (weight decay added to
    the gradient) or ``"adamw"`` (decoupled weight decay). ``aliases`` maps older spellings
    (:data:`OPTIMIZER_ALIASES`). With ``momentum`` given (a number), also check it: in ``[0, 1)``, only
    with ``"sgd"``, and ``> 0`` with the alias ``"momentum"``; returns ``(name, momentum)`` then."""
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
    """The divergence rule of every trainer: a boolean mask (per run) of losses that are not finite
    or exceed ``DIVERGENCE_FACTOR`` (10⁶) times the initial loss ``ref`` (tensors of equal shape)."""
    return ~torch.isfinite(loss) | (loss > DIVERGENCE_FACTOR * ref.clamp_min(1e-12))


def check_on_divergence(on_divergence: str) -> str:
    """What a trainer does with a diverged run: ``"raise"`` or ``"nan"`` (freeze it, history NaN);
    anything else raises ``ValueError``."""
    if on_divergence not in ("raise", "nan"):
        raise ValueError(f"on_divergence must be 'raise' or 'nan', got {on_divergence!r}")
    return on_divergence


def divergence_message(step, run, params: dict, loss: float, lr_name: str, runs=None, steps=None) -> str:
    """The one message of a diverged run: ``run`` broke the rule at ``step`` with its ``params``
    (name -> value) and train ``loss``; ``runs``/``steps``: all the runs that diverged (frozen, history NaN)."""
    desc = ", ".join(f"{k}={v:.4g}" for k, v in params.items())
    msg = f"training diverged at step {step} in run {run} ({desc}): the train loss became {loss:.3g}"
    if runs is not None:
        msg += f"; runs {list(runs)} diverged at steps {list(steps)}, their history is NaN from then on " \
               "(History.diverged_at)"
    return f"{msg}. Try a smaller {lr_name}."


class DivergenceWatch:
    """The divergence rule (:func:`diverged`) applied to every step's train loss of ``R`` runs.

    ``record()`` takes a step's losses (a tensor, one per run still computed; they stay on the device)
    and :meth:`check` applies the rule to those recorded since the last check, so a trainer may check in
    blocks without waiting for the device at each step; the step reported is still the first step at
    which a run broke the rule, relative to the first loss recorded. On a divergence :meth:`check` raises
    ``RuntimeError`` (``on_divergence="raise"``) or marks the run (``bad``, ``diverged_at``) and returns
    it, for the trainer to freeze it; :meth:`warn` then reports them all. ``params`` (name -> ``(R,)``
    values) describe the runs in the message; a recorded loss times ``loss_scale`` is the train loss.
    """

    def __init__(self, params: dict, on_divergence: str, lr_name: str, loss_scale: float = 1.0):
        check_on_divergence(on_divergence)
        self.params = {k: np.asarray(v) for k, v in params.items()}
        R = len(next(iter(self.params.values())))
        self.raise_, self.lr_name, self.scale = on_divergence == "raise", lr_name, loss_scale
        self.bad = np.zeros(R, dtype=bool)
        self.diverged_at = np.full(R, np.nan)
        self.losses, self.first, self.ref, self.event = [], 0, None, None

    def record(self, loss):
        self.losses.append(loss)

    def select(self, keep):
        """Keep only the runs ``keep`` (indices or a mask into the runs computed so far)."""
        self.losses = [v[torch.as_tensor(keep, device=v.device)] for v in self.losses]
        self.ref = self.ref[torch.as_tensor(keep, device=self.ref.device)]

    def check(self, step, idx=None):
        """Apply the rule to the losses recorded since the last check (runs ``idx``, default all; the last
        one is that of ``step``); raise, or return the runs that diverged now (they are marked ``bad``)."""
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

    def warn(self, stacklevel: int = 2):
        """A ``RuntimeWarning`` naming the first divergence and every run that diverged (if any did)."""
        if self.event is not None:
            runs = np.flatnonzero(self.bad)
            warnings.warn(self._message(*self.event, runs=runs.tolist(),
                                        steps=self.diverged_at[runs].astype(int).tolist()),
                          RuntimeWarning, stacklevel=stacklevel + 1)


class RunOptimizer:
    """``torch.optim``'s SGD (heavy-ball momentum ``v ← μv + g``), Adam and AdamW steps for parameter
    tensors with a leading run axis, every run with its own learning rate (tested against
    ``torch.optim`` to float round-off).

    ``step()`` takes the parameters and their gradients (dicts of tensors) and the per-run learning
    rates ``lr`` ``(R,)`` (0 freezes a run's parameters), and returns the new parameters. Weight decay
    λ adds λθ to the gradient (``"sgd"``, ``"adam"``) or shrinks θ by ``1 - lr·λ`` first (``"adamw"``).
    """

    STATE = ("buf", "buf2")

    def __init__(self, name: str, params: dict, momentum: float = 0.0, betas=(0.9, 0.999),
                 weight_decay: float = 0.0, eps: float = 1e-8):
        self.name, self.mom, self.betas, self.wd, self.eps = check_optimizer(name), momentum, betas, weight_decay, eps
        self.buf = {n: torch.zeros_like(p) for n, p in params.items()}
        self.buf2 = {n: torch.zeros_like(p) for n, p in params.items()}
        self.k = 0

    def select(self, keep):
        """Keep only the runs ``keep`` (indices into the leading axis) of the optimiser's state."""
        for name in self.STATE:
            setattr(self, name, {n: v[keep] for n, v in getattr(self, name).items()})

    def step(self, params: dict, grads: dict, lr) -> dict:
        self.k += 1
        new = {}
        for n, g in grads.items():
            p = params[n]
            lr_n = lr.view(-1, *([1] * (g.ndim - 1)))
            if self.name != "adamw":
                g = g + self.wd * p
            if self.name == "sgd" and not self.mom:
                upd = g
            elif self.name == "sgd":
                self.buf[n] = self.mom * self.buf[n] + g
                upd = self.buf[n]
            else:
                if self.name == "adamw":
                    p = p * (1 - lr_n * self.wd)
                b1, b2 = self.betas
                self.buf[n] = b1 * self.buf[n] + (1 - b1) * g
                self.buf2[n] = b2 * self.buf2[n] + (1 - b2) * g * g
                upd = (self.buf[n] / (1 - b1**self.k)) / ((self.buf2[n] / (1 - b2**self.k)).sqrt() + self.eps)
            new[n] = p - lr_n * upd
        return new
