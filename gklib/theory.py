"""Closed forms for the toy model: the population test loss and its decomposition.

For Gaussian inputs :math:`x\\sim\\mathcal N(0, I/D)` and the quadratic target, the population
loss of :math:`f(x) = \\alpha\\,\\bar w\\cdot x + \\frac{\\alpha\\epsilon}2 x^\\top M x` is
(paper eq. 6, paper.md §3)

.. math::

    \\mathcal L = \\underbrace{\\tfrac14\\big(\\tfrac{|\\beta|^2}{D} - \\tfrac{\\alpha\\epsilon}{D}\\operatorname{Tr} M\\big)^2}_{\\text{variance}}
    + \\underbrace{\\tfrac1{2D^2}\\big\\|\\alpha\\epsilon M - \\beta\\beta^\\top\\big\\|_F^2}_{\\text{misalignment}}
    + \\underbrace{\\tfrac{\\alpha^2}{D}|\\bar w|^2}_{\\text{linear power}} .
"""
from __future__ import annotations

import torch


def decomposition_from_stats(wbar: torch.Tensor, M: torch.Tensor, beta: torch.Tensor,
                             alpha: torch.Tensor, eps: torch.Tensor) -> dict:
    """The three terms of the population loss from summary statistics.

    Shapes: ``wbar (R, D)``, ``M (R, D, D)``, ``beta (D,)``, ``alpha, eps (R,)``. For the centred
    predictor pass :math:`\\bar w - \\bar w_0` and :math:`M - M_0`. Returns a dict of ``(R,)``
    tensors ``variance``, ``misalignment``, ``linear``, ``total``.
    """
    D = beta.shape[-1]
    ae = (alpha * eps)[:, None, None]
    bb = torch.outer(beta, beta).to(M)
    trM = torch.diagonal(M, dim1=-2, dim2=-1).sum(-1)
    variance = 0.25 * (beta.to(M) @ beta.to(M) / D - (alpha * eps) * trM / D) ** 2
    misalignment = ((ae * M - bb) ** 2).sum((-1, -2)) / (2 * D**2)
    linear = alpha**2 * (wbar**2).sum(-1) / D
    return {"variance": variance, "misalignment": misalignment, "linear": linear,
            "total": variance + misalignment + linear}


def loss_decomposition(model, task) -> dict:
    """Population test loss of ``model`` on the quadratic ``task``, split into its three terms.

    Returns ``{"variance", "misalignment", "linear", "total"}`` (floats for a single run, numpy
    arrays over runs otherwise). For a centred model the decomposition is that of
    :math:`f - f_0`, i.e. it uses :math:`\\bar w - \\bar w_0` and :math:`M - M_0`.
    """
    if getattr(task, "beta", None) is None:
        raise ValueError("task has no teacher vector beta; the decomposition needs the quadratic task")
    if task.D != model.D:
        raise ValueError(f"task has D={task.D} but model has D={model.D}")
    wbar, M = model.stats()
    if model.center:
        wbar0, M0 = model.stats(initial=True)
        wbar, M = wbar - wbar0, M - M0
    terms = decomposition_from_stats(wbar, M, task.beta.to(M), model.alpha, model.eps)
    out = {k: v.detach().cpu().numpy() for k, v in terms.items()}
    return out if model.batched else {k: float(v[0]) for k, v in out.items()}
