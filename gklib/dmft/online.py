r"""Closed forms and the online (ρ → ∞, Saad–Solla) limit of the toy model's DMFT (chapter 4, §“The online limit
:math:`\rho\to\infty` and the slow escape”; the DMFT derivation page, Step 4).

Part of :mod:`gklib.dmft`; see there for the conventions. Closed forms in the equal-time order
parameters :math:`(C,\boldsymbol m,q_\star)`: the population test loss, the online response
:math:`r(C)`, the alignment with the teacher, the early escape rate and time from
:math:`\boldsymbol m\approx0`, and the typical initial overlap of a random init. The online limit:
the closed ODEs for :math:`(C,\boldsymbol m)` and the exact ρ = ∞ map of one GD step.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..validation import check_positive, check_positive_int
from ._checks import F64, MAX_STEPS, check_common, check_init


# ----------------------------------------------------------------------------- closed forms
def cm_test_loss(C, m, alpha: float, eps: float, q_star: float):
    r"""Population test loss (MSE, no ½) of the uncentred model from its order parameters (paper v3 eq. 6 in
    :math:`(C,\boldsymbol m)`; the DMFT derivation page, Step 4):

    .. math:: \mathcal L=\tfrac14\big(q_\star-\tfrac{\alpha\epsilon}N\mathrm{Tr}C\big)^2
              +\tfrac12\Big[\tfrac{\alpha^2\epsilon^2}{N^2}\textstyle\sum_{ij}C_{ij}^2
              -\tfrac{2\alpha\epsilon}N\sum_im_i^2+q_\star^2\Big]+\tfrac{\alpha^2}{N^2}\sum_{ij}C_{ij}.

    ``C`` has shape ``(..., N, N)`` (equal-time), ``m`` ``(..., N)``; works on numpy or torch.
    """
    N = C.shape[-1]
    if C.ndim < 2 or C.shape[-2] != N or tuple(m.shape) != tuple(C.shape[:-1]):
        raise ValueError(f"C must have shape (..., N, N) and m (..., N), got {tuple(C.shape)} and {tuple(m.shape)}")
    tr = C.diagonal(0, -2, -1).sum(-1)
    var = 0.25 * (q_star - alpha * eps / N * tr) ** 2
    mis = 0.5 * (alpha**2 * eps**2 / N**2 * (C**2).sum((-2, -1))
                 - 2 * alpha * eps / N * (m**2).sum(-1) + q_star**2)
    lin = alpha**2 / N**2 * C.sum((-2, -1))
    return var + mis + lin


def online_response(C, alpha: float, eps: float, q_star: float):
    r"""Equal-time gradient response at :math:`\rho=\infty` (Gaussian fields, Stein's lemma; derivation page, Step 4):

    .. math:: r=\frac{\epsilon}{2\alpha}\Big(q_\star-\frac{\alpha\epsilon}N\mathrm{Tr}C\Big)I
              -\frac1N\big(\boldsymbol1\boldsymbol1^\top+\epsilon^2C\big) .

    ``C`` is ``(..., N, N)``; returns the same shape (torch).
    """
    N = C.shape[-1]
    a = eps / (2 * alpha) * (q_star - alpha * eps / N * C.diagonal(0, -2, -1).sum(-1))
    eye = torch.eye(N, dtype=C.dtype, device=C.device)
    return a[..., None, None] * eye - (torch.ones_like(C) + eps**2 * C) / N


def escape_rate(N: int, alpha: float, eps: float, *, q_star: float = 1.0) -> float:
    r"""Early growth rate of the alignment near :math:`C=I`, :math:`m\to0` (chapter 4, §“The online limit”):
    :math:`\gamma_\perp=\frac{3\epsilon q_\star}{2\alpha}-\frac{\epsilon^2}2-\frac{\epsilon^2}N`
    for the modes of :math:`\boldsymbol m` orthogonal to :math:`\boldsymbol1` (``N >= 2``); for
    ``N = 1`` only the mean mode exists and it grows at :math:`\gamma_\perp-1`."""
    N, alpha, eps, q_star = check_common(N, alpha, eps, q_star)
    g = 1.5 * eps * q_star / alpha - eps**2 / 2 - eps**2 / N
    return g if N > 1 else g - 1.0


def escape_time(N: int, alpha: float, eps: float, *, q_star: float = 1.0, m0=None, D: int | None = None,
                m_escape: float = 1.0) -> float:
    r"""Escape time :math:`t_\star\approx\gamma_\perp^{-1}\ln(m_{\rm escape}/|m_0^\perp|)`
    (chapter 4, §“The online limit”).

    Give the initial alignment ``m0`` (N,) — its part orthogonal to :math:`\boldsymbol 1` is used
    (all of it for ``N = 1``) — or the dimension ``D``, which sets the typical
    :math:`|m_0^\perp|=\sqrt{q_\star(N-1)/D}` of a random init. Returns ``inf`` when the rate is <= 0.
    """
    rate = escape_rate(N, alpha, eps, q_star=q_star)
    if m0 is not None:
        m0 = np.asarray(m0, dtype=float).reshape(-1)
        if m0.shape != (N,):
            raise ValueError(f"m0 must have shape ({N},), got {m0.shape}")
        perp = m0 - (m0.mean() if N > 1 else 0.0)
        size = float(np.linalg.norm(perp))
    elif D is not None:
        size = math.sqrt(q_star * max(N - 1, 1) / check_positive_int(D, "D"))
    else:
        raise ValueError("give m0 or D")
    if size <= 0:
        raise ValueError("m0 has no component that can grow (it is parallel to the ones vector)")
    m_escape = check_positive(m_escape, "m_escape")
    return math.log(m_escape / size) / rate if rate > 0 else math.inf


def weight_alignment(C, m, *, q_star: float = 1.0) -> np.ndarray:
    r"""RMS cosine between the hidden weights and the teacher,
    :math:`\sqrt{\frac1N\sum_i m_i^2/(C_{ii}q_\star)}` in [0, 1]; ``C`` (..., N, N), ``m`` (..., N)."""
    C, m = np.asarray(C), np.asarray(m)
    return np.sqrt((m**2 / (np.diagonal(C, 0, -2, -1) * q_star)).mean(-1))


def typical_m0(N: int, D: int, *, q_star: float = 1.0) -> np.ndarray:
    r"""A deterministic stand-in for the initial overlap of a random init in dimension ``D``:
    zero mean over units and :math:`|m_0|^2=q_\star\max(N-1,1)/D` (the expected :math:`|m_0^\perp|^2`),
    e.g. :math:`(-a,a)` with :math:`a=\sqrt{q_\star/(2D)}` for N = 2."""
    if N == 1:
        return np.array([math.sqrt(q_star / D)])
    v = np.array([(-1.0) ** (i + 1) for i in range(N)])
    v -= v.mean()
    return v / np.linalg.norm(v) * math.sqrt(q_star * (N - 1) / D)


def linear_gd_losses(rho: float, dt: float, steps: int, *, alpha: float = 1.0, N: int = 2, C0=None,
                     q_star: float = 1.0, n_grid: int = 4001):
    r"""The exact solution at ε = 0: ``(train_loss, test_loss)``, each (steps+1,), of the committee machine
    trained by full-batch GD at ratio ρ = P/D ≥ 1, in the limit D → ∞ (the DMFT derivation page, Checks).

    At ε = 0 the student is linear, :math:`f=\boldsymbol u\cdot\boldsymbol x` with
    :math:`\boldsymbol u=\alpha\bar{\boldsymbol w}`, and the target :math:`y=\frac12h_\star^2` is
    uncorrelated with :math:`\boldsymbol x`: pure label noise of power :math:`\sigma^2=\langle y^2\rangle=
    \frac34q_\star^2`. GD in DMFT units is :math:`\boldsymbol u\leftarrow\boldsymbol u+\Delta t\,\frac DP
    X^\top(\boldsymbol y-X\boldsymbol u)`. In the eigenbasis of :math:`\hat\Sigma=\frac DPX^\top X`
    (eigenvalue x, Marchenko–Pastur density of ratio λ = 1/ρ) each component decays by
    :math:`A=(1-\Delta t\,x)^n` towards the least-squares solution, so with
    :math:`c_u=|\boldsymbol u_0|^2/D=\frac{\alpha^2}{N^2}\sum_{ij}C^0_{ij}`

    .. math:: \mathcal L_{\rm test}=\sigma^2+\int d\mu(x)\Big[A^2c_u+(1-A)^2\frac{\lambda\sigma^2}x\Big],\qquad
        \mathcal L_{\rm train}=(1-\lambda)\sigma^2+\int d\mu(x)\,A^2(\lambda\sigma^2+x\,c_u).

    The integral uses ``n_grid`` Chebyshev-spaced nodes (the density's square-root edges integrate exactly
    to high order).
    """
    rho = check_positive(rho, "rho")
    if rho < 1:
        raise ValueError(f"rho must be at least 1 (the closed form assumes P >= D), got {rho!r}")
    dt = check_positive(dt, "dt")
    steps = check_positive_int(steps, "steps")
    alpha = check_positive(alpha, "alpha")
    N = check_positive_int(N, "N")
    q_star = check_positive(q_star, "q_star")
    C0 = np.eye(N) if C0 is None else np.asarray(C0, dtype=float)
    if C0.shape != (N, N):
        raise ValueError(f"C0 must have shape ({N}, {N}), got {C0.shape}")
    c_u = alpha**2 * C0.sum() / N**2
    sigma2 = 0.75 * q_star**2
    lam = 1.0 / rho
    a, b = (1 - math.sqrt(lam)) ** 2, (1 + math.sqrt(lam)) ** 2
    th = (np.arange(n_grid) + 0.5) / n_grid * np.pi
    x = a + (b - a) * (1 - np.cos(th)) / 2
    w = np.sqrt((b - x) * (x - a)) / (2 * np.pi * lam * x) * (b - a) / 2 * np.sin(th) * np.pi / n_grid
    A = (1 - dt * x[None]) ** np.arange(steps + 1)[:, None]
    test = sigma2 + (w * (A**2 * c_u + (1 - A) ** 2 * lam * sigma2 / x)).sum(1)
    train = (1 - lam) * sigma2 + (w * A**2 * (lam * sigma2 + x * c_u)).sum(1)
    return train, test


# ----------------------------------------------------------------------------- online limit
@dataclass
class OnlineResult:
    r"""Solution of the :math:`\rho\to\infty` (Saad–Solla) equations on ``t`` (T+1,).

    ``C`` (T+1, N, N) equal-time correlation, ``m`` (T+1, N) alignment, ``r`` (T+1, N, N) the
    response :math:`r(t)`, ``test_loss`` (T+1,) (= train loss in this limit)."""

    t: np.ndarray
    C: np.ndarray
    m: np.ndarray
    r: np.ndarray
    test_loss: np.ndarray
    params: dict = field(default_factory=dict)

    @property
    def train_loss(self) -> np.ndarray:
        return self.test_loss


def _online_rhs(C, m, alpha, eps, q_star):
    r = online_response(C, alpha, eps, q_star)
    dm = eps * q_star / alpha * m + r @ m
    dC = 2 * eps / alpha * torch.outer(m, m) + r @ C + C @ r.T
    return dC, dm


def _online_gd_step(C, m, dt, alpha, eps, q_star):
    r"""Exact :math:`\rho=\infty` map of one GD step: :math:`\boldsymbol w\leftarrow(I+\Delta t\,r)\boldsymbol w+\Delta t\,\beta\,\boldsymbol\nu`,
    :math:`\boldsymbol\nu=\frac\epsilon\alpha\boldsymbol m`."""
    B = torch.eye(C.shape[0], dtype=C.dtype) + dt * online_response(C, alpha, eps, q_star)
    nu = eps / alpha * m
    Bm = B @ m
    C_new = B @ C @ B.T + dt * (torch.outer(Bm, nu) + torch.outer(nu, Bm)) + dt**2 * q_star * torch.outer(nu, nu)
    return C_new, Bm + dt * q_star * nu


def solve_online(N: int, alpha: float, eps: float, *, q_star: float = 1.0, C0=None, m0=None,
                 t_max: float = 30.0, dt: float = 0.05, method: str = "rk4") -> OnlineResult:
    r"""Integrate the closed online (Saad–Solla) ODEs (derivation page, Step 4),

    .. math:: \dot{\boldsymbol m}=\frac{\epsilon q_\star}\alpha\boldsymbol m+r\boldsymbol m,\qquad
              \dot C=\frac{2\epsilon}\alpha\boldsymbol m\boldsymbol m^\top+rC+Cr^\top ,

    from ``C0`` (N, N; default I) and ``m0`` (N,; default 0) up to ``t_max`` with step ``dt``.
    ``method="rk4"`` integrates the ODE; ``method="gd"`` iterates the exact large-ρ map of GD with
    time step ``dt`` (what a simulation with ``lr_scale = dt*D/2`` follows as P/D → ∞).
    """
    N, alpha, eps, q_star = check_common(N, alpha, eps, q_star)
    dt = check_positive(dt, "dt")
    t_max = check_positive(t_max, "t_max")
    if t_max / dt > MAX_STEPS:
        raise ValueError(f"t_max/dt = {t_max / dt:.3g} steps is more than {MAX_STEPS:.0e}: lower t_max or raise dt")
    if method not in ("rk4", "gd"):
        raise ValueError(f"method must be 'rk4' or 'gd', got {method!r}")
    C, m = check_init(N, C0, m0, torch.device("cpu"))
    steps = max(1, int(round(t_max / dt)))
    Cs, ms = [C], [m]
    args = (alpha, eps, q_star)
    for _ in range(steps):
        if method == "gd":
            C, m = _online_gd_step(C, m, dt, *args)
        else:
            k1 = _online_rhs(C, m, *args)
            k2 = _online_rhs(C + dt / 2 * k1[0], m + dt / 2 * k1[1], *args)
            k3 = _online_rhs(C + dt / 2 * k2[0], m + dt / 2 * k2[1], *args)
            k4 = _online_rhs(C + dt * k3[0], m + dt * k3[1], *args)
            C = C + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            m = m + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
        if not (torch.isfinite(C).all() and torch.isfinite(m).all()):
            raise RuntimeError("online ODE diverged; try a smaller dt")
        Cs.append(C)
        ms.append(m)
    C, m = torch.stack(Cs), torch.stack(ms)
    return OnlineResult(t=np.arange(steps + 1) * dt, C=C.numpy(), m=m.numpy(),
                        r=online_response(C, *args).numpy(),
                        test_loss=cm_test_loss(C, m, *args).numpy(),
                        params=dict(N=N, alpha=alpha, eps=eps, q_star=q_star, dt=dt, method=method))


def _online_guess(C0, m0, dt, steps, alpha, eps, q_star):
    r"""The ρ = ∞ solution as DMFT kernels on the grid :math:`t_n=n\,dt`, ``n = 0..steps``: the
    finite-ρ solver's starting point and the input of the leading-order gap.

    With :math:`(C^n,\boldsymbol m^n)` from the exact ρ = ∞ GD map (:func:`_online_gd_step`) started at
    ``(C0, m0)``: :math:`R^g(n,n)=r(C^n)`, :math:`R^g(n,k)=0` for :math:`k\ne n` (no memory), and
    :math:`\boldsymbol\nu^n=\frac\epsilon\alpha\boldsymbol m^n`. Returns ``(Rg, nu)``, (T+1, T+1, N, N) and (T+1, N).
    """
    C, m = C0, m0
    N, T1 = C0.shape[0], steps + 1
    Rg = torch.zeros(T1, T1, N, N, dtype=F64, device=C0.device)
    nu = torch.zeros(T1, N, dtype=F64, device=C0.device)
    for n in range(T1):
        Rg[n, n] = online_response(C, alpha, eps, q_star)
        nu[n] = eps / alpha * m
        C, m = _online_gd_step(C, m, dt, alpha, eps, q_star)
    return Rg, nu
