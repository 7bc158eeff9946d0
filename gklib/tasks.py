"""Datasets of the course.

The toy task of the paper (paper.md §1.1): inputs :math:`x \\sim \\mathcal N(0, I/D)`, a teacher
direction :math:`\\beta \\sim \\mathcal N(0, I_D)` and the quadratic target
:math:`y(x) = \\tfrac12 (\\beta\\cdot x)^2`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from .config import generator, get_device
from .validation import check_positive_int, check_positive


@dataclass
class Task:
    """A regression task: training set ``(X, y)``, test set ``(X_test, y_test)``.

    ``X`` is ``(P, D)``, ``y`` is ``(P,)``; ``beta`` is the teacher vector ``(D,)`` (or ``None``
    for tasks without one). ``meta`` carries task-specific extras.
    """

    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    beta: torch.Tensor | None = None
    name: str = "task"
    meta: dict = field(default_factory=dict)

    @property
    def D(self) -> int:
        return self.X.shape[-1]

    @property
    def P(self) -> int:
        return self.X.shape[0]

    @property
    def P_test(self) -> int:
        return self.X_test.shape[0]

    def to(self, device=None, dtype=None) -> "Task":
        """A copy with every tensor moved to ``device`` / cast to ``dtype``."""
        def mv(t):
            return None if t is None else t.to(device=device, dtype=dtype)

        return replace(self, X=mv(self.X), y=mv(self.y), X_test=mv(self.X_test),
                       y_test=mv(self.y_test), beta=mv(self.beta))

    def subset(self, P: int) -> "Task":
        """The same task with only the first ``P`` training points (nested data sets)."""
        check_positive_int(P, "P")
        if P > self.P:
            raise ValueError(f"P={P} exceeds the {self.P} training points of this task")
        return replace(self, X=self.X[:P], y=self.y[:P])

    def __repr__(self) -> str:
        return f"Task({self.name!r}, D={self.D}, P={self.P}, P_test={self.P_test})"


def gaussian_inputs(n: int, D: int, gen: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``n`` i.i.d. inputs :math:`x \\sim \\mathcal N(0, I/D)`, shape ``(n, D)``."""
    return torch.randn(n, D, generator=gen, dtype=dtype) / D**0.5


def quadratic_target(X: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """:math:`y = \\tfrac12 (\\beta\\cdot x)^2` for each row of ``X``."""
    return 0.5 * (X @ beta) ** 2


def quadratic_task(D: int = 100, P: int = 550, P_test: int = 1000, seed: int = 0,
                   beta_scale: float = 1.0, device=None, dtype=torch.float32) -> Task:
    """The paper's polynomial task :math:`y=\\tfrac12(\\beta\\cdot x)^2`.

    Parameters
    ----------
    D, P, P_test : input dimension, training and test set sizes.
    seed : seeds the draw of ``beta``, ``X`` and ``X_test`` (all drawn on the CPU in float64,
        so a seed gives the same data on every device and dtype).
    beta_scale : multiplies ``beta``; ``beta_scale=sqrt(2)`` is the "no ½" normalisation
        :math:`y=(\\beta\\cdot x)^2` of some of the paper's figures (paper.md §1.1).

    The teacher's normalised norm is :math:`q_\\star = |\\beta|^2 / D \\approx \\text{beta_scale}^2`,
    stored in ``task.meta["q_star"]``.
    """
    check_positive_int(D, "D")
    check_positive_int(P, "P")
    check_positive_int(P_test, "P_test")
    check_positive(beta_scale, "beta_scale")
    gen = generator(seed)
    beta = beta_scale * torch.randn(D, generator=gen, dtype=torch.float64)
    X = gaussian_inputs(P, D, gen)
    X_test = gaussian_inputs(P_test, D, gen)
    task = Task(X=X, y=quadratic_target(X, beta), X_test=X_test, y_test=quadratic_target(X_test, beta),
                beta=beta, name="quadratic", meta={"q_star": float(beta @ beta) / D, "seed": seed})
    return task.to(device=get_device(device), dtype=dtype)
