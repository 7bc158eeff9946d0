r"""Finite-D simulations in DMFT units, for like-for-like comparisons (part of :mod:`gklib.dmft`).

A simulation is plain :func:`gklib.train` (full-batch GD, uncentred model) with
``lr_scale = Δt·D/2``, so that one GD step is one DMFT time step Δt (paper.md §1.3). At every
step we record the order parameters :math:`C=WW^\top/D`, :math:`\boldsymbol m=W\boldsymbol\beta/D`
and :math:`q_\star=|\boldsymbol\beta|^2/D`, the train loss, and the *population* test loss
:math:`\mathcal L(C,\boldsymbol m)` of paper.md §3.3 (exact for Gaussian test inputs, so no test-set noise).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..toy.model import CommitteeMachine
from ..toy.tasks import quadratic_task
from ..toy.trainer import train
from ..validation import check_positive, check_positive_int
from ._checks import check_rho
from .online import cm_test_loss
from .solver import solve_dmft


def order_params(W: torch.Tensor, beta: torch.Tensor):
    r"""``(C, m, q_star)`` of weights ``W`` (N, D) and teacher ``beta`` (D,):
    :math:`C=WW^\top/D`, :math:`\boldsymbol m=W\boldsymbol\beta/D`, :math:`q_\star=|\boldsymbol\beta|^2/D` (float64 numpy)."""
    W = torch.as_tensor(W).double().cpu()
    beta = torch.as_tensor(beta).double().cpu()
    D = W.shape[-1]
    return (W @ W.T / D).numpy(), (W @ beta / D).numpy(), float(beta @ beta) / D


@dataclass
class SimulationResult:
    r"""Seeds × time records of finite-D GD in DMFT units.

    ``t`` (n_t,) DMFT times, ``steps`` (n_t,) GD steps; per seed (leading axis ``S``):
    ``train_loss``, ``test_loss`` (S, n_t), ``C`` (S, n_t, N, N), ``m`` (S, n_t, N),
    ``q_star`` (S,). ``C0``, ``m0`` are the initial order parameters of each seed (feed them to
    :func:`~gklib.dmft.solve_dmft` for a matched-initialisation comparison).
    """

    t: np.ndarray
    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    C: np.ndarray
    m: np.ndarray
    q_star: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def C0(self) -> np.ndarray:
        return self.C[:, 0]

    @property
    def m0(self) -> np.ndarray:
        return self.m[:, 0]

    @property
    def n_seeds(self) -> int:
        return self.train_loss.shape[0]

    def mean(self, name: str) -> np.ndarray:
        """Seed average of a series (``"train_loss"``, ``"test_loss"``, ``"gap"``)."""
        return getattr(self, name).mean(0) if name != "gap" else (self.test_loss - self.train_loss).mean(0)

    def sem(self, name: str) -> np.ndarray:
        """Standard error of the seed average."""
        a = getattr(self, name) if name != "gap" else self.test_loss - self.train_loss
        return a.std(0, ddof=1) / np.sqrt(a.shape[0]) if a.shape[0] > 1 else np.zeros(a.shape[1])

    def __repr__(self) -> str:
        p = self.params
        return (f"SimulationResult(N={p.get('N')}, D={p.get('D')}, P={p.get('P')}, rho={p.get('rho')}, "
                f"seeds={self.n_seeds}, T={len(self.t) - 1}, dt={p.get('dt')})")


def simulate_dmft_setting(N: int, rho: float, alpha: float, eps: float, *, D: int = 400, dt: float = 0.4,
                          steps: int = 60, seeds=8, record_every: int = 1, beta_scale: float = 1.0,
                          engine: str = "direct", device=None, dtype=torch.float64,
                          num_threads: int | None = 1) -> SimulationResult:
    r"""Run the finite-D network that :func:`~gklib.dmft.solve_dmft` describes, for several seeds.

    Each seed draws its own data (:math:`P=\mathrm{round}(\rho D)` points, β) and initial weights
    (:math:`W_{ij}\sim\mathcal N(0,1)`; task and weights use independent random streams) and trains the
    **uncentred** committee machine with :func:`gklib.train` at ``lr_scale = dt*D/2`` for ``steps`` GD
    steps (DMFT time ``steps*dt``). ``seeds`` is a count (seeds ``0..seeds-1``) or a list.
    Order parameters and losses are recorded every ``record_every`` steps. ``num_threads``: CPU
    threads during the runs (restored afterwards; ``None`` keeps torch's setting) — at these sizes
    one thread is fastest on a busy machine.
    """
    old_threads = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(check_positive_int(num_threads, "num_threads"))
    try:
        return _simulate(N, rho, alpha, eps, D, dt, steps, seeds, record_every, beta_scale, engine, device, dtype)
    finally:
        torch.set_num_threads(old_threads)


def _simulate(N, rho, alpha, eps, D, dt, steps, seeds, record_every, beta_scale, engine, device, dtype):
    N = check_positive_int(N, "N")
    rho = check_rho(rho)
    if not np.isfinite(rho):
        raise ValueError("rho must be finite for a simulation (use a large rho, e.g. 100, for the online limit)")
    alpha = check_positive(alpha, "alpha")
    eps = check_positive(eps, "eps", allow_zero=True)
    D = check_positive_int(D, "D")
    dt = check_positive(dt, "dt")
    steps = check_positive_int(steps, "steps")
    record_every = check_positive_int(record_every, "record_every")
    seed_list = list(range(check_positive_int(seeds, "seeds"))) if np.ndim(seeds) == 0 else [int(s) for s in seeds]
    if not seed_list:
        raise ValueError("seeds must not be empty")
    P = max(1, int(round(rho * D)))
    lr_scale = dt * D / 2
    out = {k: [] for k in ("train", "test", "C", "m", "q")}
    grid = None
    for seed in seed_list:
        task = quadratic_task(D=D, P=P, P_test=1, seed=seed, beta_scale=beta_scale, device=device, dtype=dtype)
        model = CommitteeMachine(D, N, alpha=alpha, eps=eps, seed=seed, center=False,
                                 device=device, dtype=dtype)
        Cs, ms = [], []

        def record(step, mdl):
            C, m, q = order_params(mdl.W, task.beta)
            Cs.append(C)
            ms.append(m)

        hist = train(model, task, steps=steps, lr_scale=lr_scale, engine=engine, log_every=record_every,
                     callback=record, progress_bar=False)
        grid = hist.steps
        q = float(task.beta.double() @ task.beta.double()) / D
        C, m = np.stack(Cs), np.stack(ms)
        out["train"].append(np.asarray(hist.train_loss))
        out["test"].append(cm_test_loss(C, m, alpha, eps, q))
        out["C"].append(C)
        out["m"].append(m)
        out["q"].append(q)
    return SimulationResult(t=grid * dt, steps=grid, train_loss=np.stack(out["train"]),
                            test_loss=np.stack(out["test"]), C=np.stack(out["C"]), m=np.stack(out["m"]),
                            q_star=np.array(out["q"]),
                            params=dict(N=N, rho=rho, alpha=alpha, eps=eps, D=D, P=P, dt=dt,
                                        lr_scale=lr_scale, seeds=seed_list, engine=engine))


@dataclass
class DMFTAverage:
    """Seed average of DMFT solutions started from each simulation seed's own (C0, m0, q⋆):
    ``t``, ``train_loss``, ``test_loss`` (T+1,) and the individual ``runs``."""

    t: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    runs: list

    @property
    def gap(self) -> np.ndarray:
        return self.test_loss - self.train_loss

    @property
    def seconds(self) -> float:
        return float(sum(r.seconds for r in self.runs))

    @property
    def converged(self) -> bool:
        return all(r.converged for r in self.runs)


def dmft_matched(sim: SimulationResult, *, samples: int = 2000, response_samples: int | None = 250,
                 **kwargs) -> DMFTAverage:
    r"""Like-for-like theory for a seed-averaged simulation: solve the DMFT once per seed from that
    seed's initial :math:`(C_0, \boldsymbol m_0, q_\star)` (same ρ, α, ε, Δt, steps) and average.

    The initial order parameters fluctuate by :math:`O(D^{-1/2})` between seeds, and the escape
    from :math:`|\boldsymbol m_0|\sim D^{-1/2}` amplifies that; matching them removes this source of
    disagreement. ``samples``/``response_samples`` are per seed (the seed average reduces the Monte
    Carlo noise further); other keyword arguments go to :func:`~gklib.dmft.solve_dmft`.
    """
    p = sim.params
    runs = [solve_dmft(p["N"], p["rho"], p["alpha"], p["eps"], q_star=float(sim.q_star[k]), C0=sim.C0[k],
                       m0=sim.m0[k], dt=p["dt"], steps=int(sim.steps[-1]), samples=samples,
                       response_samples=response_samples,
                       seed=k, **kwargs) for k in range(sim.n_seeds)]
    return DMFTAverage(t=runs[0].t, train_loss=np.mean([r.train_loss for r in runs], 0),
                       test_loss=np.mean([r.test_loss for r in runs], 0), runs=runs)
