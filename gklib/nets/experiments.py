"""Experiments on networks: the paper's modular-arithmetic MLP sweep (Fig 2, chapter 5), and seed-averaged
sweeps (:func:`seed_sweep`: every initialisation × every α as one batched :func:`~gklib.nets.trainer.fit`)."""
from __future__ import annotations

import numpy as np

from ..config import by_profile, get_device
from ..history import History
from ..validation import as_param_array
from .data import modular_addition
from .modules import QuadraticMLP
from .trainer import fit

__all__ = ["modular_mlp_sweep", "modular_mlp_steps", "seed_sweep"]


def modular_mlp_steps() -> int:
    """The number of GD steps of :func:`modular_mlp_sweep` at the active profile."""
    return by_profile(quick=6000, book=10_000, paper=100_000)


def modular_mlp_sweep(s=(0.5, 1.0, 1.5, 2.0), p: int = 23, N: int = 100, steps: int | None = None,
                      lr: float = 1500.0, train_frac: float = 0.9, seed: int = 0, n_log: int = 80,
                      device=None, callback=None, progress_bar=None) -> History:
    """Paper Fig 2: :math:`f = s^2 W_2 (W_1 x)^2/(DN)`, full-batch GD on the MSE with step
    :math:`\\text{lr}/s^4` (the paper's loss :math:`/s^2` with step :math:`100/s^2`, i.e. ``lr=100``;
    the default ``lr=1500`` runs the same gradient flow 15× faster). Uncentred, as in the paper
    (:math:`f_0` is :math:`O(s^2/\\sqrt{DN})`). Weight norm :math:`\\|W_1\\|_F+\\|W_2\\|_F`.
    ``hist.params["alpha"]`` holds :math:`s^2`; ``callback`` goes to :func:`~gklib.nets.trainer.fit`."""
    s = as_param_array(s, "s")
    steps = steps if steps is not None else modular_mlp_steps()
    task = modular_addition(p, train_frac, seed=1, device=device)
    net = QuadraticMLP(2 * p, N, p, seed=seed)
    return fit(net, task, alpha=s**2, steps=steps, lr=lr, lr_alpha_power=2, loss="mse", optimizer="sgd",
               center=False, norm="layers", n_log=n_log, device=get_device(device), callback=callback,
               progress_bar=progress_bar)


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
