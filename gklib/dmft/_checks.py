r"""Argument checks and constants shared by the modules of :mod:`gklib.dmft` (private to the subpackage).

Everything in the DMFT runs in float64 (``F64``). The checks raise ``ValueError`` naming the
parameter, like those of :mod:`gklib.validation`, which they build on.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..config import cap_steps
from ..validation import check_positive, check_positive_int

F64 = torch.float64
MAX_STEPS = 10**7
"""The most time steps a DMFT or online solve may take (more cannot finish in a session)."""


def check_rho(rho) -> float:
    """``rho = P/D`` as a float > 0; ``math.inf`` (the online limit) is allowed."""
    try:
        r = float(rho)
    except (TypeError, ValueError):
        raise ValueError(f"rho must be a positive number (or math.inf), got {rho!r}") from None
    if not r > 0 or math.isnan(r):
        raise ValueError(f"rho must be > 0 (or math.inf for the online limit), got {rho!r}")
    return r


def check_init(N: int, C0, m0, dev) -> tuple[torch.Tensor, torch.Tensor]:
    """``C0`` (N, N) symmetric PSD (default I) and ``m0`` (N,) (default 0) as float64 tensors."""
    C0 = torch.eye(N, dtype=F64) if C0 is None else torch.as_tensor(np.asarray(C0, dtype=float))
    m0 = torch.zeros(N, dtype=F64) if m0 is None else torch.as_tensor(np.asarray(m0, dtype=float))
    if C0.shape != (N, N):
        raise ValueError(f"C0 must have shape ({N}, {N}), got {tuple(C0.shape)}")
    if m0.shape != (N,):
        raise ValueError(f"m0 must have shape ({N},), got {tuple(m0.shape)}")
    if not (torch.isfinite(C0).all() and torch.isfinite(m0).all()):
        raise ValueError("C0 and m0 must be finite")
    if not torch.allclose(C0, C0.T, atol=1e-10 * (1 + C0.abs().max())):
        raise ValueError("C0 must be symmetric")
    if torch.linalg.eigvalsh(C0).min() < -1e-10 * (1 + C0.abs().max()):
        raise ValueError("C0 must be positive semi-definite")
    return C0.to(dev, F64), m0.to(dev, F64)


def check_common(N, alpha, eps, q_star):
    """The model's parameters: width ``N`` (int > 0), ``alpha`` > 0, ``eps`` >= 0, ``q_star`` > 0."""
    return (check_positive_int(N, "N"), check_positive(alpha, "alpha"),
            check_positive(eps, "eps", allow_zero=True), check_positive(q_star, "q_star"))


def check_dmft(N, rho, alpha, eps, q_star, dt, steps, samples, damping, iters, tol):
    """All arguments of the finite-ρ solver; ``steps`` is capped by ``$GKLIB_SMOKE_STEPS``
    (:func:`gklib.config.cap_steps`)."""
    N, alpha, eps, q_star = check_common(N, alpha, eps, q_star)
    rho = check_rho(rho)
    dt = check_positive(dt, "dt")
    steps = cap_steps(check_positive_int(steps, "steps"))   # $GKLIB_SMOKE_STEPS: cost ~ (N*steps)^3
    samples = check_positive_int(samples, "samples")
    if samples <= 2 * (N * (steps + 1) + 1):
        raise ValueError(f"samples must exceed twice the number of Gaussian fields, 2·(N·(steps+1)+1) = "
                         f"{2 * (N * (steps + 1) + 1)}, got {samples}")
    damping = check_positive(damping, "damping")
    if not 0 < damping <= 1:
        raise ValueError(f"damping must be in (0, 1], got {damping}")
    iters = check_positive_int(iters, "iters")
    tol = check_positive(tol, "tol")
    return N, rho, alpha, eps, q_star, dt, steps, samples, damping, iters, tol
