"""The committee machine's formula, defined once: the activation, its derivative and the output.

.. math::

    f(W, a, x) = \\frac{\\alpha}{N}\\sum_{i=1}^N a_i\\,\\phi(w_i\\cdot x), \\qquad
    \\phi(h) = h + \\frac{\\epsilon}{2} g(h) ,

with :math:`g(h) = h^2` (``activation="quadratic"``, the paper's model) or the Hermite polynomial
:math:`He_K(h)` (``"hermiteK"``, paper App 16), and :math:`a_i = 1` without trained readouts.

:func:`phi_of`, :func:`dphi_of` and the pure, differentiable :func:`committee_output` are the one
definition of the model's function, which :meth:`gklib.toy.model.CommitteeMachine.raw_output`, the NTKs
(:func:`gklib.kernels.empirical_ntk`, :func:`gklib.kernels.committee_ntk`) and the ``nn.Module`` view
(:class:`gklib.nets.CommitteeModule`) all call. The methods of
:class:`~gklib.toy.model.CommitteeMachine` that evaluate the model on its current weights (``phi``,
``dphi``, ``raw_output``, ``initial_output``, ``stats``, ``summary_stats``, ``weight_norm`` and the call
itself) are defined here too, next to the formula they apply; :mod:`gklib.toy.model` holds the model's
construction and state.
"""
from __future__ import annotations

import functools

import torch

from .tasks import hermite
from ..params import Boolean, Pattern, validate_params

__all__ = ["phi_of", "dphi_of", "committee_output"]


_ACTIVATION = Pattern(r"quadratic|hermite0*[1-9][0-9]*", what="'quadratic' or 'hermiteK' (e.g. 'hermite3')",
                      example="quadratic")


@functools.lru_cache(maxsize=None)
def _activation_parts(name: str):
    """``(g, g')`` with :math:`\\phi(h) = h + \\frac\\epsilon2 g(h)`: ``quadratic`` :math:`g=h^2`,
    ``hermiteK`` :math:`g = He_K(h)` (paper App 16)."""
    if not isinstance(name, str):
        raise ValueError(f"activation must be 'quadratic' or 'hermiteK' (e.g. 'hermite3'), got {name!r}")
    if name == "quadratic":
        return (lambda h: h * h), (lambda h: 2 * h)
    if name.startswith("hermite") and name[7:].isdigit() and int(name[7:]) >= 1:
        k = int(name[7:])
        return (lambda h: hermite(k, h)), (lambda h: k * hermite(k - 1, h))
    raise ValueError(f"activation must be 'quadratic' or 'hermiteK' (e.g. 'hermite3'), got {name!r}")


def phi_of(h, eps, activation: str = "quadratic"):
    r"""The activation :math:`\phi(h) = h + \frac\epsilon2 g(h)`, :math:`g = h^2` (``"quadratic"``) or
    :math:`He_K(h)` (``"hermiteK"``).

    Parameters
    ----------
    h : torch.Tensor
        Preactivations :math:`w\cdot x` (any shape).
    eps : float or torch.Tensor
        The coefficient :math:`\epsilon`; broadcasts against ``h``.
    activation : str, default "quadratic"
        ``"quadratic"`` (:math:`g(h) = h^2`) or ``"hermiteK"`` (:math:`g = He_K`, e.g. ``"hermite3"``).

    Returns
    -------
    torch.Tensor
        :math:`\phi(h)`, the broadcast shape.

    Raises
    ------
    ValueError
        Unknown ``activation``.

    Examples
    --------
    >>> import torch
    >>> from gklib.toy.model import phi_of
    >>> phi_of(torch.tensor([0.0, 1.0, 2.0]), 0.5).tolist()      # h + 0.25 h^2
    [0.0, 1.25, 3.0]
    """
    return h + 0.5 * eps * _activation_parts(activation)[0](h)


def dphi_of(h, eps, activation: str = "quadratic"):
    r"""The derivative of the activation, :math:`\phi'(h) = 1 + \frac\epsilon2 g'(h)` (:math:`1 + \epsilon h`
    for ``"quadratic"``, :math:`1 + \frac{\epsilon K}{2} He_{K-1}(h)` for ``"hermiteK"``).

    Parameters
    ----------
    h : torch.Tensor
        Preactivations (any shape).
    eps : float or torch.Tensor
        The coefficient :math:`\epsilon`; broadcasts against ``h``.
    activation : str, default "quadratic"
        ``"quadratic"`` (:math:`g(h) = h^2`) or ``"hermiteK"`` (:math:`g = He_K`, e.g. ``"hermite3"``).

    Returns
    -------
    torch.Tensor
        :math:`\phi'(h)`, the broadcast shape.

    Examples
    --------
    >>> import torch
    >>> from gklib.toy.model import dphi_of
    >>> dphi_of(torch.tensor([0.0, 1.0, 2.0]), 0.5).tolist()      # 1 + 0.5 h
    [1.0, 1.5, 2.0]
    """
    return 1 + 0.5 * eps * _activation_parts(activation)[1](h)


def committee_output(W, a, X, alpha, eps, activation: str = "quadratic"):
    r"""The committee machine's function, :math:`f(W, a, x) = \frac\alpha N\sum_{i=1}^N a_i\,\phi(w_i\cdot x)`.

    A pure function of its tensors, so :mod:`torch.func` differentiates and vmaps it (the NTKs and the
    linearisation are derived from it). It does not check its arguments (it runs inside ``vmap``).

    Parameters
    ----------
    W : torch.Tensor, shape (..., N, D)
        Hidden weights (any leading batch axes, e.g. runs).
    a : torch.Tensor or None, shape (..., N)
        Readouts, or ``None`` for :math:`a_i = 1`.
    X : torch.Tensor, shape (n, D)
        Inputs (cast to ``W``'s dtype and device).
    alpha, eps : float or torch.Tensor, shape (...)
        Output scale and activation coefficient.
    activation : str, default "quadratic"
        ``"quadratic"`` (:math:`g(h) = h^2`) or ``"hermiteK"`` (:math:`g = He_K`, e.g. ``"hermite3"``).

    Returns
    -------
    torch.Tensor, shape (..., n)
        The uncentred output on every row of ``X``.

    Examples
    --------
    >>> import torch
    >>> from gklib.toy.model import committee_output
    >>> W = torch.tensor([[1.0, 0.0], [0.0, 1.0]])            # N = 2 units in D = 2
    >>> X = torch.tensor([[1.0, 1.0], [2.0, 0.0]])
    >>> committee_output(W, None, X, alpha=2.0, eps=0.0).tolist()   # alpha * mean(w_i . x)
    [2.0, 2.0]
    """
    alpha = torch.as_tensor(alpha, device=W.device, dtype=W.dtype)
    eps = torch.as_tensor(eps, device=W.device, dtype=W.dtype)
    H = phi_of(torch.einsum("nd,...kd->...nk", X.to(W), W), eps[..., None, None], activation)
    out = H.sum(-1) if a is None else torch.einsum("...nk,...k->...n", H, a)
    return alpha[..., None] / W.shape[-2] * out


class _CommitteeFunction:
    """The function of a committee machine's current state (a base of
    :class:`~gklib.toy.model.CommitteeMachine`, which holds the weights ``_W``, ``_W0``, readouts
    ``_a``, ``_a0``, the per-run ``alpha``, ``eps`` and the ``activation``)."""

    @staticmethod
    def summary_stats(W: torch.Tensor, a: torch.Tensor | None = None):
        r"""The summary statistics :math:`\bar w = \frac1N\sum_i a_i w_i` and :math:`M = \frac1N\sum_i a_i
        w_iw_i^\top` that fully describe the quadratic model (:math:`a_i = 1` without readouts).

        Parameters
        ----------
        W : torch.Tensor, shape (..., N, D)
            Hidden weights.
        a : torch.Tensor or None, shape (..., N), default None
            Readouts (``None``: :math:`a_i = 1`).

        Returns
        -------
        wbar : torch.Tensor, shape (..., D)
            The mean weight.
        M : torch.Tensor, shape (..., D, D)
            The second moment.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> wbar, M = gk.CommitteeMachine.summary_stats(torch.tensor([[1.0, 0.0], [1.0, 2.0]]))
        >>> wbar.tolist(), M.tolist()
        ([1.0, 1.0], [[1.0, 1.0], [1.0, 2.0]])
        """
        N = W.shape[-2]
        if a is None:
            return W.mean(-2), W.transpose(-1, -2) @ W / N
        aW = a[..., None] * W
        return aW.mean(-2), W.transpose(-1, -2) @ aW / N

    @validate_params(initial=Boolean())
    def stats(self, initial: bool = False):
        """``(wbar, M)`` (:meth:`summary_stats`) of the current or the initial weights, with a leading run axis.

        Parameters
        ----------
        initial : bool, default False
            Use the initial weights.

        Returns
        -------
        wbar : torch.Tensor, shape (R, D)
        M : torch.Tensor, shape (R, D, D)

        Examples
        --------
        >>> import gklib as gk
        >>> wbar, M = gk.CommitteeMachine(D=3, N=4).stats()
        >>> tuple(wbar.shape), tuple(M.shape)
        ((1, 3), (1, 3, 3))
        """
        if initial:
            return self.summary_stats(self._W0, self._a0)
        return self.summary_stats(self._W, self._a)

    def weight_norm(self) -> torch.Tensor:
        r"""The Frobenius norm :math:`\|W\|_F` of the hidden weights, per run.

        Returns
        -------
        torch.Tensor, shape () or (R,)
            The norms.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> float(gk.CommitteeMachine.from_weights(torch.ones(4, 4)).weight_norm())
        4.0
        """
        return self._out(self._W.flatten(1).norm(dim=1))

    # ------------------------------------------------------------------ function
    def _per_run(self, v, h):
        return v.view(-1, *([1] * (h.ndim - 1)))

    def phi(self, h: torch.Tensor) -> torch.Tensor:
        r"""The model's activation :math:`\phi(h) = h + \frac\epsilon2 g(h)` (:func:`phi_of`) with each run's
        :math:`\epsilon`.

        Parameters
        ----------
        h : torch.Tensor, shape (R, ...)
            Preactivations with a leading run axis.

        Returns
        -------
        torch.Tensor, shape (R, ...)
            :math:`\phi(h)`.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> gk.CommitteeMachine(D=2, N=2, eps=[0.0, 2.0]).phi(torch.tensor([[1.0], [1.0]])).tolist()
        [[1.0], [2.0]]
        """
        return phi_of(h, self._per_run(self.eps, h), self.activation)

    def dphi(self, h: torch.Tensor) -> torch.Tensor:
        r"""The derivative :math:`\phi'(h) = 1 + \frac\epsilon2 g'(h)` (:func:`dphi_of`; :math:`1 + \epsilon h`
        by default) with each run's :math:`\epsilon`.

        Parameters
        ----------
        h : torch.Tensor, shape (R, ...)
            Preactivations with a leading run axis.

        Returns
        -------
        torch.Tensor, shape (R, ...)
            :math:`\phi'(h)`.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> gk.CommitteeMachine(D=2, N=2, eps=[0.0, 2.0]).dphi(torch.tensor([[1.0], [1.0]])).tolist()
        [[1.0], [3.0]]
        """
        return dphi_of(h, self._per_run(self.eps, h), self.activation)

    def raw_output(self, X: torch.Tensor, W: torch.Tensor | None = None, a=None) -> torch.Tensor:
        r"""The uncentred output :math:`f(W, a, x) = \frac\alpha N\sum_i a_i\phi(w_i\cdot x)`
        (:func:`committee_output`) for every row of ``X``.

        Parameters
        ----------
        X : torch.Tensor, shape (n, D)
            Inputs.
        W : torch.Tensor or None, shape (R, N, D), default None
            Hidden weights to use (``None``: the current ones, with the current readouts).
        a : torch.Tensor or None, shape (R, N), default None
            Readouts to use with ``W`` (with ``W`` given, ``None`` means :math:`a_i = 1`).

        Returns
        -------
        torch.Tensor, shape (R, n)
            The outputs (always with the run axis).

        Examples
        --------
        >>> import torch, gklib as gk
        >>> m = gk.CommitteeMachine.from_weights(torch.eye(2), alpha=2.0, eps=0.0)
        >>> m.raw_output(torch.tensor([[1.0, 3.0]])).tolist()
        [[4.0]]
        """
        if W is None:
            W, a = self._W, self._a
        return committee_output(W, a, X, self.alpha, self.eps, self.activation)

    def initial_output(self, X: torch.Tensor) -> torch.Tensor:
        """The output :math:`f_0(x)` at the initial weights (what the centring subtracts).

        Parameters
        ----------
        X : torch.Tensor, shape (n, D)
            Inputs.

        Returns
        -------
        torch.Tensor, shape (R, n)
            The initial outputs.

        Examples
        --------
        >>> import gklib as gk
        >>> m = gk.CommitteeMachine(D=3, N=4)
        >>> X = gk.quadratic_task(D=3, P=2).X
        >>> bool(m.initial_output(X).equal(m.raw_output(X)))      # untrained: f = f0
        True
        """
        return self.raw_output(X, self._W0, self._a0)

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        """Predictions on ``X`` (``(n, D)``): centred :math:`f - f_0` when ``center``."""
        if X.ndim != 2 or X.shape[-1] != self.D:
            raise ValueError(f"X must have shape (n, {self.D}), got {tuple(X.shape)}")
        f = self.raw_output(X)
        if self.center:
            f = f - self.initial_output(X)
        return self._out(f)
