"""One committee-machine run at the lowest cost: the trainer of the live explorers (chapters 1 and 3).

:func:`gklib.train` serves every case (batches of runs, optimisers, both engines, per-step
divergence checks); for ONE run of plain gradient descent the exact recursion of the sufficient
statistics (the stats engine of :mod:`gklib.toy.trainer`, design notes §3) needs only a handful of
matrix products per step, and :func:`single_run` does just that. Same numbers as
``train(engine="stats")`` (tested), three to five times faster at the chapters' explorer sizes.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from ..config import cap_steps
from ..history import History, log_grid
from ..validation import DIVERGENCE_FACTOR, check_positive, check_positive_int
from .model import CommitteeMachine
from .theory import decomposition_from_stats

__all__ = ["single_run"]


def single_run(task, alpha: float, eps: float, P: int | None = None, N: int = 200, steps: int = 3000,
            lr_scale: float = 2.0, seed: int = 0, n_log: int = 80, center: bool = True, check=None) -> History:
    r"""One run of the committee machine by full-batch GD, as :func:`gklib.train` (stats engine)
    computes it, on the first ``P`` training points of ``task``: the explorers' trainer.

    It iterates the exact recursion of the sufficient statistics (design notes, §3),
    :math:`\bar w \leftarrow A\bar w - s v`,
    :math:`M \leftarrow AMA - (A\bar w)(sv)^\top - (sv)(A\bar w)^\top + s^2vv^\top`,
    :math:`A = I - s\epsilon B`, in float32 on the CPU: the same history as ``train(engine="stats")``
    (checked in the tests) at a third to a fifth of its cost for one run, because a step is a handful
    of matrix products and nothing else. The initial weights are ``CommitteeMachine(D, N, alpha, eps, seed)``'s. A run that breaks
    the divergence rule (non-finite, or :data:`~gklib.validation.DIVERGENCE_FACTOR` times the initial
    loss, checked on the logging grid) ends in NaN, with ``diverged_at`` set. ``check()``, if
    given, is called on the logging grid (the explorers abandon a stale run there).
    """
    P = task.P if P is None else check_positive_int(P, "P")
    if P > task.P:
        raise ValueError(f"P={P} exceeds the {task.P} training points of the task")
    alpha, eps = check_positive(alpha, "alpha"), check_positive(eps, "eps", allow_zero=True)
    lr_scale = check_positive(lr_scale, "lr_scale")
    steps = cap_steps(check_positive_int(steps, "steps", allow_zero=True))
    m = CommitteeMachine(task.D, check_positive_int(N, "N"), alpha=alpha, eps=eps, seed=seed)
    f32, f64 = torch.float32, torch.float64
    wbar, M = (t[0].to(f32) for t in m.stats(initial=True))
    t32 = task.to(device="cpu", dtype=f32)
    X, y, Xt, yt = t32.X[:P], t32.y[:P], t32.X_test, t32.y_test
    XT = X.T.contiguous()
    T = task.quad_form.to("cpu", f64) if task.quad_form is not None else None
    w_ref, M_ref = (wbar.clone(), M.clone()) if center else (torch.zeros_like(wbar), torch.zeros_like(M))
    eta = lr_scale * m.N / alpha**2
    s = eta * 2 * alpha / (P * m.N)
    eye = torch.eye(task.D, dtype=f32)
    a64, e64 = torch.tensor([alpha], dtype=f64), torch.tensor([eps], dtype=f64)

    def out(Z, dw, dM):                       # α(Z Δw̄ + ε/2 zᵀΔM z), the centred output
        return alpha * (Z @ dw + (0.5 * eps) * ((Z @ dM) * Z).sum(1))

    grid = log_grid(steps, n_log)
    keys = ["train_loss", "test_loss", "weight_norm"] + (["variance", "misalignment", "linear"] if T is not None else [])
    rec = {k: np.full(len(grid), np.nan) for k in keys}
    ref, diverged_at, li = None, np.nan, 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for t in range(steps + 1):
            dw, dM = wbar - w_ref, M - M_ref
            r = out(X, dw, dM) - y
            if t == grid[li]:
                L = float((r.double() ** 2).mean())
                ref = L if ref is None else ref
                if not np.isfinite(L) or L > DIVERGENCE_FACTOR * max(ref, 1e-12):
                    diverged_at = t
                    break
                rec["train_loss"][li] = L
                rec["test_loss"][li] = float(((out(Xt, dw, dM) - yt).double() ** 2).mean())
                rec["weight_norm"][li] = float((m.N * torch.trace(M.double())).clamp_min(0).sqrt())
                if T is not None:
                    d = decomposition_from_stats(dw.double()[None], dM.double()[None], T, a64, e64)
                    for k in ("variance", "misalignment", "linear"):
                        rec[k][li] = float(d[k][0])
                li += 1
                if check is not None:
                    check()
            if t == steps:
                break
            v = (s * (XT @ r))                                       # s·Σ r_μ x_μ
            A = torch.addmm(eye, XT * r, X, alpha=-s * eps)          # I − sε Σ r_μ x_μ x_μᵀ
            Aw = A @ wbar
            M = A @ M @ A - torch.outer(Aw, v) - torch.outer(v, Aw) + torch.outer(v, v)
            wbar = Aw - v
    params = {"alpha": alpha, "eps": eps, "lr_scale": lr_scale, "seed": seed}
    return History(steps=grid, params=params, diverged_at=diverged_at, engine="single_run",
                   seconds=time.perf_counter() - t0, **rec)
