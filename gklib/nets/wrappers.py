"""Wrappers of ``nn.Module``\\ s: output scale and centring, linearisation, a committee-machine run.

Chizat's output scale (chapter 1, "The linearised model") trains :math:`\\tilde f = \\alpha\\,[f(\\theta) - f(\\theta_0)]`
with :math:`\\eta = \\eta_0/\\alpha^2`: the function moves at an α-independent rate while the
weights move by :math:`O(1/\\alpha)`. The first-order Taylor model around θ₀,

.. math:: f_{\\rm lin}(\\theta, x) = f(\\theta_0, x) + J(\\theta_0, x)\\,(\\theta - \\theta_0),

trained by gradient descent is kernel gradient descent with the initial NTK.

- :class:`Anchored`: base class, keeps θ₀ as buffers; :class:`OutputScaled`, :func:`lazy_lr`.
- :func:`linearize` → :class:`Linearized` (``torch.func.jvp``), trainable like the network itself.
- :class:`CommitteeModule`: one run of a :class:`~gklib.CommitteeMachine` as an ``nn.Module``.

Every wrapper works inside ``torch.func.functional_call`` and ``vmap``, so the trainer
:func:`gklib.nets.trainer.fit` trains it, alone or as an ensemble.
"""
from __future__ import annotations

from functools import reduce

from torch import nn
from torch.func import functional_call, jvp

from ..toy.model import CommitteeMachine, committee_output
from ..validation import check_positive

__all__ = ["Anchored", "OutputScaled", "Linearized", "CommitteeModule", "linearize", "lazy_lr"]


def _trainable(module: nn.Module) -> dict:
    return {n: p for n, p in module.named_parameters() if p.requires_grad}


class Anchored(nn.Module):
    """A wrapper that keeps a frozen copy of the wrapped module's initial parameters θ₀ as buffers."""

    def __init__(self, module: nn.Module):
        super().__init__()
        if not isinstance(module, nn.Module):
            raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
        self.module = module
        self._names = list(_trainable(module))
        if not self._names:
            raise ValueError("module has no trainable parameters")
        for i, (n, p) in enumerate(_trainable(module).items()):
            self.register_buffer(f"_theta0_{i}", p.detach().clone())

    def theta0(self) -> dict:
        """The initial parameters ``{name: tensor}`` (names as in the wrapped module)."""
        return {n: getattr(self, f"_theta0_{i}") for i, n in enumerate(self._names)}

    def theta(self) -> dict:
        """The current trainable parameters of the wrapped module (looked up by name, so that
        parameters swapped in by ``torch.func.functional_call`` are the ones returned)."""
        return {n: reduce(getattr, n.split("."), self.module) for n in self._names}


class OutputScaled(Anchored):
    """Chizat's output scale: :math:`\\tilde f(x) = \\alpha\\,[f(\\theta, x) - f(\\theta_0, x)]`.

    Train it with :func:`lazy_lr` (:math:`\\eta = \\eta_0/\\alpha^2`) so that
    :math:`\\partial_t\\tilde f` at initialisation does not depend on α. With ``center=False`` the
    output is :math:`\\alpha f(\\theta, x)`. The output is exactly zero at initialisation when
    centred. Parameters are those of ``module`` (so trainers see θ); θ₀ is a buffer.
    """

    def __init__(self, module: nn.Module, alpha: float = 1.0, center: bool = True):
        super().__init__(module)
        self.alpha = check_positive(alpha, "alpha")
        self.center = bool(center)

    def forward(self, x):
        f = self.module(x)
        if self.center:
            f = f - functional_call(self.module, self.theta0(), (x,)).detach()
        return self.alpha * f

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}, center={self.center}"


def lazy_lr(lr0, alpha):
    """The learning rate :math:`\\eta_0/\\alpha^2` that keeps the initial function speed fixed."""
    return check_positive(lr0, "lr0") / check_positive(alpha, "alpha") ** 2


class Linearized(Anchored):
    """First-order Taylor model :math:`f(\\theta_0, x) + J(\\theta_0, x)(\\theta - \\theta_0)`.

    Its parameters are the wrapped module's θ (initially θ₀), so any optimiser or
    :func:`gklib.nets.trainer.fit` trains it exactly like the network. The forward pass is one
    ``torch.func.jvp`` at θ₀ with tangent θ − θ₀ (cost ≈ 2–3 forward passes); gradients flow to θ
    through the tangent.
    """

    def forward(self, x):
        theta, theta0 = self.theta(), self.theta0()
        tangent = {n: theta[n] - theta0[n] for n in self._names}
        f0, df = jvp(lambda p: functional_call(self.module, p, (x,)), (theta0,), (tangent,))
        return f0.detach() + df


def linearize(model, run: int = 0) -> Linearized:
    """The linearisation of ``model`` around its current parameters, as a trainable module.

    ``model`` is an ``nn.Module`` or a :class:`~gklib.CommitteeMachine` (run ``run`` is wrapped
    in a :class:`CommitteeModule`, centred like the model). The wrapped module's parameters become
    the linear model's parameters: pass a copy if the network must be trained as well.
    """
    if isinstance(model, CommitteeMachine):
        model = CommitteeModule(model, run=run)
    return Linearized(model)


class CommitteeModule(nn.Module):
    """One run of a :class:`~gklib.CommitteeMachine` as an ``nn.Module``.

    ``forward(X)`` is the model's own function :func:`~gklib.toy.model.committee_output`,
    :math:`\\frac{\\alpha}{N}\\sum_i a_i\\phi(w_i\\cdot x)` with the model's ``activation``, minus its value
    at the initial weights ``(W0, a0)`` when the model is centred; shape ``(n,)``. Parameters: ``W``
    ``(N, D)`` and, for a model with trained readouts, ``a`` ``(N,)`` (so :func:`linearize` and
    :func:`gklib.kernels.empirical_ntk` see both layers). Its weights are a copy: training the
    module leaves ``model`` unchanged.
    """

    def __init__(self, model: CommitteeMachine, run: int = 0):
        super().__init__()
        if not isinstance(model, CommitteeMachine):
            raise ValueError(f"model must be a CommitteeMachine, got {type(model).__name__}")
        if not -model.R <= run < model.R:
            raise ValueError(f"run must index one of the model's {model.R} runs, got {run}")
        self.W = nn.Parameter(model._W[run].detach().clone())
        self.register_buffer("W0", model._W0[run].detach().clone())
        self.a = None if model._a is None else nn.Parameter(model._a[run].detach().clone())
        self.register_buffer("a0", None if model._a0 is None else model._a0[run].detach().clone())
        self.alpha, self.eps = float(model.alpha[run]), float(model.eps[run])
        self.activation, self.center = model.activation, model.center

    def raw(self, X, W, a=None):
        """The uncentred output at weights ``W`` and readouts ``a`` (``None``: :math:`a_i = 1`)."""
        return committee_output(W, a, X, self.alpha, self.eps, self.activation)

    def forward(self, X):
        f = self.raw(X, self.W, self.a)
        return f - self.raw(X, self.W0, self.a0) if self.center else f
