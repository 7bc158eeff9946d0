r"""Declared constraints, argument checks and constants shared by the modules of :mod:`gklib.dmft`
(private to the subpackage).

Everything in the DMFT runs in float64 (``F64``). The constraints (:mod:`gklib.params`) are the
subpackage's one vocabulary for its parameters; the checks here are those a declaration cannot
state (shapes that depend on ``N``, symmetry, the Monte Carlo sample count, the stable step).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..config import cap_steps
from ..params import Array, Boolean, Constraint, Integer, Real

F64 = torch.float64
MAX_STEPS = 10**7
"""The most time steps a DMFT or online solve may take (more cannot finish in a session)."""


class PositiveOrInf(Real):
    """A real number > 0, or ``math.inf`` (ρ = P/D: infinity is the online limit)."""

    def __init__(self, *, none_ok: bool = False):
        super().__init__(0, closed="neither", none_ok=none_ok)

    def describe(self) -> str:
        return "a real number > 0 or math.inf (the online limit)"

    def holds(self, value) -> bool:
        return super().holds(value) or _is_inf(value)

    def invalid_examples(self) -> list:
        return ["a string", None, float("nan"), -float("inf"), 0.0]


def _is_inf(value) -> bool:
    try:
        return not isinstance(value, (bool, np.bool_, str)) and float(value) == math.inf
    except (TypeError, ValueError):
        return False


class Integers(Constraint):
    """An integer >= ``low``, or a non-empty 1-D sequence of them (a list of seeds or of dimensions D).

    With ``count=True`` a single integer is a count ``n`` (meaning ``0, ..., n-1``) and must be >= 1."""

    def __init__(self, low: int = 0, *, count: bool = False, what: str = "integers", none_ok: bool = False):
        self.low, self.count, self.what, self.none_ok = low, count, what, none_ok

    def describe(self) -> str:
        one = "a count >= 1" if self.count else f"an integer >= {self.low}"
        return f"{one} or a non-empty sequence of {self.what} >= {self.low}"

    def holds(self, value) -> bool:
        single = Integer(1 if self.count else self.low)
        if single.holds(value):
            return True
        if isinstance(value, (str, bytes, dict, set)) or value is None or np.ndim(value) != 1:
            return False
        items = list(value)
        return bool(items) and all(Integer(self.low).holds(v) for v in items)

    def invalid_examples(self) -> list:
        return ["a string", None, 2.5, [], [self.low - 1], [[1]], float("nan")]


N_UNITS = Integer(1)
POSITIVE = Real(0, closed="neither")
NONNEGATIVE = Real(0)
RHO = PositiveOrInf()
SIZE = Integer(1)
SIZE_OR_NONE = Integer(1, none_ok=True)
SEED = Integer(0)
SEEDS = Integers(0, count=True, what="seeds")
MATRIX = Array(2, none_ok=True)
VECTOR = Array(1, none_ok=True)
THREADS = Integer(1, none_ok=True)
FLAG_OR_NONE = Boolean(none_ok=True)
DAMPING = Real(0, 1, closed="right")


def check_planted(m0, N: int):
    """Planted overlaps ``m0`` as a float array of shape (N,) (``None`` stays ``None``)."""
    if m0 is None:
        return None
    m0 = np.asarray(m0, dtype=float)
    if m0.shape != (N,):
        raise ValueError(f"m0 must have shape ({N},), got {m0.shape}")
    return m0


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


def check_dmft(N, rho, alpha, eps, q_star, dt, steps, samples, damping, iters, tol):
    """The declared arguments of the finite-ρ solver as Python numbers, ``steps`` capped by
    ``$GKLIB_SMOKE_STEPS`` (:func:`gklib.config.cap_steps`), and the one check a declaration cannot state:
    enough ``samples`` to whiten the Gaussian fields."""
    N, steps, samples, iters = int(N), cap_steps(int(steps)), int(samples), int(iters)   # cost ~ (N*steps)^3
    if samples <= 2 * (N * (steps + 1) + 1):
        raise ValueError(f"samples must exceed twice the number of Gaussian fields, 2·(N·(steps+1)+1) = "
                         f"{2 * (N * (steps + 1) + 1)}, got {samples}")
    return (N, float(rho), float(alpha), float(eps), float(q_star), float(dt), steps, samples, float(damping), iters,
            float(tol))
