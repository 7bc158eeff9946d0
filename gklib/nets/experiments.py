"""Experiments on networks: the paper's modular-arithmetic MLP sweep (Fig 2, chapter 5), seed-averaged
sweeps (:func:`seed_sweep`: every initialisation × every α as one batched :func:`~gklib.nets.trainer.fit`),
and :func:`delay_summary`, which reads a sweep's delays on the losses and the accuracies, absolute and in
units of the fitting time."""
from __future__ import annotations

import numpy as np

from ..config import by_profile
from ..runtime import get_device
from ..history import History
from ..metrics import first_crossing, value_at
from ..validation import as_param_array
from .data import modular_addition
from .modules import QuadraticMLP
from .trainer import fit

__all__ = ["modular_mlp_sweep", "modular_mlp_steps", "seed_sweep", "delay_summary",
           "threshold_accuracy_tracks"]


def modular_mlp_steps() -> int:
    """The number of GD steps of :func:`modular_mlp_sweep` at the active profile."""
    return by_profile(quick=6000, book=10_000, paper=100_000)


def modular_mlp_sweep(s=(0.5, 1.0, 1.5, 2.0), p: int = 23, N: int = 100, steps: int | None = None,
                      lr: float = 1500.0, train_frac: float = 0.9, seed: int = 0, n_log: int = 80,
                      track: dict | None = None, device=None, callback=None, progress_bar=None) -> History:
    """Paper Fig 2: :math:`f = s^2 W_2 (W_1 x)^2/(DN)`, full-batch GD on the MSE with step
    :math:`\\text{lr}/s^4` (the paper's loss :math:`/s^2` with step :math:`100/s^2`, i.e. ``lr=100``;
    the default ``lr=1500`` runs the same gradient flow 15× faster). Uncentred, as in the paper
    (:math:`f_0` is :math:`O(s^2/\\sqrt{DN})`). Weight norm :math:`\\|W_1\\|_F+\\|W_2\\|_F`.
    ``hist.params["alpha"]`` holds :math:`s^2`; ``track`` (e.g. the feature-kernel change,
    :func:`~gklib.nets.laziness.feature_kernel_change`) and ``callback`` go to
    :func:`~gklib.nets.trainer.fit`."""
    s = as_param_array(s, "s")
    steps = steps if steps is not None else modular_mlp_steps()
    task = modular_addition(p, train_frac, seed=1, device=device)
    net = QuadraticMLP(2 * p, N, p, seed=seed)
    return fit(net, task, alpha=s**2, steps=steps, lr=lr, lr_alpha_power=2, loss="mse", optimizer="sgd",
               center=False, norm="layers", n_log=n_log, track=track, device=get_device(device),
               callback=callback, progress_bar=progress_bar)


def seed_sweep(make_module, data, *, seeds, alpha, **fit_kw) -> History:
    """Train every network ``make_module(seed)`` at every ``alpha`` as one batched
    :func:`~gklib.nets.trainer.fit` (``len(seeds) × len(alpha)`` runs, one computation).

    Run ``i·len(alpha) + j`` is seed ``seeds[i]`` at ``alpha[j]``, so any per-run measure reshapes to
    ``(len(seeds), len(alpha))``; ``hist.params`` gains ``"seed"``. Other keywords go to ``fit`` (``lr``
    and ``weight_decay`` must be scalars here).
    """
    seeds = [int(s) for s in np.atleast_1d(seeds)]
    alphas = [float(a) for a in as_param_array(alpha, "alpha")]
    if not seeds:
        raise ValueError("seeds is empty")
    for k in ("lr", "weight_decay"):
        if np.ndim(fit_kw.get(k, 0.0)) > 0:
            raise ValueError(f"{k} must be a scalar in a seed sweep")
    nets = [make_module(s) for s in seeds for _ in alphas]
    hist = fit(nets, data, alpha=alphas * len(seeds), **fit_kw)
    hist.params["seed"] = np.repeat(seeds, len(alphas))
    return hist


def delay_summary(hist: History, loss_level: float, *, relative: bool = True, acc_level: float | None = None,
                  key: str | None = None) -> dict:
    r"""The delay of every run of a sweep, read on the losses first and on the accuracies beside them.

    Loss crossings: :math:`t_{\rm tr}` and :math:`t_{\rm te}`, the first logged steps at which the train and
    the test loss fall below ``loss_level`` — times each run's initial loss when ``relative`` (a fall by the
    factor ``1/loss_level``), an absolute level otherwise. The delay is reported twice: absolute,
    :math:`t_{\rm te} - t_{\rm tr}` (``loss_delay``), and in units of the fitting time,
    :math:`t_{\rm te}/t_{\rm tr}` (``loss_ratio``). When a larger output scale also slows the fit (a step
    :math:`\propto 1/\alpha^k`), the absolute delay grows even if the curves only stretch in time; the ratio
    does not. ``acc_level`` adds the same four numbers for the accuracies (``acc_train``, ``acc_test``,
    ``acc_delay``, ``acc_ratio``); ``key`` adds ``hist.extra[key]`` (e.g. the feature-kernel change) at the
    loss fit and at the loss generalisation (``key_at_fit``, ``key_at_test``; NaN where never reached).

    Never reached within the run: ``inf`` (a delay or ratio with an unfitted training set is NaN). The ratio
    counts a crossing at step 0 as step 1 (both curves below the level from the start: ratio 1).
    Returns a dict of ``(R,)`` arrays (length 1 for a single run).
    """
    if not isinstance(hist, History):
        raise ValueError(f"hist must be a gklib History, got {type(hist).__name__}")
    lv = float(loss_level)
    if not np.isfinite(lv) or lv <= 0 or (relative and lv >= 1):
        raise ValueError(f"loss_level must be in (0, 1) when relative, positive otherwise; got {loss_level!r}")

    def pair(tr, te):
        tr, te = np.atleast_1d(np.asarray(tr, float)), np.atleast_1d(np.asarray(te, float))
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = np.isfinite(tr)
            return tr, te, np.where(ok, te - tr, np.nan), np.where(ok, np.maximum(te, 1) / np.maximum(tr, 1), np.nan)

    out = {}
    tr = first_crossing(hist.steps, hist.train_loss, lv, relative=relative)
    te = first_crossing(hist.steps, hist.test_loss, lv, relative=relative)
    out["loss_train"], out["loss_test"], out["loss_delay"], out["loss_ratio"] = pair(tr, te)
    if acc_level is not None:
        a = float(acc_level)
        if not 0 < a <= 1:
            raise ValueError(f"acc_level must be in (0, 1], got {acc_level!r}")
        tr = first_crossing(hist.steps, hist.train_acc, a, above=True)
        te = first_crossing(hist.steps, hist.test_acc, a, above=True)
        out["acc_train"], out["acc_test"], out["acc_delay"], out["acc_ratio"] = pair(tr, te)
    if key is not None:
        if key not in hist.extra:
            raise ValueError(f"hist.extra has no {key!r}; log it with fit(..., track={{{key!r}: ...}})")
        out["key_at_fit"] = value_at(hist, hist.extra[key], out["loss_train"])
        out["key_at_test"] = value_at(hist, hist.extra[key], out["loss_test"])
    return out


def threshold_accuracy_tracks(X, y, alpha, thresholds, *, prefix: str = "train_acc") -> dict:
    r"""Series for :func:`~gklib.nets.trainer.fit`'s ``track``: the *threshold accuracy* of every run on
    ``(X, y)`` at each threshold θ — the fraction of the points whose squared error, averaged over the
    outputs, is below θ (paper App 17).

    ``fit`` logs this fraction on the test set for all its ``thresholds``, and on the training set for the
    first only; these tracks add the training set at every θ, so that a delay
    :math:`t_{\rm test}/t_{\rm train}` can be read at each θ. The prediction is the uncentred
    :math:`\alpha f(\theta, x)` (``center=False``), with ``alpha`` one value per run (or one for all).

    Returns ``{f"{prefix}@{θ:g}": fn}``, one entry per θ, to merge into ``track``.
    """
    th = [float(t) for t in as_param_array(thresholds, "thresholds")]
    if not all(np.isfinite(t) and t > 0 for t in th):
        raise ValueError(f"thresholds must be positive, got {thresholds!r}")
    a = np.atleast_1d(as_param_array(alpha, "alpha")).astype(float)

    def track(theta):
        def fn(apply, params, params0):
            import torch
            with torch.no_grad():
                out = apply(params, X)                                        # (R, B, K)
                al = torch.as_tensor(a, dtype=out.dtype, device=out.device)
                al = al.expand(out.shape[0]) if al.numel() == 1 else al
                pred = al[:, None, None] * out.reshape(out.shape[0], out.shape[1], -1)
                err = ((pred - y.reshape(1, y.shape[0], -1).to(out.dtype)) ** 2).mean(-1)
                return (err < theta).to(out.dtype).mean(1)
        return fn
    return {f"{prefix}@{t:g}": track(t) for t in th}
