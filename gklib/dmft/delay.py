r"""Single runs' crossing times against D: the delay scan of chapter 4.5 (part of :mod:`gklib.dmft`).

:func:`delay_scan` runs :func:`~gklib.dmft.simulate_batch` at several D and records each run's train
and test crossing times and its growing-mode amplitude (:class:`DelayScan`); :func:`crossing_times`,
:func:`kick_prediction` reads such runs and compares them with the DMFT; the statistics of their times
and modes are in :mod:`gklib.dmft.stats`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from .._forward import forwarding
from ..metrics import first_below
from ..params import Array, Instance, Options, Real, Reals, validate_params
from ..validation import check_seeds
from ._checks import N_UNITS, NONNEGATIVE, POSITIVE, SEEDS, SIZE, SIZE_OR_NONE, THREADS, VECTOR, Integers
from .results import DMFTResult, SimulationResult
from .saad_solla import OnlineResult
from .sim import simulate_batch
from .stats import censored_quantiles

_SIM = Instance(SimulationResult, what="a SimulationResult (from simulate_dmft_setting or simulate_batch)")

__all__ = ["crossing_times", "DelayScan", "delay_scan", "kick_prediction"]

# The statistics of runs moved to gklib.dmft.stats; still importable as gklib.dmft.delay.NAME.
_MOVED = {"mode_growth_rate": "stats", "rank_correlation": "stats"}


__getattr__, __dir__ = forwarding(__name__, globals(), {k: f"{__package__}.{v}" for k, v in _MOVED.items()})


@validate_params(sim=_SIM, level=POSITIVE)
def crossing_times(sim: SimulationResult, level: float):
    """Per seed, the first time the train / test loss of ``sim`` is below ``level`` (linearly interpolated
    between grid points; ``inf`` if not within the run).

    Parameters
    ----------
    sim : SimulationResult
        The runs.
    level : float
        The loss level > 0.

    Returns
    -------
    t_train, t_test : numpy.ndarray, shape (S,)
        The crossing times in DMFT time.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import SimulationResult
    >>> sim = SimulationResult(t=np.arange(4.0), steps=np.arange(4), C=np.ones((2, 4, 1, 1)), m=np.zeros((2, 4, 1)),
    ...                        train_loss=np.array([[1, .5, .2, .1], [1, 1, 1, 1.]]), q_star=np.ones(2),
    ...                        test_loss=np.array([[1, 1, .4, .2], [1, .8, .6, .45]]))
    >>> t_train, t_test = crossing_times(sim, 0.3)
    >>> t_train.round(4).tolist(), t_test.tolist()      # 0.5 -> 0.2 crosses 0.3 a third of the way
    ([1.6667, inf], [2.5, inf])
    """
    return tuple(np.array([first_below(sim.t, row, level, interpolate=True) for row in getattr(sim, k)])
                 for k in ("train_loss", "test_loss"))


@dataclass
class DelayScan:
    r"""Single runs' train and test crossing times against the input dimension D (what :func:`delay_scan`
    returns).

    Parameters
    ----------
    D : numpy.ndarray, shape (n_D,)
        The dimensions.
    t_train, t_test : numpy.ndarray, shape (n_D, S)
        Each run's time to train / test loss below ``level`` (``inf``: not within the horizon).
    amp : numpy.ndarray, shape (n_D, S)
        Each run's growing-mode amplitude :math:`|m_1-m_2|` at time ``t_kick``.
    t : numpy.ndarray, shape (T+1,)
        The grid.
    train_median, test_median, test_mean : numpy.ndarray, shape (n_D, T+1)
        Curves over the seeds.
    params : dict, optional
        The settings.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import DelayScan
    >>> z = np.zeros((1, 3))
    >>> scan = DelayScan(D=np.array([100]), t_train=np.array([[1.0, 2.0, 3.0]]), t_test=np.array([[4.0, 9.0, np.inf]]),
    ...                  amp=z, t=np.arange(2.0), train_median=z, test_median=z, test_mean=z)
    >>> scan.quantiles("test", (0.5,)).tolist(), scan.censored().round(3).tolist()
    ([[9.0]], [0.333])
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

    @validate_params(which=Options("test", "train"), q=Reals(0, 1))
    def quantiles(self, which: str = "test", q=(0.25, 0.5, 0.75)) -> np.ndarray:
        """Quantiles over the seeds of the crossing times (:func:`censored_quantiles`: ``inf`` where censored).

        Parameters
        ----------
        which : {"test", "train"}, default "test"
            Whose crossing times.
        q : float or sequence of float, default (0.25, 0.5, 0.75)
            Quantile levels in [0, 1].

        Returns
        -------
        numpy.ndarray, shape (len(q), n_D)
            The quantiles.

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import DelayScan
        >>> z = np.zeros((1, 3))
        >>> scan = DelayScan(D=np.array([100]), t_train=np.array([[1.0, 2.0, 3.0]]), t_test=z + 5, amp=z,
        ...                  t=np.arange(2.0), train_median=z, test_median=z, test_mean=z)
        >>> scan.quantiles("train", (0.0, 1.0)).tolist()
        [[1.0], [3.0]]
        """
        return censored_quantiles(self.t_test if which == "test" else self.t_train, q)

    def censored(self) -> np.ndarray:
        """Fraction of runs per D whose test loss had not crossed ``level`` within the horizon.

        Returns
        -------
        numpy.ndarray, shape (n_D,)
            The fraction in [0, 1].

        Examples
        --------
        >>> import numpy as np
        >>> from gklib.dmft import DelayScan
        >>> z = np.zeros((2, 2))
        >>> scan = DelayScan(D=np.array([10, 20]), t_train=z, t_test=np.array([[1.0, np.inf], [2.0, 3.0]]), amp=z,
        ...                  t=np.arange(2.0), train_median=z, test_median=z, test_mean=z)
        >>> scan.censored().tolist()
        [0.5, 0.0]
        """
        return (~np.isfinite(self.t_test)).mean(1)


@validate_params(N=N_UNITS, rho=POSITIVE, alpha=POSITIVE, eps=NONNEGATIVE, Ds=Integers(1, what="dimensions"),
                 seeds=SEEDS, m0=VECTOR, q_star=Real(0, closed="neither", none_ok=True), dt=POSITIVE, steps=SIZE,
                 level=POSITIVE, t_kick=NONNEGATIVE, batch=SIZE_OR_NONE, num_threads=THREADS,
                 reuse=Instance(dict, what="a dict {D: SimulationResult}", none_ok=True))
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

    Parameters
    ----------
    N : int
        Width >= 1.
    rho : float
        ρ = P/D > 0, finite.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    Ds : int or sequence of int, default (400, 800, 1600)
        The input dimensions, each >= 1.
    seeds : int or sequence of int, default 8
        Runs per D: a count or the seeds (the same at every D).
    m0 : array_like, shape (N,), optional
        Planted initial overlaps (:func:`~gklib.dmft.simulate_dmft_setting`).
    q_star : float or None, default 1.0
        Fixed teacher norm > 0 (``None``: as drawn).
    dt : float, default 0.4
        Time step > 0.
    steps : int, default 150
        GD steps >= 1.
    level : float, default 0.3
        Loss level > 0 of the crossing times.
    t_kick : float, default 8.0
        When to read the growing mode's amplitude, >= 0 (the nearest grid point, at most the end).
    dtype : torch.dtype, default torch.float32
        Of the simulations.
    batch : int, optional
        Seeds per batched computation (default all).
    num_threads : int or None, default 1
        CPU threads (restored afterwards; ``None`` keeps torch's setting).
    reuse : dict, optional
        ``{D: SimulationResult}`` of runs already made with these settings (e.g. by
        :func:`~gklib.dmft.simulate_batch`), used instead of running that D again.

    Returns
    -------
    DelayScan
        Crossing times, amplitudes and median curves per D.

    Raises
    ------
    ValueError
        A ``reuse`` entry made with other settings (ρ or steps), or ``m0`` that does not fit.

    Examples
    --------
    >>> from gklib.dmft import delay_scan
    >>> scan = delay_scan(2, 20.0, 1.0, 0.5, Ds=(10, 40), seeds=3, steps=40, level=0.35, t_kick=2.0)
    >>> scan.t_test.shape, float(scan.censored().max())
    ((2, 3), 0.0)
    >>> bool((scan.t_test >= scan.t_train).all())          # the test loss crosses after the train loss
    True
    """
    Ds = [int(Ds)] if np.ndim(Ds) == 0 else [int(d) for d in Ds]
    t_kick = float(t_kick)
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


@validate_params(res=Instance(DMFTResult, OnlineResult, what="a DMFTResult or OnlineResult"), t_kick=NONNEGATIVE,
                 amps=Array(), level=POSITIVE)
def kick_prediction(res, t_kick: float, amps, level: float) -> np.ndarray:
    r"""The DMFT's time to test loss below ``level`` for a run whose growing mode has amplitude ``a`` at
    ``t_kick`` (N = 2, :math:`a=|m_1-m_2|`), for each ``a`` in ``amps``.

    The escape is a time shift along the DMFT trajectory ``res`` (a :class:`~gklib.dmft.DMFTResult`): if
    the theory's own :math:`a(t)` reaches ``a`` at the time τ(a) (linear interpolation in
    :math:`\ln a`), the run is τ(a) − t_kick ahead of the theory and crosses at
    :math:`t_{\rm DMFT}-(\tau(a)-t_{\rm kick})`. Outside the range of the theory's :math:`a(t)` the
    growth is extrapolated at the rate of the nearest end of the plateau (its first and last quarter
    before the crossing). ``inf`` where the theory itself does not cross.

    Parameters
    ----------
    res : DMFTResult or OnlineResult
        The theory's trajectory (N = 2).
    t_kick : float
        The time >= 0 at which the runs' amplitudes were read.
    amps : array_like
        The amplitudes :math:`a>0`, any shape.
    level : float
        Test-loss level > 0.

    Returns
    -------
    numpy.ndarray, shape of ``amps``
        The predicted crossing times.

    Raises
    ------
    ValueError
        A non-positive amplitude.

    Examples
    --------
    A run whose growing mode is e times ahead at ``t_kick`` crosses about :math:`1/\gamma_\perp` earlier:

    >>> import numpy as np
    >>> from gklib.dmft import kick_prediction, solve_online
    >>> on = solve_online(2, 1.0, 0.5, m0=[-1e-4, 1e-4], t_max=30.0, dt=0.05)
    >>> a4 = abs(on.m[80, 1] - on.m[80, 0])                       # at t = 4
    >>> t0, t1 = kick_prediction(on, 4.0, [a4, np.e * a4], 0.3)
    >>> round(float(t0 - t1), 1)                                 # 1 / 0.5
    2.0
    """
    t_kick = float(t_kick)
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
