r"""The online (ρ → ∞, Saad–Solla) limit of the toy model's DMFT: the closed ODEs for
:math:`(C,\boldsymbol m)`, the exact ρ = ∞ map of one GD step, and that solution as DMFT kernels, the
finite-ρ solver's starting point (chapter 4, §“The online limit :math:`\rho\to\infty` and the slow
escape”; the DMFT derivation page, Step 4). Part of :mod:`gklib.dmft`; the closed forms it uses are in
:mod:`gklib.dmft.online`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..params import Options, validate_params
from ._checks import F64, MAX_STEPS, MATRIX, N_UNITS, NONNEGATIVE, POSITIVE, VECTOR, check_init
from .online import cm_test_loss, online_response

__all__ = ["OnlineResult", "solve_online"]


RK4_FRACTION = 2.785293563405282 / 4
"""RK4's step limit as a fraction of GD's: RK4 integrates the equation of C, whose fastest decay rate is
twice the weights' (C is quadratic in them), and is stable up to 2.7853 over that rate (GD's map: 2)."""


def max_stable_dt(C0, rho: float, alpha: float, eps: float, q_star: float) -> float:
    r"""The largest GD time step that resolves the fastest decaying mode at the start ``C0`` (N, N).

    Near :math:`C_0` a hidden weight vector moves as :math:`\dot{\boldsymbol w}=r(C_0)\,\boldsymbol w`
    along each input direction (:func:`online_response`), and a finite data set multiplies each
    direction's curvature by an eigenvalue :math:`x` of the sample covariance, at most
    :math:`(1+\rho^{-1/2})^2` (Marchenko–Pastur). One step maps a mode of rate :math:`\lambda<0` by
    :math:`1+\Delta t\,\lambda x`, which flips sign and grows once
    :math:`\Delta t>2/(|\lambda_{\min}|\,(1+\rho^{-1/2})^2)`; ``inf`` when no mode decays. At ε = 0
    (:func:`linear_gd_losses`) this is exactly where GD diverges."""
    r = online_response(torch.as_tensor(C0, dtype=F64), alpha, eps, q_star)
    lam = float(torch.linalg.eigvalsh(0.5 * (r + r.T)).min())
    spread = (1 + 1 / math.sqrt(rho)) ** 2 if math.isfinite(rho) else 1.0
    return 2 / (-lam * spread) if lam < 0 else math.inf


def check_dt(dt: float, limit: float) -> float:
    """``dt``, refused with a ``ValueError`` naming dt and the limit when above ``limit``."""
    if dt > limit:
        raise ValueError(f"dt = {dt:g} is above the stability limit {limit:.4g} of the explicit scheme at this "
                         f"setting (the fastest decaying mode would overshoot and grow): use dt < {limit:.4g}")
    return dt


@dataclass
class OnlineResult:
    r"""Solution of the :math:`\rho\to\infty` (Saad–Solla) equations (what :func:`solve_online` returns).

    Parameters
    ----------
    t : numpy.ndarray, shape (T+1,)
        The time grid.
    C : numpy.ndarray, shape (T+1, N, N)
        Equal-time correlation.
    m : numpy.ndarray, shape (T+1, N)
        Alignment with the teacher.
    r : numpy.ndarray, shape (T+1, N, N)
        The response :math:`r(C(t))` (:func:`online_response`).
    test_loss : numpy.ndarray, shape (T+1,)
        Population loss; ``train_loss`` is the same array (no train–test gap at ρ = ∞).
    params : dict
        The settings.

    Examples
    --------
    >>> from gklib.dmft import solve_online
    >>> res = solve_online(2, 1.0, 0.5, t_max=1.0, dt=0.5)
    >>> res.C.shape, res.train_loss is res.test_loss
    ((3, 2, 2), True)
    """

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


@validate_params(N=N_UNITS, alpha=POSITIVE, eps=NONNEGATIVE, q_star=POSITIVE, C0=MATRIX, m0=VECTOR,
                 t_max=POSITIVE, dt=POSITIVE, method=Options("rk4", "gd"))
def solve_online(N: int, alpha: float, eps: float, *, q_star: float = 1.0, C0=None, m0=None,
                 t_max: float = 30.0, dt: float = 0.05, method: str = "rk4") -> OnlineResult:
    r"""Integrate the closed online (Saad–Solla) ODEs (derivation page, Step 4),

    .. math:: \dot{\boldsymbol m}=\frac{\epsilon q_\star}\alpha\boldsymbol m+r\boldsymbol m,\qquad
              \dot C=\frac{2\epsilon}\alpha\boldsymbol m\boldsymbol m^\top+rC+Cr^\top ,

    with :math:`r=r(C)` of :func:`online_response`.

    Parameters
    ----------
    N : int
        Width >= 1.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    q_star : float, default 1.0
        Teacher norm > 0.
    C0 : array_like, shape (N, N), optional
        Initial correlations, symmetric positive semi-definite (default I).
    m0 : array_like, shape (N,), optional
        Initial alignment (default 0, a fixed point).
    t_max : float, default 30.0
        End time > 0; the grid has ``round(t_max/dt)`` steps (at least one, at most ``1e7``).
    dt : float, default 0.05
        Time step > 0, at most the stability limit of the scheme at ``C0``: :math:`2/|\lambda_{\min}|` for
        ``"gd"`` (:math:`\lambda_{\min}` the fastest decay rate of :math:`r(C_0)`), :math:`2.7853/(2|\lambda_{\min}|)`
        for ``"rk4"`` (the equation of C decays at twice the rate).
    method : {"rk4", "gd"}, default "rk4"
        ``"rk4"`` integrates the ODE; ``"gd"`` iterates the exact large-ρ map of GD with time step ``dt``
        (what a simulation with ``lr_scale = dt*D/2`` follows as P/D → ∞).

    Returns
    -------
    OnlineResult
        ``t``, ``C``, ``m``, ``r``, ``test_loss`` on the grid.

    Raises
    ------
    ValueError
        Too many steps, a ``dt`` above the stability limit, or a ``C0``/``m0`` of the wrong shape.
    RuntimeError
        The integration diverged.

    Examples
    --------
    From a small symmetric start the loss first drops to a plateau while the difference mode
    :math:`m_2-m_1` grows at :func:`escape_rate`, then the network escapes and learns the teacher:

    >>> import math
    >>> from gklib.dmft import escape_rate, solve_online
    >>> res = solve_online(2, 1.0, 0.5, m0=[-1e-4, 1e-4], t_max=40.0, dt=0.05)
    >>> d = res.m[:, 1] - res.m[:, 0]
    >>> round(math.log(d[240] / d[80]) / 8.0, 2), escape_rate(2, 1.0, 0.5)    # on the plateau, t = 4..12
    (0.5, 0.5)
    >>> round(float(res.test_loss[160]), 3), float(res.test_loss[-1]) < 1e-8  # plateau at t = 8; the end
    (0.667, True)
    """
    N, alpha, eps, q_star, dt, t_max = int(N), float(alpha), float(eps), float(q_star), float(dt), float(t_max)
    if t_max / dt > MAX_STEPS:
        raise ValueError(f"t_max/dt = {t_max / dt:.3g} steps is more than {MAX_STEPS:.0e}: lower t_max or raise dt")
    C, m = check_init(N, C0, m0, torch.device("cpu"))
    check_dt(dt, max_stable_dt(C, math.inf, alpha, eps, q_star) * (RK4_FRACTION if method == "rk4" else 1.0))
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
