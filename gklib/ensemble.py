"""Batched training of ``R`` copies of any ``torch.nn.Module`` — an α sweep as one computation.

The parameters of the ``R`` runs are stacked along a leading run axis and the network is
evaluated with ``torch.func.vmap(functional_call(...))``; the per-run losses are summed, so a
single backward pass gives every run its own gradient. Each run ``r`` trains the centred,
α-scaled predictor (Chizat et al.; paper.md §1.2)

.. math:: \\tilde f_r(x) = \\alpha_r\\,\\bigl(f(\\theta_r, x) - f(\\theta_r(0), x)\\bigr),

where :math:`f(\\theta(0), x)` is computed once per input under ``no_grad`` (``center=False``:
:math:`\\alpha_r f(\\theta_r, x)`). Losses: ``"mse"`` — mean over samples *and* outputs of
:math:`(\\tilde f - y)^2` (integer labels are one-hot encoded); ``"ce"`` — cross-entropy of the
logits :math:`\\tilde f`. Learning rate of run ``r``: :math:`\\eta_r = \\text{lr}_r/\\alpha_r^{k}`
with ``k = lr_alpha_power`` (``k=2`` for GD is the usual lazy-limit rescaling).

Optimisers, written functionally on the stacked tensors (``t`` counts steps from 1, the warm-up
factor is :math:`w_t=\\min(1, t/\\text{warmup})`):

- ``"sgd"``: :math:`\\theta \\leftarrow \\theta - w_t\\eta(g + \\lambda\\theta)`;
- ``"adamw"``: :math:`\\theta \\leftarrow \\theta(1-w_t\\eta\\lambda) - w_t\\eta\\,\\hat m/(\\sqrt{\\hat v}+10^{-8})`
  with the usual bias-corrected moments (``torch.optim.AdamW``).

Runs share the data, the batch order and the step count; they differ in α, lr, weight decay
and (optionally) the initial weights. For one module the same centring/scaling is Chapter 1's
output-scale wrapper; here it is built into the trainer so that a sweep is one computation.
``torch.set_flush_denormal(True)`` is set while training (tiny Adam moments otherwise make CPU
steps many times slower) and reset afterwards.
"""
from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.func import functional_call, vmap

from .config import cap_steps, generator, get_device, progress
from .grokking import first_crossing
from .history import History, log_grid
from .validation import as_param_array, broadcast_runs, check_positive_int

__all__ = ["train_ensemble", "EnsembleHistory", "accuracy_delay", "generalisation_at_fit"]


@dataclass
class EnsembleHistory:
    """A :class:`gklib.History` (``steps``, ``train_loss``, ``test_loss``, ``weight_norm``, each
    ``(R, n_log)``) plus accuracy series of the same shape and ``extra`` series:

    - ``train_acc``, ``test_acc``: argmax accuracy for integer labels; for regression the fraction of
      samples whose MSE (mean over outputs) is below ``thresholds[0]``;
    - ``extra["rel_change"]``: :math:`\\|\\theta-\\theta_0\\|/\\|\\theta_0\\|`;
    - ``extra["test_acc_thresholds"]`` (regression): ``(R, n_thresholds, n_log)``.

    Attributes of the history are reachable directly (``res.steps``, ``res.test_loss``).
    ``state`` holds the final stacked parameters; :meth:`module` rebuilds run ``i``'s network.
    """

    history: History
    train_acc: np.ndarray
    test_acc: np.ndarray
    extra: dict = field(default_factory=dict)
    state: dict = field(default_factory=dict, repr=False)
    base: torch.nn.Module | None = field(default=None, repr=False)

    def __getattr__(self, name):
        if name.startswith("__") or name == "history":
            raise AttributeError(name)
        return getattr(self.history, name)

    @property
    def R(self) -> int:
        return self.history.R

    def run(self, i: int) -> "EnsembleHistory":
        """Run ``i`` alone (series without the run axis)."""
        return EnsembleHistory(self.history.run(i), self.train_acc[i], self.test_acc[i],
                               {k: v[i] for k, v in self.extra.items()},
                               {k: v[i] for k, v in self.state.items()}, self.base)

    def module(self, i: int = 0) -> torch.nn.Module:
        """A copy of the network holding run ``i``'s trained parameters (uncentred, unscaled)."""
        m = copy.deepcopy(self.base)
        m.load_state_dict({k: v[i] for k, v in self.state.items()}, strict=False)
        return m


def accuracy_delay(res: EnsembleHistory, level: float = 0.9) -> np.ndarray:
    """Steps between the train and the test accuracy first reaching ``level`` (``inf``: never)."""
    return (first_crossing(res.steps, res.test_acc, level, above=True)
            - first_crossing(res.steps, res.train_acc, level, above=True))


def generalisation_at_fit(res: EnsembleHistory, level: float = 0.99) -> np.ndarray:
    """Test accuracy at the logged step where the train accuracy first reaches ``level``, one value per
    run (``nan``: never reached). A grokking run is still near its
    memorisation level then; a run without grokking has already generalised."""
    t_fit = np.atleast_1d(first_crossing(res.steps, res.train_acc, level, above=True))
    test = np.atleast_2d(res.test_acc)
    return np.array([test[i, np.searchsorted(res.steps, t)] if np.isfinite(t) else np.nan
                     for i, t in enumerate(t_fit)])


def _stack(models, names, dev, dtype):
    out = {}
    for n in names:
        ts = [dict(m.named_parameters())[n].detach() for m in models]
        out[n] = torch.stack(ts).to(dev, dtype).clone().requires_grad_(True)
    return out


def _bcast(v, like):
    return v.reshape(-1, *([1] * (like.ndim - 1)))


def train_ensemble(model, task, alpha=1.0, steps: int = 1000, *, lr=1e-3, lr_alpha_power: float = 0.0,
                   loss: str = "mse", optimizer: str = "sgd", weight_decay=0.0, betas=(0.9, 0.999),
                   warmup: int = 0, batch_size: int | None = None, center: bool = True,
                   norm: str = "total", thresholds=(1e-3,), n_log: int = 100,
                   log_every: int | None = None, seed: int = 0, on_divergence: str = "raise",
                   device=None, dtype=torch.float32, progress_bar: bool | None = None) -> EnsembleHistory:
    """Train ``R`` runs of ``model`` on ``task`` at once; return an :class:`EnsembleHistory`.

    Parameters
    ----------
    model : a ``torch.nn.Module`` (every run starts from its weights) or a list of ``R`` modules
        of one architecture (e.g. different seeds or init scales). Not modified.
    task : :class:`gklib.Task`; integer ``y`` = class labels, float ``y`` ``(P, K)`` = regression.
    alpha, lr, weight_decay : scalars or sequences of length ``R`` (broadcast together).
    steps : optimisation steps (shared by all runs).
    lr_alpha_power : ``k`` in :math:`\\eta = \\text{lr}/\\alpha^k`.
    loss : ``"mse"`` or ``"ce"``; optimizer : ``"sgd"`` or ``"adamw"`` (``betas``, ``warmup``).
    batch_size : ``None`` = full batch; else cycle through seeded shuffles of the training set.
    center : train :math:`\\alpha(f-f_0)` (default) or :math:`\\alpha f`.
    norm : weight norm logged: ``"total"`` :math:`\\|\\theta\\|_2` or ``"layers"``
        :math:`\\sum_\\ell \\|W_\\ell\\|_F` over the matrices (paper Fig 2).
    thresholds : regression "accuracy" thresholds on the per-sample MSE (paper App 17).
    n_log, log_every : logging grid as :func:`gklib.log_grid` (losses on the full sets).
    on_divergence : ``"raise"`` (``RuntimeError``) or ``"nan"`` (freeze the run, NaN history).
    """
    if loss not in ("mse", "ce"):
        raise ValueError(f"loss must be 'mse' or 'ce', got {loss!r}")
    if optimizer not in ("sgd", "adamw"):
        raise ValueError(f"optimizer must be 'sgd' or 'adamw', got {optimizer!r}")
    if norm not in ("total", "layers"):
        raise ValueError(f"norm must be 'total' or 'layers', got {norm!r}")
    if on_divergence not in ("raise", "nan"):
        raise ValueError(f"on_divergence must be 'raise' or 'nan', got {on_divergence!r}")
    steps = cap_steps(check_positive_int(steps, "steps", allow_zero=True))   # $GKLIB_SMOKE_STEPS
    warmup = check_positive_int(warmup, "warmup", allow_zero=True)
    models = list(model) if isinstance(model, (list, tuple)) else [model]
    if not models or not all(isinstance(m, torch.nn.Module) for m in models):
        raise ValueError("model must be a torch.nn.Module or a list of them")
    arrays = dict(alpha=as_param_array(alpha, "alpha"), lr=as_param_array(lr, "lr"),
                  weight_decay=as_param_array(weight_decay, "weight_decay", allow_zero=True))
    R, hp = broadcast_runs(n_models=np.ones(len(models)), **arrays)
    batched = len(models) > 1 or any(np.ndim(v) > 0 for v in (alpha, lr, weight_decay))
    if len(models) == 1:
        models = models * R
    classify = not task.y.dtype.is_floating_point
    if loss == "ce" and not classify:
        raise ValueError("loss='ce' needs integer class labels in task.y")
    thresholds = as_param_array(thresholds, "thresholds")
    P = task.X.shape[0]
    if batch_size is not None:
        batch_size = min(check_positive_int(batch_size, "batch_size"), P)

    dev = get_device(device)
    base = copy.deepcopy(models[0]).to(dev, dtype)
    names = [n for n, _ in base.named_parameters()]
    params = _stack(models, names, dev, dtype)
    theta0 = {n: p.detach().clone() for n, p in params.items()}
    mats = [n for n in names if params[n].ndim >= 3]

    def mv(t):
        return t.to(dev, dtype) if t.dtype.is_floating_point else t.to(dev)

    X, y, Xt, yt = mv(task.X), mv(task.y), mv(task.X_test), mv(task.y_test)
    forward = vmap(lambda p, x: functional_call(base, p, (x,)), in_dims=(0, None))
    with torch.no_grad():
        f0, f0t = forward(theta0, X), forward(theta0, Xt)
    if not center:
        f0, f0t = torch.zeros_like(f0), torch.zeros_like(f0t)
    K = f0.shape[-1]
    a = torch.as_tensor(hp["alpha"], device=dev, dtype=dtype)
    eta = torch.as_tensor(hp["lr"] / hp["alpha"] ** lr_alpha_power, device=dev, dtype=dtype)
    wd = torch.as_tensor(hp["weight_decay"], device=dev, dtype=dtype)

    def target(lbl):
        if classify and loss == "mse":
            return torch.nn.functional.one_hot(lbl, K).to(dtype)
        return lbl if classify else lbl.reshape(lbl.shape[0], -1)

    Y, Yt = target(y), target(yt)

    def losses(p, x, f0x, Yx):                      # -> per-run loss (R,), outputs (R, B, K)
        out = a[:, None, None] * (forward(p, x) - f0x)
        if loss == "mse":
            return ((out - Yx) ** 2).mean((1, 2)), out
        return torch.nn.functional.cross_entropy(out.transpose(1, 2), Yx.expand(R, -1),
                                                 reduction="none").mean(1), out

    grid = log_grid(steps, n_log, log_every)
    keys = ["train_loss", "test_loss", "weight_norm", "train_acc", "test_acc", "rel_change"]
    rec = {k: np.full((R, len(grid)), np.nan) for k in keys}
    thr_rec = np.full((R, len(thresholds), len(grid)), np.nan)
    norm0 = torch.sqrt(sum((v ** 2).flatten(1).sum(1) for v in theta0.values()))

    def observe(li):
        with torch.no_grad():
            for (x, f0x, Yx, lbl, tag) in ((X, f0, Y, y, "train"), (Xt, f0t, Yt, yt, "test")):
                L, out = losses(params, x, f0x, Yx)
                rec[f"{tag}_loss"][:, li] = L.double().cpu().numpy()
                if classify:
                    acc = (out.argmax(-1) == lbl).to(dtype).mean(1)
                else:
                    err = ((out - Yx) ** 2).mean(-1)                          # (R, B)
                    th = torch.as_tensor(thresholds, device=dev, dtype=dtype)
                    frac = (err[:, None, :] < th[None, :, None]).to(dtype).mean(-1)
                    acc = frac[:, 0]
                    if tag == "test":
                        thr_rec[:, :, li] = frac.double().cpu().numpy()
                rec[f"{tag}_acc"][:, li] = acc.double().cpu().numpy()
            if norm == "total":
                wn = torch.sqrt(sum((v ** 2).flatten(1).sum(1) for v in params.values()))
            else:
                wn = sum(params[n].flatten(1).norm(dim=1) for n in mats)
            dn = torch.sqrt(sum(((params[n] - theta0[n]) ** 2).flatten(1).sum(1) for n in names))
            rec["weight_norm"][:, li] = wn.double().cpu().numpy()
            rec["rel_change"][:, li] = (dn / norm0).double().cpu().numpy()

    gen = generator(seed)
    order, pos = torch.randperm(P, generator=gen), 0
    m1 = {n: torch.zeros_like(v) for n, v in params.items()} if optimizer == "adamw" else None
    m2 = {n: torch.zeros_like(v) for n, v in params.items()} if optimizer == "adamw" else None
    b1, b2 = betas
    active = torch.ones(R, device=dev, dtype=dtype)
    hparams = {k: np.asarray(v) for k, v in hp.items() if k != "n_models"}
    start, li = time.perf_counter(), 0
    torch.set_flush_denormal(True)   # tiny Adam moments late in training are otherwise very slow on CPU
    bar = progress(steps, desc=f"ensemble ({R} run{'s' * (R > 1)})", enabled=progress_bar)
    try:
        for t in range(steps + 1):
            if t == grid[li]:
                observe(li)
                bad = ~np.isfinite(rec["train_loss"][:, li]) & (active.cpu().numpy() > 0)
                if bad.any():
                    i = int(np.flatnonzero(bad)[0])
                    msg = (f"training diverged by step {t} in run {i} (alpha={hp['alpha'][i]:.4g}, "
                           f"lr={hp['lr'][i]:.4g}): the train loss is not finite. Try a smaller lr.")
                    if on_divergence == "raise":
                        raise RuntimeError(msg)
                    warnings.warn(msg, RuntimeWarning, stacklevel=2)
                    active[torch.as_tensor(bad, device=dev)] = 0
                for k in keys:
                    rec[k][active.cpu().numpy() == 0, li] = np.nan
                li += 1
            if t == steps:
                break
            if batch_size is None:
                idx = None
            else:
                if pos + batch_size > P:
                    order, pos = torch.randperm(P, generator=gen), 0
                idx = order[pos: pos + batch_size].to(dev)
                pos += batch_size
            xb, f0b, Yb = (X, f0, Y) if idx is None else (X[idx], f0[:, idx], Y[idx])
            L, _ = losses(params, xb, f0b, Yb)
            grads = torch.autograd.grad(L.sum(), [params[n] for n in names])
            w = min(1.0, (t + 1) / warmup) if warmup else 1.0
            lr_t = eta * w * active
            with torch.no_grad():
                for n, g in zip(names, grads):
                    p = params[n]
                    lr_b, wd_b = _bcast(lr_t, p), _bcast(wd, p)
                    if optimizer == "sgd":
                        p.sub_(lr_b * (g + wd_b * p))
                    else:
                        m1[n].mul_(b1).add_(g, alpha=1 - b1)
                        m2[n].mul_(b2).addcmul_(g, g, value=1 - b2)
                        mhat = m1[n] / (1 - b1 ** (t + 1))
                        vhat = m2[n] / (1 - b2 ** (t + 1))
                        p.mul_(1 - lr_b * wd_b).sub_(lr_b * mhat / (vhat.sqrt() + 1e-8))
            if t % 256 == 0:
                bar.update(min(256, steps - t))
    finally:
        bar.close()
        torch.set_flush_denormal(False)
    sq = (lambda v: v) if batched else (lambda v: v[0])
    hist = History(steps=grid, train_loss=sq(rec["train_loss"]), test_loss=sq(rec["test_loss"]),
                   weight_norm=sq(rec["weight_norm"]), engine="ensemble",
                   params={k: sq(v) for k, v in hparams.items()},
                   seconds=time.perf_counter() - start)
    extra = {"rel_change": sq(rec["rel_change"])}
    if not classify:
        extra["test_acc_thresholds"] = sq(thr_rec)
        extra["thresholds"] = np.broadcast_to(thresholds, (R, len(thresholds))).copy() if batched \
            else thresholds
    state = {n: sq(v.detach()) for n, v in params.items()}
    return EnsembleHistory(hist, sq(rec["train_acc"]), sq(rec["test_acc"]), extra, state, base)
