"""Two controlled experiments on the toy model (paper App 8.4).

**Eigenvector labels** (paper App. 8.4; v3 Fig 5; chapter 3, §“Eigenvector labels”). Draw ``P + P_test`` inputs,
compute the Gram matrix of the network's *initial* NTK on all of them, remove its global mean, and use
its ``j``-th eigenvector (eigenvalues in decreasing order, ``j = 1`` the top) as labels: the first
``P`` entries are the training labels, the rest the test labels. A small ``j`` is a direction the
initial kernel already "likes" (learned at once, lazily); a large ``j`` has almost no kernel power
(never generalises); in between the kernel must change first — grokking.

**Aligned-init interpolation** (App 8.4.2). With :math:`\\alpha\\epsilon M = \\beta\\beta^\\top` and
:math:`\\bar w = 0` the population loss is zero (paper v3 eq. 6); for :math:`N = 2` this is
:math:`w_{1,2} = \\pm\\beta/\\sqrt{\\alpha\\epsilon}`. Initialising at
:math:`w_i = \\lambda\\,w_i^\\star + (1-\\lambda)\\,w_i^{\\rm rand}` puts a fraction λ of the aligned
solution in the initial weights: a little of it removes the grokking delay.
"""
from __future__ import annotations

import numpy as np
import torch

from ..runtime import generator, get_device
from .ntk import ntk_from_stats
from .model import CommitteeMachine
from .tasks import Task, gaussian_inputs
from ..data import Task
from ..params import Array, Boolean, Instance, Integer, Real, Reals, validate_params
from ..validation import as_param_array, check_positive, check_positive_int

_SEED = Integer(0, 2**63 - 1)

__all__ = ["gram_eigenvectors", "eigenvector_task", "aligned_weights", "interpolated_model"]


@validate_params(K=Array(2), center=Boolean())
def gram_eigenvectors(K, center: bool = True):
    r"""Eigenvalues (decreasing) and orthonormal eigenvectors (columns) of a symmetric Gram matrix,
    :math:`K = \sum_k \lambda_k v_k v_k^\top`.

    Each eigenvector's sign is fixed so that its largest-magnitude entry is positive (a deterministic
    choice). Computed in float64 (``K`` is symmetrised first).

    Parameters
    ----------
    K : torch.Tensor or array_like, shape (n, n)
        A finite square matrix.
    center : bool, default True
        First subtract the global mean :math:`\frac1{n^2}\sum_{ab}K_{ab}` of all entries (the paper's
        "globally mean-subtracted" Gram).

    Returns
    -------
    eigenvalues : torch.Tensor, shape (n,)
        Decreasing, float64.
    eigenvectors : torch.Tensor, shape (n, n)
        Column ``k`` belongs to ``eigenvalues[k]``, float64.

    Raises
    ------
    ValueError
        ``K`` is not square.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> vals, vecs = gk.gram_eigenvectors(torch.tensor([[2.0, 1.0], [1.0, 2.0]]), center=False)
    >>> vals.tolist()
    [3.0, 1.0]
    >>> torch.allclose(vecs[:, 0], torch.full((2,), 2 ** -0.5, dtype=torch.float64))
    True
    """
    K = torch.as_tensor(K).double()
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise ValueError(f"K must be a square (n, n) matrix, got shape {tuple(K.shape)}")
    K = 0.5 * (K + K.T)
    if center:
        K = K - K.mean()
    lam, V = torch.linalg.eigh(K)
    lam, V = lam.flip(0), V.flip(1)
    idx = V.abs().argmax(0)
    sign = torch.sign(V[idx, torch.arange(V.shape[1])])
    return lam, V * torch.where(sign == 0, torch.ones_like(sign), sign)


@validate_params(model=Instance(CommitteeMachine, what='a CommitteeMachine'), j=Integer(1), P=Integer(1), P_test=Integer(1, none_ok=True), seed=_SEED,
                 center_gram=Boolean(), label_scale=Real(0, closed='neither'))
def eigenvector_task(model: CommitteeMachine, j: int, P: int = 100, P_test: int | None = None, seed: int = 0,
                     center_gram: bool = True, label_scale: float = 1.0, device=None,
                     dtype=torch.float32) -> Task:
    r"""A task whose labels are the ``j``-th eigenvector of the initial NTK Gram matrix (paper App 8.4):
    :math:`y = s\,v_j` on ``P + P_test`` inputs :math:`x\sim\mathcal N(0, I/D)`, the first ``P`` entries
    for training, the rest for testing.

    Parameters
    ----------
    model : CommitteeMachine
        A single-run model (quadratic activation, fixed readouts); its NTK at the *initial* weights ``W0``
        defines the labels (closed form :func:`gklib.kernels.ntk_from_stats` in float64, equal to
        :func:`gklib.kernels.empirical_ntk`), so train this same model on the task.
    j : int
        Eigenvector index, ``1 <= j <= P + P_test``, in decreasing order of eigenvalue.
    P : int, default 100
        Training set size, >= 1.
    P_test : int or None, default None
        Test set size (``None``: ``P``, the paper's split of :math:`2P` points).
    seed : int, default 0
        Seeds the inputs, in [0, 2**63 - 1].
    center_gram : bool, default True
        Subtract the global mean of the Gram matrix before diagonalising.
    label_scale : float, default 1.0
        :math:`s > 0`, multiplies the unit-norm eigenvector (1: the raw eigenvector, as in the paper's code;
        :math:`\sqrt{P + P_{test}}` gives labels of unit mean square -- a richer, less lazy problem, since
        label scale is a laziness knob).
    device : str or torch.device or None, default None
        Where the tensors live; ``None``: :func:`gklib.get_device` (CUDA when available, else CPU).
    dtype : torch.dtype, default torch.float32
        Floating dtype of the tensors (the draws are made in float64 on the CPU, then cast).

    Returns
    -------
    Task
        No teacher ``beta``; ``task.meta`` holds ``j``, its ``eigenvalue`` and all ``eigenvalues`` (of the
        Gram matrix, float64 numpy).

    Raises
    ------
    ValueError
        A batched model or an unsupported one, or ``j > P + P_test``.

    Examples
    --------
    >>> import gklib as gk
    >>> model = gk.CommitteeMachine(D=5, N=10, eps=0.5)
    >>> task = gk.eigenvector_task(model, j=1, P=6, P_test=4)
    >>> task.P, task.P_test, round(float((task.y ** 2).sum() + (task.y_test ** 2).sum()), 4)   # a unit vector
    (6, 4, 1.0)
    >>> bool(task.meta["eigenvalue"] == task.meta["eigenvalues"].max())
    True
    """
    if not isinstance(model, CommitteeMachine) or model.R != 1:
        raise ValueError("model must be a single-run CommitteeMachine")
    if model.activation != "quadratic" or model.a0 is not None:
        raise ValueError("model must have the quadratic activation and fixed readouts")
    P = check_positive_int(P, "P")
    P_test = P if P_test is None else check_positive_int(P_test, "P_test")
    n = P + P_test
    j = check_positive_int(j, "j")
    if j > n:
        raise ValueError(f"j must be between 1 and P + P_test = {n}, got {j}")
    scale = check_positive(label_scale, "label_scale")
    X = gaussian_inputs(n, model.D, generator(seed))
    W0 = model.W0.to("cpu", torch.float64)
    wbar0, M0 = CommitteeMachine.summary_stats(W0)
    K = ntk_from_stats(X, None, wbar0, M0, float(model.eps[0]), prefactor=float(model.alpha[0]) ** 2 / model.N)
    lam, V = gram_eigenvectors(K.double().cpu(), center=center_gram)
    y = scale * V[:, j - 1]
    task = Task(X=X[:P], y=y[:P], X_test=X[P:], y_test=y[P:], name=f"eigenvector labels (j={j})",
                meta={"j": j, "eigenvalue": float(lam[j - 1]), "eigenvalues": lam.numpy(), "seed": seed,
                      "label_scale": scale})
    return task.to(device=get_device(device), dtype=dtype)


@validate_params(beta=Array(1), N=Integer(2), alpha=Real(0, closed='neither'), eps=Real(0, closed='neither'))
def aligned_weights(beta, N: int = 2, alpha: float = 1.0, eps: float = 0.25) -> torch.Tensor:
    r"""Hidden weights with zero population loss for :math:`y = \frac12(\beta\cdot x)^2`: half of the ``N``
    units at :math:`+\beta/\sqrt{\alpha\epsilon}`, half at :math:`-\beta/\sqrt{\alpha\epsilon}`, so
    :math:`\bar w = 0` and :math:`\alpha\epsilon M = \beta\beta^\top`.

    Parameters
    ----------
    beta : torch.Tensor, shape (D,)
        The teacher direction.
    N : int, default 2
        Width, even and >= 2 (units come in ± pairs).
    alpha : float, default 1.0
        Output scale, > 0.
    eps : float, default 0.25
        Activation coefficient, > 0.

    Returns
    -------
    torch.Tensor, shape (N, D)
        The weights, in ``beta``'s dtype.

    Raises
    ------
    ValueError
        An odd ``N``.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> gk.aligned_weights(torch.tensor([1.0, 2.0]), N=2, alpha=1.0, eps=0.25).tolist()
    [[2.0, 4.0], [-2.0, -4.0]]
    """
    N = check_positive_int(N, "N")
    if N % 2:
        raise ValueError(f"N must be even (units come in ± pairs), got {N}")
    alpha, eps = check_positive(alpha, "alpha"), check_positive(eps, "eps")
    beta = torch.as_tensor(beta)
    if beta.ndim != 1:
        raise ValueError(f"beta must be a vector (D,), got shape {tuple(beta.shape)}")
    sign = torch.tensor([1.0, -1.0], dtype=beta.dtype, device=beta.device).repeat(N // 2)
    return sign[:, None] * beta[None, :] / (alpha * eps) ** 0.5


@validate_params(task=Instance(Task, what='a gklib Task'), lambdas=Reals(0, 1), N=Integer(2), alpha=Real(0, closed='neither'),
                 eps=Real(0, closed='neither'), seed=_SEED, center=Boolean())
def interpolated_model(task, lambdas, N: int = 2, alpha: float = 1.0, eps: float = 0.25, seed: int = 0,
                       center: bool = False, device=None, dtype=torch.float32) -> CommitteeMachine:
    r"""A batched model whose run ``r`` starts at :math:`W = \lambda_r W^\star + (1-\lambda_r) W^{\rm rand}`
    (paper App 8.4.2): :math:`W^\star` from :func:`aligned_weights` (``task.beta``), :math:`W^{\rm rand}` the
    initial weights of ``CommitteeMachine(D, N, seed=seed)``. One run per λ.

    Parameters
    ----------
    task : Task
        A task with a single teacher vector ``beta`` (e.g. :func:`gklib.quadratic_task`).
    lambdas : float or sequence of float
        Interpolation weights λ in [0, 1], one run each.
    N : int, default 2
        Width, even and >= 2.
    alpha : float, default 1.0
        Output scale, > 0.
    eps : float, default 0.25
        Activation coefficient, > 0.
    seed : int, default 0
        Seed of the random part, in [0, 2**63 - 1].
    center : bool, default False
        Centre the predictor (uncentred by default, as in the paper; ``True`` would subtract the aligned part).
    device : str or torch.device or None, default None
        Where the tensors live; ``None``: :func:`gklib.get_device` (CUDA when available, else CPU).
    dtype : torch.dtype, default torch.float32
        Floating dtype of the weights.

    Returns
    -------
    CommitteeMachine
        ``R = len(lambdas)`` runs (a single run for a scalar λ).

    Raises
    ------
    ValueError
        A task without a single teacher vector.

    Examples
    --------
    >>> import gklib as gk
    >>> task = gk.quadratic_task(D=6, P=10, P_test=10)
    >>> m = gk.interpolated_model(task, [0.0, 1.0], N=2, alpha=1.0, eps=0.25)
    >>> bool(m.W[1].double().allclose(gk.aligned_weights(task.beta.double(), 2, 1.0, 0.25), atol=1e-5))
    True
    >>> float(gk.train(m, task, steps=0).test_loss[1, 0]) < 1e-8      # the aligned run starts at zero loss
    True
    """
    lam = as_param_array(lambdas, "lambdas", allow_zero=True)
    if np.any(lam > 1):
        raise ValueError(f"lambdas must lie in [0, 1], got {lam}")
    if getattr(task, "beta", None) is None or task.beta.ndim != 1:
        raise ValueError("task must have a single teacher vector beta (e.g. gk.quadratic_task)")
    W_star = aligned_weights(task.beta.double().cpu(), N, alpha, eps)
    W_rand = CommitteeMachine(task.D, N, seed=seed, dtype=torch.float64, device="cpu").W0
    lt = torch.as_tensor(lam, dtype=torch.float64)[:, None, None]
    W = (lt * W_star + (1 - lt) * W_rand).to(get_device(device), dtype)
    R = lam.size
    m = CommitteeMachine.from_weights(W, alpha=[alpha] * R, eps=[eps] * R, center=center)
    m.batched = np.ndim(lambdas) > 0
    return m
