"""Kernel regression and kernel–target alignment.

Kernel (ridge) regression predicts :math:`f(x) = k(x)^\\top (K + \\lambda I)^{+} y` from the Gram matrix
:math:`K` of the training inputs; its learning curve against the sample size :math:`P` is what chapter 2
compares with the Mercer theory (:mod:`gklib.kernels.spectrum`). The alignment :math:`\\mathcal A(K, y)`
measures how much of the labels lies along the kernel's top directions (chapter 2, §“Kernel–target alignment”).
"""
from __future__ import annotations

import numpy as np
import torch

from ..frontend import progress
from ..validation import check_positive, check_positive_int

__all__ = ["kernel_regression", "kernel_learning_curve", "cka", "centered_kernel_alignment"]


def kernel_regression(K_train, y, K_test=None, ridge: float = 0.0, rcond: float = 1e-12):
    """Kernel (ridge) regression :math:`f(x) = k(x)^\\top (K + \\lambda I)^{+} y`.

    ``K_train`` is ``(..., P, P)`` (a leading batch axis is allowed), ``y`` is ``(..., P)`` or
    ``(..., P, c)`` (``c`` targets solved at once), ``K_test`` is ``(..., n, P)``: rows are test
    points, columns training points. ``ridge=0`` is the minimum-norm interpolant (eigenvalues below
    ``rcond`` times the largest are dropped), so it fits the training labels exactly whenever
    ``P <= rank K``. Computed in float64; returns predictions on the test points (``(..., n[, c])``),
    or on the training points when ``K_test`` is ``None``.
    """
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    rcond = check_positive(rcond, "rcond")
    K = torch.as_tensor(K_train)
    if K.ndim < 2 or K.shape[-1] != K.shape[-2]:
        raise ValueError(f"K_train must be square (..., P, P), got {tuple(K.shape)}")
    P = K.shape[-1]
    y = torch.as_tensor(y, device=K.device)
    vec = y.shape[-1:] == (P,) and (y.ndim == K.ndim - 1)
    Y = y[..., None] if vec else y
    if Y.ndim < 2 or Y.shape[-2] != P:
        raise ValueError(f"y must have {P} rows (one label per training point), got shape {tuple(y.shape)}")
    Kt = K if K_test is None else torch.as_tensor(K_test, device=K.device)
    if Kt.shape[-1] != P:
        raise ValueError(f"K_test must have {P} columns (training points), got shape {tuple(Kt.shape)}")
    out_dtype = K.dtype
    K64, Y64 = K.double(), Y.double()
    K64 = 0.5 * (K64 + K64.transpose(-1, -2))
    s, U = torch.linalg.eigh(K64)
    s = s + ridge
    keep = s > rcond * s.abs().amax(-1, keepdim=True)
    inv = torch.where(keep, 1.0 / torch.where(keep, s, torch.ones_like(s)), torch.zeros_like(s))
    coef = U @ (inv[..., None] * (U.transpose(-1, -2) @ Y64))
    pred = (Kt.double() @ coef).to(out_dtype)
    return pred[..., 0] if vec else pred


def kernel_learning_curve(kernel, X, Y, X_test, Y_test, Ps, ridge: float = 0.0, progress_bar=None):
    """Test MSE of kernel regression on nested training sets ``X[:P]`` for each ``P`` in ``Ps``.

    ``kernel(X1, X2)`` returns the ``(n1, n2)`` Gram matrix. ``Y`` is ``(P_max,)`` or ``(P_max, c)``
    (several targets share every solve: e.g. the parts of a decomposed target), ``Y_test`` matches
    on the test set. The Gram matrices are computed once on ``X[:max(Ps)]`` and sliced.
    Returns a numpy array ``(len(Ps),)`` or ``(len(Ps), c)``.
    """
    Ps = [check_positive_int(p, "Ps") for p in np.atleast_1d(Ps)]
    X, X_test = torch.as_tensor(X), torch.as_tensor(X_test)
    if max(Ps) > X.shape[0]:
        raise ValueError(f"Ps go up to {max(Ps)} but X has only {X.shape[0]} rows")
    Y, Y_test = torch.as_tensor(Y), torch.as_tensor(Y_test)
    if Y.shape[0] != X.shape[0] or Y_test.shape[0] != X_test.shape[0]:
        raise ValueError("Y and Y_test must have one row per row of X and X_test")
    Pm = max(Ps)
    K = kernel(X[:Pm], X[:Pm]).double()
    Kt = kernel(X_test, X[:Pm]).double()
    out = []
    bar = progress(len(Ps), desc="kernel learning curve", enabled=progress_bar)
    for P in Ps:
        pred = kernel_regression(K[:P, :P], Y[:P].double(), Kt[:, :P], ridge=ridge)
        out.append(((pred - Y_test.double()) ** 2).mean(0).cpu().numpy())
        bar.update(1)
    bar.close()
    return np.array(out)



def _check_pair(K, y):
    K = torch.as_tensor(K)
    y = torch.as_tensor(y, device=K.device)
    if K.ndim < 2 or K.shape[-1] != K.shape[-2]:
        raise ValueError(f"K must be square (..., n, n), got {tuple(K.shape)}")
    if y.ndim != 1 or y.shape[0] != K.shape[-1]:
        raise ValueError(f"y must have shape ({K.shape[-1]},), got {tuple(y.shape)}")
    y = y.to(K.dtype)
    yc = y - y.mean()
    if float(yc.norm()) == 0:
        raise ValueError("y is constant: the alignment is undefined")
    if not bool(torch.isfinite(K).all()) or not bool(torch.isfinite(yc).all()):
        raise ValueError("K and y must be finite")
    if bool(((K - K.mean(-2, keepdim=True)).flatten(-2).norm(dim=-1) == 0).any()):
        raise ValueError("K is constant along its columns (e.g. all zeros): the alignment is undefined")
    return K, yc


def cka(K, y):
    """The paper's kernel–target alignment (chapter 2, §“Kernel–target alignment”), one-sided centring.

    **Not** the standard centred kernel alignment (CKA, :func:`centered_kernel_alignment`), despite the
    name (kept as the public ``gk.cka``). With :math:`y_c = y - \\bar y` and :math:`K_c` = ``K`` minus its
    column means (:math:`K_c = HK`, :math:`H = I - \\tfrac1n\\mathbf 1\\mathbf 1^\\top`, centred on one side
    only), it computes

    .. math:: \\mathcal A(K, y) = \\frac{y_c^\\top K_c\\, y_c}{\\|K_c\\|_F\\,\\|y_c\\|^2}
              = \\frac{y_c^\\top K y_c}{\\|HK\\|_F\\,\\|y_c\\|^2} .

    How it differs from :func:`centered_kernel_alignment` ``(K, y)``, i.e. CKA with :math:`L = yy^\\top`,
    :math:`\\langle HKH, Hyy^\\top H\\rangle_F / (\\|HKH\\|_F\\|y_c\\|^2)`: the numerators are equal
    (:math:`\\mathbf 1^\\top y_c = 0`), only the denominator differs, :math:`\\|HK\\|_F` here against
    :math:`\\|HKH\\|_F` there. Since :math:`\\|HKH\\|_F \\le \\|HK\\|_F`, :math:`|\\mathcal A| \\le
    |\\mathrm{CKA}|`, with equality when the row means of :math:`HK` vanish (e.g. a kernel whose rows all
    have the same mean). Adding :math:`\\mathbf 1 c^\\top` to ``K`` (one row added to every row) changes
    neither; adding :math:`c\\mathbf 1^\\top` changes ``cka`` but not the CKA. ``cka`` takes labels only; the CKA also compares two kernels.

    Invariant to the scale of ``K`` and ``y`` and to adding a constant to ``y``. ``K`` may carry leading
    batch axes (``(..., n, n)``; one value each).
    """
    K, yc = _check_pair(K, y)
    Kc = K - K.mean(-2, keepdim=True)
    num = torch.einsum("i,...ij,j->...", yc, K, yc)
    return num / (Kc.flatten(-2).norm(dim=-1) * (yc @ yc))


def centered_kernel_alignment(K, L):
    """Standard centred kernel alignment (Cortes, Mohri & Rostamizadeh 2012).

    .. math:: \\text{CKA}(K, L) = \\frac{\\langle HKH, HLH\\rangle_F}{\\|HKH\\|_F\\,\\|HLH\\|_F},
              \\qquad H = I - \\tfrac1n \\mathbf 1\\mathbf 1^\\top .

    ``L`` is a second ``(n, n)`` kernel, or labels ``(n,)`` / ``(n, k)`` meaning :math:`L = yy^\\top`
    (then the numerator is :math:`\\|H y\\|`-weighted exactly as in :func:`cka`, only the
    denominator differs: :math:`\\|HKH\\|_F` instead of :math:`\\|K_c\\|_F`). In :math:`[-1, 1]`,
    equal to 1 when ``HKH`` is a positive multiple of ``HLH``. ``K`` may be batched ``(..., n, n)``, and
    so may a kernel ``L`` (the batch axes broadcast; one value each). :func:`gklib.nets.kernel_distance`
    is one minus this.
    """
    K = torch.as_tensor(K)
    if K.ndim < 2 or K.shape[-1] != K.shape[-2]:
        raise ValueError(f"K must be square (..., n, n), got {tuple(K.shape)}")
    n = K.shape[-1]
    L = torch.as_tensor(L, device=K.device).to(K.dtype)
    if L.ndim == 1 or (L.ndim == 2 and L.shape != (n, n)):
        if L.shape[0] != n:
            raise ValueError(f"L (labels) must have {n} rows, got shape {tuple(L.shape)}")
        Yc = (L if L.ndim == 2 else L[:, None]) - L.mean(0)
        L = Yc @ Yc.T
    elif L.shape[-2:] != (n, n):
        raise ValueError(f"L must be an ({n}, {n}) kernel or labels with {n} rows, got {tuple(L.shape)}")

    def centre(A):
        return A - A.mean(-1, keepdim=True) - A.mean(-2, keepdim=True) + A.mean((-1, -2), keepdim=True)

    Kc, Lc = centre(K), centre(L)
    nl = Lc.flatten(-2).norm(dim=-1)
    if bool((nl == 0).any()):
        raise ValueError("L is constant after centring: the alignment is undefined")
    return (Kc * Lc).sum((-1, -2)) / (Kc.flatten(-2).norm(dim=-1) * nl)
