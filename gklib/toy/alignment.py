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
    """Eigenvalues (decreasing) and orthonormal eigenvectors (columns) of a symmetric Gram matrix.

    ``center=True`` first subtracts the global mean :math:`\\frac1{n^2}\\sum_{ab}K_{ab}` of all entries
    (the paper's "globally mean-subtracted" Gram). Each eigenvector's sign is fixed so that its
    largest-magnitude entry is positive (a deterministic choice). Computed in float64.
    Returns ``(eigenvalues (n,), eigenvectors (n, n))`` as float64 tensors.

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
    """Labels = the ``j``-th eigenvector of the initial NTK Gram matrix (paper App 8.4).

    Parameters
    ----------
    model : a single-run :class:`~gklib.CommitteeMachine` (quadratic activation); its NTK at the
        *initial* weights ``W0`` defines the labels (closed form :func:`gklib.kernels.ntk_from_stats`
        in float64, equal to :func:`gklib.kernels.empirical_ntk`), so train this same model on the task.
    j : eigenvector index, ``1 <= j <= P + P_test``, in decreasing order of eigenvalue.
    P, P_test : training and test set sizes (``P_test`` defaults to ``P``, the paper's split of
        :math:`2P` points).
    seed : seeds the inputs :math:`x\\sim\\mathcal N(0, I/D)`.
    center_gram : subtract the global mean of the Gram matrix before diagonalising.
    label_scale : multiplies the unit-norm eigenvector (default 1, the raw eigenvector as in the
        paper's code; :math:`\\sqrt{P + P_{test}}` gives labels of unit mean square — a richer,
        less lazy problem, since label scale is a laziness knob).

    Returns a :class:`~gklib.Task` (no teacher ``beta``); ``task.meta`` holds ``j``, the
    eigenvalue ``eigenvalue`` and all ``eigenvalues`` (of the Gram matrix, float64 numpy).
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
    """Hidden weights with zero population loss for :math:`y = \\frac12(\\beta\\cdot x)^2`:
    half of the ``N`` (even) units at :math:`+\\beta/\\sqrt{\\alpha\\epsilon}`, half at
    :math:`-\\beta/\\sqrt{\\alpha\\epsilon}`, so :math:`\\bar w = 0` and
    :math:`\\alpha\\epsilon M = \\beta\\beta^\\top`. Returns ``(N, D)`` in ``beta``'s dtype."""
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
    """A batched model whose run ``r`` starts at :math:`W = \\lambda_r W^\\star + (1-\\lambda_r) W^{\\rm rand}`
    (paper App 8.4.2): :math:`W^\\star` from :func:`aligned_weights` (``task.beta``), :math:`W^{\\rm rand}`
    the initial weights of ``CommitteeMachine(D, N, seed=seed)``. Uncentred by default, as in the paper
    (``center=True`` would subtract the aligned part from the predictor). One run per λ."""
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
