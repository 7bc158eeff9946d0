"""The data types every subpackage shares: :class:`Task` (a regression task, train and test sets) and
:func:`gaussian_inputs` (:math:`x \\sim \\mathcal N(0, I/D)`).

Neutral ground: the toy model (:mod:`gklib.toy`), the kernels (:mod:`gklib.kernels`), the networks
(:mod:`gklib.nets`) and the DMFT (:mod:`gklib.dmft`) all use them, so they live in none of those subpackages.
This module imports only :mod:`gklib.validation`. :mod:`gklib.toy.tasks` re-exports both.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import torch

from .params import Instance, Integer, validate_params
from .validation import check_data, check_float_dtype, check_positive_int

__all__ = ["Task", "gaussian_inputs"]


@dataclass
class Task:
    """A regression task: training set ``(X, y)``, test set ``(X_test, y_test)``.

    ``X`` is ``(P, D)``, ``y`` is ``(P,)``; ``beta`` is the teacher vector ``(D,)`` (or ``None``
    for tasks without one). ``quad_form`` is the matrix :math:`T` of a quadratic target
    :math:`y = \\tfrac12 x^\\top T x` (``None`` otherwise); it enables the loss decomposition.
    ``meta`` carries task-specific extras. The data are validated on construction
    (:func:`gklib.validation.check_data`: matching rows and shapes, finite values).
    """

    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    beta: torch.Tensor | None = None
    quad_form: torch.Tensor | None = None
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

    def __post_init__(self):
        check_data(self.X, self.y, self.X_test, self.y_test)

    def to(self, device=None, dtype=None) -> "Task":
        """A copy with every tensor moved to ``device`` / cast to the floating ``dtype``."""
        if dtype is not None:
            check_float_dtype(dtype)

        def mv(t):
            return None if t is None else t.to(device=device, dtype=dtype)

        return replace(self, X=mv(self.X), y=mv(self.y), X_test=mv(self.X_test),
                       y_test=mv(self.y_test), beta=mv(self.beta), quad_form=mv(self.quad_form))

    def subset(self, P: int) -> "Task":
        """The same task with only the first ``P`` training points (nested data sets)."""
        check_positive_int(P, "P")
        if P > self.P:
            raise ValueError(f"P={P} exceeds the {self.P} training points of this task")
        return replace(self, X=self.X[:P], y=self.y[:P])

    def __repr__(self) -> str:
        return f"Task({self.name!r}, D={self.D}, P={self.P}, P_test={self.P_test})"


@validate_params(n=Integer(1), D=Integer(1), gen=Instance(torch.Generator, what='a torch.Generator'))
def gaussian_inputs(n: int, D: int, gen: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """``n`` i.i.d. inputs :math:`x \\sim \\mathcal N(0, I/D)`, shape ``(n, D)``."""
    return torch.randn(n, D, generator=gen, dtype=dtype) / D**0.5
