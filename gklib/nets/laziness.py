"""Networks against their linearisations, and how lazy a trained model was (chapter 1).

The first-order Taylor model of a network around its initial parameters :math:`\\theta_0`
(:func:`gklib.nets.wrappers.linearize`) trained by gradient descent is kernel gradient descent with
the initial NTK :math:`K_0 = J_0 J_0^\\top`. With Chizat's output scale
(:class:`gklib.nets.wrappers.OutputScaled`) the network approaches its linearisation as α grows.

- :func:`net_vs_linear`: train a module and its linearisation alike (:func:`gklib.nets.trainer.fit`);
- :func:`relative_weight_change` :math:`\\|\\theta-\\theta_0\\|/\\|\\theta_0\\|` and
  :func:`relative_ntk_change` :math:`\\|K_t-K_0\\|_F/\\|K_0\\|_F`, for networks and the committee machine;
- :func:`feature_kernel_change` and :func:`ntk_change`: the same questions asked *during* training, as
  series that :func:`gklib.nets.trainer.fit` logs for every run of a sweep (its ``track`` argument);
- :func:`kernel_distance`: :math:`1-\\mathrm{CKA}(K, L)`, a scale-free distance between two kernels.
"""
from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from ..kernels.ntk import empirical_ntk
from ..kernels.regression import centered_kernel_alignment
from ..metrics import prediction_distance
from ..toy.model import CommitteeMachine
from ..toy.ntk import committee_ntk
from .trainer import fit
from .wrappers import Anchored, linearize

__all__ = ["net_vs_linear", "relative_weight_change", "relative_ntk_change", "kernel_distance",
           "feature_kernel_change", "ntk_change"]


def net_vs_linear(module: nn.Module, X, y, X_test, y_test, *, steps: int, lr: float, probe=None,
                  **fit_kw) -> dict:
    r"""Train ``module`` and its linearisation identically with :func:`gklib.nets.trainer.fit`
    (uncentred, α = 1: the module carries its own output scale); ``module`` is not modified.

    Returns a dict: ``net``, ``lin`` (:class:`~gklib.History`), ``relative_weight_change`` and
    ``relative_ntk_change`` of the trained net (the NTK on ``probe``, default the first 50 test
    points; needs an :class:`~gklib.nets.wrappers.OutputScaled` module), ``distance``: RMS distance
    of the two final test predictions divided by the RMS of ``y_test``, and ``gap``: the largest
    :math:`|\log(\mathcal L^{\rm net}_{\rm test}/\mathcal L^{\rm lin}_{\rm test})|` along training.
    """
    kw = dict(steps=steps, lr=lr, center=False, **fit_kw)
    data = (X, y, X_test, y_test)
    res_lin, res_net = fit(linearize(copy.deepcopy(module)), data, **kw), fit(module, data, **kw)
    net, lin = res_net.module(0), res_lin.module(0)
    with torch.no_grad():
        fn, fl = net(X_test).reshape(y_test.shape), lin(X_test).reshape(y_test.shape)
    dist = prediction_distance(fn.flatten(), fl.flatten()) / float(y_test.double().pow(2).mean().sqrt())
    h_net, h_lin = res_net, res_lin
    out = {"net": h_net, "lin": h_lin, "distance": dist,
           "gap": float(np.nanmax(np.abs(np.log(h_net.test_loss / h_lin.test_loss)))),
           "relative_weight_change": relative_weight_change(net) if isinstance(net, Anchored) else np.nan}
    if isinstance(net, Anchored):
        out["relative_ntk_change"] = relative_ntk_change(net, X_test[:50] if probe is None else probe)
    return out


def relative_weight_change(model):
    """:math:`\\|\\theta - \\theta_0\\| / \\|\\theta_0\\|`.

    ``model``: a :class:`~gklib.CommitteeMachine` (per run: a float or an ``(R,)`` array), an
    :class:`~gklib.nets.wrappers.OutputScaled` / :class:`~gklib.nets.wrappers.Linearized` (θ₀ = their
    stored initial parameters), or a pair
    ``(params, params0)`` of tensor lists.
    """
    if isinstance(model, CommitteeMachine):
        d = (model._W - model._W0).flatten(1).norm(dim=1) / model._W0.flatten(1).norm(dim=1)
        d = d.detach().cpu().numpy()
        return d if model.batched else float(d[0])
    if isinstance(model, Anchored):
        now, ref = list(model.theta().values()), list(model.theta0().values())
    elif isinstance(model, (tuple, list)) and len(model) == 2:
        now, ref = list(model[0]), list(model[1])
    else:
        raise ValueError("model must be a CommitteeMachine, OutputScaled/Linearized or (params, params0)")
    num = sum(((a.detach() - b.detach()) ** 2).sum() for a, b in zip(now, ref))
    den = sum((b.detach() ** 2).sum() for b in ref)
    return float(torch.sqrt(num / den))


def relative_ntk_change(model, X):
    """:math:`\\|K_t - K_0\\|_F / \\|K_0\\|_F` for the NTK Gram matrix on the probe set ``X``.

    For a :class:`~gklib.CommitteeMachine` the closed form :func:`gklib.kernels.committee_ntk`
    is used (per run); for :class:`~gklib.nets.wrappers.OutputScaled` /
    :class:`~gklib.nets.wrappers.Linearized` the empirical NTK at the
    current θ and at θ₀ (zero for a linearised model, whose NTK is frozen).
    """
    if isinstance(model, CommitteeMachine):
        Kt, K0 = committee_ntk(model, X), committee_ntk(model, X, initial=True)
        if not model.batched:
            Kt, K0 = Kt[None], K0[None]
        d = ((Kt - K0).flatten(1).norm(dim=1) / K0.flatten(1).norm(dim=1)).cpu().numpy()
        return d if model.batched else float(d[0])
    if not isinstance(model, Anchored):
        raise ValueError("model must be a CommitteeMachine or an OutputScaled/Linearized module")
    Kt = empirical_ntk(model, X, trace_outputs=True)
    p0 = {"module." + n: v for n, v in model.theta0().items()}
    K0 = empirical_ntk(model, X, params=p0, trace_outputs=True)
    return float((Kt - K0).norm() / K0.norm())


def kernel_distance(K, L):
    r"""Scale-free distance between kernels: :math:`1 - \mathrm{CKA}(K, L)`, with
    :math:`\mathrm{CKA}(K, L) = \langle HKH, HLH\rangle_F / (\|HKH\|_F\|HLH\|_F)` and :math:`H` the
    centring matrix (Kornblith et al. 2019; Fort et al. 2020 use the uncentred version): one minus
    :func:`gklib.kernels.centered_kernel_alignment`, in float64.

    0 when ``K`` is a positive multiple of ``L`` (up to constant shifts of the features), so shrinking all
    features by a common factor (weight decay) does not count as a change. ``K`` and ``L`` are
    ``(..., n, n)`` and broadcast; returns a tensor ``(...)``.
    """
    K, L = torch.as_tensor(K), torch.as_tensor(L)
    if K.ndim < 2 or K.shape[-1] != K.shape[-2] or L.ndim < 2 or L.shape[-2:] != K.shape[-2:]:
        raise ValueError(f"K and L must be square kernels of one size, got {tuple(K.shape)}, {tuple(L.shape)}")
    return 1 - centered_kernel_alignment(K.double(), L.to(K.device).double())


def feature_kernel_change(X_probe, method: str = "features"):
    r"""A series for :func:`gklib.nets.trainer.fit`'s ``track``: how far each run's learned
    representation has moved, :func:`kernel_distance` between the feature kernels
    :math:`\Phi_t\Phi_t^\top` and :math:`\Phi_0\Phi_0^\top` on the probe inputs ``X_probe``.

    :math:`\Phi` is the module's ``features`` method (``method``): the last hidden layer of an
    :class:`~gklib.nets.modules.MLP`, the residual stream read by the unembedding of a
    :class:`~gklib.nets.modules.Transformer1L`. A lazy run keeps its features, up to a common factor
    (distance ≈ 0); a rich one learns new ones (distance up to 1). Use as
    ``fit(..., track={"feature_change": feature_kernel_change(X[:200])})``.
    """
    def fn(apply, params, params0):
        with torch.no_grad():
            phi, phi0 = apply(params, X_probe, method), apply(params0, X_probe, method)
            phi, phi0 = phi.flatten(2), phi0.flatten(2)
            return kernel_distance(phi @ phi.transpose(1, 2), phi0 @ phi0.transpose(1, 2))
    return fn


def ntk_change(X_probe):
    r"""A series for :func:`gklib.nets.trainer.fit`'s ``track``: :func:`kernel_distance` between each
    run's empirical NTK (output blocks summed) at the logged step and at initialisation, on ``X_probe``.

    Costs one Jacobian of the module per run and probe point at every logged step: keep the probe
    small (tens of points). :func:`feature_kernel_change` is a cheap proxy.
    """
    from torch.func import jacrev

    def fn(apply, params, params0):
        def kernel(ps):
            out = []
            for r in range(next(iter(ps.values())).shape[0]):
                one = {n: v[r:r + 1].detach() for n, v in ps.items()}
                J = jacrev(lambda q: apply(q, X_probe)[0].reshape(len(X_probe), -1))(one)
                J = torch.cat([j.reshape(j.shape[0], j.shape[1], -1) for j in J.values()], -1)   # (n, k, P)
                out.append(torch.einsum("akp,bkp->ab", J, J))
            return torch.stack(out)
        return kernel_distance(kernel(params), kernel(params0))
    return fn
