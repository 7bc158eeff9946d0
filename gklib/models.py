"""The toy model of the paper: a committee machine with a quadratic-plus-linear activation.

.. math::

    f(W, x) = \\frac{\\alpha}{N}\\sum_{i=1}^N \\phi(w_i\\cdot x), \\qquad
    \\phi(h) = h + \\frac{\\epsilon}{2} h^2 ,

with hidden weights :math:`W_{ij}\\sim\\mathcal N(0,1)` and readouts fixed to one. The output scale
:math:`\\alpha` sets the laziness, :math:`\\epsilon` the alignment of the initial NTK with the
quadratic target. By default the predictor is centred (Chizat et al.): :math:`f - f_0` with
:math:`f_0 = f(W_0, \\cdot)`, so the network outputs zero at initialisation for every α.

Because :math:`f(x) = \\alpha\\,\\bar w\\cdot x + \\tfrac{\\alpha\\epsilon}{2} x^\\top M x` with
:math:`\\bar w = \\tfrac1N\\sum_i w_i` and :math:`M = \\tfrac1N\\sum_i w_i w_i^\\top`, the model is
fully described by these summary statistics (paper.md §2.1); see :mod:`gklib.train`.
"""
from __future__ import annotations

import copy

import numpy as np
import torch

from .config import generator, get_device
from .validation import as_param_array, broadcast_runs, check_positive_int


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
    device, dtype : where the weights live (default: CUDA if present; float32).

    Attributes
    ----------
    W : current hidden weights, ``(N, D)`` for a single run or ``(R, N, D)`` for ``R`` runs.
    W0 : the initial weights (reference of the centring), same shape.
    alpha, eps : ``(R,)`` tensors.
    """

    def __init__(self, D: int, N: int, alpha=1.0, eps=0.02, seed=0, center: bool = True,
                 device=None, dtype=torch.float32):
        self.D = check_positive_int(D, "D")
        self.N = check_positive_int(N, "N")
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
        self.seeds = p["seed"].astype(int)
        self.alpha = torch.as_tensor(p["alpha"], device=self.device, dtype=dtype)
        self.eps = torch.as_tensor(p["eps"], device=self.device, dtype=dtype)
        cache = {}
        for sd in np.unique(self.seeds):
            cache[sd] = torch.randn(self.N, self.D, generator=generator(int(sd)), dtype=torch.float64)
        W = torch.stack([cache[sd] for sd in self.seeds]).to(self.device, dtype)
        self._W = W
        self._W0 = W.clone()

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
        m._W = W3.to(m.device, m.dtype).expand(R, -1, -1).clone()
        ref = m._W if W0 is None else torch.as_tensor(W0).to(m.device, m.dtype)
        m._W0 = (ref if ref.ndim == 3 else ref[None]).expand(R, -1, -1).clone()
        m.batched = batched
        return m

    def copy(self) -> "CommitteeMachine":
        """A deep copy (weights included)."""
        return copy.deepcopy(self)

    def expand(self, R: int) -> "CommitteeMachine":
        """Repeat a single-run model to ``R`` identical runs (in place; returns ``self``)."""
        R = check_positive_int(R, "R")
        if self.R == R:
            return self
        if self.R != 1:
            raise ValueError(f"cannot expand a model with {self.R} runs to {R} runs")
        self._W = self._W.expand(R, -1, -1).clone()
        self._W0 = self._W0.expand(R, -1, -1).clone()
        self.alpha = self.alpha.expand(R).clone()
        self.eps = self.eps.expand(R).clone()
        self.seeds = np.broadcast_to(self.seeds, (R,)).copy()
        self.batched = True
        return self

    def reset(self) -> "CommitteeMachine":
        """Return the weights to their initial values."""
        self._W = self._W0.clone()
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

    @staticmethod
    def summary_stats(W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """:math:`\\bar w = \\frac1N\\sum_i w_i` ``(..., D)`` and :math:`M = \\frac1N W^\\top W` ``(..., D, D)``."""
        N = W.shape[-2]
        return W.mean(-2), W.transpose(-1, -2) @ W / N

    def stats(self, initial: bool = False):
        """``(wbar, M)`` of the current (or initial) weights, with a leading run axis."""
        return self.summary_stats(self._W0 if initial else self._W)

    def weight_norm(self) -> torch.Tensor:
        """:math:`\\|W\\|_F` per run."""
        return self._out(self._W.flatten(1).norm(dim=1))

    # ------------------------------------------------------------------ function
    def phi(self, h: torch.Tensor) -> torch.Tensor:
        """:math:`\\phi(h) = h + \\frac\\epsilon2 h^2` for ``h`` of shape ``(R, ...)``."""
        e = self.eps.view(-1, *([1] * (h.ndim - 1)))
        return h + 0.5 * e * h * h

    def dphi(self, h: torch.Tensor) -> torch.Tensor:
        """:math:`\\phi'(h) = 1 + \\epsilon h`."""
        e = self.eps.view(-1, *([1] * (h.ndim - 1)))
        return 1 + e * h

    def raw_output(self, X: torch.Tensor, W: torch.Tensor | None = None) -> torch.Tensor:
        """Uncentred :math:`f(W, x)` for every row of ``X``; shape ``(R, n)``."""
        W = self._W if W is None else W
        H = torch.einsum("nd,rkd->rnk", X.to(W), W)
        return self.alpha[:, None] / self.N * self.phi(H).sum(-1)

    def __call__(self, X: torch.Tensor) -> torch.Tensor:
        """Predictions on ``X`` (``(n, D)``): centred :math:`f - f_0` when ``center``."""
        if X.ndim != 2 or X.shape[-1] != self.D:
            raise ValueError(f"X must have shape (n, {self.D}), got {tuple(X.shape)}")
        f = self.raw_output(X)
        if self.center:
            f = f - self.raw_output(X, self._W0)
        return self._out(f)

    def __repr__(self) -> str:
        a = self.alpha.tolist()
        e = self.eps.tolist()
        return (f"CommitteeMachine(D={self.D}, N={self.N}, alpha={a if self.batched else a[0]}, "
                f"eps={e if self.batched else e[0]}, runs={self.R}, center={self.center})")
