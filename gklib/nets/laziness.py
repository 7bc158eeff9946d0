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
from ..params import Array, Instance, Integer, Pattern, Real, validate_params
from ..toy.model import CommitteeMachine
from ..toy.ntk import committee_ntk
from .trainer import fit
from .wrappers import Anchored, linearize

__all__ = ["net_vs_linear", "relative_weight_change", "relative_ntk_change", "kernel_distance",
           "feature_kernel_change", "ntk_change"]


def _initial_params(net: nn.Module, module: nn.Module) -> dict:
    """θ₀ of the trained copy ``net`` of ``module``, by name: an :class:`Anchored` wrapper's stored initial
    parameters, else ``module``'s own (untouched by :func:`fit`), in ``net``'s dtype and device."""
    if isinstance(net, Anchored):
        return {"module." + n: v for n, v in net.theta0().items()}
    now = {n: p for n, p in net.named_parameters() if p.requires_grad}
    ref = dict(module.named_parameters())
    return {n: ref[n].detach().to(device=p.device, dtype=p.dtype) for n, p in now.items()}


def _ntk_change(net: nn.Module, X, theta0: dict) -> float:
    """:math:`\\|K_t - K_0\\|_F / \\|K_0\\|_F` of ``net``'s empirical NTK on ``X``, with θ₀ = ``theta0`` (by name)."""
    Kt = empirical_ntk(net, X, trace_outputs=True)
    K0 = empirical_ntk(net, X, params=theta0, trace_outputs=True)
    return float((Kt - K0).norm() / K0.norm())


@validate_params(module=Instance(nn.Module, what="a torch.nn.Module"), X=Array(), y=Array(), X_test=Array(),
                 y_test=Array(), steps=Integer(0), lr=Real(0, closed="neither"), probe=Array(none_ok=True))
def net_vs_linear(module: nn.Module, X, y, X_test, y_test, *, steps: int, lr: float, probe=None,
                  **fit_kw) -> dict:
    r"""Train ``module`` and its linearisation identically with :func:`gklib.nets.trainer.fit`
    (uncentred, α = 1: the module carries its own output scale, e.g. an
    :class:`~gklib.nets.wrappers.OutputScaled` network); ``module`` is not modified.

    Parameters
    ----------
    module : torch.nn.Module
        The network (any module; θ₀ is its current parameters).
    X, y : torch.Tensor
        Training inputs ``(P, ...)`` and targets ``(P, ...)`` (float: regression; integer: classes).
    X_test, y_test : torch.Tensor
        Test inputs and targets.
    steps : int
        Optimisation steps, >= 0.
    lr : float
        Learning rate, > 0.
    probe : torch.Tensor or None, shape (n, ...), default None
        Inputs of the NTK comparison; ``None``: the first 50 test inputs.
    **fit_kw : keyword arguments
        Further arguments of :func:`~gklib.nets.trainer.fit` (one run: scalar ``alpha``, ``lr``).

    Returns
    -------
    dict
        ``net``, ``lin`` (:class:`~gklib.History`); of the trained net, ``relative_weight_change``
        :math:`\|\theta-\theta_0\|/\|\theta_0\|` and ``relative_ntk_change``
        :math:`\|K_t-K_0\|_F/\|K_0\|_F` (the empirical NTK on ``probe``, output blocks summed);
        ``distance``: RMS distance of the two final test predictions divided by the RMS of ``y_test``;
        ``gap``: the largest :math:`|\log(\mathcal L^{\rm net}_{\rm test}/\mathcal L^{\rm lin}_{\rm test})|`
        along training.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint.
    ValueError
        Data that do not fit the module (from :func:`~gklib.nets.trainer.fit`).

    Examples
    --------
    A linear model is its own linearisation:

    >>> import torch
    >>> from gklib.nets import net_vs_linear
    >>> X = torch.randn(8, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> y = X @ torch.tensor([[1.0], [0.0], [-1.0]], dtype=torch.float64)
    >>> r = net_vs_linear(torch.nn.Linear(3, 1).double(), X, y, X, y, steps=20, lr=0.1, device="cpu")
    >>> r["distance"] < 1e-12, r["relative_ntk_change"], r["relative_weight_change"] > 0
    (True, 0.0, True)
    """
    kw = dict(steps=steps, lr=lr, center=False, **fit_kw)
    data = (X, y, X_test, y_test)
    res_lin, res_net = fit(linearize(copy.deepcopy(module)), data, **kw), fit(module, data, **kw)
    net, lin = res_net.module(0), res_lin.module(0)
    with torch.no_grad():
        fn, fl = net(X_test).reshape(y_test.shape), lin(X_test).reshape(y_test.shape)
    dist = prediction_distance(fn.flatten(), fl.flatten()) / float(y_test.double().pow(2).mean().sqrt())
    h_net, h_lin = res_net, res_lin
    theta0 = _initial_params(net, module)
    now = {n: p for n, p in net.named_parameters() if n in theta0}
    probe = X_test[:50] if probe is None else probe
    ref_param = next(iter(theta0.values()))
    probe = torch.as_tensor(probe).to(ref_param.device)
    if probe.is_floating_point():
        probe = probe.to(ref_param.dtype)
    return {"net": h_net, "lin": h_lin, "distance": dist,
            "gap": float(np.nanmax(np.abs(np.log(h_net.test_loss / h_lin.test_loss)))),
            "relative_weight_change": relative_weight_change(([now[n] for n in theta0], list(theta0.values()))),
            "relative_ntk_change": _ntk_change(net, probe, theta0)}


@validate_params(model=Instance(CommitteeMachine, Anchored, tuple, list,
                                what="a CommitteeMachine, an OutputScaled/Linearized module or (params, params0)"))
def relative_weight_change(model):
    """:math:`\\|\\theta - \\theta_0\\| / \\|\\theta_0\\|`.

    Parameters
    ----------
    model : CommitteeMachine or Anchored or tuple
        A :class:`~gklib.CommitteeMachine` (per run), an :class:`~gklib.nets.wrappers.OutputScaled` /
        :class:`~gklib.nets.wrappers.Linearized` (θ₀ = their stored initial parameters), or a pair
        ``(params, params0)`` of equally long tensor lists (a plain module does not know its θ₀: pass
        ``(list(net.parameters()), list(net0.parameters()))``).

    Returns
    -------
    float or numpy.ndarray
        The change; ``(R,)`` for a batched committee machine.

    Raises
    ------
    ValueError
        A pair that is not two equally long lists of tensors of matching shapes.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import relative_weight_change
    >>> relative_weight_change(([torch.tensor([3.0, 4.0])], [torch.tensor([0.0, 5.0])]))   # |(3, -1)| / 5
    0.6324555277824402
    """
    if isinstance(model, CommitteeMachine):
        d = (model._W - model._W0).flatten(1).norm(dim=1) / model._W0.flatten(1).norm(dim=1)
        d = d.detach().cpu().numpy()
        return d if model.batched else float(d[0])
    if isinstance(model, Anchored):
        now, ref = list(model.theta().values()), list(model.theta0().values())
    else:
        if len(model) != 2:
            raise ValueError(f"model must be a pair (params, params0), got {len(model)} entries")
        now, ref = list(model[0]), list(model[1])
        if len(now) != len(ref) or not now or any(
                not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)) or a.shape != b.shape
                for a, b in zip(now, ref)):
            raise ValueError("model must be a pair (params, params0) of equally long lists of tensors of "
                             "matching shapes")
    num = sum(((a.detach() - b.detach()) ** 2).sum() for a, b in zip(now, ref))
    den = sum((b.detach() ** 2).sum() for b in ref)
    return float(torch.sqrt(num / den))


@validate_params(model=Instance(CommitteeMachine, Anchored,
                                what="a CommitteeMachine or an OutputScaled/Linearized module"), X=Array())
def relative_ntk_change(model, X):
    """:math:`\\|K_t - K_0\\|_F / \\|K_0\\|_F` for the NTK Gram matrix on the probe set ``X``.

    For a :class:`~gklib.CommitteeMachine` the closed form :func:`gklib.kernels.committee_ntk`
    is used (per run); for :class:`~gklib.nets.wrappers.OutputScaled` /
    :class:`~gklib.nets.wrappers.Linearized` the empirical NTK at the
    current θ and at θ₀ (zero for a linearised model, whose NTK is frozen).

    Parameters
    ----------
    model : CommitteeMachine or Anchored
        The trained model, which knows its initial weights.
    X : torch.Tensor, shape (n, ...)
        Probe inputs.

    Returns
    -------
    float or numpy.ndarray
        The change; ``(R,)`` for a batched committee machine.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> from gklib.nets import relative_ntk_change
    >>> model = gk.CommitteeMachine(D=4, N=6, alpha=1.0, eps=0.5, seed=0)
    >>> relative_ntk_change(model, torch.randn(5, 4))             # untrained: no change
    0.0
    """
    if isinstance(model, CommitteeMachine):
        Kt, K0 = committee_ntk(model, X), committee_ntk(model, X, initial=True)
        if not model.batched:
            Kt, K0 = Kt[None], K0[None]
        d = ((Kt - K0).flatten(1).norm(dim=1) / K0.flatten(1).norm(dim=1)).cpu().numpy()
        return d if model.batched else float(d[0])
    return _ntk_change(model, X, _initial_params(model, model))


@validate_params(K=Array(), L=Array())
def kernel_distance(K, L):
    r"""Scale-free distance between kernels: :math:`1 - \mathrm{CKA}(K, L)`, with
    :math:`\mathrm{CKA}(K, L) = \langle HKH, HLH\rangle_F / (\|HKH\|_F\|HLH\|_F)` and :math:`H` the
    centring matrix (Kornblith et al. 2019; Fort et al. 2020 use the uncentred version): one minus
    :func:`gklib.kernels.centered_kernel_alignment`, in float64.

    0 when ``K`` is a positive multiple of ``L`` (up to constant shifts of the features), so shrinking all
    features by a common factor (weight decay) does not count as a change. ``K`` and ``L`` are
    ``(..., n, n)`` and broadcast.

    Parameters
    ----------
    K, L : torch.Tensor, shape (..., n, n)
        Kernels, finite.

    Returns
    -------
    torch.Tensor, shape (...)
        The distance, in [0, 2], float64.

    Raises
    ------
    ValueError
        Kernels that are not square or of different sizes.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import kernel_distance
    >>> Phi = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> K = Phi @ Phi.T
    >>> float(kernel_distance(K, 0.1 * K))                       # a common factor is no change
    0.0
    """
    K, L = torch.as_tensor(K), torch.as_tensor(L)
    if K.ndim < 2 or K.shape[-1] != K.shape[-2] or L.ndim < 2 or L.shape[-2:] != K.shape[-2:]:
        raise ValueError(f"K and L must be square kernels of one size, got {tuple(K.shape)}, {tuple(L.shape)}")
    return 1 - centered_kernel_alignment(K.double(), L.to(K.device).double())


@validate_params(X_probe=Array(), method=Pattern(r"[A-Za-z_][A-Za-z0-9_]*", what="a method name",
                                                  example="features"))
def feature_kernel_change(X_probe, method: str = "features"):
    r"""A series for :func:`gklib.nets.trainer.fit`'s ``track``: how far each run's learned
    representation has moved, :func:`kernel_distance` between the feature kernels
    :math:`\Phi_t\Phi_t^\top` and :math:`\Phi_0\Phi_0^\top` on the probe inputs ``X_probe``.

    :math:`\Phi` is the module's ``features`` method (``method``): the last hidden layer of an
    :class:`~gklib.nets.modules.MLP`, the residual stream read by the unembedding of a
    :class:`~gklib.nets.modules.Transformer1L`. A lazy run keeps its features, up to a common factor
    (distance ≈ 0); a rich one learns new ones (distance up to 1). Use as
    ``fit(..., track={"feature_change": feature_kernel_change(X[:200])})``.

    Parameters
    ----------
    X_probe : torch.Tensor, shape (n, ...)
        Probe inputs.
    method : str, default "features"
        The module's method that returns the representation.

    Returns
    -------
    callable
        ``fn(apply, params, params0)`` for ``track``, one value per run.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import MLP, feature_kernel_change, fit
    >>> X = torch.randn(20, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> hist = fit(MLP([2, 8, 1], "tanh").double(), (X, X[:, :1] ** 2), steps=10, lr=0.2, log_every=10,
    ...            track={"feat": feature_kernel_change(X)}, device="cpu")
    >>> bool(abs(hist.extra["feat"][0]) < 1e-12), bool(hist.extra["feat"][-1] > 1e-9)   # none, then some
    (True, True)
    """
    def fn(apply, params, params0):
        with torch.no_grad():
            phi, phi0 = apply(params, X_probe, method), apply(params0, X_probe, method)
            phi, phi0 = phi.flatten(2), phi0.flatten(2)
            return kernel_distance(phi @ phi.transpose(1, 2), phi0 @ phi0.transpose(1, 2))
    return fn


@validate_params(X_probe=Array())
def ntk_change(X_probe):
    r"""A series for :func:`gklib.nets.trainer.fit`'s ``track``: :func:`kernel_distance` between each
    run's empirical NTK (output blocks summed) at the logged step and at initialisation, on ``X_probe``.

    Costs one Jacobian of the module per run and probe point at every logged step: keep the probe
    small (tens of points). :func:`feature_kernel_change` is a cheap proxy.

    Parameters
    ----------
    X_probe : torch.Tensor, shape (n, ...)
        Probe inputs.

    Returns
    -------
    callable
        ``fn(apply, params, params0)`` for ``track``, one value per run.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import MLP, fit, ntk_change
    >>> X = torch.randn(10, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    >>> hist = fit(MLP([2, 4, 1], "tanh").double(), (X, X[:, :1]), steps=5, lr=0.5, log_every=5,
    ...            track={"ntk": ntk_change(X[:4])}, device="cpu")
    >>> bool(abs(hist.extra["ntk"][0]) < 1e-12), bool(hist.extra["ntk"][-1] > 1e-9)
    (True, True)
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
