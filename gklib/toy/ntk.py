"""The committee machine's NTK in closed form (chapter 2, "The NTK of the committee machine").

For :math:`f = \\frac\\alpha N\\sum_i a_i\\phi(w_i\\cdot x)` (:mod:`gklib.toy.model`) with
:math:`h_i = w_i\\cdot x`, the gradients are :math:`\\nabla_{w_i} f = \\frac\\alpha N a_i\\phi'(h_i)\\,x` and
:math:`\\partial_{a_i} f = \\frac\\alpha N\\phi(h_i)`, so the NTK is

.. math::

    K(x, x') = \\Big(\\frac\\alpha N\\Big)^2\\sum_{i=1}^N\\Big[a_i^2\\,\\phi'(h_i)\\phi'(h_i')\\,x\\cdot x'
    + \\phi(h_i)\\phi(h_i')\\Big],

the second term only when the readouts are trained (``readout=True``; otherwise :math:`a_i = 1`).
For the paper's model (quadratic activation, :math:`\\phi'(h) = 1 + \\epsilon h`, fixed readouts) the
sum closes on the summary statistics :math:`(\\bar w, M)`:

.. math::

    K(x, x') = \\frac{\\alpha^2}{N}\\,(x\\cdot x')\\Big[1 + \\epsilon\\,\\bar w\\cdot(x + x')
    + \\epsilon^2\\, x^\\top M x'\\Big] .

At infinite width (:math:`\\bar w = 0`, :math:`M = I`) the bracket is
:math:`K_0 = x\\cdot x' + \\epsilon^2 (x\\cdot x')^2`. Centring (training :math:`f - f_0`) does not change
the NTK: :math:`f_0` does not depend on θ. The autodiff NTK of any model is
:func:`gklib.kernels.empirical_ntk`.
"""
from __future__ import annotations

import numpy as np
import torch

from ..params import Array, Boolean, Instance, Reals, validate_params
from ..validation import as_inputs, check_positive
from .model import CommitteeMachine

__all__ = ["ntk_from_stats", "committee_ntk", "initial_ntk"]


@validate_params(X1=Array(2), X2=Array(2, none_ok=True), wbar=Array((1, 2)), M=Array((2, 3)), eps=Reals(0),
                 prefactor=Reals())
def ntk_from_stats(X1, X2, wbar, M, eps, prefactor=1.0):
    r"""The NTK of the quadratic committee machine with fixed readouts, from its summary statistics:

    .. math:: K(x, x') = \text{prefactor}\cdot(x\cdot x')\,[1 + \epsilon\,\bar w\cdot(x+x') + \epsilon^2 x^\top M x'] .

    Parameters
    ----------
    X1 : torch.Tensor, shape (n1, D)
        Inputs.
    X2 : torch.Tensor or None, shape (n2, D), default X1
        Second inputs (``None``: ``X1``).
    wbar : torch.Tensor, shape (D,) or (R, D)
        Mean weight :math:`\bar w` (per run).
    M : torch.Tensor, shape (D, D) or (R, D, D)
        Second moment :math:`M` (per run).
    eps : float or sequence of float, shape () or (R,)
        Activation coefficient, >= 0.
    prefactor : float or sequence of float, shape () or (R,), default 1.0
        The overall factor (:math:`\alpha^2/N` for a committee machine).

    Returns
    -------
    torch.Tensor, shape (n1, n2) or (R, n1, n2)
        The kernel (dtype and device of ``M``).

    Raises
    ------
    ValueError
        Shapes that do not fit.

    Examples
    --------
    >>> import torch
    >>> from gklib.toy.ntk import ntk_from_stats
    >>> X = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    >>> ntk_from_stats(X, None, torch.zeros(2), torch.eye(2), eps=1.0).tolist()   # x.x' (1 + x.x')
    [[2.0, 0.0], [0.0, 2.0]]
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


@validate_params(model=Instance(CommitteeMachine, what='a CommitteeMachine'), X1=Array(2), X2=Array(2, none_ok=True),
                 initial=Boolean(), W=Array((2, 3), none_ok=True), a=Array((1, 2), none_ok=True))
def committee_ntk(model: CommitteeMachine, X1, X2=None, initial: bool = False, W=None, a=None):
    r"""Closed-form NTK of a committee machine,
    :math:`K(x,x') = (\alpha/N)^2\sum_i[a_i^2\phi'(h_i)\phi'(h_i')\,x\cdot x' + \phi(h_i)\phi(h_i')]` (the
    :math:`\phi\phi` term with trained readouts only).

    Exact for every ``activation`` and with trained readouts (then the kernel sums over both layers,
    ``W`` and ``a``). For the quadratic activation with fixed readouts it is computed from the summary
    statistics (:func:`ntk_from_stats`, cost :math:`O(n_1 n_2 D + n D^2)`), otherwise from the per-unit
    pre-activations (:math:`O(n_1 n_2 N + n N D)`); :func:`gklib.kernels.empirical_ntk` costs
    :math:`O(n_1 n_2 N D)`.

    Parameters
    ----------
    model : CommitteeMachine
        The model (single run or ``R`` runs).
    X1 : torch.Tensor, shape (n1, D)
        Inputs.
    X2 : torch.Tensor or None, shape (n2, D), default None
        Second inputs (``None``: ``X1``).
    initial : bool, default False
        Use the initial weights (and readouts) instead of the current ones.
    W : torch.Tensor or None, shape (N, D) or (R, N, D), default None
        Hidden weights to use instead.
    a : torch.Tensor or None, shape (N,) or (R, N), default None
        Readouts to use with ``W`` (model with readouts only; default the current readouts).

    Returns
    -------
    torch.Tensor, shape (n1, n2) or (R, n1, n2)
        The kernel (a run axis for a batched model).

    Raises
    ------
    ValueError
        ``a`` given for a model without readouts, or inputs of the wrong ``D``.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> model = gk.CommitteeMachine(D=5, N=30, alpha=1.0, eps=0.3, dtype=torch.float64)
    >>> X = gk.quadratic_task(D=5, P=4, dtype=torch.float64).X
    >>> K = gk.committee_ntk(model, X)
    >>> tuple(K.shape), bool(torch.allclose(K, gk.kernels.empirical_ntk(model, X)))
    ((4, 4), True)
    """
    if not isinstance(model, CommitteeMachine):
        raise ValueError(f"model must be a CommitteeMachine, got {type(model).__name__}")
    if a is not None and model._a is None:
        raise ValueError("a (readouts) given but the model has none (readout=False)")
    if W is not None:
        W = torch.as_tensor(W, device=model.device, dtype=model.dtype)
        W = W if W.ndim == 3 else W[None]
        a = model._a if a is None else torch.as_tensor(a, device=model.device, dtype=model.dtype)
        a = a if a is None or a.ndim == 2 else a[None]
    elif initial:
        W, a = model._W0, model._a0
    else:
        W, a = model._W, model._a
    if model.activation == "quadratic" and a is None:
        wbar, M = model.summary_stats(W)
        K = ntk_from_stats(X1, X2, wbar, M, model.eps, prefactor=model.alpha**2 / model.N)
    else:
        K = _ntk_per_unit(model, X1, X2, W, a)
    return K if model.batched else K[0]


def _ntk_per_unit(model, X1, X2, W, a):
    """:math:`(\\alpha/N)^2\\sum_i[a_i^2\\phi'(h_i)\\phi'(h_i')\\,x\\cdot x' + \\phi(h_i)\\phi(h_i')]`,
    ``(R, n1, n2)``; the :math:`\\phi\\phi` term with readouts ``a`` only."""
    X1 = as_inputs(X1, "X1", model.D, like=W)
    X2 = X1 if X2 is None else as_inputs(X2, "X2", model.D, like=W)
    H1, H2 = (torch.einsum("nd,rkd->rnk", X, W) for X in (X1, X2))
    G1, G2 = model.dphi(H1), model.dphi(H2)
    if a is not None:
        G1, G2 = G1 * a[:, None, :], G2 * a[:, None, :]
    K = (G1 @ G2.transpose(1, 2)) * (X1 @ X2.T)
    if a is not None:
        K = K + model.phi(H1) @ model.phi(H2).transpose(1, 2)
    return (model.alpha / model.N)[:, None, None] ** 2 * K


@validate_params(X1=Array(2), X2=Array(2, none_ok=True), eps=Reals(0))
def initial_ntk(X1, X2=None, eps=0.02):
    r"""Infinite-width initial NTK bracket :math:`K_0(x,x') = x\cdot x' + \epsilon^2 (x\cdot x')^2` (the
    average of :func:`committee_ntk` over :math:`W_{ij}\sim\mathcal N(0,1)`, without :math:`\alpha^2`).

    Parameters
    ----------
    X1 : torch.Tensor, shape (n1, D)
        Inputs.
    X2 : torch.Tensor or None, shape (n2, D), default None
        Second inputs (``None``: ``X1``).
    eps : float or sequence of float, default 0.02
        Activation coefficient(s), >= 0; a 1-D sequence of ``R`` values gives one kernel per value.

    Returns
    -------
    torch.Tensor, shape (n1, n2) or (R, n1, n2)
        The kernel.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> X = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    >>> gk.initial_ntk(X, eps=0.5)        # x·x' + eps² (x·x')²
    tensor([[1.2500, 0.0000],
            [0.0000, 8.0000]])
    >>> tuple(gk.initial_ntk(X, eps=[0.0, 0.5]).shape)
    (2, 2, 2)
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
