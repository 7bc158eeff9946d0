r"""Result classes of the finite-D simulations and the seed-matched DMFT average (part of :mod:`gklib.dmft`).

:class:`SimulationResult` holds what :func:`~gklib.dmft.simulate_dmft_setting` and
:func:`~gklib.dmft.simulate_batch` record (seeds × time); :func:`dmft_matched` solves the DMFT once
per simulation seed from that seed's own initial order parameters and averages them
(:class:`DMFTAverage`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .solver import solve_dmft

__all__ = ["SimulationResult", "DMFTAverage", "dmft_matched"]


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

