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


def decomposition_from_stats(wbar: torch.Tensor, M: torch.Tensor, T: torch.Tensor,
                             alpha: torch.Tensor, eps: torch.Tensor) -> dict:
    """The three terms of the population loss from summary statistics.

    Shapes: ``wbar (R, D)``, ``M (R, D, D)``, ``alpha, eps (R,)``; ``T (D, D)`` is the quadratic form
    of the target :math:`y = \\tfrac12 x^\\top T x` (:math:`T = \\beta\\beta^\\top` for the paper's
    task; a ``(D,)`` vector is taken as :math:`\\beta`). With :math:`A = \\frac{\\alpha\\epsilon}2 M - \\frac12 T`,
    :math:`\\mathcal L = (\\operatorname{Tr}A)^2/D^2 + 2\\operatorname{Tr}A^2/D^2 + \\alpha^2|\\bar w|^2/D`.
    For the centred predictor pass :math:`\\bar w - \\bar w_0` and :math:`M - M_0`. Returns a dict
    of ``(R,)`` tensors ``variance``, ``misalignment``, ``linear``, ``total``.
    """
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


def loss_decomposition(model, task) -> dict:
    """Population test loss of ``model`` on the quadratic ``task``, split into its three terms.

    Returns ``{"variance", "misalignment", "linear", "total"}`` (floats for a single run, numpy
    arrays over runs otherwise). For a centred model the decomposition is that of
    :math:`f - f_0`, i.e. it uses :math:`\\bar w - \\bar w_0` and :math:`M - M_0`; with trained
    readouts :math:`a`, :math:`\\bar w = \\frac1N\\sum_i a_iw_i`, :math:`M = \\frac1N\\sum_i a_iw_iw_i^\\top`
    (paper v3 eqs. 21–23).
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
