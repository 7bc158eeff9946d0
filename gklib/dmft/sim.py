r"""Finite-D simulations in DMFT units, for like-for-like comparisons (part of :mod:`gklib.dmft`).

A simulation is plain :func:`gklib.train` (full-batch GD, uncentred model) with
``lr_scale = Δt·D/2``, so that one GD step is one DMFT time step Δt (the DMFT derivation page, Setting). At every
step we record the order parameters :math:`C=WW^\top/D`, :math:`\boldsymbol m=W\boldsymbol\beta/D`
and :math:`q_\star=|\boldsymbol\beta|^2/D`, the train loss, and the *population* test loss
:math:`\mathcal L(C,\boldsymbol m)` of :func:`~gklib.dmft.cm_test_loss` (exact for Gaussian test inputs, so no
test-set noise).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..config import cap_steps
from ..runtime import torch_threads
from ..metrics import first_below
from ..toy.model import CommitteeMachine, dphi_of, phi_of
from ..toy.tasks import quadratic_task
from ..toy.trainer import train
from ..validation import check_positive, check_positive_int, check_seeds
from ._checks import check_rho
from .online import cm_test_loss
from .solver import solve_dmft


def sample_size(rho: float, D: int) -> int:
    """The number of training points :math:`P = \\mathrm{round}(\\rho D)` of a simulation; at least one."""
    P = int(round(rho * D))
    if P < 1:
        raise ValueError(f"rho*D = {rho * D:.3g} gives no training point: raise rho or D")
    return P


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
                          m0=None, q_star: float | None = None, engine: str = "direct", device=None, dtype=torch.float64,
                          num_threads: int | None = 1) -> SimulationResult:
    r"""Run the finite-D network that :func:`~gklib.dmft.solve_dmft` describes, for several seeds.

    Each seed draws its own data (:math:`P=\mathrm{round}(\rho D)` points, β) and initial weights
    (:math:`W_{ij}\sim\mathcal N(0,1)`; task and weights use independent random streams) and trains the
    **uncentred** committee machine with :func:`gklib.train` at ``lr_scale = dt*D/2`` for ``steps`` GD
    steps (DMFT time ``steps*dt``). ``seeds`` is a count (seeds ``0..seeds-1``) or a list.
    ``m0`` (N,), optional: *planted* initial overlaps. Each hidden unit's component along the
    teacher is replaced, :math:`\boldsymbol w_i\leftarrow\boldsymbol w_i+(m_{0,i}-m_i)\,\boldsymbol\beta/q_\star`,
    so that :math:`\boldsymbol w_i\cdot\boldsymbol\beta/D=m_{0,i}` exactly, while the rest of
    :math:`\boldsymbol w_i` stays random (``C0`` then differs from I by :math:`O(m_0^2)` and :math:`O(D^{-1/2})`).
    ``q_star``, optional: rescale each seed's teacher so that :math:`|\boldsymbol\beta|^2/D=q_\star` exactly
    (the DMFT's :math:`q_\star`); by default it fluctuates by :math:`O(D^{-1/2})` from seed to seed,
    and since the escape rate grows with :math:`q_\star` that spreads the escape times.
    Order parameters and losses are recorded every ``record_every`` steps. ``num_threads``: CPU
    threads during the runs (restored afterwards; ``None`` keeps torch's setting) — at these sizes
    one thread is fastest on a busy machine.
    """
    with torch_threads(num_threads):
        return _simulate(N, rho, alpha, eps, D, dt, steps, seeds, record_every, beta_scale, engine, device, dtype,
                         m0, q_star)


def _check_setting(N, rho, alpha, eps, D, dt, steps, m0, q_star):
    """The checked arguments of a finite-D simulation: ``(N, rho, alpha, eps, D, dt, steps, m0, q_star)``."""
    N = check_positive_int(N, "N")
    if q_star is not None:
        q_star = check_positive(q_star, "q_star")
    if m0 is not None:
        m0 = np.asarray(m0, dtype=float)
        if m0.shape != (N,) or not np.all(np.isfinite(m0)):
            raise ValueError(f"m0 must be a finite array of shape ({N},), got {m0!r}")
    rho = check_rho(rho)
    if not np.isfinite(rho):
        raise ValueError("rho must be finite for a simulation (use a large rho, e.g. 100, for the online limit)")
    return (N, rho, check_positive(alpha, "alpha"), check_positive(eps, "eps", allow_zero=True),
            check_positive_int(D, "D"), check_positive(dt, "dt"), check_positive_int(steps, "steps"), m0, q_star)


def _simulate(N, rho, alpha, eps, D, dt, steps, seeds, record_every, beta_scale, engine, device, dtype, m0, q_star):
    N, rho, alpha, eps, D, dt, steps, m0, q_star = _check_setting(N, rho, alpha, eps, D, dt, steps, m0, q_star)
    record_every = check_positive_int(record_every, "record_every")
    seed_list = check_seeds(seeds)
    P = sample_size(rho, D)
    lr_scale = dt * D / 2
    out = {k: [] for k in ("train", "test", "C", "m", "q")}
    grid = None
    for seed in seed_list:
        scale = beta_scale
        if q_star is not None:                           # same draw, teacher rescaled to |β|²/D = q_star
            q0 = quadratic_task(D=D, P=1, P_test=1, seed=seed, beta_scale=1.0, dtype=torch.float64).meta["q_star"]
            scale = (q_star / q0) ** 0.5
        task = quadratic_task(D=D, P=P, P_test=1, seed=seed, beta_scale=scale, device=device, dtype=dtype)
        model = CommitteeMachine(D, N, alpha=alpha, eps=eps, seed=seed, center=False,
                                 device=device, dtype=dtype)
        if m0 is not None:                               # plant the overlaps along β
            W, beta = model.W.clone(), task.beta.to(model.W.dtype)
            q = float(beta @ beta) / D
            shift = torch.as_tensor(m0, dtype=W.dtype, device=W.device) - W @ beta / D
            model = CommitteeMachine.from_weights(W + shift[:, None] * beta[None] / q, alpha=alpha, eps=eps,
                                                  center=False)
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
                                        lr_scale=lr_scale, seeds=seed_list, engine=engine,
                                        m0=None if m0 is None else m0.tolist(), q_star=q_star))


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


# ----------------------------------------------------------------------------- escape times
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


# ----------------------------------------------------------------------------- batched seeds
def _seed_problem(N, P, D, alpha, eps, seed, m0, q_star, beta_scale, dtype):
    """One seed's data ``(X, y, beta)`` and initial weights ``W``, drawn exactly as
    :func:`simulate_dmft_setting` draws them (same random streams, same planting)."""
    scale = beta_scale
    if q_star is not None:
        q0 = quadratic_task(D=D, P=1, P_test=1, seed=seed, beta_scale=1.0, dtype=torch.float64).meta["q_star"]
        scale = (q_star / q0) ** 0.5
    task = quadratic_task(D=D, P=P, P_test=1, seed=seed, beta_scale=scale, dtype=dtype)
    W = CommitteeMachine(D, N, alpha=alpha, eps=eps, seed=seed, center=False, dtype=dtype).W.clone()
    if m0 is not None:
        beta = task.beta.to(W.dtype)
        q = float(beta @ beta) / D
        W = W + (torch.as_tensor(m0, dtype=W.dtype) - W @ beta / D)[:, None] * beta[None] / q
    return task.X, task.y, task.beta, W


def simulate_batch(N: int, rho: float, alpha: float, eps: float, *, D: int = 400, dt: float = 0.4,
                   steps: int = 60, seeds=8, m0=None, q_star: float | None = None, beta_scale: float = 1.0,
                   dtype=torch.float32, batch: int | None = None,
                   num_threads: int | None = 1) -> SimulationResult:
    r"""The runs of :func:`simulate_dmft_setting`, all seeds in one batched computation.

    Same networks, data, planting and time units (one GD step is a DMFT step Δt): per seed, full-batch GD
    on :math:`\mathcal L_{\rm train}=\frac1P\sum_\mu\Delta_\mu^2`,
    :math:`\Delta_\mu=y_\mu-\frac\alpha N\sum_i\phi(h_{\mu i})`, :math:`h_{\mu i}=\boldsymbol w_i\cdot\boldsymbol x_\mu`,
    which in DMFT units is

    .. math:: \boldsymbol w_i\leftarrow\boldsymbol w_i+\Delta t\,\frac DP\sum_\mu g_{\mu i}\,\boldsymbol x_\mu,
        \qquad g_{\mu i}=\tfrac1\alpha\Delta_\mu\,\phi'(h_{\mu i}),

    with φ and φ' from the model's single definition (:func:`gklib.toy.model.phi_of`,
    :func:`~gklib.toy.model.dphi_of`). The S seeds' data sets are stacked into one ``(S, P, D)`` tensor
    and every step is two batched matrix products; ``batch`` seeds at a time (default all) bounds the
    memory, :math:`4SPD` bytes in float32. Records every step: the train loss, the population test loss
    :func:`~gklib.dmft.cm_test_loss` of :math:`(C,\boldsymbol m)`, ``C``, ``m`` and :math:`q_\star`, as a
    :class:`SimulationResult` (``params["engine"] = "batch"``).
    """
    N, rho, alpha, eps, D, dt, steps, m0, q_star = _check_setting(N, rho, alpha, eps, D, dt, steps, m0, q_star)
    seed_list = check_seeds(seeds)
    batch = len(seed_list) if batch is None else check_positive_int(batch, "batch")
    P = sample_size(rho, D)
    lr = dt * D / P
    out = {k: [] for k in ("train", "C", "m", "q")}
    with torch_threads(num_threads):
        for c0 in range(0, len(seed_list), batch):
            parts = [_seed_problem(N, P, D, alpha, eps, s, m0, q_star, beta_scale, dtype)
                     for s in seed_list[c0:c0 + batch]]
            X, y, beta, W = (torch.stack(z) for z in zip(*parts))      # (S,P,D) (S,P) (S,D) (S,N,D)
            del parts
            bd = beta.double()
            train, Cs, ms = [], [], []
            for n in range(steps + 1):
                Wd = W.double()
                Cs.append(Wd @ Wd.transpose(1, 2) / D)
                ms.append((Wd @ bd[:, :, None])[..., 0] / D)
                H = torch.bmm(X, W.transpose(1, 2))                     # (S, P, N)
                Delta = y - alpha / N * phi_of(H, eps).sum(-1)
                train.append((Delta.double() ** 2).mean(-1))
                if n < steps:
                    g = Delta[..., None] * dphi_of(H, eps) / alpha
                    W = W + lr * torch.bmm(g.transpose(1, 2), X)
            out["train"].append(torch.stack(train, 1))
            out["C"].append(torch.stack(Cs, 1))
            out["m"].append(torch.stack(ms, 1))
            out["q"].append((bd * bd).sum(-1) / D)
            del X, y
    C, m, q = (torch.cat(out[k]).numpy() for k in ("C", "m", "q"))
    test = np.stack([cm_test_loss(C[k], m[k], alpha, eps, float(q[k])) for k in range(len(q))])
    grid = np.arange(steps + 1)
    return SimulationResult(t=grid * dt, steps=grid, train_loss=torch.cat(out["train"]).numpy(), test_loss=test,
                            C=C, m=m, q_star=q,
                            params=dict(N=N, rho=rho, alpha=alpha, eps=eps, D=D, P=P, dt=dt, lr_scale=dt * D / 2,
                                        seeds=seed_list, engine="batch",
                                        m0=None if m0 is None else m0.tolist(), q_star=q_star))


def crossing_times(sim: SimulationResult, level: float):
    """``(t_train, t_test)``, each ``(S,)``: per seed, the first time the train / test loss of ``sim``
    is below ``level`` (linearly interpolated; ``inf`` if not within the run)."""
    level = check_positive(level, "level")
    return tuple(np.array([first_below(sim.t, row, level, interpolate=True) for row in getattr(sim, k)])
                 for k in ("train_loss", "test_loss"))


def censored_quantiles(times, q=(0.25, 0.5, 0.75)) -> np.ndarray:
    """Quantiles of escape times some of which are censored (``inf``: not within the run).

    A quantile is exact as long as it lies below the censoring point (it only needs the *count* of
    later runs), so the ``inf`` entries are ranked last and a quantile that falls among them is
    ``inf``. Lower quantile interpolation (a value that occurs) keeps that rule exact."""
    t = np.sort(np.asarray(times, dtype=float), axis=-1)
    return np.quantile(t, q, axis=-1, method="lower")


@dataclass
class DelayScan:
    r"""Single runs' train and test crossing times against the input dimension D (see :func:`delay_scan`).

    ``D`` (n_D,); ``t_train``, ``t_test`` (n_D, S): each run's time to train / test loss below ``level``
    (``inf``: not within the horizon); ``amp`` (n_D, S): each run's growing-mode amplitude
    :math:`|m_1-m_2|` at time ``t_kick``; ``t`` (T+1,) the grid, ``train_median``, ``test_median``,
    ``test_mean`` (n_D, T+1) curves over the seeds; ``params``.
    """

    D: np.ndarray
    t_train: np.ndarray
    t_test: np.ndarray
    amp: np.ndarray
    t: np.ndarray
    train_median: np.ndarray
    test_median: np.ndarray
    test_mean: np.ndarray
    params: dict = field(default_factory=dict)

    def quantiles(self, which: str = "test", q=(0.25, 0.5, 0.75)) -> np.ndarray:
        """(len(q), n_D) quantiles over the seeds of the crossing times (``inf`` where censored)."""
        return censored_quantiles(self.t_test if which == "test" else self.t_train, q)

    def censored(self) -> np.ndarray:
        """Fraction of runs per D whose test loss had not crossed ``level`` within the horizon."""
        return (~np.isfinite(self.t_test)).mean(1)


def delay_scan(N: int, rho: float, alpha: float, eps: float, *, Ds=(400, 800, 1600), seeds=8, m0=None,
               q_star: float | None = 1.0, dt: float = 0.4, steps: int = 150, level: float = 0.3,
               t_kick: float = 8.0, dtype=torch.float32, batch: int | None = None,
               num_threads: int | None = 1, reuse: dict | None = None) -> DelayScan:
    r"""Train and test crossing times of single runs for several D, each D one batched computation
    (:func:`simulate_batch`, the same seeds at every D).

    For every run: the times its train and test loss first fall below ``level``, and the amplitude
    :math:`|m_1-m_2|` of the mode that grows at the saddle (for N = 2; for larger N the norm of
    :math:`\boldsymbol m-\bar m\boldsymbol 1`) at ``t_kick``: the planted difference plus whatever the
    finite data set's gradient added to it by then. The DMFT (D → ∞) has one value of each.
    ``reuse``: {D: :class:`SimulationResult`} of runs already made with these settings (e.g. by
    :func:`simulate_batch`), used instead of running that D again.
    """
    Ds = [check_positive_int(d, "Ds") for d in Ds]
    t_kick = check_positive(t_kick, "t_kick", allow_zero=True)
    res = dict(tr=[], te=[], amp=[], trm=[], tem=[], tea=[])
    t = None
    reuse = {} if reuse is None else dict(reuse)
    for D in Ds:
        sim = reuse.get(D)
        if sim is not None and (len(sim.t) != steps + 1 or sim.params.get("rho") != rho):
            raise ValueError(f"reuse[{D}] was run with other settings (rho or steps)")
        if sim is None:
            sim = simulate_batch(N, rho, alpha, eps, D=D, dt=dt, steps=steps, seeds=seeds, m0=m0, q_star=q_star,
                                 dtype=dtype, batch=batch, num_threads=num_threads)
        t = sim.t
        tr, te = crossing_times(sim, level)
        k = min(int(round(t_kick / dt)), len(t) - 1)
        mk = sim.m[:, k]
        res["tr"].append(tr)
        res["te"].append(te)
        res["amp"].append(np.linalg.norm(mk - mk.mean(1, keepdims=True), axis=1) * (np.sqrt(2) if N == 2 else 1))
        res["trm"].append(np.median(sim.train_loss, 0))
        res["tem"].append(np.median(sim.test_loss, 0))
        res["tea"].append(sim.test_loss.mean(0))
    return DelayScan(D=np.array(Ds), t_train=np.array(res["tr"]), t_test=np.array(res["te"]),
                     amp=np.array(res["amp"]), t=t, train_median=np.array(res["trm"]),
                     test_median=np.array(res["tem"]), test_mean=np.array(res["tea"]),
                     params=dict(N=N, rho=rho, alpha=alpha, eps=eps, seeds=check_seeds(seeds), dt=dt,
                                 steps=steps, level=level, t_kick=t_kick,
                                 m0=None if m0 is None else np.asarray(m0).tolist(), q_star=q_star))


def kick_prediction(res, t_kick: float, amps, level: float) -> np.ndarray:
    r"""The DMFT's time to test loss below ``level`` for a run whose growing mode has amplitude ``a`` at
    ``t_kick`` (N = 2, :math:`a=|m_1-m_2|`), for each ``a`` in ``amps``.

    The escape is a time shift along the DMFT trajectory ``res`` (a :class:`~gklib.dmft.DMFTResult`): if
    the theory's own :math:`a(t)` reaches ``a`` at the time τ(a) (linear interpolation in
    :math:`\ln a`), the run is τ(a) − t_kick ahead of the theory and crosses at
    :math:`t_{\rm DMFT}-(\tau(a)-t_{\rm kick})`. Outside the range of the theory's :math:`a(t)` the
    growth is extrapolated at the rate of the nearest end of the plateau (its first and last quarter
    before the crossing). ``inf`` where the theory itself does not cross.
    """
    t_kick = check_positive(t_kick, "t_kick", allow_zero=True)
    amps = np.asarray(amps, dtype=float)
    if np.any(amps <= 0):
        raise ValueError("amps must be positive")
    t_cross = first_below(res.t, res.test_loss, level, interpolate=True)
    if not np.isfinite(t_cross):
        return np.full(amps.shape, np.inf)
    sel = res.t <= t_cross
    t, la = res.t[sel], np.log(np.abs(res.m[sel, 0] - res.m[sel, 1]))
    la = np.maximum.accumulate(la)                         # τ(a): first time the theory reaches a
    n4 = max(2, len(t) // 4)
    g0 = np.polyfit(t[:n4], la[:n4], 1)[0]
    g1 = np.polyfit(t[-n4:], la[-n4:], 1)[0]
    x = np.log(amps)
    tau = np.interp(x, la, t)
    tau = np.where(x < la[0], t[0] + (x - la[0]) / g0, tau)
    tau = np.where(x > la[-1], t[-1] + (x - la[-1]) / g1, tau)
    return t_cross - (tau - t_kick)


def mode_growth_rate(t, m, t0: float, t1: float):
    r"""Growth rate of the difference mode :math:`|m_1-m_2|` (N = 2): the least-squares slope of
    :math:`\ln|m_1-m_2|` against t over ``t0 <= t <= t1``.

    ``t`` (T+1,); ``m`` (T+1, 2) for one run or a DMFT solution, or (S, T+1, 2) for S runs (then an (S,)
    array). Grid points beyond the end of ``m`` are ignored, so a shorter solution can share a longer grid.
    """
    m = np.asarray(m, dtype=float)
    if m.shape[-1] != 2:
        raise ValueError(f"m must end in the N = 2 units, got shape {m.shape}")
    t = np.asarray(t, dtype=float)[: m.shape[-2]]
    sel = (t >= t0) & (t <= t1)
    if sel.sum() < 2:
        raise ValueError(f"need at least two grid points in [t0, t1] = [{t0}, {t1}]")
    la = np.log(np.abs(m[..., sel, 0] - m[..., sel, 1]))
    slope = np.polyfit(t[sel], la.reshape(-1, sel.sum()).T, 1)[0]
    return float(slope[0]) if m.ndim == 2 else slope


def rank_correlation(x, y) -> float:
    """Spearman's rank correlation of ``x`` and ``y`` (flattened), with ``inf`` (a censored time) ranked
    above every finite value, ties broken by position. −1: y falls exactly as x grows."""
    x, y = np.ravel(x), np.ravel(y)
    if x.shape != y.shape or x.size < 2:
        raise ValueError("x and y must have the same size, at least 2")
    rk = lambda v: np.argsort(np.argsort(v, kind="stable"), kind="stable")  # noqa: E731
    return float(np.corrcoef(rk(x), rk(y))[0, 1])
