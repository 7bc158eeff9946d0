"""Neural tangent kernels, kernel regression and kernel–target alignment.

The NTK of a model :math:`f(\\theta, x)` is :math:`K(x, x') = \\sum_p \\partial_{\\theta_p} f(x)\\,
\\partial_{\\theta_p} f(x')`. For the committee machine, with :math:`h_i = w_i\\cdot x`, the gradient is
:math:`\\nabla_{w_i} f = \\frac\\alpha N \\phi'(h_i)\\,x`, which gives the closed form (paper.md §2.2)

.. math::

    K(x, x') = \\frac{\\alpha^2}{N}\\,(x\\cdot x')\\Big[1 + \\epsilon\\,\\bar w\\cdot(x + x')
    + \\epsilon^2\\, x^\\top M x'\\Big],

a function of the summary statistics :math:`(\\bar w, M)` only. At infinite width
(:math:`\\bar w = 0`, :math:`M = I`) the bracket is :math:`K_0 = x\\cdot x' + \\epsilon^2 (x\\cdot x')^2`.
Centring (training :math:`f - f_0`) does not change the NTK: :math:`f_0` does not depend on θ.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, jacrev, vmap

from .models import CommitteeMachine
from .validation import check_positive, check_positive_int

__all__ = ["empirical_ntk", "committee_ntk", "ntk_from_stats", "initial_ntk", "kernel_regression",
           "kernel_learning_curve", "cka", "centered_kernel_alignment"]


# ---------------------------------------------------------------------------------------------
# inputs
def _as_inputs(X, name, D=None, like=None):
    X = torch.as_tensor(X)
    if like is not None:
        X = X.to(device=like.device, dtype=like.dtype)
    if X.ndim != 2 or (D is not None and X.shape[-1] != D):
        raise ValueError(f"{name} must have shape (n, {D if D is not None else 'D'}), got {tuple(X.shape)}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} must contain at least one row")
    return X


def _chunks(n, size):
    return [(i, min(i + size, n)) for i in range(0, n, size)]


# ---------------------------------------------------------------------------------------------
# empirical NTK via torch.func
def empirical_ntk(model, X1, X2=None, params=None, chunk_size: int = 128, trace_outputs: bool = False):
    """Gram matrix of the empirical NTK, :math:`K_{ab} = \\sum_p \\partial_p f(x_a)\\,\\partial_p f(x_b)`.

    The Jacobians are computed with :func:`torch.func.jacrev` (in chunks of ``chunk_size`` rows)
    and contracted over the parameters.

    Parameters
    ----------
    model : a :class:`~gklib.CommitteeMachine` (NTK w.r.t. the hidden weights ``W``; batched over
        runs) or any :class:`torch.nn.Module` mapping ``(n, ...)`` inputs to ``(n,)`` or ``(n, k)``.
    X1, X2 : inputs ``(n1, ...)``, ``(n2, ...)``; ``X2=None`` means ``X2 = X1``.
    params : committee machine: hidden weights to use instead of ``model.W`` (``(N, D)`` or
        ``(R, N, D)``). Module: a dict ``name -> tensor`` (evaluate at these values, and only
        w.r.t. them) or an iterable of parameter names; default all parameters with ``requires_grad``.
    trace_outputs : for a module with ``k > 1`` outputs, sum the ``k`` diagonal output blocks.

    Returns
    -------
    Committee machine: ``(n1, n2)``, or ``(R, n1, n2)`` for a batched model. Module: ``(n1, n2)`` for
    scalar outputs (or with ``trace_outputs``), else ``(n1, n2, k, k)``.
    """
    chunk_size = check_positive_int(chunk_size, "chunk_size")
    if isinstance(model, CommitteeMachine):
        return _committee_ntk_autodiff(model, X1, X2, params, chunk_size)
    if isinstance(model, nn.Module):
        return _module_ntk(model, X1, X2, params, chunk_size, trace_outputs)
    raise ValueError(f"model must be a CommitteeMachine or a torch.nn.Module, got {type(model).__name__}")


def _committee_ntk_autodiff(model, X1, X2, W, chunk):
    W = model._W if W is None else torch.as_tensor(W, device=model.device, dtype=model.dtype)
    W = W if W.ndim == 3 else W[None]
    if W.shape[1:] != (model.N, model.D) or W.shape[0] not in (1, model.R):
        raise ValueError(f"params must have shape ({model.N}, {model.D}) or ({model.R}, {model.N}, "
                         f"{model.D}), got {tuple(W.shape)}")
    W = W.expand(model.R, -1, -1)
    X1 = _as_inputs(X1, "X1", model.D, like=W)
    X2 = X1 if X2 is None else _as_inputs(X2, "X2", model.D, like=W)
    N = model.N

    def f(w, alpha, eps, X):                        # one run: (N, D) -> (n,)
        H = X @ w.T
        return alpha / N * (H + 0.5 * eps * H * H).sum(-1)

    jac = vmap(jacrev(f), in_dims=(0, 0, 0, None))  # -> (R, n, N, D)
    out = torch.empty(model.R, X1.shape[0], X2.shape[0], device=W.device, dtype=W.dtype)
    for a0, a1 in _chunks(X1.shape[0], chunk):
        J1 = jac(W, model.alpha, model.eps, X1[a0:a1]).flatten(2)
        for b0, b1 in _chunks(X2.shape[0], chunk):
            J2 = J1 if (X2 is X1 and b0 == a0) else jac(W, model.alpha, model.eps, X2[b0:b1]).flatten(2)
            out[:, a0:a1, b0:b1] = J1 @ J2.transpose(1, 2)
    return out if model.batched else out[0]


def _module_ntk(module, X1, X2, params, chunk, trace_outputs):
    named = dict(module.named_parameters())
    if params is None:
        params = {k: v for k, v in named.items() if v.requires_grad}
    elif not isinstance(params, dict):
        names = list(params)
        unknown = [k for k in names if k not in named]
        if unknown:
            raise ValueError(f"params names {unknown} are not parameters of the module")
        params = {k: named[k] for k in names}
    if not params:
        raise ValueError("params is empty: the module has no trainable parameters")
    params = {k: v.detach() for k, v in params.items()}
    ref = next(iter(params.values()))
    X1 = torch.as_tensor(X1).to(ref.device)
    X2 = X1 if X2 is None else torch.as_tensor(X2).to(ref.device)
    for name, X in (("X1", X1), ("X2", X2)):
        if X.ndim < 1 or X.shape[0] == 0:
            raise ValueError(f"{name} must have a leading batch axis with at least one row")

    def f(p, X):
        out = functional_call(module, p, (X,))
        return out.reshape(X.shape[0], -1)              # (n, k)

    def jac(X):                                         # (n, k, n_params)
        J = jacrev(f)(params, X)
        return torch.cat([j.reshape(X.shape[0], j.shape[1], -1) for j in J.values()], -1)

    blocks = []
    for a0, a1 in _chunks(X1.shape[0], chunk):
        J1 = jac(X1[a0:a1])
        row = []
        for b0, b1 in _chunks(X2.shape[0], chunk):
            J2 = J1 if (X2 is X1 and b0 == a0) else jac(X2[b0:b1])
            row.append(torch.einsum("akp,blp->abkl", J1, J2))
        blocks.append(torch.cat(row, 1))
    K = torch.cat(blocks, 0).detach()
    if K.shape[-1] == 1:
        return K[..., 0, 0]
    return torch.diagonal(K, dim1=-2, dim2=-1).sum(-1) if trace_outputs else K


# ---------------------------------------------------------------------------------------------
# closed forms for the committee machine
def ntk_from_stats(X1, X2, wbar, M, eps, prefactor=1.0):
    """The committee-machine NTK from summary statistics (paper.md §2.2).

    :math:`\\text{prefactor}\\cdot(x\\cdot x')[1 + \\epsilon\\,\\bar w\\cdot(x+x') + \\epsilon^2 x^\\top M x']`.
    Shapes: ``X1 (n1, D)``, ``X2 (n2, D)`` or ``None``, ``wbar (D,)`` or ``(R, D)``, ``M (D, D)`` or
    ``(R, D, D)``, ``eps`` and ``prefactor`` scalars or ``(R,)``. Returns ``(n1, n2)`` or ``(R, n1, n2)``.
    """
    wbar, M = torch.as_tensor(wbar), torch.as_tensor(M)
    single = wbar.ndim == 1
    wbar, M = (wbar[None], M[None]) if single else (wbar, M)
    if M.ndim != 3 or M.shape[-1] != M.shape[-2] or M.shape[-1] != wbar.shape[-1] or M.shape[0] != wbar.shape[0]:
        raise ValueError(f"M must have shape (D, D) matching wbar {tuple(wbar.shape)}, got {tuple(M.shape)}")
    D = wbar.shape[-1]
    X1 = _as_inputs(X1, "X1", D, like=M)
    X2 = X1 if X2 is None else _as_inputs(X2, "X2", D, like=M)
    eps = torch.as_tensor(eps, device=M.device, dtype=M.dtype).reshape(-1, 1, 1)
    pre = torch.as_tensor(prefactor, device=M.device, dtype=M.dtype).reshape(-1, 1, 1)
    G = X1 @ X2.T
    lin = (X1 @ wbar.T).T[:, :, None] + (X2 @ wbar.T).T[:, None, :]
    Q = X1 @ M @ X2.T
    K = pre * G * (1 + eps * lin + eps**2 * Q)
    return K[0] if single and K.shape[0] == 1 else K


def committee_ntk(model: CommitteeMachine, X1, X2=None, initial: bool = False, W=None):
    """Closed-form NTK of a committee machine, :math:`\\frac{\\alpha^2}N\\times` the bracket of §2.2.

    Uses the current weights (``initial=False``), the initial ones, or given ``W``. Cost
    :math:`O(n_1 n_2 D + n D^2)` instead of the :math:`O(n_1 n_2 N D)` of :func:`empirical_ntk`.
    Returns ``(n1, n2)`` or ``(R, n1, n2)`` for a batched model.
    """
    if not isinstance(model, CommitteeMachine):
        raise ValueError(f"model must be a CommitteeMachine, got {type(model).__name__}")
    if W is not None:
        W = torch.as_tensor(W, device=model.device, dtype=model.dtype)
        wbar, M = model.summary_stats(W if W.ndim == 3 else W[None])
    else:
        wbar, M = model.stats(initial=initial)
    K = ntk_from_stats(X1, X2, wbar, M, model.eps, prefactor=model.alpha**2 / model.N)
    return K if model.batched else K[0]


def initial_ntk(X1, X2=None, eps=0.02):
    """Infinite-width initial NTK bracket :math:`K_0(x,x') = x\\cdot x' + \\epsilon^2 (x\\cdot x')^2`.

    ``eps`` scalar gives ``(n1, n2)``; a 1-D sequence of ``R`` values gives ``(R, n1, n2)``.
    """
    X1 = _as_inputs(X1, "X1")
    X2 = X1 if X2 is None else _as_inputs(X2, "X2", X1.shape[-1], like=X1)
    e = np.asarray(eps, dtype=float)
    for v in np.atleast_1d(e):
        check_positive(v, "eps", allow_zero=True)
    G = X1 @ X2.T
    if e.ndim == 0:
        return G + float(e) ** 2 * G * G
    et = torch.as_tensor(e, device=G.device, dtype=G.dtype).view(-1, 1, 1)
    return G + et**2 * G * G


# ---------------------------------------------------------------------------------------------
# kernel regression
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
    check_positive(rcond, "rcond")
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
    from .config import progress

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


# ---------------------------------------------------------------------------------------------
# alignment
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
    return K, yc


def cka(K, y):
    """The paper's kernel–target alignment (paper.md §4.1), one-sided centring.

    With :math:`y_c = y - \\bar y` and :math:`K_c` = ``K`` minus its column means,

    .. math:: \\mathcal A = \\frac{y_c^\\top K_c\\, y_c}{\\|K_c\\|_F\\,\\|y_c\\|^2} .

    Since :math:`\\mathbf 1^\\top y_c = 0` the numerator equals :math:`y_c^\\top K y_c`. Invariant to the
    scale of ``K`` and ``y`` and to adding a constant to ``y``. ``K`` may carry leading batch axes
    (``(..., n, n)``; one value each). See :func:`centered_kernel_alignment` for the standard CKA.
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
    equal to 1 when ``HKH`` is a positive multiple of ``HLH``. ``K`` may be batched ``(..., n, n)``.
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
    elif L.shape != (n, n):
        raise ValueError(f"L must be an ({n}, {n}) kernel or labels with {n} rows, got {tuple(L.shape)}")

    def centre(A):
        return A - A.mean(-1, keepdim=True) - A.mean(-2, keepdim=True) + A.mean((-1, -2), keepdim=True)

    Kc, Lc = centre(K), centre(L)
    nl = Lc.norm()
    if float(nl) == 0:
        raise ValueError("L is constant after centring: the alignment is undefined")
    return (Kc * Lc).sum((-1, -2)) / (Kc.flatten(-2).norm(dim=-1) * nl)
