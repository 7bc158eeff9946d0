r"""The saddle-escape experiment: how the escape time from a symmetric start grows with D
(chapter 4; part of :mod:`gklib.dmft`).

:func:`escape_scaling` runs finite-D GD (its own loop, :func:`_escape_run`, which stops at the escape)
and the DMFT from the same planted start, for several D (:class:`EscapeScaling`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..config import cap_steps
from ..metrics import first_below
from ..runtime import torch_threads
from ..toy.model import CommitteeMachine, dphi_of, phi_of
from ..toy.tasks import quadratic_task
from ..validation import check_positive, check_positive_int, check_seeds
from ._checks import check_rho
from .online import cm_test_loss
from .sim import sample_size
from .solver import solve_dmft

__all__ = ["first_time_below", "EscapeScaling", "escape_scaling"]


def first_time_below(t, loss, level: float) -> float:
    """First time at which ``loss`` (on the grid ``t``) is below ``level``, linearly interpolated
    between grid points; ``inf`` if never. Used as the escape time of a grokking curve. The name
    chapter 4 uses for :func:`gklib.first_below` with ``interpolate=True``."""
    return first_below(t, loss, level, interpolate=True)


def _escape_run(N, P, D, alpha, eps, dt, seed, m0, q_star, level, max_steps, dtype):
    """One finite-D GD run (uncentred, DMFT units) until the population test loss falls below
    ``level``; returns its escape time (``inf`` if not within ``max_steps``). φ and φ' are the model's
    (:func:`gklib.toy.model.phi_of`, :func:`~gklib.toy.model.dphi_of`)."""
    q0 = quadratic_task(D=D, P=1, P_test=1, seed=seed, dtype=torch.float64).meta["q_star"]
    task = quadratic_task(D=D, P=P, P_test=1, seed=seed, beta_scale=(q_star / q0) ** 0.5, dtype=dtype)
    X, y, beta = task.X, task.y, task.beta
    W = CommitteeMachine(D, N, alpha=alpha, eps=eps, seed=seed, center=False, dtype=dtype).W.clone()
    if m0 is not None:
        W = W + (torch.as_tensor(m0, dtype=dtype) - W @ beta / D)[:, None] * beta[None] / q_star
    lr = dt * D / P                                      # w ← w + Δt (D/P) Σ_μ g_μ x_μ
    losses = []
    for n in range(max_steps + 1):
        Wd, bd = W.double(), beta.double()
        losses.append(float(cm_test_loss((Wd @ Wd.T / D).numpy(), (Wd @ bd / D).numpy(), alpha, eps, q_star)))
        if losses[-1] < level:
            break
        H = X @ W.T
        Delta = y - alpha / N * phi_of(H, eps).sum(1)           # the model's one formula
        W = W + lr * ((Delta[:, None] * dphi_of(H, eps)) / alpha).T @ X
    return first_below(np.arange(len(losses)) * dt, np.array(losses), level, interpolate=True)


@dataclass
class EscapeScaling:
    r"""Escape times against the input dimension D (see :func:`escape_scaling`).

    ``D`` (n_D,); ``t_sim`` (n_D, seeds): each simulation's escape time; ``t_dmft`` (n_D,): the
    DMFT's, from the same start; ``escaped``, ``escaped_dmft``: whether each escape happened within
    the horizon (where not, the time is the horizon: censored); ``gamma``: the online escape rate
    :math:`\gamma_\perp`; ``dmft_runs``: the DMFT solutions; ``params``.
    """

    D: np.ndarray
    t_sim: np.ndarray
    t_dmft: np.ndarray
    escaped: np.ndarray
    escaped_dmft: np.ndarray
    gamma: float
    dmft_runs: list
    params: dict = field(default_factory=dict)

    def mean(self) -> np.ndarray:
        return self.t_sim.mean(1)

    def sem(self) -> np.ndarray:
        return self.t_sim.std(1, ddof=1) / np.sqrt(self.t_sim.shape[1])

    def median(self) -> np.ndarray:
        """Median escape time of the simulations per D: robust to the long tail of late escapes (a run
        whose random kick nearly cancels its planted start escapes very late)."""
        return np.median(self.t_sim, 1)

    def median_err(self, n_boot: int = 2000) -> np.ndarray:
        """Standard error of :meth:`median` by bootstrap over seeds (fixed resampling seed)."""
        rng = np.random.default_rng(0)
        S = self.t_sim.shape[1]
        idx = rng.integers(0, S, size=(n_boot, S))
        return np.array([np.median(row[idx], 1).std(ddof=1) for row in self.t_sim])

    def growth_rate(self, t0: float, t1: float) -> float:
        r"""Growth rate of the difference mode :math:`|m_1-m_2|` in the DMFT at the largest D: the slope of
        :math:`\ln|m_1-m_2|` against t over ``t0 <= t <= t1`` (N = 2)."""
        r = self.dmft_runs[-1]
        sel = (r.t >= t0) & (r.t <= t1)
        return float(np.polyfit(r.t[sel], np.log(np.abs(r.m[sel, 0] - r.m[sel, 1])), 1)[0])

    def slope(self, which: str = "sim") -> float:
        r"""Least-squares slope of the escape time against :math:`\ln D` (the simulations' medians for
        ``"sim"``, the DMFT's escape times for ``"dmft"``)."""
        y = self.median() if which == "sim" else self.t_dmft
        return float(np.polyfit(np.log(self.D), y, 1)[0])


def escape_scaling(N: int, rho: float, alpha: float, eps: float, *, Ds=(50, 100, 200, 400), seeds=16,
                   dt: float = 0.8, level: float = 0.35, t_max: float = 64.0, t_max_dmft: float = 32.0,
                   samples: int = 2000,
                   response_samples: int | None = 250, dtype=torch.float32,
                   num_threads: int | None = 1) -> EscapeScaling:
    r"""How the escape time grows with D from a *symmetric* start of the typical size of a random init.

    For each D: the overlaps are planted at :math:`\boldsymbol m_0=` :func:`~gklib.dmft.typical_m0` (for
    N = 2, :math:`(-a,a)` with :math:`a=\sqrt{q_\star/2D}`: a difference mode
    :math:`m_1-m_2=-2a\propto D^{-1/2}`), :math:`q_\star=1` exactly. ``seeds`` simulations (data and
    the random rest of the weights differ) are run until the population test loss falls below
    ``level`` (at most ``t_max``); the DMFT is solved once from :math:`C_0=I+\boldsymbol m_0\boldsymbol m_0^\top`,
    the same :math:`\boldsymbol m_0`, up to ``t_max_dmft``. Escape time = first time the test loss is below
    ``level`` (linearly interpolated; ``inf`` if not reached).

    Near the saddle the difference mode grows like :math:`e^{\gamma t}` from its start, so both escape
    times are :math:`\approx\frac1{2\gamma}\ln D+{\rm const}`. In the DMFT the seed is exactly
    :math:`\boldsymbol m_0`; a simulation adds the random error of its finite data set's gradient,
    an extra kick of the same order :math:`D^{-1/2}` and random sign: its escape time carries a random
    :math:`O(1/\gamma)` offset that does not shrink as D grows.
    """
    from .online import escape_rate, typical_m0

    N = check_positive_int(N, "N")
    rho = check_rho(rho)
    if not np.isfinite(rho):
        raise ValueError("rho must be finite for a simulation")
    alpha, dt, level, t_max, t_max_dmft = (check_positive(v, n) for v, n in (
        (alpha, "alpha"), (dt, "dt"), (level, "level"), (t_max, "t_max"), (t_max_dmft, "t_max_dmft")))
    eps = check_positive(eps, "eps", allow_zero=True)
    Ds = [check_positive_int(d, "Ds") for d in Ds]
    seed_list = check_seeds(seeds)
    steps = cap_steps(int(round(t_max / dt)))           # $GKLIB_SMOKE_STEPS caps the simulations too
    with torch_threads(num_threads):
        t_sim, t_dmft, runs = [], [], []
        for D in Ds:
            m0 = typical_m0(N, D)
            P = sample_size(rho, D)
            t_sim.append([_escape_run(N, P, D, alpha, eps, dt, s, m0, 1.0, level, steps, dtype) for s in seed_list])
            r = solve_dmft(N, rho, alpha, eps, C0=np.eye(N) + np.outer(m0, m0), m0=m0, dt=dt,
                           steps=int(round(t_max_dmft / dt)),
                           samples=samples, response_samples=response_samples, num_threads=None, progress_bar=False)
            runs.append(r)
            t_dmft.append(first_below(r.t, r.test_loss, level, interpolate=True))
    t_sim, t_dmft = np.array(t_sim), np.array(t_dmft)
    esc_sim, esc_dmft = np.isfinite(t_sim), np.isfinite(t_dmft)
    return EscapeScaling(D=np.array(Ds), t_sim=np.where(esc_sim, t_sim, steps * dt),
                         t_dmft=np.where(esc_dmft, t_dmft, np.array([r.t[-1] for r in runs])),
                         escaped=esc_sim, escaped_dmft=esc_dmft, gamma=escape_rate(N, alpha, eps), dmft_runs=runs,
                         params=dict(N=N, rho=rho, alpha=alpha, eps=eps, dt=dt, level=level, seeds=seed_list,
                                     t_max=t_max))

