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

from ..history import History
from ..metrics import amount_of_grokking, crossing_times
from ..validation import as_param_array, check_positive, check_positive_int
from .model import CommitteeMachine
from .trainer import train

__all__ = ["run_toy", "PhaseDiagram", "phase_diagram"]


def run_toy(task, alpha: float, eps: float, P: int, N: int = 200, steps: int = 3000, lr_scale: float = 2.0,
            seed: int = 0, n_log: int = 80, callback=None) -> History:
    """One stats-engine run of the committee machine on the first ``P`` points of ``task``
    (what one slider move of the live explorers computes). A divergent run ends in NaN, with its
    step in ``diverged_at``; ``callback(step, model)`` is called at the logged steps (:func:`gklib.train`)."""
    m = CommitteeMachine(task.D, N, alpha=alpha, eps=eps, seed=seed)
    return train(m, task.subset(P), steps, lr_scale=lr_scale, engine="stats", n_log=n_log,
                 on_divergence="nan", callback=callback, progress_bar=False)


@dataclass
class PhaseDiagram:
    """Result of :func:`phase_diagram`: ``amount``, ``t_train``, ``t_test`` are ``(n_alpha, n_eps)``
    arrays over the grid ``alphas × epsilons``; ``history`` is the batched run (run ``i·n_eps + j``
    is ``(alphas[i], epsilons[j])``); ``seconds`` the wall time."""

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
    """
    a = as_param_array(alphas, "alphas")
    e = as_param_array(epsilons, "epsilons", allow_zero=True)
    N = check_positive_int(N, "N")
    steps = check_positive_int(steps, "steps")
    threshold = check_positive(threshold, "threshold")
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
