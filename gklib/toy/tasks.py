"""Datasets of the course. :class:`~gklib.data.Task` and :func:`~gklib.data.gaussian_inputs` live in the neutral
:mod:`gklib.data` and are re-exported here.

The toy task of the paper (paper eq. 3): inputs :math:`x \\sim \\mathcal N(0, I/D)`, a teacher
direction :math:`\\beta \\sim \\mathcal N(0, I_D)` and the quadratic target
:math:`y(x) = \\tfrac12 (\\beta\\cdot x)^2`.
"""
from __future__ import annotations

import torch

from ..runtime import generator, get_device
from ..data import Task, gaussian_inputs
from ..params import Array, Integer, Real, validate_params
from ..validation import check_positive, check_positive_int

_SIZE = Integer(1)
_SEED = Integer(0, 2**63 - 1)

__all__ = ["Task", "gaussian_inputs", "quadratic_target", "quadratic_task", "multi_index_task", "hermite",
           "hermite_task"]


@validate_params(X=Array(2), beta=Array(1))
def quadratic_target(X: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    r"""The quadratic target :math:`y = \tfrac12 (\beta\cdot x)^2` for each row of ``X`` (paper eq. 3).

    Parameters
    ----------
    X : torch.Tensor, shape (n, D)
        Inputs, finite.
    beta : torch.Tensor, shape (D,)
        The teacher direction, same dtype as ``X``.

    Returns
    -------
    torch.Tensor, shape (n,)
        The labels.

    Examples
    --------
    >>> import torch
    >>> from gklib.toy.tasks import quadratic_target
    >>> quadratic_target(torch.tensor([[1.0, 0.0], [1.0, 1.0]]), torch.tensor([2.0, 1.0])).tolist()
    [2.0, 4.5]
    """
    return 0.5 * (X @ beta) ** 2


@validate_params(D=_SIZE, P=_SIZE, P_test=_SIZE, seed=_SEED, beta_scale=Real(0, 1e6, closed='right'))
def quadratic_task(D: int = 100, P: int = 550, P_test: int = 1000, seed: int = 0,
                   beta_scale: float = 1.0, device=None, dtype=torch.float32) -> Task:
    r"""The paper's polynomial task: inputs :math:`x \sim \mathcal N(0, I/D)`, a teacher
    :math:`\beta \sim \mathcal N(0, \text{beta_scale}^2 I_D)` and labels :math:`y=\tfrac12(\beta\cdot x)^2`.

    The teacher's normalised norm is :math:`q_\star = |\beta|^2 / D \approx \text{beta_scale}^2`,
    stored in ``task.meta["q_star"]``; ``task.quad_form`` is :math:`\beta\beta^\top` (it enables the loss
    decomposition).

    Parameters
    ----------
    D, P, P_test : int, default 100, 550, 1000
        Input dimension, training and test set sizes (each >= 1).
    seed : int, default 0
        Seed in [0, 2**63 - 1] of the draw (:func:`gklib.generator`; drawn on the CPU in float64, so a
        seed gives the same data on every device and dtype).
    beta_scale : float, default 1.0
        Multiplies ``beta``, in (0, 1e6]; ``beta_scale=sqrt(2)`` is the "no ½" normalisation
        :math:`y=(\beta\cdot x)^2` of some of the paper's figures (the authors' code for Fig 3(a), the
        weight-norm sweep and the eigenvector labels).
    device : str or torch.device or None, default None
        Where the tensors live; ``None``: :func:`gklib.get_device` (CUDA when available, else CPU).
    dtype : torch.dtype, default torch.float32
        Floating dtype of the tensors (the draws are made in float64 on the CPU, then cast).

    Returns
    -------
    Task
        ``X (P, D)``, ``y (P,)``, ``X_test (P_test, D)``, ``y_test (P_test,)``, ``beta (D,)``.

    Raises
    ------
    InvalidParameterError
        A size < 1, a seed out of range, ``beta_scale`` <= 0 or > 1e6, ...

    Examples
    --------
    >>> import gklib as gk
    >>> task = gk.quadratic_task(D=20, P=100, P_test=200, seed=0)
    >>> task
    Task('quadratic', D=20, P=100, P_test=200)
    >>> tuple(task.X.shape), tuple(task.y.shape), tuple(task.X_test.shape)
    ((100, 20), (100,), (200, 20))
    >>> bool(gk.quadratic_task(D=20, P=100, seed=0).y.equal(task.y))      # a seed fixes the data
    True
    """
    D, P, P_test = (check_positive_int(v, n) for v, n in ((D, "D"), (P, "P"), (P_test, "P_test")))
    beta_scale = check_positive(beta_scale, "beta_scale")
    if beta_scale > 1e6:
        raise ValueError(f"beta_scale must be at most 1e6 (labels would overflow), got {beta_scale!r}")
    gen = generator(seed, "task")
    beta = beta_scale * torch.randn(D, generator=gen, dtype=torch.float64)
    X = gaussian_inputs(P, D, gen)
    X_test = gaussian_inputs(P_test, D, gen)
    task = Task(X=X, y=quadratic_target(X, beta), X_test=X_test, y_test=quadratic_target(X_test, beta),
                beta=beta, quad_form=torch.outer(beta, beta), name="quadratic",
                meta={"q_star": float(beta @ beta) / D, "seed": seed})
    return task.to(device=get_device(device), dtype=dtype)


@validate_params(D=_SIZE, P=_SIZE, P_test=_SIZE, n_index=_SIZE, seed=_SEED)
def multi_index_task(D: int = 40, P: int = 400, P_test: int = 1000, n_index: int = 2, seed: int = 0,
                     device=None, dtype=torch.float32) -> Task:
    r"""Multi-index quadratic target :math:`y = \tfrac12\sum_{r=1}^{k}(\beta_r\cdot x)^2` (paper App 16),
    :math:`\beta_r \sim \mathcal N(0, I_D)` i.i.d., ``k = n_index``, inputs :math:`x\sim\mathcal N(0, I/D)`.

    ``task.beta`` is the ``(k, D)`` matrix of teacher directions, ``task.quad_form`` is
    :math:`T = \sum_r \beta_r\beta_r^\top`.

    Parameters
    ----------
    D, P, P_test : int, default 40, 400, 1000
        Input dimension, training and test set sizes (each >= 1).
    n_index : int, default 2
        The number ``k`` of teacher directions, >= 1.
    seed : int, default 0
        Seed in [0, 2**63 - 1] of the draw (:func:`gklib.generator`; drawn on the CPU in float64, so a
        seed gives the same data on every device and dtype).
    device : str or torch.device or None, default None
        Where the tensors live; ``None``: :func:`gklib.get_device` (CUDA when available, else CPU).
    dtype : torch.dtype, default torch.float32
        Floating dtype of the tensors (the draws are made in float64 on the CPU, then cast).

    Returns
    -------
    Task
        ``X (P, D)``, ``y (P,)``, ``X_test``, ``y_test``, ``beta (k, D)``.

    Examples
    --------
    >>> import gklib as gk
    >>> task = gk.multi_index_task(D=10, P=30, P_test=40, n_index=3)
    >>> tuple(task.beta.shape), tuple(task.quad_form.shape)
    ((3, 10), (10, 10))
    """
    D, P, P_test, n_index = (check_positive_int(v, n) for v, n in
                             ((D, "D"), (P, "P"), (P_test, "P_test"), (n_index, "n_index")))
    gen = generator(seed, "task")
    B = torch.randn(n_index, D, generator=gen, dtype=torch.float64)
    X, X_test = gaussian_inputs(P, D, gen), gaussian_inputs(P_test, D, gen)
    T = B.T @ B
    task = Task(X=X, y=0.5 * ((X @ B.T) ** 2).sum(-1), X_test=X_test,
                y_test=0.5 * ((X_test @ B.T) ** 2).sum(-1), beta=B, quad_form=T,
                name=f"multi-index (k={n_index})", meta={"seed": seed, "n_index": n_index})
    return task.to(device=get_device(device), dtype=dtype)


@validate_params(k=Integer(0))
def hermite(k: int, z: torch.Tensor) -> torch.Tensor:
    r"""Probabilists' Hermite polynomial :math:`He_k(z)`, by the recursion
    :math:`He_{n+1}(z) = z\,He_n(z) - n\,He_{n-1}(z)` (``He_0 = 1``, ``He_2 = z^2-1``, ``He_3 = z^3-3z``, ...).

    Parameters
    ----------
    k : int
        The degree, >= 0.
    z : torch.Tensor
        The arguments (any shape).

    Returns
    -------
    torch.Tensor
        :math:`He_k(z)`, the shape of ``z``.

    Examples
    --------
    >>> import torch
    >>> from gklib.toy.tasks import hermite
    >>> hermite(3, torch.tensor([1.0, 2.0, 3.0])).tolist()
    [-2.0, 2.0, 18.0]
    """
    k = check_positive_int(k, "k", allow_zero=True)
    h_prev, h = torch.ones_like(z), z
    if k == 0:
        return h_prev
    for n in range(1, k):
        h_prev, h = h, z * h - n * h_prev
    return h


@validate_params(D=_SIZE, P=_SIZE, P_test=_SIZE, k=_SIZE, seed=_SEED)
def hermite_task(D: int = 40, P: int = 600, P_test: int = 1000, k: int = 3, seed: int = 0,
                 device=None, dtype=torch.float32) -> Task:
    r"""Single-index Hermite target :math:`y = He_k(\beta\cdot x)` with :math:`\beta = \sqrt D\,u`, :math:`u`
    uniform on the sphere, so :math:`\beta\cdot x\sim\mathcal N(0,1)` (paper App 16; pair it with
    ``CommitteeMachine(activation=f"hermite{k}")``).

    Parameters
    ----------
    D, P, P_test : int, default 40, 600, 1000
        Input dimension, training and test set sizes (each >= 1).
    k : int, default 3
        Degree of the Hermite polynomial, >= 1.
    seed : int, default 0
        Seed in [0, 2**63 - 1] of the draw (:func:`gklib.generator`; drawn on the CPU in float64, so a
        seed gives the same data on every device and dtype).
    device : str or torch.device or None, default None
        Where the tensors live; ``None``: :func:`gklib.get_device` (CUDA when available, else CPU).
    dtype : torch.dtype, default torch.float32
        Floating dtype of the tensors (the draws are made in float64 on the CPU, then cast).

    Returns
    -------
    Task
        ``X (P, D)``, ``y (P,)``, ``X_test``, ``y_test``, ``beta (D,)`` with :math:`|\beta|^2 = D`.

    Examples
    --------
    >>> import gklib as gk
    >>> task = gk.hermite_task(D=8, P=20, P_test=10, k=2)
    >>> task.name, round(float(task.beta.norm() ** 2), 3)
    ('Hermite He_2', 8.0)
    """
    D, P, P_test = (check_positive_int(v, n) for v, n in ((D, "D"), (P, "P"), (P_test, "P_test")))
    k = check_positive_int(k, "k")
    gen = generator(seed, "task")
    beta = torch.randn(D, generator=gen, dtype=torch.float64)
    beta = beta / beta.norm() * D**0.5
    X, X_test = gaussian_inputs(P, D, gen), gaussian_inputs(P_test, D, gen)
    task = Task(X=X, y=hermite(k, X @ beta), X_test=X_test, y_test=hermite(k, X_test @ beta),
                beta=beta, name=f"Hermite He_{k}", meta={"seed": seed, "k": k})
    return task.to(device=get_device(device), dtype=dtype)
