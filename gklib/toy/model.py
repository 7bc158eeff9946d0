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

The model's formula (:func:`~gklib.toy.formula.phi_of`, :func:`~gklib.toy.formula.dphi_of`,
:func:`~gklib.toy.formula.committee_output`) and the methods that evaluate it are defined once in
:mod:`gklib.toy.formula`; this module holds the model's construction and state. The three functions
are also importable from here (``from gklib.toy.model import committee_output``).

With the quadratic activation and fixed readouts, :math:`f(x) = \\alpha\\,\\bar w\\cdot x +
\\tfrac{\\alpha\\epsilon}{2} x^\\top M x` with :math:`\\bar w = \\tfrac1N\\sum_i w_i` and
:math:`M = \\tfrac1N\\sum_i w_i w_i^\\top`: the model is fully described by these summary statistics
(introduction, "The toy model"); see :mod:`gklib.toy.trainer`.
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from ..runtime import generator, get_device
from ..params import Boolean, Integer, Reals, validate_params
from ..validation import INT_MAX, as_run_array, broadcast_runs, check_float_dtype
from .formula import _ACTIVATION, _CommitteeFunction
from .formula import committee_output, dphi_of, phi_of  # noqa: F401  (importable from here too)

__all__ = ["CommitteeMachine"]


class CommitteeMachine(_CommitteeFunction):
    r"""The paper's toy model, a committee machine :math:`f = \frac{\alpha}{N}\sum_i a_i\phi(w_i\cdot x)` with
    :math:`\phi(h) = h + \frac\epsilon2 h^2`, batched over ``R`` runs (one value of ``alpha``, ``eps`` and
    ``seed`` per run, broadcast together).

    The hidden weights start at :math:`W_{ij}\sim\mathcal N(0,1)`; by default the predictor is centred,
    :math:`f - f_0`, so it outputs zero at initialisation for every α. Train it with :func:`gklib.train`.

    Parameters
    ----------
    D, N : int
        Input dimension and width (each >= 1).
    alpha : float or sequence of float, default 1.0
        Output scale (> 0); one value per run for a sweep. Large α: lazy; small α: rich.
    eps : float or sequence of float, default 0.02
        Quadratic coefficient of :math:`\phi` (>= 0).
    seed : int or sequence of int, default 0
        Seed of the initial weights, in [0, 2**63 - 1]; runs with the same seed share the same initial
        weights (so an α sweep compares like with like). A ``torch.Generator`` is not accepted.
    center : bool, default True
        Train and report the centred predictor :math:`f - f_0`.
    readout : bool, default False
        Also train readout weights :math:`a_i\sim\mathcal N(0,1)` (paper Fig 12; direct engine).
    activation : str, default "quadratic"
        ``"quadratic"`` (:math:`\phi = h + \frac\epsilon2 h^2`) or ``"hermiteK"``
        (:math:`\phi = h + \frac\epsilon2 He_K(h)`; direct engine).
    device : str or torch.device or None, default None
        Where the weights live (``None``: CUDA when available, else CPU).
    dtype : torch.dtype, default torch.float32
        Floating dtype of the weights.

    Attributes
    ----------
    W : torch.Tensor, shape (N, D) or (R, N, D)
        Current hidden weights (a run axis only for a batched model).
    W0 : torch.Tensor
        The initial weights (reference of the centring), same shape.
    a, a0 : torch.Tensor or None, shape (N,) or (R, N)
        Current and initial readouts (``None`` without readouts).
    alpha, eps : torch.Tensor, shape (R,)
        The per-run hyperparameters.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (``alpha <= 0``, ``N = 0``, ``activation="relu"``, ...).
    ValueError
        A seed that is not an integer or a 1-D sequence of integers, a non-floating dtype.

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

    @validate_params(D=Integer(1, INT_MAX), N=Integer(1, INT_MAX), alpha=Reals(0, closed='neither'), eps=Reals(0),
                     center=Boolean(), readout=Boolean(), activation=_ACTIVATION)
    def __init__(self, D: int, N: int, alpha=1.0, eps=0.02, seed=0, center: bool = True,
                 readout: bool = False, activation: str = "quadratic", device=None, dtype=torch.float32):
        self.D, self.N = int(D), int(N)
        check_float_dtype(dtype)
        a, e = as_run_array(alpha), as_run_array(eps)
        s = np.atleast_1d(np.asarray(seed))
        if s.ndim != 1 or not np.issubdtype(s.dtype, np.integer):
            raise ValueError(f"seed must be an integer or a 1-D sequence of integers, got {seed!r}")
        self.batched = any(np.ndim(v) > 0 for v in (alpha, eps, seed))
        R, p = broadcast_runs(alpha=a, eps=e, seed=s)
        self.device = get_device(device)
        self.dtype = dtype
        self.center = bool(center)
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
    @validate_params(alpha=Reals(0, closed='neither'), eps=Reals(0), center=Boolean())
    def from_weights(cls, W, alpha=1.0, eps=0.02, center: bool = True, W0=None):
        """A model with given hidden weights ``W`` (e.g. the aligned initialisation of chapter 3).

        Parameters
        ----------
        W : torch.Tensor, shape (N, D) or (R, N, D)
            Hidden weights, finite; their dtype and device are the model's.
        alpha : float or sequence of float, default 1.0
            Output scale (> 0), one per run.
        eps : float or sequence of float, default 0.02
            Quadratic coefficient (>= 0), one per run.
        center : bool, default True
            Centre the predictor on ``W0``.
        W0 : torch.Tensor or None, shape of W, default None
            The centring reference (``None``: ``W`` itself).

        Returns
        -------
        CommitteeMachine
            The model (``R`` runs from ``W``'s run axis or from ``alpha``/``eps``).

        Raises
        ------
        ValueError
            Shapes that do not fit, or non-finite weights.

        Examples
        --------
        >>> import torch, gklib as gk
        >>> m = gk.CommitteeMachine.from_weights(torch.eye(3), alpha=2.0, eps=0.0, center=False)
        >>> m.raw_output(torch.tensor([[1.0, 1.0, 1.0]])).tolist()      # 2 * mean_i (e_i . x)
        [[2.0]]
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
        """A deep copy (weights included).

        Returns
        -------
        CommitteeMachine
            An independent model.

        Examples
        --------
        >>> import gklib as gk
        >>> m = gk.CommitteeMachine(D=3, N=4)
        >>> c = m.copy(); c.W = c.W * 0
        >>> float(m.W.abs().sum()) > 0
        True
        """
        return copy.deepcopy(self)

    @validate_params(R=Integer(1, INT_MAX))
    def expand(self, R: int) -> "CommitteeMachine":
        """A new model with this single run repeated ``R`` times (weights copied; ``self`` unchanged).

        Parameters
        ----------
        R : int
            Number of runs, >= 1 (a model that already has ``R`` runs is copied).

        Returns
        -------
        CommitteeMachine
            The batched model.

        Raises
        ------
        ValueError
            The model has several runs, and not ``R``.

        Examples
        --------
        >>> import gklib as gk
        >>> gk.CommitteeMachine(D=3, N=4).expand(5).R
        5
        """
        R = int(R)
        if self.R != 1 and self.R != R:
            raise ValueError(f"cannot expand a model with {self.R} runs to {R} runs")
        new = self.select(np.zeros(R, dtype=int))
        new.batched = True
        return new

    def select(self, runs) -> "CommitteeMachine":
        """A new model made of the given runs (weights copied).

        Parameters
        ----------
        runs : int or sequence of int
            Indices into the run axis, ``0 <= i < R`` (an int gives a single-run model).

        Returns
        -------
        CommitteeMachine
            The selected runs.

        Raises
        ------
        ValueError
            An index out of range, or no index.

        Examples
        --------
        >>> import gklib as gk
        >>> m = gk.CommitteeMachine(D=3, N=4, alpha=[1.0, 2.0, 3.0])
        >>> m.select([2, 0]).alpha.tolist(), m.select(1).R
        ([3.0, 1.0], 1)
        """
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
        """Return the weights (and readouts) to their initial values, in place.

        Returns
        -------
        CommitteeMachine
            The model itself.

        Examples
        --------
        >>> import gklib as gk
        >>> m = gk.CommitteeMachine(D=3, N=4)
        >>> m.W = m.W + 1
        >>> bool(m.reset().W.equal(m.W0))
        True
        """
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
        """Current hidden weights, ``(N, D)`` or ``(R, N, D)`` (settable, same shape).
        """
        value = torch.as_tensor(value, device=self.device, dtype=self.dtype)
        value = value if value.ndim == 3 else value[None]
        if value.shape != self._W.shape:
            raise ValueError(f"W must have shape {tuple(self.W.shape)}, got {tuple(value.shape)}")
        self._W = value.clone()

    @property
    def W0(self) -> torch.Tensor:
        """The initial hidden weights (reference of the centring), the shape of ``W``.
        """
        return self._out(self._W0)

    @property
    def a(self):
        """Current readouts, ``(N,)`` or ``(R, N)``; ``None`` without readouts.
        """
        return None if self._a is None else self._out(self._a)

    @property
    def a0(self):
        """Initial readouts, ``(N,)`` or ``(R, N)``; ``None`` without readouts.
        """
        return None if self._a0 is None else self._out(self._a0)
    def __repr__(self) -> str:
        a = self.alpha.tolist()
        e = self.eps.tolist()
        return (f"CommitteeMachine(D={self.D}, N={self.N}, alpha={a if self.batched else a[0]}, "
                f"eps={e if self.batched else e[0]}, runs={self.R}, center={self.center}"
                f"{', readout=True' if self._a is not None else ''}"
                f"{'' if self.activation == 'quadratic' else ', activation=' + repr(self.activation)})")
