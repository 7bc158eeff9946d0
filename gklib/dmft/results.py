r"""Result classes of the DMFT solver and the finite-D simulations, and the seed-matched DMFT average
(part of :mod:`gklib.dmft`).

:class:`DMFTResult` holds a solution of :func:`~gklib.dmft.solve_dmft`;
:class:`SimulationResult` holds what :func:`~gklib.dmft.simulate_dmft_setting` and
:func:`~gklib.dmft.simulate_batch` record (seeds × time); :func:`dmft_matched` solves the DMFT once
per simulation seed from that seed's own initial order parameters and averages them
(:class:`DMFTAverage`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..params import Instance, Options, validate_params
from ._checks import SIZE, SIZE_OR_NONE

__all__ = ["DMFTResult", "SimulationResult", "DMFTAverage", "dmft_matched"]


@dataclass
class DMFTResult:
    r"""Solution of the finite-ρ DMFT on the grid ``t`` (what :func:`solve_dmft` returns).

    Losses are the MSE without ½ of the uncentred model. ``gap`` (test minus train) and ``C_diag``
    (:math:`C(t,t)`, (T+1, N, N)) are derived properties.

    Parameters
    ----------
    t : numpy.ndarray, shape (T+1,)
        The time grid :math:`t_n=n\Delta t`.
    train_loss : numpy.ndarray, shape (T+1,)
        :math:`\langle\Delta(\boldsymbol h^n)^2\rangle` over the (non-Gaussian) training fields.
    test_loss : numpy.ndarray, shape (T+1,)
        :math:`\mathcal L(C(t,t),\boldsymbol m(t))` (:func:`~gklib.dmft.cm_test_loss`).
    train_loss_err : numpy.ndarray, shape (T+1,)
        Monte Carlo standard error of ``train_loss``.
    C : numpy.ndarray, shape (T+1, T+1, N, N)
        Two-time correlation.
    m : numpy.ndarray, shape (T+1, N)
        Alignment with the teacher.
    Rw, Rg, G : numpy.ndarray, shape (T+1, T+1, N, N)
        Weight response Φ, gradient response and gradient correlation.
    nu : numpy.ndarray, shape (T+1, N)
        Signal drift ν.
    residuals : list of float
        Relative change of :math:`(R^g, G, \boldsymbol\nu)` per iteration.
    converged : bool
        Whether the last residual was below ``tol``.
    iterations : int
        Iterations made.
    seconds : float
        Wall time of the solve.
    params : dict
        The settings.

    Examples
    --------
    >>> from gklib.dmft import solve_dmft
    >>> res = solve_dmft(2, 4.0, 1.0, 0.5, steps=3, samples=64, progress_bar=False)
    >>> res.C.shape, res.gap.shape, res.converged
    ((4, 4, 2, 2), (4,), True)
    """

    t: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    train_loss_err: np.ndarray
    C: np.ndarray
    m: np.ndarray
    Rw: np.ndarray
    Rg: np.ndarray
    G: np.ndarray
    nu: np.ndarray
    residuals: list
    converged: bool
    iterations: int
    seconds: float
    params: dict = field(default_factory=dict)

    @property
    def gap(self) -> np.ndarray:
        """Test minus train loss, (T+1,)."""
        return self.test_loss - self.train_loss

    @property
    def C_diag(self) -> np.ndarray:
        """Equal-time correlation :math:`C(t,t)`, (T+1, N, N)."""
        idx = np.arange(len(self.t))
        return self.C[idx, idx]

    def __repr__(self) -> str:
        p = self.params
        return (f"DMFTResult(N={p.get('N')}, rho={p.get('rho')}, alpha={p.get('alpha')}, eps={p.get('eps')}, "
                f"T={len(self.t) - 1}, dt={p.get('dt')}, converged={self.converged}, "
                f"iterations={self.iterations}, residual={self.residuals[-1]:.2e}, seconds={self.seconds:.1f})")


@dataclass
class SimulationResult:
    r"""Seeds × time records of finite-D GD in DMFT units (what :func:`~gklib.dmft.simulate_dmft_setting`
    and :func:`~gklib.dmft.simulate_batch` return).

    The properties ``C0`` (S, N, N) and ``m0`` (S, N) are each seed's initial order parameters (feed them
    to :func:`~gklib.dmft.solve_dmft` for a matched-initialisation comparison); ``n_seeds`` is S.

    Parameters
    ----------
    t : numpy.ndarray, shape (n_t,)
        DMFT times.
    steps : numpy.ndarray, shape (n_t,)
        GD steps.
    train_loss, test_loss : numpy.ndarray, shape (S, n_t)
        Per seed: the train loss and the population test loss :func:`~gklib.dmft.cm_test_loss`.
    C : numpy.ndarray, shape (S, n_t, N, N)
        Equal-time correlations.
    m : numpy.ndarray, shape (S, n_t, N)
        Overlaps with the teacher.
    q_star : numpy.ndarray, shape (S,)
        Each seed's teacher norm.
    params : dict, optional
        The settings.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import SimulationResult
    >>> z = np.zeros((2, 3, 1))
    >>> sim = SimulationResult(t=np.arange(3.0), steps=np.arange(3), train_loss=np.ones((2, 3)),
    ...                        test_loss=np.full((2, 3), 1.5), C=z[..., None] + 1, m=z, q_star=np.ones(2))
    >>> sim.n_seeds, sim.mean("gap").tolist()
    (2, [0.5, 0.5, 0.5])
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

    @validate_params(name=Options("train_loss", "test_loss", "gap"))
    def mean(self, name: str) -> np.ndarray:
        """Seed average of a series.

        Parameters
        ----------
        name : {"train_loss", "test_loss", "gap"}
            The series (``"gap"``: test minus train).

        Returns
        -------
        numpy.ndarray, shape (n_t,)
            The average over seeds.

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import SimulationResult
        >>> sim = SimulationResult(t=np.arange(2.0), steps=np.arange(2), train_loss=np.array([[1.0, 0.5], [3.0, 0.5]]),
        ...                        test_loss=np.ones((2, 2)), C=np.ones((2, 2, 1, 1)), m=np.zeros((2, 2, 1)),
        ...                        q_star=np.ones(2))
        >>> sim.mean("train_loss").tolist()
        [2.0, 0.5]
        """
        return getattr(self, name).mean(0) if name != "gap" else (self.test_loss - self.train_loss).mean(0)

    @validate_params(name=Options("train_loss", "test_loss", "gap"))
    def sem(self, name: str) -> np.ndarray:
        """Standard error of the seed average, :math:`s/\\sqrt S` (sample standard deviation over the S
        seeds; zeros for one seed).

        Parameters
        ----------
        name : {"train_loss", "test_loss", "gap"}
            The series.

        Returns
        -------
        numpy.ndarray, shape (n_t,)
            The standard error.

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import SimulationResult
        >>> sim = SimulationResult(t=np.arange(2.0), steps=np.arange(2), train_loss=np.array([[1.0, 0.5], [3.0, 0.5]]),
        ...                        test_loss=np.ones((2, 2)), C=np.ones((2, 2, 1, 1)), m=np.zeros((2, 2, 1)),
        ...                        q_star=np.ones(2))
        >>> sim.sem("train_loss").tolist()       # s = sqrt(2), S = 2
        [1.0, 0.0]
        """
        a = getattr(self, name) if name != "gap" else self.test_loss - self.train_loss
        return a.std(0, ddof=1) / np.sqrt(a.shape[0]) if a.shape[0] > 1 else np.zeros(a.shape[1])

    def __repr__(self) -> str:
        p = self.params
        return (f"SimulationResult(N={p.get('N')}, D={p.get('D')}, P={p.get('P')}, rho={p.get('rho')}, "
                f"seeds={self.n_seeds}, T={len(self.t) - 1}, dt={p.get('dt')})")



@dataclass
class DMFTAverage:
    """Seed average of DMFT solutions started from each simulation seed's own (C0, m0, q⋆) (what
    :func:`dmft_matched` returns). Properties: ``gap`` (test minus train), ``seconds`` (total solve time),
    ``converged`` (every solve converged).

    Parameters
    ----------
    t : numpy.ndarray, shape (T+1,)
        The grid.
    train_loss, test_loss : numpy.ndarray, shape (T+1,)
        Averages over the solves.
    runs : list of DMFTResult
        The individual solutions, one per seed.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import DMFTAverage
    >>> avg = DMFTAverage(t=np.arange(2.0), train_loss=np.array([1.0, 0.5]), test_loss=np.array([1.0, 0.75]), runs=[])
    >>> avg.gap.tolist()
    [0.0, 0.25]
    """

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


@validate_params(sim=Instance(SimulationResult, what="a SimulationResult (from simulate_dmft_setting or "
                                                 "simulate_batch)"),
                 samples=SIZE, response_samples=SIZE_OR_NONE)
def dmft_matched(sim: SimulationResult, *, samples: int = 2000, response_samples: int | None = 250,
                 **kwargs) -> DMFTAverage:
    r"""Like-for-like theory for a seed-averaged simulation: solve the DMFT once per seed from that
    seed's initial :math:`(C_0, \boldsymbol m_0, q_\star)` (same ρ, α, ε, Δt, steps) and average.

    The initial order parameters fluctuate by :math:`O(D^{-1/2})` between seeds, and the escape
    from :math:`|\boldsymbol m_0|\sim D^{-1/2}` amplifies that; matching them removes this source of
    disagreement.

    Parameters
    ----------
    sim : SimulationResult
        The simulation (its ``params`` give N, ρ, α, ε, Δt; its last step the number of steps).
    samples : int, default 2000
        Monte Carlo draws per seed (the seed average reduces the noise further).
    response_samples : int or None, default 250
        Draws per seed that also give the response (``None``: all).
    **kwargs : dict
        Passed to :func:`~gklib.dmft.solve_dmft` (``iters``, ``tol``, ``damping`` ...).

    Returns
    -------
    DMFTAverage
        The averaged losses and the solutions (solve ``k`` uses ``seed=k``).

    Examples
    --------
    >>> from gklib.dmft import dmft_matched, simulate_dmft_setting
    >>> sim = simulate_dmft_setting(2, 4.0, 1.0, 0.5, D=40, steps=3, seeds=2)
    >>> avg = dmft_matched(sim, samples=100, response_samples=20, progress_bar=False)
    >>> len(avg.runs), avg.runs[1].params["m0"].tolist() == sim.m0[1].tolist(), avg.converged
    (2, True, True)
    """
    from .solver import solve_dmft          # the solver imports this module's DMFTResult

    p = sim.params
    runs = [solve_dmft(p["N"], p["rho"], p["alpha"], p["eps"], q_star=float(sim.q_star[k]), C0=sim.C0[k],
                       m0=sim.m0[k], dt=p["dt"], steps=int(sim.steps[-1]), samples=samples,
                       response_samples=response_samples,
                       seed=k, **kwargs) for k in range(sim.n_seeds)]
    return DMFTAverage(t=runs[0].t, train_loss=np.mean([r.train_loss for r in runs], 0),
                       test_loss=np.mean([r.test_loss for r in runs], 0), runs=runs)

