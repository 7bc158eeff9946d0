"""The toy model of the paper: a committee machine with a quadratic-plus-linear activation.

.. math::

    f(W, a, x) = \\frac{\\alpha}{N}\\sum_{i=1}^N a_i\\,\\phi(w_i\\cdot x), \\qquad
    \\phi(h) = h + \\frac{\\epsilon}{2} g(h) ,

with hidden weights :math:`W_{ij}\\sim\\mathcal N(0,1)`, readouts fixed to :math:`a_i = 1` (or trained,
``readout=True``) and :math:`g(h) = h^2` (``activation="quadratic"``, the paper's model) or the Hermite
polynomial :math:`He_K(h)` (``"hermiteK"``, paper App 16). The output scale :math:`\\alpha` sets the
laziness, :math:`\\epsilon` the alignment of the initial NTK with the quadratic target. By default the
predictor is centred (Chizat et al.): :math:`f - f_0` with :math:`f_0 = f(W_0, a_0, \\cdot)`, so the
network outputs zero at initialisation for every α.

This module is the one definition of the model's function: :func:`phi_of`, :func:`dphi_of` and the
pure, differentiable :func:`committee_output`, which :meth:`CommitteeMachine.raw_output`, the NTKs
(:func:`gklib.kernels.empirical_ntk`, :func:`gklib.kernels.committee_ntk`) and the ``nn.Module`` view
(:class:`gklib.nets.CommitteeModule`) all call.

With the quadratic activation and fixed readouts, :math:`f(x) = \\alpha\\,\\bar w\\cdot x +
\\tfrac{\\alpha\\epsilon}{2} x^\\top M x` with :math:`\\bar w = \\tfrac1N\\sum_i w_i` and
:math:`M = \\tfrac1N\\sum_i w_i w_i^\\top`: the model is fully described by these summary statistics
(introduction, "The toy model"); see :mod:`gklib.toy.trainer`.
"""
from __future__ import annotations

import copy
import functools

import numpy as np
import torch

from ..runtime import generator, get_device
from .tasks import hermite
from ..params import Boolean, Integer, Options, Reals, validate_params
from ..validation import as_param_array, broadcast_runs, check_float_dtype, check_positive_int


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
    """The activation :math:`\\phi(h) = h + \\frac\\epsilon2 g(h)`, :math:`g = h^2` (``"quadratic"``) or
    :math:`He_K(h)` (``"hermiteK"``); ``eps`` broadcasts against ``h``."""
    return h + 0.5 * eps * _activation_parts(activation)[0](h)


def dphi_of(h, eps, activation: str = "quadratic"):
    """Its derivative :math:`\\phi'(h) = 1 + \\frac\\epsilon2 g'(h)` (:math:`1 + \\epsilon h` for
    ``"quadratic"``, :math:`1 + \\frac{\\epsilon K}{2} He_{K-1}(h)` for ``"hermiteK"``)."""
    return 1 + 0.5 * eps * _activation_parts(activation)[1](h)


def committee_output(W, a, X, alpha, eps, activation: str = "quadratic"):
    """The committee machine's function, :math:`f(W, a, x) = \\frac\\alpha N\\sum_{i=1}^N a_i\\,\\phi(w_i\\cdot x)`.

    A pure function of its tensors, so :mod:`torch.func` differentiates and vmaps it (the NTKs
    and the linearisation are derived from it).

    Parameters
    ----------
    W : hidden weights ``(..., N, D)`` (any leading batch axes, e.g. runs).
    a : readouts ``(..., N)``, or ``None`` for :math:`a_i = 1`.
    X : inputs ``(n, D)``.
    alpha, eps : output scale and activation coefficient, scalars or tensors of shape ``(...)``.
    activation : ``"quadratic"`` or ``"hermiteK"`` (see :func:`phi_of`).

    Returns
    -------
    ``(..., n)``: the uncentred output on every row of ``X``.
    """
    alpha = torch.as_tensor(alpha, device=W.device, dtype=W.dtype)
    eps = torch.as_tensor(eps, device=W.device, dtype=W.dtype)
    H = phi_of(torch.einsum("nd,...kd->...nk", X.to(W), W), eps[..., None, None], activation)
    out = H.sum(-1) if a is None else torch.einsum("...nk,...k->...n", H, a)
    return alpha[..., None] / W.shape[-2] * out


class CommitteeMachine:
    """Committee machine :math:`f = \\frac{\\alpha}{N}\\sum_i \\phi(w_i\\cdot x)`, batched over runs.

    Parameters
    ----------
    D, N : input dimension and width.
    alpha : output scale (> 0); a scalar or a sequence (one value per run).
    eps : quadratic coefficient of :math:`\\phi` (>= 0); scalar or sequence.
    seed : seed of the initial weights; scalar or sequence. Runs with the same seed share
        the same initial weights (so an α sweep compares like with like).
    center : train and report the centred predictor :math:`f - f_0` (default ``True``).
    readout : also train readout weights :math:`a_i\\sim\\mathcal N(0,1)`,
        :math:`f = \\frac\\alpha N\\sum_i a_i\\phi(w_i\\cdot x)` (paper Fig 12; chapter 3, "Where the test
        loss sits"; direct engine).
    activation : ``"quadratic"`` (:math:`\\phi = h + \\frac\\epsilon2 h^2`, default) or ``"hermiteK"``
        (:math:`\\phi = h + \\frac\\epsilon2 He_K(h)`; direct engine).
    device, dtype : where the weights live (default: CUDA if present; float32).

    Attributes
    ----------
    W : current hidden weights, ``(N, D)`` for a single run or ``(R, N, D)`` for ``R`` runs.
    W0 : the initial weights (reference of the centring), same shape.
    a, a0 : current and initial readouts, ``(N,)`` or ``(R, N)`` (``None`` without readouts).
    alpha, eps : ``(R,)`` tensors.

    Examples
    --------
    >>> import gklib as gk
    >>> model = gk.CommitteeMachine(D=20, N=50, alpha=[0.5, 2.0], eps=0.1, seed=0)
    >>> model.R, tuple(model.W.shape)          # two runs, sharing their initial weights (same seed)
    (2, (2, 50, 20))
    >>> X = gk.quadratic_task(D=20, P=10, seed=1).X
    >>> tuple(model(X).shape), float(model(X).abs().max())   # centred: f - f0 = 0 at initialisation
    ((2, 10), 0.0)
    """

    @validate_params(D=Integer(1), N=Integer(1), alpha=Reals(0, closed='neither'), eps=Reals(0),
                     center=Boolean(), readout=Boolean())
    def __init__(self, D: int, N: int, alpha=1.0, eps=0.02, seed=0, center: bool = True,
                 readout: bool = False, activation: str = "quadratic", device=None, dtype=torch.float32):
        self.D = check_positive_int(D, "D")
        self.N = check_positive_int(N, "N")
        check_float_dtype(dtype)
        a = as_param_array(alpha, "alpha")
        e = as_param_array(eps, "eps", allow_zero=True)
        s = np.atleast_1d(np.asarray(seed))
        if s.ndim != 1 or not np.issubdtype(s.dtype, np.integer):
            raise ValueError(f"seed must be an integer or a 1-D sequence of integers, got {seed!r}")
        self.batched = any(np.ndim(v) > 0 for v in (alpha, eps, seed))
        R, p = broadcast_runs(alpha=a, eps=e, seed=s)
        self.device = get_device(device)
        self.dtype = dtype
        self.center = bool(center)
        _activation_parts(activation)                   # validates the name
        self.activation = activation
        self.seeds = p["seed"].astype(int)
        self.alpha = torch.as_tensor(p["alpha"], device=self.device, dtype=dtype)
        self.eps = torch.as_tensor(p["eps"], device=self.device, dtype=dtype)
        cache = {}
        for sd in np.unique(self.seeds):
            g = generator(int(sd), "committee")
            W = torch.randn(self.N, self.D, generator=g, dtype=torch.float64)
            cache[sd] = (W, torch.randn(self.N, generator=g, dtype=torch.float64))
        W = torch.stack([cache[sd][0] for sd in self.seeds]).to(self.device, dtype)
        self._W, self._W0 = W, W.clone()
        self._a = self._a0 = None
        if readout:
            self._a = torch.stack([cache[sd][1] for sd in self.seeds]).to(self.device, dtype)
            self._a0 = self._a.clone()

    # ------------------------------------------------------------------ construction helpers
    @classmethod
    def from_weights(cls, W, alpha=1.0, eps=0.02, center: bool = True, W0=None):
        """A model with given hidden weights ``W`` (``(N, D)`` or ``(R, N, D)``).

        ``W0`` is the centring reference (default: ``W`` itself). Used e.g. for the
        aligned-initialisation experiment.
        """
        W = torch.as_tensor(W)
        if W.ndim not in (2, 3):
            raise ValueError(f"W must have shape (N, D) or (R, N, D), got {tuple(W.shape)}")
        batched = W.ndim == 3 or np.ndim(alpha) > 0 or np.ndim(eps) > 0
        W3 = W if W.ndim == 3 else W[None]
        m = cls(W3.shape[-1], W3.shape[-2], alpha=alpha, eps=eps, seed=0, center=center,
                device=W.device, dtype=W.dtype if W.is_floating_point() else torch.float32)
        R = m.R
        if W3.shape[0] not in (1, R):
            raise ValueError(f"W has {W3.shape[0]} runs but alpha/eps have {R}")
        if not bool(torch.isfinite(W3).all()):
            raise ValueError("W contains NaN or infinite values")
        m._W = W3.to(m.device, m.dtype).expand(R, -1, -1).clone()
        ref = m._W if W0 is None else torch.as_tensor(W0).to(m.device, m.dtype)
        ref = ref if ref.ndim == 3 else ref[None]
        if ref.ndim != 3 or ref.shape[1:] != W3.shape[1:] or ref.shape[0] not in (1, R):
            raise ValueError(f"W0 must have the shape of W, {tuple(W.shape)}, got {tuple(torch.as_tensor(W0).shape)}")
        if not bool(torch.isfinite(ref).all()):
            raise ValueError("W0 contains NaN or infinite values")
        m._W0 = ref.expand(R, -1, -1).clone()
        m.batched = batched
        return m

    def copy(self) -> "CommitteeMachine":
        """A deep copy (weights included)."""
        return copy.deepcopy(self)

    def expand(self, R: int) -> "CommitteeMachine":
        """A new model with this single run repeated ``R`` times (weights copied; ``self`` unchanged)."""
        R = check_positive_int(R, "R")
        if self.R != 1 and self.R != R:
            raise ValueError(f"cannot expand a model with {self.R} runs to {R} runs")
        new = self.select(np.zeros(R, dtype=int))
        new.batched = True
        return new

    def select(self, runs) -> "CommitteeMachine":
        """A new model made of the given runs (indices into the run axis); weights are copied."""
        idx = torch.as_tensor(np.atleast_1d(runs), device=self.device, dtype=torch.long)
        if idx.numel() == 0 or int(idx.min()) < 0 or int(idx.max()) >= self.R:
            raise ValueError(f"runs must index the {self.R} runs of this model, got {runs!r}")
        new = copy.copy(self)
        new._W, new._W0 = self._W[idx].clone(), self._W0[idx].clone()
        if self._a is not None:
            new._a, new._a0 = self._a[idx].clone(), self._a0[idx].clone()
        new.alpha, new.eps = self.alpha[idx].clone(), self.eps[idx].clone()
        new.seeds = self.seeds[idx.cpu().numpy()]
        new.batched = self.batched or np.ndim(runs) > 0
        return new

    def reset(self) -> "CommitteeMachine":
        """Return the weights to their initial values."""
        self._W = self._W0.clone()
        self._a = None if self._a0 is None else self._a0.clone()
        return self

    # ------------------------------------------------------------------ state
    @property
    def R(self) -> int:
        """Number of runs (the batch axis)."""
        return self._W.shape[0]

    def _out(self, t):
        return t if self.batched else t[0]

    @property
    def W(self) -> torch.Tensor:
        return self._out(self._W)

    @W.setter
    def W(self, value):
        value = torch.as_tensor(value, device=self.device, dtype=self.dtype)
        value = value if value.ndim == 3 else value[None]
        if value.shape != self._W.shape:
            raise ValueError(f"W must have shape {tuple(self.W.shape)}, got {tuple(value.shape)}")
        self._W = value.clone()

    @property
    def W0(self) -> torch.Tensor:
        return self._out(self._W0)

    @property
    def a(self):
        return None if self._a is None else self._out(self._a)

    @property
    def a0(self):
        return None if self._a0 is None else self._out(self._a0)

    @staticmethod
    def summary_stats(W: torch.Tensor, a: torch.Tensor | None = None):
        """:math:`\\bar w = \\frac1N\\sum_i a_i w_i` ``(..., D)`` and
        :math:`M = \\frac1N\\sum_i a_i w_iw_i^\\top` ``(..., D, D)`` (:math:`a_i = 1` without readouts)."""
        N = W.shape[-2]
        if a is None:
            return W.mean(-2), W.transpose(-1, -2) @ W / N
        aW = a[..., None] * W
        return aW.mean(-2), W.transpose(-1, -2) @ aW / N

    def stats(self, initial: bool = False):
        """``(wbar, M)`` of the current (or initial) weights, with a leading run axis."""
        if initial:
            return self.summary_stats(self._W0, self._a0)
        return self.summary_stats(self._W, self._a)

    def weight_norm(self) -> torch.Tensor:
        """:math:`\\|W\\|_F` per run."""
        return self._out(self._W.flatten(1).norm(dim=1))

    # ------------------------------------------------------------------ function
    def _per_run(self, v, h):
        return v.view(-1, *([1] * (h.ndim - 1)))

    def phi(self, h: torch.Tensor) -> torch.Tensor:
        """:math:`\\phi(h) = h + \\frac\\epsilon2 g(h)` (:func:`phi_of`) for ``h`` of shape ``(R, ...)``."""
        return phi_of(h, self._per_run(self.eps, h), self.activation)

    def dphi(self, h: torch.Tensor) -> torch.Tensor:
        """:math:`\\phi'(h) = 1 + \\frac\\epsilon2 g'(h)` (:func:`dphi_of`; :math:`1 + \\epsilon h` by default)."""
        return dphi_of(h, self._per_run(self.eps, h), self.activation)

    def raw_output(self, X: torch.Tensor, W: torch.Tensor | None = None, a=None) -> torch.Tensor:
        """Uncentred :math:`f(W, a, x) = \\frac\\alpha N\\sum_i a_i\\phi(w_i\\cdot x)` (:func:`committee_output`)
        for every row of ``X``; shape ``(R, n)``. ``W`` ``(R, N, D)`` and ``a`` ``(R, N)`` default to the
        current weights (with ``W`` given, ``a=None`` means :math:`a_i = 1`)."""
        if W is None:
            W, a = self._W, self._a
        return committee_output(W, a, X, self.alpha, self.eps, self.activation)

    def initial_output(self, X: torch.Tensor) -> torch.Tensor:
        """:math:`f_0(x)` at the initial weights, ``(R, n)``."""
        return self.raw_output(X, self._W0, self._a0)

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        """Predictions on ``X`` (``(n, D)``): centred :math:`f - f_0` when ``center``."""
        if X.ndim != 2 or X.shape[-1] != self.D:
            raise ValueError(f"X must have shape (n, {self.D}), got {tuple(X.shape)}")
        f = self.raw_output(X)
        if self.center:
            f = f - self.initial_output(X)
        return self._out(f)

    def __repr__(self) -> str:
        a = self.alpha.tolist()
        e = self.eps.tolist()
        return (f"CommitteeMachine(D={self.D}, N={self.N}, alpha={a if self.batched else a[0]}, "
                f"eps={e if self.batched else e[0]}, runs={self.R}, center={self.center}"
                f"{', readout=True' if self._a is not None else ''}"
                f"{'' if self.activation == 'quadratic' else ', activation=' + repr(self.activation)})")
