"""Closed forms for the toy model: the population test loss and its decomposition.

For Gaussian inputs :math:`x\\sim\\mathcal N(0, I/D)` and the quadratic target, the population
loss of :math:`f(x) = \\alpha\\,\\bar w\\cdot x + \\frac{\\alpha\\epsilon}2 x^\\top M x` is
(paper v3 eq. 6 = v1 eq. 22; chapter 3, §“Where the test loss sits”)

.. math::

    \\mathcal L = \\underbrace{\\tfrac14\\big(\\tfrac{|\\beta|^2}{D} - \\tfrac{\\alpha\\epsilon}{D}\\operatorname{Tr} M\\big)^2}_{\\text{variance}}
    + \\underbrace{\\tfrac1{2D^2}\\big\\|\\alpha\\epsilon M - \\beta\\beta^\\top\\big\\|_F^2}_{\\text{misalignment}}
    + \\underbrace{\\tfrac{\\alpha^2}{D}|\\bar w|^2}_{\\text{linear power}} .
"""
from __future__ import annotations

import torch

from ..data import Task
from ..params import Array, Instance, validate_params
from .model import CommitteeMachine

__all__ = ["decomposition_from_stats", "loss_decomposition"]


@validate_params(wbar=Array(2, finite=False), M=Array(3, finite=False), T=Array((1, 2)), alpha=Array(1), eps=Array(1))
def decomposition_from_stats(wbar: torch.Tensor, M: torch.Tensor, T: torch.Tensor,
                             alpha: torch.Tensor, eps: torch.Tensor) -> dict:
    """The three terms of the population loss from summary statistics.

    With :math:`A = \\frac{\\alpha\\epsilon}2 M - \\frac12 T`,
    :math:`\\mathcal L = (\\operatorname{Tr}A)^2/D^2 + 2\\operatorname{Tr}A^2/D^2 + \\alpha^2|\\bar w|^2/D`.
    For the centred predictor pass :math:`\\bar w - \\bar w_0` and :math:`M - M_0`.

    Parameters
    ----------
    wbar : torch.Tensor, shape (R, D)
        Mean weight :math:`\\bar w` per run (a diverged run's non-finite statistics give non-finite terms,
        which the trainer's divergence watch reads).
    M : torch.Tensor, shape (R, D, D)
        Second moment :math:`M` per run.
    T : torch.Tensor, shape (D, D) or (D,)
        The quadratic form of the target :math:`y = \\tfrac12 x^\\top T x`
        (:math:`T = \\beta\\beta^\\top` for the paper's task; a ``(D,)`` vector is taken as :math:`\\beta`).
    alpha, eps : torch.Tensor, shape (R,)
        Output scale and activation coefficient per run.

    Returns
    -------
    dict of torch.Tensor, shape (R,)
        ``variance``, ``misalignment``, ``linear``, ``total``.

    Examples
    --------
    A student that already holds the teacher's quadratic form (:math:`\\alpha\\epsilon M = \\beta\\beta^\\top`)
    and no linear part has zero loss:

    >>> import torch
    >>> from gklib.toy.theory import decomposition_from_stats
    >>> beta = torch.tensor([1.0, 2.0])
    >>> out = decomposition_from_stats(torch.zeros(1, 2), torch.outer(beta, beta)[None] / 0.5, beta,
    ...                                torch.tensor([1.0]), torch.tensor([0.5]))
    >>> [round(float(v), 6) for v in out.values()]
    [0.0, 0.0, 0.0, 0.0]
    """
    wbar, M, T = torch.as_tensor(wbar), torch.as_tensor(M), torch.as_tensor(T)
    alpha, eps = torch.as_tensor(alpha), torch.as_tensor(eps)
    T = T.to(M)
    T = torch.outer(T, T) if T.ndim == 1 else T
    D = T.shape[-1]
    ae = (alpha * eps)[:, None, None]
    trM = torch.diagonal(M, dim1=-2, dim2=-1).sum(-1)
    variance = 0.25 * (torch.trace(T) / D - (alpha * eps) * trM / D) ** 2
    misalignment = ((ae * M - T) ** 2).sum((-1, -2)) / (2 * D**2)
    linear = alpha**2 * (wbar**2).sum(-1) / D
    return {"variance": variance, "misalignment": misalignment, "linear": linear,
            "total": variance + misalignment + linear}


@validate_params(model=Instance(CommitteeMachine, what="a CommitteeMachine"), task=Instance(Task, what="a gklib Task"))
def loss_decomposition(model, task) -> dict:
    """Population test loss of ``model`` on the quadratic ``task``, split into its three terms
    (:func:`decomposition_from_stats`).

    For a centred model the decomposition is that of :math:`f - f_0`, i.e. it uses
    :math:`\\bar w - \\bar w_0` and :math:`M - M_0`; with trained readouts :math:`a`,
    :math:`\\bar w = \\frac1N\\sum_i a_iw_i`, :math:`M = \\frac1N\\sum_i a_iw_iw_i^\\top`
    (paper v3 eqs. 21–23).

    Parameters
    ----------
    model : CommitteeMachine
        The network (quadratic activation), single or batched.
    task : Task
        A quadratic task (``task.quad_form`` set) of the model's D.

    Returns
    -------
    dict
        ``{"variance", "misalignment", "linear", "total"}``: floats for a single run, numpy arrays over
        runs otherwise.

    Raises
    ------
    ValueError
        A task without a quadratic form, another activation, or a D that does not fit.

    Examples
    --------
    The total is the population loss, which a large test set estimates:

    >>> import gklib as gk
    >>> from gklib.toy.theory import loss_decomposition
    >>> task = gk.quadratic_task(D=5, P=10, P_test=200_000, seed=0, dtype=torch.float64)
    >>> m = gk.CommitteeMachine(5, 8, alpha=1.0, eps=0.3, seed=1, center=False, dtype=torch.float64)
    >>> terms = loss_decomposition(m, task)
    >>> mc = float(((m(task.X_test) - task.y_test) ** 2).mean())
    >>> abs(terms["total"] - mc) / mc < 0.02
    True
    """
    if getattr(task, "quad_form", None) is None:
        raise ValueError("the decomposition needs a quadratic target (task.quad_form), "
                         f"task {task.name!r} has none")
    if model.activation != "quadratic":
        raise ValueError(f"the decomposition holds for the quadratic activation, not {model.activation!r}")
    if task.D != model.D:
        raise ValueError(f"task has D={task.D} but model has D={model.D}")
    wbar, M = model.stats()
    if model.center:
        wbar0, M0 = model.stats(initial=True)
        wbar, M = wbar - wbar0, M - M0
    terms = decomposition_from_stats(wbar, M, task.quad_form, model.alpha, model.eps)
    out = {k: v.detach().cpu().numpy() for k, v in terms.items()}
    return out if model.batched else {k: float(v[0]) for k, v in out.items()}
