"""The committee machine's NTK in closed form.

For :math:`f = \\frac\\alpha N\\sum_i\\phi(w_i\\cdot x)` with :math:`h_i = w_i\\cdot x`, the gradient is
:math:`\\nabla_{w_i} f = \\frac\\alpha N \\phi'(h_i)\\,x`, which gives (paper.md §2.2)

.. math::

    K(x, x') = \\frac{\\alpha^2}{N}\\,(x\\cdot x')\\Big[1 + \\epsilon\\,\\bar w\\cdot(x + x')
    + \\epsilon^2\\, x^\\top M x'\\Big],

a function of the summary statistics :math:`(\\bar w, M)` only. At infinite width
(:math:`\\bar w = 0`, :math:`M = I`) the bracket is :math:`K_0 = x\\cdot x' + \\epsilon^2 (x\\cdot x')^2`.
Centring (training :math:`f - f_0`) does not change the NTK: :math:`f_0` does not depend on θ.
The autodiff NTK of any model is :func:`gklib.kernels.empirical_ntk`.
"""
from __future__ import annotations

import numpy as np
import torch

from ..validation import as_inputs, check_positive
from .model import CommitteeMachine

__all__ = ["ntk_from_stats", "committee_ntk", "initial_ntk"]


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
    X1 = as_inputs(X1, "X1", D, like=M)
    X2 = X1 if X2 is None else as_inputs(X2, "X2", D, like=M)
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
    X1 = as_inputs(X1, "X1")
    X2 = X1 if X2 is None else as_inputs(X2, "X2", X1.shape[-1], like=X1)
    e = np.asarray(eps, dtype=float)
    for v in np.atleast_1d(e):
        check_positive(v, "eps", allow_zero=True)
    G = X1 @ X2.T
    if e.ndim == 0:
        return G + float(e) ** 2 * G * G
    et = torch.as_tensor(e, device=G.device, dtype=G.dtype).view(-1, 1, 1)
    return G + et**2 * G * G
