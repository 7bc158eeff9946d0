"""Experiments on the committee machine: one slider move, and the α × ε phase diagram (chapter 3).

- :func:`run_toy` — one stats-engine run on the first ``P`` points of a task (what a move of the toy
  explorer computes);
- :func:`phase_diagram` — the amount of grokking (:func:`gklib.metrics.amount_of_grokking`) on an
  α × ε grid, in ONE batched :func:`gklib.train` call (stats engine; runs leave the batch once both
  losses are below the threshold).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data import Task
from ..history import History
from ..metrics import amount_of_grokking, crossing_times
from ..params import Boolean, Instance, Integer, Options, Real, Reals, validate_params
from ..validation import as_param_array
from .model import CommitteeMachine
from .trainer import ENGINES, train

_TASK = Instance(Task, what="a gklib Task")

__all__ = ["run_toy", "PhaseDiagram", "phase_diagram"]


@validate_params(task=_TASK, alpha=Real(0, closed="neither"), eps=Real(0), P=Integer(1), N=Integer(1),
                 steps=Integer(1), lr_scale=Real(0, closed="neither"), seed=Integer(0), n_log=Integer(1))
def run_toy(task, alpha: float, eps: float, P: int, N: int = 200, steps: int = 3000, lr_scale: float = 2.0,
            seed: int = 0, n_log: int = 80, callback=None) -> History:
    r"""One stats-engine run of the committee machine on the first ``P`` points of ``task``
    (what one slider move of the live explorers computes): :func:`gklib.train` with
    :math:`\eta=\text{lr\_scale}\,N/\alpha^2`. A divergent run ends in NaN, with its step in
    ``diverged_at``.

    Parameters
    ----------
    task : Task
        The data (its first ``P`` training points are used).
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    P : int
        Training points, 1 <= P <= ``task.P``.
    N : int, default 200
        Width >= 1.
    steps : int, default 3000
        GD steps >= 1.
    lr_scale : float, default 2.0
        :math:`c` in :math:`\eta=cN/\alpha^2`, > 0.
    seed : int, default 0
        Seeds the initial weights.
    n_log : int, default 80
        About this many logged steps (log-spaced).
    callback : callable, optional
        ``callback(step, model)`` at the logged steps.

    Returns
    -------
    History
        The run.

    Raises
    ------
    ValueError
        ``P`` larger than the task's training set.

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.toy.experiments import run_toy
    >>> task = gk.quadratic_task(D=8, P=40, P_test=100, seed=0)
    >>> hist = run_toy(task, alpha=1.0, eps=0.5, P=30, N=20, steps=200, n_log=10)
    >>> int(hist.steps[-1]), bool(hist.train_loss[-1] < hist.train_loss[0])
    (200, True)
    """
    m = CommitteeMachine(task.D, N, alpha=alpha, eps=eps, seed=seed)
    return train(m, task.subset(P), steps, lr_scale=lr_scale, engine="stats", n_log=n_log,
                 on_divergence="nan", callback=callback, progress_bar=False)


@dataclass
class PhaseDiagram:
    """Result of :func:`phase_diagram`, over the grid ``alphas × epsilons``.

    Parameters
    ----------
    alphas : numpy.ndarray, shape (n_alpha,)
        The output scales.
    epsilons : numpy.ndarray, shape (n_eps,)
        The activation coefficients.
    amount : numpy.ndarray, shape (n_alpha, n_eps)
        The amount of grokking (:func:`gklib.metrics.amount_of_grokking`).
    t_train, t_test : numpy.ndarray, shape (n_alpha, n_eps)
        Crossing times of ``threshold`` (``inf``: not within ``steps``).
    threshold : float
        The loss level.
    steps : int
        The step cap.
    history : History
        The batched run (run ``i·n_eps + j`` is ``(alphas[i], epsilons[j])``).
    seconds : float
        Wall time.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.toy.experiments import PhaseDiagram
    >>> pd = PhaseDiagram(alphas=np.ones(1), epsilons=np.ones(2), amount=np.zeros((1, 2)),
    ...                   t_train=np.array([[10.0, np.inf]]), t_test=np.array([[20.0, 30.0]]), threshold=0.1,
    ...                   steps=100, history=None, seconds=0.0)
    >>> pd.censored.tolist(), pd.n_censored
    ([[False, True]], 1)
    """

    alphas: np.ndarray
    epsilons: np.ndarray
    amount: np.ndarray
    t_train: np.ndarray
    t_test: np.ndarray
    threshold: float
    steps: int
    history: History
    seconds: float

    @property
    def censored(self) -> np.ndarray:
        """``(n_alpha, n_eps)`` booleans: runs whose train or test loss had not crossed ``threshold`` by
        the step cap ``steps``. Their ``amount`` is a lower bound (the crossing is counted at the cap)."""
        return ~(np.isfinite(self.t_train) & np.isfinite(self.t_test))

    @property
    def n_censored(self) -> int:
        """How many grid points are :attr:`censored`."""
        return int(self.censored.sum())


@validate_params(task=_TASK, alphas=Reals(0, closed="neither"), epsilons=Reals(0), N=Integer(1), steps=Integer(1),
                 lr_scale=Real(0, closed="neither"), threshold=Real(0, closed="neither"), seed=Integer(0),
                 center=Boolean(), engine=Options(*ENGINES), stop=Boolean(), n_log=Integer(1),
                 progress_bar=Boolean(none_ok=True))
def phase_diagram(task, alphas, epsilons, N: int = 500, steps: int = 20_000, lr_scale: float = 20.0,
                  threshold: float = 0.1, seed: int = 0, center: bool = True, engine: str = "auto",
                  stop: bool = True, n_log: int = 300, device=None, dtype=torch.float32,
                  progress_bar: bool | None = None) -> PhaseDiagram:
    """The amount of grokking over the grid ``alphas × epsilons`` in ONE batched training run.

    Every grid point is a run of the same :class:`~gklib.CommitteeMachine` (same seed, so same
    initial weights) trained by :func:`gklib.train` with :math:`\\eta = \\text{lr\\_scale}\\,N/\\alpha^2`.
    With ``stop=True`` a run leaves the batch as soon as its train and test losses are both below
    ``threshold`` (``train(stop_below=threshold)``), when both crossing times are known; the paper
    instead stops when the losses stall (paper, Fig 3(e)), which gives the same crossings.
    Runs that do not cross within ``steps`` are censored at ``steps`` (:func:`amount_of_grokking`).

    Parameters
    ----------
    task : Task
        The data.
    alphas : float or sequence of float
        Output scales > 0.
    epsilons : float or sequence of float
        Activation coefficients >= 0.
    N : int, default 500
        Width >= 1.
    steps : int, default 20000
        Step cap >= 1.
    lr_scale : float, default 20.0
        :math:`c` in :math:`\\eta=cN/\\alpha^2`, > 0.
    threshold : float, default 0.1
        Loss level > 0 of the crossing times.
    seed : int, default 0
        Seeds the initial weights (the same for every grid point).
    center : bool, default True
        Train the centred model :math:`f-f_0`.
    engine : {"auto", "stats", "direct"}, default "auto"
        :func:`gklib.train`'s engine.
    stop : bool, default True
        Let a run leave the batch once both losses are below ``threshold``.
    n_log : int, default 300
        About this many logged steps.
    device : str or torch.device, optional
        Default: CUDA when present.
    dtype : torch.dtype, default torch.float32
        Of the weights.
    progress_bar : bool or None, default None
        Show a progress bar (``None``: the course's default).

    Returns
    -------
    PhaseDiagram
        Amounts, crossing times and the batched history.

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.toy.experiments import phase_diagram
    >>> task = gk.quadratic_task(D=8, P=60, P_test=200, seed=0)
    >>> pd = phase_diagram(task, [0.5, 2.0], [0.5], N=20, steps=300, lr_scale=1.0, n_log=20)
    >>> pd.amount.shape, pd.n_censored, bool(pd.amount[1, 0] > pd.amount[0, 0])   # lazier (α = 2) groks more
    ((2, 1), 0, True)
    """
    a = as_param_array(alphas, "alphas")
    e = as_param_array(epsilons, "epsilons", allow_zero=True)
    N, steps, threshold = int(N), int(steps), float(threshold)
    A, E = np.meshgrid(a, e, indexing="ij")
    model = CommitteeMachine(task.D, N, alpha=A.ravel(), eps=E.ravel(), seed=[int(seed)] * A.size,
                             center=center, device=device, dtype=dtype)
    hist = train(model, task, steps, lr_scale=lr_scale, engine=engine, n_log=n_log,
                 stop_below=threshold if stop else None, progress_bar=progress_bar)
    t = crossing_times(hist, threshold)
    shape = A.shape
    return PhaseDiagram(alphas=a, epsilons=e, amount=amount_of_grokking(hist, threshold).reshape(shape),
                        t_train=t["train"].reshape(shape), t_test=t["test"].reshape(shape),
                        threshold=threshold, steps=steps, history=hist, seconds=hist.seconds)
