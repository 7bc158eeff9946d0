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
from ..params import Boolean, Instance, Integer, Real, validate_params

_MODULE = Instance(nn.Module, what="a torch.nn.Module")
_POS = Real(0, closed="neither")

__all__ = ["Anchored", "OutputScaled", "Linearized", "CommitteeModule", "linearize", "lazy_lr"]


def _trainable(module: nn.Module) -> dict:
    return {n: p for n, p in module.named_parameters() if p.requires_grad}


class Anchored(nn.Module):
    """A wrapper that keeps a frozen copy of the wrapped module's initial parameters θ₀ as buffers.

    Parameters
    ----------
    module : torch.nn.Module
        The network (with at least one trainable parameter); held, not copied.

    Raises
    ------
    ValueError
        A module without trainable parameters.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import Anchored
    >>> w = Anchored(torch.nn.Linear(2, 1))
    >>> sorted(w.theta0())
    ['bias', 'weight']
    """

    @validate_params(module=_MODULE)
    def __init__(self, module: nn.Module):
        super().__init__()
        self.module = module
        self._names = list(_trainable(module))
        if not self._names:
            raise ValueError("module has no trainable parameters")
        for i, (n, p) in enumerate(_trainable(module).items()):
            self.register_buffer(f"_theta0_{i}", p.detach().clone())

    def theta0(self) -> dict:
        """The initial parameters (names as in the wrapped module).

        Returns
        -------
        dict
            ``{name: tensor}``, the frozen copies.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import Anchored
        >>> net = torch.nn.Linear(2, 1)
        >>> w = Anchored(net)
        >>> with torch.no_grad():
        ...     _ = net.weight.add_(1.0)
        >>> bool(torch.equal(w.theta0()["weight"] + 1.0, w.theta()["weight"]))
        True
        """
        return {n: getattr(self, f"_theta0_{i}") for i, n in enumerate(self._names)}

    def theta(self) -> dict:
        """The current trainable parameters of the wrapped module (looked up by name, so that
        parameters swapped in by ``torch.func.functional_call`` are the ones returned).

        Returns
        -------
        dict
            ``{name: parameter}``.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import Anchored
        >>> net = torch.nn.Linear(2, 1)
        >>> Anchored(net).theta()["weight"] is net.weight
        True
        """
        return {n: reduce(getattr, n.split("."), self.module) for n in self._names}


class OutputScaled(Anchored):
    """Chizat's output scale: :math:`\\tilde f(x) = \\alpha\\,[f(\\theta, x) - f(\\theta_0, x)]`.

    Train it with :func:`lazy_lr` (:math:`\\eta = \\eta_0/\\alpha^2`) so that
    :math:`\\partial_t\\tilde f` at initialisation does not depend on α. With ``center=False`` the
    output is :math:`\\alpha f(\\theta, x)`. The output is exactly zero at initialisation when
    centred. Parameters are those of ``module`` (so trainers see θ); θ₀ is a buffer.

    Parameters
    ----------
    module : torch.nn.Module
        The network (held, not copied).
    alpha : float, default 1.0
        The output scale α > 0.
    center : bool, default True
        Subtract the output at θ₀.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import MLP, OutputScaled
    >>> net = MLP([2, 4, 1], seed=0)
    >>> x = torch.randn(3, 2)
    >>> OutputScaled(net, alpha=10.0)(x).abs().max().item()          # centred: zero at initialisation
    0.0
    >>> bool(torch.allclose(OutputScaled(net, 10.0, center=False)(x), 10 * net(x)))
    True
    """

    @validate_params(module=_MODULE, alpha=_POS, center=Boolean())
    def __init__(self, module: nn.Module, alpha: float = 1.0, center: bool = True):
        super().__init__(module)
        self.alpha = float(alpha)
        self.center = bool(center)

    def forward(self, x):
        """:math:`\\alpha\\,[f(\\theta, x) - f(\\theta_0, x)]` (uncentred: :math:`\\alpha f(\\theta, x)`).

        Parameters
        ----------
        x : torch.Tensor, shape (B, ...)
            Inputs of the wrapped module.

        Returns
        -------
        torch.Tensor
            The scaled output, shaped like the module's.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import OutputScaled
        >>> net = torch.nn.Linear(1, 1, bias=False)
        >>> w = OutputScaled(net, alpha=2.0)
        >>> with torch.no_grad():
        ...     _ = net.weight.add_(0.5)
        >>> w(torch.ones(1, 1)).item()                               # 2 * 0.5 * 1
        1.0
        """
        f = self.module(x)
        if self.center:
            f = f - functional_call(self.module, self.theta0(), (x,)).detach()
        return self.alpha * f

    def extra_repr(self) -> str:
        """The settings shown in ``repr``.

        Returns
        -------
        str
            ``"alpha=..., center=..."``.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import OutputScaled
        >>> OutputScaled(torch.nn.Linear(1, 1), alpha=4.0).extra_repr()
        'alpha=4, center=True'
        """
        return f"alpha={self.alpha:g}, center={self.center}"


@validate_params(lr0=_POS, alpha=_POS)
def lazy_lr(lr0, alpha):
    """The learning rate :math:`\\eta_0/\\alpha^2` that keeps the initial function speed fixed.

    Parameters
    ----------
    lr0 : float
        The rate :math:`\\eta_0 > 0` at α = 1.
    alpha : float
        The output scale α > 0.

    Returns
    -------
    float
        :math:`\\eta_0/\\alpha^2`.

    Examples
    --------
    >>> from gklib.nets import lazy_lr
    >>> lazy_lr(0.5, 10.0)
    0.005
    """
    return float(lr0) / float(alpha) ** 2


class Linearized(Anchored):
    """First-order Taylor model :math:`f(\\theta_0, x) + J(\\theta_0, x)(\\theta - \\theta_0)`.

    Its parameters are the wrapped module's θ (initially θ₀), so any optimiser or
    :func:`gklib.nets.trainer.fit` trains it exactly like the network. The forward pass is one
    ``torch.func.jvp`` at θ₀ with tangent θ − θ₀ (cost ≈ 2–3 forward passes); gradients flow to θ
    through the tangent.

    Parameters
    ----------
    module : torch.nn.Module
        The network (held, not copied; :func:`linearize` builds one).

    Examples
    --------
    The linearisation of :math:`f = w^2 x` around :math:`w_0 = 1` is :math:`(2w - 1)\\,x`:

    >>> import torch
    >>> from gklib.nets import Linearized
    >>> class Square(torch.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.w = torch.nn.Parameter(torch.tensor(1.0))
    ...     def forward(self, x):
    ...         return self.w ** 2 * x
    >>> lin = Linearized(Square())
    >>> with torch.no_grad():
    ...     _ = lin.module.w.fill_(3.0)
    >>> lin(torch.tensor([1.0])).item(), lin.module(torch.tensor([1.0])).item()
    (5.0, 9.0)
    """

    def forward(self, x):
        """:math:`f(\\theta_0, x) + J(\\theta_0, x)(\\theta - \\theta_0)`.

        Parameters
        ----------
        x : torch.Tensor, shape (B, ...)
            Inputs of the wrapped module.

        Returns
        -------
        torch.Tensor
            The linear model's output, shaped like the module's.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import MLP, Linearized
        >>> net = MLP([2, 3, 1], "tanh", seed=0)
        >>> x = torch.randn(4, 2)
        >>> bool(torch.allclose(Linearized(net)(x), net(x)))              # equal at theta_0
        True
        """
        theta, theta0 = self.theta(), self.theta0()
        tangent = {n: theta[n] - theta0[n] for n in self._names}
        f0, df = jvp(lambda p: functional_call(self.module, p, (x,)), (theta0,), (tangent,))
        return f0.detach() + df


@validate_params(model=Instance(CommitteeMachine, nn.Module, what="a CommitteeMachine or a torch.nn.Module"),
                 run=Integer())
def linearize(model, run: int = 0) -> Linearized:
    """The linearisation of ``model`` around its current parameters, as a trainable module.

    The wrapped module's parameters become the linear model's parameters: pass a copy if the network must
    be trained as well.

    Parameters
    ----------
    model : torch.nn.Module or CommitteeMachine
        The network, or a committee machine (run ``run`` is wrapped in a :class:`CommitteeModule`,
        centred like the model).
    run : int, default 0
        Which run of a committee machine (``-R <= run < R``); ignored for a module.

    Returns
    -------
    Linearized
        The linear model.

    Raises
    ------
    ValueError
        A run the committee machine does not have.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> from gklib.nets import linearize
    >>> cm = gk.CommitteeMachine(D=3, N=5, alpha=1.0, eps=0.2, seed=0)
    >>> lin = linearize(cm)
    >>> lin(torch.randn(4, 3)).abs().max().item()                   # centred like the model
    0.0
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

    Parameters
    ----------
    model : CommitteeMachine
        The model.
    run : int, default 0
        Which run (``-R <= run < R``).

    Raises
    ------
    ValueError
        A run the model does not have.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> from gklib.nets import CommitteeModule
    >>> cm = gk.CommitteeMachine(D=3, N=5, alpha=1.0, eps=0.2, center=False, seed=0)
    >>> X = torch.randn(4, 3)
    >>> bool(torch.allclose(CommitteeModule(cm)(X), cm(X)))
    True
    """

    @validate_params(model=Instance(CommitteeMachine, what="a CommitteeMachine"), run=Integer())
    def __init__(self, model: CommitteeMachine, run: int = 0):
        super().__init__()
        run = int(run)
        if not -model.R <= run < model.R:
            raise ValueError(f"run must index one of the model's {model.R} runs, got {run}")
        self.W = nn.Parameter(model._W[run].detach().clone())
        self.register_buffer("W0", model._W0[run].detach().clone())
        self.a = None if model._a is None else nn.Parameter(model._a[run].detach().clone())
        self.register_buffer("a0", None if model._a0 is None else model._a0[run].detach().clone())
        self.alpha, self.eps = float(model.alpha[run]), float(model.eps[run])
        self.activation, self.center = model.activation, model.center

    def raw(self, X, W, a=None):
        """The uncentred output at weights ``W`` and readouts ``a``.

        Parameters
        ----------
        X : torch.Tensor, shape (n, D)
            Inputs.
        W : torch.Tensor, shape (N, D)
            Hidden weights.
        a : torch.Tensor or None, shape (N,), default None
            Readouts (``None``: :math:`a_i = 1`).

        Returns
        -------
        torch.Tensor, shape (n,)
            :math:`\\frac{\\alpha}{N}\\sum_i a_i\\phi(w_i\\cdot x)`.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> from gklib.nets import CommitteeModule
        >>> m = CommitteeModule(gk.CommitteeMachine(D=2, N=3, alpha=1.0, eps=0.0, seed=0))
        >>> X = torch.randn(4, 2)
        >>> bool(torch.allclose(m.raw(X, m.W), (X @ m.W.T).mean(1)))     # eps = 0: linear units
        True
        """
        return committee_output(W, a, X, self.alpha, self.eps, self.activation)

    def _check_input(self, X, name="X"):
        if X.ndim != 2 or X.shape[-1] != self.W.shape[-1]:
            raise ValueError(f"{name} must have shape (n, {self.W.shape[-1]}) for this committee machine, "
                             f"got {tuple(X.shape)}")

    def forward(self, X):
        """The model's output, centred like the model.

        Parameters
        ----------
        X : torch.Tensor, shape (n, D)
            Inputs.

        Returns
        -------
        torch.Tensor, shape (n,)
            :math:`f(W, a; X) - f(W_0, a_0; X)` (centred) or :math:`f(W, a; X)`.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> from gklib.nets import CommitteeModule
        >>> m = CommitteeModule(gk.CommitteeMachine(D=2, N=3, alpha=1.0, eps=0.5, seed=0))
        >>> m(torch.randn(4, 2)).abs().max().item()                    # centred at initialisation
        0.0
        """
        f = self.raw(X, self.W, self.a)
        return f - self.raw(X, self.W0, self.a0) if self.center else f
