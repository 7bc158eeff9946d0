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
    r"""A regression task: a training set :math:`\{(x_\mu, y_\mu)\}_{\mu=1}^P` and a test set of ``P_test``
    points, with the teacher that made them where there is one.

    The data are validated on construction (:func:`gklib.validation.check_data`: matching rows and shapes,
    finite values). ``D``, ``P`` and ``P_test`` are read off the shapes.

    Parameters
    ----------
    X : torch.Tensor, shape (P, D)
        Training inputs.
    y : torch.Tensor, shape (P,)
        Training labels (integer class labels for classification with :func:`gklib.nets.fit`).
    X_test : torch.Tensor, shape (P_test, D)
        Test inputs.
    y_test : torch.Tensor, shape (P_test,)
        Test labels.
    beta : torch.Tensor or None, shape (D,) or (k, D), default None
        The teacher direction(s) (``None`` for tasks without one).
    quad_form : torch.Tensor or None, shape (D, D), default None
        The matrix :math:`T` of a quadratic target :math:`y = \tfrac12 x^\top T x`; it enables the loss
        decomposition (``None`` otherwise).
    name : str, default "task"
        A label for printing.
    meta : dict, default {}
        Task-specific extras (``seed``, ``q_star``, ...).

    Raises
    ------
    ValueError
        The shapes do not match or an entry is not finite.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> X = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> task = gk.Task(X=X, y=X.sum(1), X_test=X[:2], y_test=X[:2].sum(1), name="sum")
    >>> task, task.D, task.P, task.P_test
    (Task('sum', D=2, P=3, P_test=2), 2, 3, 2)
    >>> task.subset(2)
    Task('sum', D=2, P=2, P_test=2)
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
        """The input dimension ``D``.
        """
        return self.X.shape[-1]

    @property
    def P(self) -> int:
        """The number of training points ``P``.
        """
        return self.X.shape[0]

    @property
    def P_test(self) -> int:
        """The number of test points ``P_test``.
        """
        return self.X_test.shape[0]

    def __post_init__(self):
        check_data(self.X, self.y, self.X_test, self.y_test)

    def to(self, device=None, dtype=None) -> "Task":
        """A copy with every tensor moved to ``device`` and cast to the floating ``dtype``.

        Parameters
        ----------
        device : str or torch.device or None, default None
            Target device; ``None`` keeps each tensor where it is.
        dtype : torch.dtype or None, default None
            A floating dtype (float16, bfloat16, float32, float64); ``None`` keeps the dtypes.

        Returns
        -------
        Task
            The moved copy (the task itself is unchanged).

        Raises
        ------
        ValueError
            ``dtype`` is not a floating dtype.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> task = gk.quadratic_task(D=4, P=5, P_test=5, device="cpu")
        >>> task.to(dtype=torch.float64).X.dtype
        torch.float64
        """
        if dtype is not None:
            check_float_dtype(dtype)

        def mv(t):
            return None if t is None else t.to(device=device, dtype=dtype)

        return replace(self, X=mv(self.X), y=mv(self.y), X_test=mv(self.X_test),
                       y_test=mv(self.y_test), beta=mv(self.beta), quad_form=mv(self.quad_form))

    @validate_params(P=Integer(1))
    def subset(self, P: int) -> "Task":
        """The same task with only the first ``P`` training points (nested data sets: the test set is kept).

        Parameters
        ----------
        P : int
            Training set size, ``1 <= P <= self.P``.

        Returns
        -------
        Task
            The smaller task.

        Raises
        ------
        ValueError
            ``P`` exceeds the task's training set.

        Examples
        --------
        >>> import gklib as gk
        >>> task = gk.quadratic_task(D=4, P=10, P_test=5)
        >>> small = task.subset(3)
        >>> small.P, bool(small.X.equal(task.X[:3]))
        (3, True)
        """
        check_positive_int(P, "P")
        if P > self.P:
            raise ValueError(f"P={P} exceeds the {self.P} training points of this task")
        return replace(self, X=self.X[:P], y=self.y[:P])

    def __repr__(self) -> str:
        return f"Task({self.name!r}, D={self.D}, P={self.P}, P_test={self.P_test})"


@validate_params(n=Integer(1), D=Integer(1), gen=Instance(torch.Generator, what='a torch.Generator'))
def gaussian_inputs(n: int, D: int, gen: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    r"""``n`` i.i.d. inputs :math:`x \sim \mathcal N(0, I/D)` (so :math:`|x|^2 \approx 1`).

    Parameters
    ----------
    n : int
        Number of inputs, >= 1.
    D : int
        Input dimension, >= 1.
    gen : torch.Generator
        The (CPU) generator to draw from, e.g. ``gklib.generator(seed, "task")``.
    dtype : torch.dtype, default torch.float64
        Floating dtype of the draw.

    Returns
    -------
    torch.Tensor, shape (n, D)
        The inputs, on the generator's device.

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.data import gaussian_inputs
    >>> X = gaussian_inputs(2000, 50, gk.generator(0))
    >>> tuple(X.shape), round(float((X ** 2).sum(1).mean()), 1)
    ((2000, 50), 1.0)
    """
    return torch.randn(n, D, generator=gen, dtype=dtype) / D**0.5
