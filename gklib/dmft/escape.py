r"""The saddle-escape experiment: how the escape time from a symmetric start grows with D
(chapter 4; part of :mod:`gklib.dmft`).

:func:`escape_scaling` runs finite-D GD (its own loop, ``_escape_run``, which stops at the escape)
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
from ..params import Array, Integer, Options, Real, validate_params
from ..validation import check_seeds
from ._checks import N_UNITS, NONNEGATIVE, POSITIVE, SEEDS, SIZE, SIZE_OR_NONE, THREADS, Integers
from .online import cm_test_loss
from .sim import sample_size
from .stats import mode_growth_rate
from .solver import solve_dmft

__all__ = ["first_time_below", "EscapeScaling", "escape_scaling"]


@validate_params(t=Array(1), loss=Array(1, finite=False), level=POSITIVE)
def first_time_below(t, loss, level: float) -> float:
    """First time at which ``loss`` (on the grid ``t``) is below ``level``, linearly interpolated
    between grid points; ``inf`` if never. Used as the escape time of a grokking curve. The name
    chapter 4 uses for :func:`gklib.first_below` with ``interpolate=True``.

    Parameters
    ----------
    t : array_like, shape (T,)
        The time grid.
    loss : array_like, shape (T,)
        The curve (NaN never counts).
    level : float
        The level > 0.

    Returns
    -------
    float
        The time (``inf``: never below).

    Examples
    --------
    >>> from gklib.dmft import first_time_below
    >>> first_time_below([0.0, 1.0, 2.0], [1.0, 0.6, 0.2], 0.4)      # halfway from 0.6 to 0.2
    1.5
    """
    return first_below(t, loss, level, interpolate=True)


def _escape_run(N, P, D, alpha, eps, dt, seed, m0, q_star, level, max_steps, dtype):
    r"""One finite-D GD run (uncentred, DMFT units) until the population test loss falls below
    ``level``; returns its escape time (``inf`` if not within ``max_steps``). φ and φ' are the model's
    (:func:`gklib.toy.model.phi_of`, :func:`~gklib.toy.model.dphi_of`).

    The step is written out rather than taken from the shared optimiser core
    (:class:`gklib.training.RunOptimizer`): the loop forms :math:`(\mathrm{lr}\cdot g^\top)X`, the
    optimiser :math:`\mathrm{lr}\cdot(g^\top X)`, which differ in the last bit from the first step on
    (measured: 2.4e-7 in float32), and the chapter's recorded escape times would move with them. The
    loop also stops at the escape, which the trainers do not offer on the population loss."""
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
    r"""Escape times against the input dimension D (what :func:`escape_scaling` returns).

    Parameters
    ----------
    D : numpy.ndarray, shape (n_D,)
        The dimensions.
    t_sim : numpy.ndarray, shape (n_D, S)
        Each simulation's escape time (the horizon where censored).
    t_dmft : numpy.ndarray, shape (n_D,)
        The DMFT's escape time from the same start (the horizon where censored).
    escaped, escaped_dmft : numpy.ndarray of bool, shapes (n_D, S) and (n_D,)
        Whether each escape happened within the horizon.
    gamma : float
        The online escape rate :math:`\gamma_\perp` (:func:`~gklib.dmft.escape_rate`).
    dmft_runs : list of DMFTResult
        The DMFT solutions, one per D.
    params : dict, optional
        The settings.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import EscapeScaling
    >>> esc = EscapeScaling(D=np.array([100, 400]), t_sim=np.array([[9.0, 10.0, 14.0], [11.0, 12.0, 16.0]]),
    ...                     t_dmft=np.array([9.5, 11.5]), escaped=np.ones((2, 3), bool),
    ...                     escaped_dmft=np.ones(2, bool), gamma=0.5, dmft_runs=[])
    >>> esc.median().tolist(), round(esc.slope(), 4)          # medians 10 and 12 over ln 4
    ([10.0, 12.0], 1.4427)
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
        """Mean escape time of the simulations per D.

        Returns
        -------
        numpy.ndarray, shape (n_D,)
            The mean over seeds.

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import EscapeScaling
        >>> esc = EscapeScaling(D=np.array([100, 400]), t_sim=np.array([[9.0, 10.0, 14.0], [11.0, 12.0, 16.0]]),
        ...                     t_dmft=np.array([9.5, 11.5]), escaped=np.ones((2, 3), bool),
        ...                     escaped_dmft=np.ones(2, bool), gamma=0.5, dmft_runs=[])
        >>> esc.mean().tolist()
        [11.0, 13.0]
        """
        return self.t_sim.mean(1)

    def sem(self) -> np.ndarray:
        """Standard error of :meth:`mean`, :math:`s/\\sqrt S` (sample standard deviation over the S seeds).

        Returns
        -------
        numpy.ndarray, shape (n_D,)
            The standard error.

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import EscapeScaling
        >>> esc = EscapeScaling(D=np.array([100, 400]), t_sim=np.array([[9.0, 10.0, 14.0], [11.0, 12.0, 16.0]]),
        ...                     t_dmft=np.array([9.5, 11.5]), escaped=np.ones((2, 3), bool),
        ...                     escaped_dmft=np.ones(2, bool), gamma=0.5, dmft_runs=[])
        >>> esc.sem().round(6).tolist()          # s = sqrt(7) for both rows
        [1.527525, 1.527525]
        """
        return self.t_sim.std(1, ddof=1) / np.sqrt(self.t_sim.shape[1])

    def median(self) -> np.ndarray:
        """Median escape time of the simulations per D: robust to the long tail of late escapes (a run
        whose random kick nearly cancels its planted start escapes very late).

        Returns
        -------
        numpy.ndarray, shape (n_D,)
            The median over seeds (not the mean: the late tail would pull it).

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import EscapeScaling
        >>> esc = EscapeScaling(D=np.array([100, 400]), t_sim=np.array([[9.0, 10.0, 14.0], [11.0, 12.0, 16.0]]),
        ...                     t_dmft=np.array([9.5, 11.5]), escaped=np.ones((2, 3), bool),
        ...                     escaped_dmft=np.ones(2, bool), gamma=0.5, dmft_runs=[])
        >>> esc.median().tolist()
        [10.0, 12.0]
        """
        return np.median(self.t_sim, 1)

    @validate_params(n_boot=Integer(2))
    def median_err(self, n_boot: int = 2000) -> np.ndarray:
        """Standard error of :meth:`median` by bootstrap over seeds (fixed resampling seed).

        Parameters
        ----------
        n_boot : int, default 2000
            Bootstrap resamples, >= 2.

        Returns
        -------
        numpy.ndarray, shape (n_D,)
            The standard deviation of the resampled medians.

        Examples
        --------
        All seeds equal: no spread.

        >>> import numpy as np
        >>> from gklib.dmft import EscapeScaling
        >>> esc = EscapeScaling(D=np.array([100]), t_sim=np.full((1, 5), 7.0), t_dmft=np.array([7.0]),
        ...                     escaped=np.ones((1, 5), bool), escaped_dmft=np.ones(1, bool), gamma=0.5, dmft_runs=[])
        >>> esc.median_err(200).tolist()
        [0.0]
        """
        rng = np.random.default_rng(0)
        S = self.t_sim.shape[1]
        idx = rng.integers(0, S, size=(n_boot, S))
        return np.array([np.median(row[idx], 1).std(ddof=1) for row in self.t_sim])

    @validate_params(t0=Real(), t1=Real())
    def growth_rate(self, t0: float, t1: float) -> float:
        r"""Growth rate of the difference mode :math:`|m_1-m_2|` in the DMFT at the largest D: the slope of
        :math:`\ln|m_1-m_2|` against t over ``t0 <= t <= t1`` (N = 2; :func:`~gklib.dmft.mode_growth_rate`).

        Parameters
        ----------
        t0, t1 : float
            The window (at least two grid points).

        Returns
        -------
        float
            The rate.

        Raises
        ------
        ValueError
            Fewer than two grid points in the window, or N != 2.

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import EscapeScaling, solve_online
        >>> run = solve_online(2, 1.0, 0.5, m0=[-1e-4, 1e-4], t_max=12.0, dt=0.05)
        >>> esc = EscapeScaling(D=np.array([100]), t_sim=np.ones((1, 2)), t_dmft=np.ones(1),
        ...                     escaped=np.ones((1, 2), bool), escaped_dmft=np.ones(1, bool), gamma=0.5,
        ...                     dmft_runs=[run])
        >>> round(esc.growth_rate(4.0, 12.0), 2)                   # the online escape rate
        0.5
        """
        r = self.dmft_runs[-1]
        return mode_growth_rate(r.t, r.m, t0, t1)

    @validate_params(which=Options("sim", "dmft"))
    def slope(self, which: str = "sim") -> float:
        r"""Least-squares slope of the escape time against :math:`\ln D` (the simulations' medians for
        ``"sim"``, the DMFT's escape times for ``"dmft"``); :math:`\frac1{2\gamma}` when the escape starts
        from :math:`|m_0|\propto D^{-1/2}`.

        Parameters
        ----------
        which : {"sim", "dmft"}, default "sim"
            Whose escape times.

        Returns
        -------
        float
            The slope.

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import EscapeScaling
        >>> esc = EscapeScaling(D=np.array([100, 400]), t_sim=np.array([[9.0, 10.0, 14.0], [11.0, 12.0, 16.0]]),
        ...                     t_dmft=np.array([9.5, 11.5]), escaped=np.ones((2, 3), bool),
        ...                     escaped_dmft=np.ones(2, bool), gamma=0.5, dmft_runs=[])
        >>> round(esc.slope("dmft"), 4)          # (11.5 - 9.5) / ln 4
        1.4427
        """
        y = self.median() if which == "sim" else self.t_dmft
        return float(np.polyfit(np.log(self.D), y, 1)[0])


@validate_params(N=N_UNITS, rho=POSITIVE, alpha=POSITIVE, eps=NONNEGATIVE, Ds=Integers(1, what="dimensions"),
                 seeds=SEEDS, dt=POSITIVE, level=POSITIVE, t_max=POSITIVE, t_max_dmft=POSITIVE, samples=SIZE,
                 response_samples=SIZE_OR_NONE, num_threads=THREADS)
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

    Parameters
    ----------
    N : int
        Width >= 1 (:func:`~gklib.dmft.typical_m0` needs N >= 2 for a difference mode).
    rho : float
        ρ = P/D > 0, finite.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    Ds : int or sequence of int, default (50, 100, 200, 400)
        The input dimensions, each >= 1.
    seeds : int or sequence of int, default 16
        Simulations per D: a count or the seeds.
    dt : float, default 0.8
        Time step > 0 (below the stability limit of :func:`~gklib.dmft.solve_dmft`).
    level : float, default 0.35
        Test-loss level > 0 that counts as escaped.
    t_max : float, default 64.0
        Horizon of the simulations, > 0 (``round(t_max/dt)`` steps, capped by ``$GKLIB_SMOKE_STEPS``).
    t_max_dmft : float, default 32.0
        Horizon of the DMFT solves, > 0.
    samples : int, default 2000
        Monte Carlo draws of each DMFT solve.
    response_samples : int or None, default 250
        Draws that also give the response (``None``: all).
    dtype : torch.dtype, default torch.float32
        Of the simulations.
    num_threads : int or None, default 1
        CPU threads (restored afterwards; ``None`` keeps torch's setting).

    Returns
    -------
    EscapeScaling
        Escape times per D and seed, and the DMFT's.

    Raises
    ------
    ValueError
        A ``dt`` above the stability limit, too few ``samples``, or no training point at some D.

    Examples
    --------
    A start four times larger in D is twice as small and escapes later, in the simulations and the DMFT:

    >>> import numpy as np
    >>> from gklib.dmft import escape_scaling
    >>> esc = escape_scaling(2, 20.0, 1.0, 0.5, Ds=(10, 40), seeds=2, t_max=8.0, t_max_dmft=8.0,
    ...                      samples=200, response_samples=20)
    >>> esc.t_sim.shape, bool(esc.escaped.all()), bool(esc.escaped_dmft.all())
    ((2, 2), True, True)
    >>> bool(np.all(esc.t_sim[1] > esc.t_sim[0])), bool(esc.t_dmft[1] > esc.t_dmft[0])
    (True, True)
    """
    from .online import escape_rate, typical_m0

    N, rho, alpha, eps = int(N), float(rho), float(alpha), float(eps)
    dt, level, t_max, t_max_dmft = float(dt), float(level), float(t_max), float(t_max_dmft)
    Ds = [int(Ds)] if np.ndim(Ds) == 0 else [int(d) for d in Ds]
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

