r"""Finite-D simulations in DMFT units, for like-for-like comparisons (part of :mod:`gklib.dmft`).

A simulation is plain :func:`gklib.train` (full-batch GD, uncentred model) with
``lr_scale = Δt·D/2``, so that one GD step is one DMFT time step Δt (the DMFT derivation page, Setting). At every
step we record the order parameters :math:`C=WW^\top/D`, :math:`\boldsymbol m=W\boldsymbol\beta/D`
and :math:`q_\star=|\boldsymbol\beta|^2/D`, the train loss, and the *population* test loss
:math:`\mathcal L(C,\boldsymbol m)` of :func:`~gklib.dmft.cm_test_loss` (exact for Gaussian test inputs, so no
test-set noise).
"""
from __future__ import annotations

import numpy as np
import torch

from .._forward import forwarding
from ..runtime import torch_threads
from ..toy.model import CommitteeMachine, dphi_of, phi_of
from ..toy.tasks import quadratic_task
from ..toy.trainer import train
from ..params import Array, Options, Real, validate_params
from ..validation import check_seeds
from ._checks import N_UNITS, NONNEGATIVE, POSITIVE, SEEDS, SIZE, SIZE_OR_NONE, THREADS, VECTOR, check_planted
from .online import cm_test_loss
from .results import SimulationResult

__all__ = ["sample_size", "order_params", "simulate_dmft_setting", "simulate_batch"]

# Names that lived here before the split (results, the escape experiment, the delay scan): still
# importable as gklib.dmft.sim.NAME, resolved on first use (no import cycle).
_MOVED = {"SimulationResult": "results", "DMFTAverage": "results", "dmft_matched": "results",
          "first_time_below": "escape", "EscapeScaling": "escape", "escape_scaling": "escape",
          "crossing_times": "delay", "censored_quantiles": "stats", "DelayScan": "delay",
          "delay_scan": "delay", "kick_prediction": "delay", "mode_growth_rate": "stats",
          "rank_correlation": "stats"}


__getattr__, __dir__ = forwarding(__name__, globals(), {k: f"{__package__}.{v}" for k, v in _MOVED.items()})


_Q_STAR = Real(0, closed="neither", none_ok=True)


@validate_params(rho=POSITIVE, D=SIZE)
def sample_size(rho: float, D: int) -> int:
    r"""The number of training points :math:`P=\mathrm{round}(\rho D)` of a simulation; at least one.

    Parameters
    ----------
    rho : float
        ρ = P/D > 0 (finite).
    D : int
        Input dimension >= 1.

    Returns
    -------
    int
        P.

    Raises
    ------
    ValueError
        ``rho * D`` rounds to no point.

    Examples
    --------
    >>> from gklib.dmft.sim import sample_size
    >>> sample_size(2.5, 400)
    1000
    """
    P = int(round(rho * D))
    if P < 1:
        raise ValueError(f"rho*D = {rho * D:.3g} gives no training point: raise rho or D")
    return P


@validate_params(W=Array(2), beta=Array(1))
def order_params(W: torch.Tensor, beta: torch.Tensor):
    r"""The order parameters of weights and teacher:
    :math:`C=WW^\top/D`, :math:`\boldsymbol m=W\boldsymbol\beta/D`, :math:`q_\star=|\boldsymbol\beta|^2/D`.

    Parameters
    ----------
    W : torch.Tensor or array_like, shape (N, D)
        Hidden weights.
    beta : torch.Tensor or array_like, shape (D,)
        Teacher.

    Returns
    -------
    C : numpy.ndarray, shape (N, N)
    m : numpy.ndarray, shape (N,)
    q_star : float
        All float64.

    Raises
    ------
    ValueError
        ``W`` and ``beta`` of different D.

    Examples
    --------
    >>> import torch
    >>> from gklib.dmft import order_params
    >>> C, m, q = order_params(torch.tensor([[1.0, 1.0], [1.0, -1.0]]), torch.tensor([2.0, 0.0]))
    >>> C.tolist(), m.tolist(), q
    ([[1.0, 0.0], [0.0, 1.0]], [1.0, 1.0], 2.0)
    """
    W = torch.as_tensor(W).double().cpu()
    beta = torch.as_tensor(beta).double().cpu()
    D = W.shape[-1]
    if beta.shape != (D,):
        raise ValueError(f"beta must have shape ({D},) like the rows of W, got {tuple(beta.shape)}")
    return (W @ W.T / D).numpy(), (W @ beta / D).numpy(), float(beta @ beta) / D


@validate_params(N=N_UNITS, rho=POSITIVE, alpha=POSITIVE, eps=NONNEGATIVE, D=SIZE, dt=POSITIVE, steps=SIZE,
                 seeds=SEEDS, record_every=SIZE, beta_scale=POSITIVE, m0=VECTOR, q_star=_Q_STAR,
                 engine=Options("direct", "stats", "auto"), num_threads=THREADS)
def simulate_dmft_setting(N: int, rho: float, alpha: float, eps: float, *, D: int = 400, dt: float = 0.4,
                          steps: int = 60, seeds=8, record_every: int = 1, beta_scale: float = 1.0,
                          m0=None, q_star: float | None = None, engine: str = "direct", device=None, dtype=torch.float64,
                          num_threads: int | None = 1) -> SimulationResult:
    r"""Run the finite-D network that :func:`~gklib.dmft.solve_dmft` describes, for several seeds.

    Each seed draws its own data (:math:`P=\mathrm{round}(\rho D)` points, β) and initial weights
    (:math:`W_{ij}\sim\mathcal N(0,1)`; task and weights use independent random streams) and trains the
    **uncentred** committee machine with :func:`gklib.train` at ``lr_scale = dt*D/2`` for ``steps`` GD
    steps (DMFT time ``steps*dt``). Planted overlaps ``m0``: each hidden unit's component along the
    teacher is replaced, :math:`\boldsymbol w_i\leftarrow\boldsymbol w_i+(m_{0,i}-m_i)\,\boldsymbol\beta/q_\star`,
    so that :math:`\boldsymbol w_i\cdot\boldsymbol\beta/D=m_{0,i}` exactly, while the rest of
    :math:`\boldsymbol w_i` stays random (``C0`` then differs from I by :math:`O(m_0^2)` and :math:`O(D^{-1/2})`).

    Parameters
    ----------
    N : int
        Width >= 1.
    rho : float
        ρ = P/D > 0, finite (for the online limit use a large ρ, e.g. 100); P = round(ρD) >= 1.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    D : int, default 400
        Input dimension >= 1.
    dt : float, default 0.4
        DMFT time per GD step, > 0.
    steps : int, default 60
        GD steps >= 1.
    seeds : int or sequence of int, default 8
        A count (seeds ``0..seeds-1``) or the seeds themselves.
    record_every : int, default 1
        Record the order parameters and losses every this many steps.
    beta_scale : float, default 1.0
        Scale of the teacher (> 0), when ``q_star`` is not given.
    m0 : array_like, shape (N,), optional
        Planted initial overlaps (finite).
    q_star : float, optional
        Rescale each seed's teacher so that :math:`|\boldsymbol\beta|^2/D=q_\star` exactly (the DMFT's
        :math:`q_\star`); by default it fluctuates by :math:`O(D^{-1/2})` from seed to seed, and since the
        escape rate grows with :math:`q_\star` that spreads the escape times.
    engine : {"direct", "stats", "auto"}, default "direct"
        :func:`gklib.train`'s engine.
    device : str or torch.device, optional
        Where to train (default: CUDA when present).
    dtype : torch.dtype, default torch.float64
        Of the data and weights.
    num_threads : int or None, default 1
        CPU threads during the runs (restored afterwards; ``None`` keeps torch's setting) — at these sizes
        one thread is fastest on a busy machine.

    Returns
    -------
    SimulationResult
        Seeds × time records.

    Raises
    ------
    ValueError
        ``m0`` of the wrong shape, or no training point.

    Examples
    --------
    At t = 0 the recorded test loss is the population loss of the initial order parameters
    (:func:`~gklib.dmft.cm_test_loss`):

    >>> import numpy as np
    >>> from gklib.dmft import cm_test_loss, simulate_dmft_setting
    >>> sim = simulate_dmft_setting(2, 2.0, 1.0, 0.5, D=40, steps=5, seeds=2)
    >>> sim.train_loss.shape, sim.C.shape
    ((2, 6), (2, 6, 2, 2))
    >>> k = 1
    >>> bool(np.isclose(sim.test_loss[k, 0], cm_test_loss(sim.C0[k], sim.m0[k], 1.0, 0.5, sim.q_star[k])))
    True
    """
    with torch_threads(num_threads):
        return _simulate(N, rho, alpha, eps, D, dt, steps, seeds, record_every, beta_scale, engine, device, dtype,
                         m0, q_star)


def _check_setting(N, rho, alpha, eps, D, dt, steps, m0, q_star):
    """The declared arguments of a finite-D simulation as Python numbers, ``m0`` checked against ``N``:
    ``(N, rho, alpha, eps, D, dt, steps, m0, q_star)``."""
    N = int(N)
    return (N, float(rho), float(alpha), float(eps), int(D), float(dt), int(steps), check_planted(m0, N),
            None if q_star is None else float(q_star))


def _simulate(N, rho, alpha, eps, D, dt, steps, seeds, record_every, beta_scale, engine, device, dtype, m0, q_star):
    N, rho, alpha, eps, D, dt, steps, m0, q_star = _check_setting(N, rho, alpha, eps, D, dt, steps, m0, q_star)
    record_every = int(record_every)
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


@validate_params(N=N_UNITS, rho=POSITIVE, alpha=POSITIVE, eps=NONNEGATIVE, D=SIZE, dt=POSITIVE, steps=SIZE,
                 seeds=SEEDS, m0=VECTOR, q_star=_Q_STAR, beta_scale=POSITIVE, batch=SIZE_OR_NONE, num_threads=THREADS)
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

    Parameters
    ----------
    N : int
        Width >= 1.
    rho : float
        ρ = P/D > 0, finite (for the online limit use a large ρ, e.g. 100); P = round(ρD) >= 1.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    D : int, default 400
        Input dimension >= 1.
    dt : float, default 0.4
        DMFT time per GD step, > 0.
    steps : int, default 60
        GD steps >= 1.
    seeds : int or sequence of int, default 8
        A count (seeds ``0..seeds-1``) or the seeds themselves.
    m0 : array_like, shape (N,), optional
        Planted initial overlaps, as in :func:`simulate_dmft_setting`.
    q_star : float, optional
        Fixed teacher norm, as in :func:`simulate_dmft_setting`.
    beta_scale : float, default 1.0
        Scale of the teacher (> 0), when ``q_star`` is not given.
    dtype : torch.dtype, default torch.float32
        Of the data and weights (the order parameters are computed in float64).
    batch : int, optional
        Seeds per batched computation, >= 1 (default all).
    num_threads : int or None, default 1
        CPU threads (restored afterwards; ``None`` keeps torch's setting).

    Returns
    -------
    SimulationResult
        Every step recorded; ``params["engine"] = "batch"``.

    Raises
    ------
    ValueError
        ``m0`` of the wrong shape, or no training point.

    Examples
    --------
    The same runs as :func:`simulate_dmft_setting` (the same draws), all seeds at once:

    >>> import numpy as np, torch
    >>> from gklib.dmft import simulate_batch, simulate_dmft_setting
    >>> kw = dict(D=40, steps=5, seeds=[0, 3])
    >>> a = simulate_batch(2, 2.0, 1.0, 0.5, dtype=torch.float64, **kw)
    >>> b = simulate_dmft_setting(2, 2.0, 1.0, 0.5, **kw)
    >>> bool(np.allclose(a.train_loss, b.train_loss, rtol=1e-9)), bool(np.allclose(a.m, b.m, rtol=1e-9))
    (True, True)
    """
    N, rho, alpha, eps, D, dt, steps, m0, q_star = _check_setting(N, rho, alpha, eps, D, dt, steps, m0, q_star)
    seed_list = check_seeds(seeds)
    batch = len(seed_list) if batch is None else int(batch)
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

