"""One run of the modular-addition MLP of paper Fig 2 with analytic gradients: the trainer of
chapter 5's live explorer.

:func:`gklib.nets.modular_mlp_sweep` trains a sweep of scales through :func:`gklib.nets.fit`
(autograd, ``vmap``, ``torch.optim``); one run of this two-layer quadratic network needs none of
that, and :func:`modular_mlp_run` computes the same history (tested) with the gradients written out,
showing the run as it grows if asked.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from ..config import by_profile, cap_steps
from ..history import History, log_grid
from ..validation import DIVERGENCE_FACTOR, check_positive, check_positive_int
from .data import modular_addition
from .modules import QuadraticMLP

__all__ = ["modular_mlp_run"]


def modular_mlp_run(s: float = 1.0, p: int = 23, N: int = 100, steps: int | None = None, lr: float = 1500.0,
                    train_frac: float = 0.9, seed: int = 0, n_log: int = 80, show_at=(),
                    on_chunk=None, check=None) -> History:
    r"""One run of :func:`gklib.nets.modular_mlp_sweep` (paper Fig 2: the quadratic MLP on
    :math:`(a+b) \bmod p`, full-batch GD with step :math:`\text{lr}/s^4` on the MSE, uncentred),
    trained with analytic gradients instead of autograd: the same history (checked in the tests),
    several times faster — the trainer of chapter 5's live explorer.

    With ``f = s^2 W_2 (W_1x)^2/(DN)`` and one-hot pairs, :math:`W_1x = u_a + v_b` is a lookup, and a
    step costs three ``(P, N, p)`` products. The steps are done in ``chunks`` pieces;
    ``on_chunk(history_so_far)`` is called after each (NaN where not reached yet), ``check()``
    between them. A diverging run ends in NaN (``diverged_at``).
    """
    s = check_positive(s, "s")
    steps = by_profile(quick=6000, book=10_000, paper=100_000) if steps is None else steps
    steps = cap_steps(check_positive_int(steps, "steps", allow_zero=True))
    task = modular_addition(p, train_frac, seed=1, device="cpu")
    net = QuadraticMLP(2 * p, N, p, seed=seed)
    D, K = 2 * p, p
    W1a = net.W1.detach()[:, :p].T.contiguous()                   # (p, N): u_a
    W1b = net.W1.detach()[:, p:].T.contiguous()                   # (p, N): v_b
    W2 = net.W2.detach().clone()                                  # (K, N)
    alpha = s * s
    c = alpha / (D * N)
    eta = lr / alpha**2
    ia, ib = task.X[:, :p].argmax(1), task.X[:, p:].argmax(1)
    ta, tb = task.X_test[:, :p].argmax(1), task.X_test[:, p:].argmax(1)
    Y = torch.nn.functional.one_hot(task.y, K).float()
    Yt = torch.nn.functional.one_hot(task.y_test, K).float()
    Ptr = Y.shape[0]
    grid = log_grid(steps, n_log)
    keys = ("train_loss", "test_loss", "train_acc", "test_acc", "weight_norm")
    rec = {k: np.full(len(grid), np.nan) for k in keys}
    ref, diverged_at, li = None, np.nan, 0
    ends = {int(round(f * steps)) for f in show_at if 0 < f < 1}
    t0 = time.perf_counter()

    def history():                                                # a snapshot (copies)
        params = {"alpha": alpha, "lr": lr, "weight_decay": 0.0}
        return History(steps=grid.copy(), extra={}, params=params, diverged_at=diverged_at, engine="modular_mlp_run",
                       seconds=time.perf_counter() - t0, **{k: v.copy() for k, v in rec.items()})

    with torch.no_grad():
        for t in range(steps + 1):
            h = W1a[ia] + W1b[ib]                                  # (P, N)
            z = h * h
            o = c * (z @ W2.T)                                     # (P, K)
            if t == grid[li]:
                L = float(((o - Y) ** 2).mean())
                ref = L if ref is None else ref
                if not np.isfinite(L) or L > DIVERGENCE_FACTOR * max(ref, 1e-12):
                    diverged_at = t
                    break
                ht = W1a[ta] + W1b[tb]
                ot = c * ((ht * ht) @ W2.T)
                rec["train_loss"][li] = L
                rec["test_loss"][li] = float(((ot - Yt) ** 2).mean())
                rec["train_acc"][li] = float((o.argmax(1) == task.y).float().mean())
                rec["test_acc"][li] = float((ot.argmax(1) == task.y_test).float().mean())
                rec["weight_norm"][li] = float(torch.sqrt((W1a**2).sum() + (W1b**2).sum()) + W2.norm())
                li += 1
            if t == steps:
                break
            E = (2 * c / (Ptr * K)) * (o - Y)                      # dL/do · c
            G = (E @ W2) * (2 * h)                                 # dL/dh
            W2 -= eta * (E.T @ z)
            W1a.index_add_(0, ia, G, alpha=-eta)
            W1b.index_add_(0, ib, G, alpha=-eta)
            if t + 1 in ends:
                if check is not None:
                    check()
                if on_chunk is not None:
                    on_chunk(history())
    return history()
