"""Kernel regression and kernel–target alignment.

Kernel (ridge) regression predicts :math:`f(x) = k(x)^\\top (K + \\lambda I)^{+} y` from the Gram matrix
:math:`K` of the training inputs; its learning curve against the sample size :math:`P` is what chapter 2
compares with the Mercer theory (:mod:`gklib.kernels.spectrum`). The alignment :math:`\\mathcal A(K, y)`
measures how much of the labels lies along the kernel's top directions (chapter 2, §“Kernel–target alignment”).
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from ..frontend import progress
from ..params import Array, Boolean, Instance, Real, validate_params
from ..validation import check_positive_int

__all__ = ["kernel_regression", "kernel_learning_curve", "cka", "centered_kernel_alignment"]


@validate_params(K_train=Array(min_size=1), y=Array(), K_test=Array(none_ok=True), ridge=Real(0),
                 rcond=Real(0, closed="neither"))
def kernel_regression(K_train, y, K_test=None, ridge: float = 0.0, rcond: float = 1e-12):
    """Kernel (ridge) regression :math:`f(x) = k(x)^\\top (K + \\lambda I)^{+} y`.

    ``ridge=0`` is the minimum-norm interpolant (eigenvalues below ``rcond`` times the largest are
    dropped), so it fits the training labels exactly whenever ``P <= rank K``. Computed in float64.

    Parameters
    ----------
    K_train : torch.Tensor, shape (..., P, P)
        Gram matrix of the training points (leading batch axes allowed), finite; symmetrised.
    y : torch.Tensor, shape (..., P) or (..., P, c)
        Training labels (``c`` targets solved at once), finite.
    K_test : torch.Tensor or None, shape (..., n, P), default None
        Kernel between test points (rows) and training points (columns); ``None``: predict on the training
        points.
    ridge : float, default 0.0
        :math:`\\lambda >= 0` added to the eigenvalues of ``K_train``.
    rcond : float, default 1e-12
        Relative cut-off (> 0) below which eigenvalues are dropped.

    Returns
    -------
    torch.Tensor, shape (..., n) or (..., n, c)
        Predictions (dtype of ``K_train``).

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (NaN entries in ``K_train`` or ``y``, ``ridge < 0``, ...).
    ValueError
        Shapes that do not fit (``K_train`` not square, ``y`` or ``K_test`` not matching ``P``).

    Examples
    --------
    With ``K = I`` and no ridge the interpolant returns the labels; a ridge shrinks them by
    :math:`1/(1+\\lambda)`:

    >>> import torch
    >>> from gklib.kernels import kernel_regression
    >>> K, y = torch.eye(3, dtype=torch.float64), torch.tensor([1.0, -2.0, 4.0], dtype=torch.float64)
    >>> kernel_regression(K, y).tolist(), kernel_regression(K, y, ridge=1.0).tolist()
    ([1.0, -2.0, 4.0], [0.5, -1.0, 2.0])
    """
    ridge, rcond = float(ridge), float(rcond)
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


@validate_params(kernel=Instance(Callable, what="a callable kernel(X1, X2)"), X=Array(), Y=Array(), X_test=Array(),
                 Y_test=Array(), Ps=Array((0, 1)), ridge=Real(0), progress_bar=Boolean(none_ok=True))
def kernel_learning_curve(kernel, X, Y, X_test, Y_test, Ps, ridge: float = 0.0, progress_bar=None):
    """Test MSE of kernel regression (:func:`kernel_regression`) on nested training sets ``X[:P]`` for each
    ``P`` in ``Ps``.

    The Gram matrices are computed once on ``X[:max(Ps)]`` and sliced.

    Parameters
    ----------
    kernel : callable
        ``kernel(X1, X2)`` returns the ``(n1, n2)`` Gram matrix.
    X : torch.Tensor, shape (P_max, ...)
        Training inputs (at least ``max(Ps)`` rows).
    Y : torch.Tensor, shape (P_max,) or (P_max, c)
        Training labels (several targets share every solve: e.g. the parts of a decomposed target).
    X_test : torch.Tensor, shape (n, ...)
        Test inputs.
    Y_test : torch.Tensor, shape (n,) or (n, c)
        Test labels, shaped like ``Y``.
    Ps : int or sequence of int
        Training-set sizes, each >= 1 and <= ``len(X)``.
    ridge : float, default 0.0
        Ridge :math:`\\lambda >= 0` of :func:`kernel_regression`.
    progress_bar : bool or None, default None
        Show a progress bar (``None``: :func:`gklib.frontend.progress_enabled` decides).

    Returns
    -------
    numpy.ndarray, shape (len(Ps),) or (len(Ps), c)
        The test MSE per ``P`` (and per target).

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint.
    ValueError
        A ``P`` that is not a positive integer or exceeds ``len(X)``; labels with the wrong number of rows.

    Examples
    --------
    A linear kernel learns a linear target in one dimension from one point:

    >>> import torch
    >>> from gklib.kernels import kernel_learning_curve
    >>> X = torch.tensor([[1.0], [2.0], [3.0]], dtype=torch.float64)
    >>> mse = kernel_learning_curve(lambda A, B: A @ B.T, X, 2 * X[:, 0], X, 2 * X[:, 0], [1, 3],
    ...                             progress_bar=False)
    >>> mse.round(12).tolist()
    [0.0, 0.0]
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


@validate_params(K=Array(), y=Array(1))
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

    Invariant to the scale of ``K`` and ``y`` and to adding a constant to ``y``.

    Parameters
    ----------
    K : torch.Tensor, shape (..., n, n)
        Kernel (leading batch axes allowed: one value each), finite, not constant along its columns.
    y : torch.Tensor, shape (n,)
        Labels, finite, not constant.

    Returns
    -------
    torch.Tensor, shape (...)
        The alignment, in [-1, 1].

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (NaN entries, ``y`` not 1-D, ...).
    ValueError
        Shapes that do not fit, or an undefined alignment (constant ``y``, column-constant ``K``).

    Examples
    --------
    The kernel :math:`yy^\\top` is perfectly aligned with ``y``; adding a constant to every column changes
    ``cka`` but not the standard CKA:

    >>> import torch
    >>> from gklib.kernels import centered_kernel_alignment, cka
    >>> y = torch.tensor([1.0, -1.0, 2.0], dtype=torch.float64)
    >>> yc = y - y.mean()
    >>> round(float(cka(torch.outer(yc, yc), y)), 12)
    1.0
    >>> K = torch.outer(yc, yc) + torch.tensor([[0.0], [0.0], [3.0]], dtype=torch.float64)   # + c 1^T
    >>> round(float(cka(K, y)), 4), round(float(centered_kernel_alignment(K, y)), 12)
    (0.7399, 1.0)
    """
    K, yc = _check_pair(K, y)
    Kc = K - K.mean(-2, keepdim=True)
    num = torch.einsum("i,...ij,j->...", yc, K, yc)
    return num / (Kc.flatten(-2).norm(dim=-1) * (yc @ yc))


@validate_params(K=Array(), L=Array())
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

    Parameters
    ----------
    K : torch.Tensor, shape (..., n, n)
        Kernel, finite.
    L : torch.Tensor, shape (..., n, n) or (n,) or (n, k)
        Second kernel, or labels (:math:`L = yy^\\top`), finite.

    Returns
    -------
    torch.Tensor, shape (...)
        The CKA, in [-1, 1].

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (NaN entries, ...).
    ValueError
        Shapes that do not fit, or ``L`` constant after centring.

    Examples
    --------
    >>> import torch
    >>> from gklib.kernels import centered_kernel_alignment
    >>> X = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], dtype=torch.float64)
    >>> K = X @ X.T
    >>> round(float(centered_kernel_alignment(K, 3 * K)), 12)       # scale-free
    1.0
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
