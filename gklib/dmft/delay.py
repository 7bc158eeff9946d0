r"""Single runs' crossing times against D and their statistics: the delay scan of chapter 4.5
(part of :mod:`gklib.dmft`).

:func:`delay_scan` runs :func:`~gklib.dmft.simulate_batch` at several D and records each run's train
and test crossing times and its growing-mode amplitude (:class:`DelayScan`); :func:`crossing_times`,
:func:`censored_quantiles`, :func:`kick_prediction`, :func:`mode_growth_rate` and
:func:`rank_correlation` read such runs and compare them with the DMFT.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..metrics import first_below
from ..validation import check_positive, check_positive_int, check_seeds
from .results import SimulationResult
from .sim import simulate_batch

__all__ = ["crossing_times", "censored_quantiles", "DelayScan", "delay_scan", "kick_prediction",
           "mode_growth_rate", "rank_correlation"]


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
