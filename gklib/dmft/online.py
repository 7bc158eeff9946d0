r"""Closed forms and the online (ρ → ∞, Saad–Solla) limit of the toy model's DMFT (chapter 4, §“The online limit
:math:`\rho\to\infty` and the slow escape”; the DMFT derivation page, Step 4).

Part of :mod:`gklib.dmft`; see there for the conventions. Closed forms in the equal-time order
parameters :math:`(C,\boldsymbol m,q_\star)`: the population test loss, the online response
:math:`r(C)`, the alignment with the teacher, the early escape
rate and time from :math:`\boldsymbol m\approx0`, the typical initial overlap of a random init, and the
exact ε = 0 solution. The online ODEs themselves are in :mod:`gklib.dmft.saad_solla` (their names are
still importable from here).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from .._forward import forwarding
from ..params import Array, Integer, Real, validate_params
from ._checks import MATRIX, N_UNITS, NONNEGATIVE, POSITIVE, SIZE, SIZE_OR_NONE, VECTOR

__all__ = ["cm_test_loss", "online_response", "escape_rate", "escape_time", "weight_alignment", "typical_m0",
           "linear_gd_losses"]

# The online ODEs moved to gklib.dmft.saad_solla; still importable as gklib.dmft.online.NAME (resolved on
# first use: saad_solla imports this module).
_MOVED = {"OnlineResult": "saad_solla", "solve_online": "saad_solla", "_online_guess": "saad_solla",
          "_online_gd_step": "saad_solla", "max_stable_dt": "saad_solla"}


__getattr__, __dir__ = forwarding(__name__, globals(), {k: f"{__package__}.{v}" for k, v in _MOVED.items()})


# ----------------------------------------------------------------------------- closed forms
@validate_params(C=Array(finite=False), m=Array(finite=False), alpha=POSITIVE, eps=NONNEGATIVE, q_star=POSITIVE)
def cm_test_loss(C, m, alpha: float, eps: float, q_star: float):
    r"""Population test loss (MSE, no ½) of the uncentred model from its order parameters (paper v3 eq. 6 in
    :math:`(C,\boldsymbol m)`; the DMFT derivation page, Step 4):

    .. math:: \mathcal L=\tfrac14\big(q_\star-\tfrac{\alpha\epsilon}N\mathrm{Tr}C\big)^2
              +\tfrac12\Big[\tfrac{\alpha^2\epsilon^2}{N^2}\textstyle\sum_{ij}C_{ij}^2
              -\tfrac{2\alpha\epsilon}N\sum_im_i^2+q_\star^2\Big]+\tfrac{\alpha^2}{N^2}\sum_{ij}C_{ij}.

    Parameters
    ----------
    C : array_like or torch.Tensor, shape (..., N, N)
        Equal-time correlations :math:`C=WW^\top/D` (any leading batch axes; the non-finite ones of a
        diverged run give a non-finite loss).
    m : array_like or torch.Tensor, shape (..., N)
        Overlaps with the teacher :math:`\boldsymbol m=W\boldsymbol\beta/D`, same leading axes.
    alpha : float
        Output scale α > 0.
    eps : float
        Quadratic coefficient ε >= 0 of φ.
    q_star : float
        Teacher norm :math:`q_\star=|\boldsymbol\beta|^2/D` > 0.

    Returns
    -------
    numpy.ndarray or torch.Tensor, shape (...)
        The loss (a torch tensor for torch inputs).

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint.
    ValueError
        ``C`` and ``m`` of shapes that do not fit.

    Examples
    --------
    At initialisation (C = I, m = 0, ε = 0) the loss is the label power :math:`\frac34q_\star^2` plus
    the linear power :math:`\alpha^2/N`:

    >>> import numpy as np
    >>> from gklib.dmft import cm_test_loss
    >>> float(cm_test_loss(np.eye(2), np.zeros(2), 1.0, 0.0, 1.0))    # 3/4 + 1/2
    1.25
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


@validate_params(C=Array(finite=False), alpha=POSITIVE, eps=NONNEGATIVE, q_star=POSITIVE)
def online_response(C, alpha: float, eps: float, q_star: float):
    r"""Equal-time gradient response at :math:`\rho=\infty` (Gaussian fields, Stein's lemma; derivation page, Step 4):

    .. math:: r=\frac{\epsilon}{2\alpha}\Big(q_\star-\frac{\alpha\epsilon}N\mathrm{Tr}C\Big)I
              -\frac1N\big(\boldsymbol1\boldsymbol1^\top+\epsilon^2C\big) .

    Parameters
    ----------
    C : torch.Tensor or array_like, shape (..., N, N)
        Equal-time correlations (any leading batch axes).
    alpha : float
        Output scale α > 0.
    eps : float
        Quadratic coefficient ε >= 0.
    q_star : float
        Teacher norm > 0.

    Returns
    -------
    torch.Tensor, shape (..., N, N)
        :math:`r(C)` (dtype and device of ``C``).

    Examples
    --------
    At C = I the mean mode decays at rate :math:`1+\epsilon^2/N-a` and the others grow at
    :math:`a-\epsilon^2/N`, with :math:`a=\frac\epsilon{2\alpha}(q_\star-\alpha\epsilon)`:

    >>> import torch
    >>> from gklib.dmft import online_response
    >>> r = online_response(torch.eye(2, dtype=torch.float64), 1.0, 0.5, 1.0)
    >>> torch.linalg.eigvalsh(r).tolist()        # a = 0.125: 0.125 - 1.125, 0.125 - 0.125
    [-1.0, 0.0]
    """
    C = torch.as_tensor(C)
    N = C.shape[-1]
    a = eps / (2 * alpha) * (q_star - alpha * eps / N * C.diagonal(0, -2, -1).sum(-1))
    eye = torch.eye(N, dtype=C.dtype, device=C.device)
    return a[..., None, None] * eye - (torch.ones_like(C) + eps**2 * C) / N


@validate_params(N=N_UNITS, alpha=POSITIVE, eps=NONNEGATIVE, q_star=POSITIVE)
def escape_rate(N: int, alpha: float, eps: float, *, q_star: float = 1.0) -> float:
    r"""Early growth rate of the alignment near :math:`C=I`, :math:`m\to0` (chapter 4, §“The online limit”):
    :math:`\gamma_\perp=\frac{3\epsilon q_\star}{2\alpha}-\frac{\epsilon^2}2-\frac{\epsilon^2}N`
    for the modes of :math:`\boldsymbol m` orthogonal to :math:`\boldsymbol1` (``N >= 2``); for
    ``N = 1`` only the mean mode exists and it grows at :math:`\gamma_\perp-1`.

    Parameters
    ----------
    N : int
        Width, >= 1.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    q_star : float, default 1.0
        Teacher norm > 0.

    Returns
    -------
    float
        :math:`\gamma_\perp` (negative: the symmetric start is stable).

    Examples
    --------
    >>> from gklib.dmft import escape_rate
    >>> escape_rate(2, 1.0, 0.5)          # 0.75 - 0.125 - 0.125
    0.5
    """
    N, alpha, eps, q_star = int(N), float(alpha), float(eps), float(q_star)
    g = 1.5 * eps * q_star / alpha - eps**2 / 2 - eps**2 / N
    return g if N > 1 else g - 1.0


@validate_params(N=N_UNITS, alpha=POSITIVE, eps=NONNEGATIVE, q_star=POSITIVE, m0=VECTOR, D=SIZE_OR_NONE,
                 m_escape=POSITIVE)
def escape_time(N: int, alpha: float, eps: float, *, q_star: float = 1.0, m0=None, D: int | None = None,
                m_escape: float = 1.0) -> float:
    r"""Escape time :math:`t_\star\approx\gamma_\perp^{-1}\ln(m_{\rm escape}/|m_0^\perp|)`
    (chapter 4, §“The online limit”), with :math:`\gamma_\perp` from :func:`escape_rate`.

    Parameters
    ----------
    N : int
        Width, >= 1.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    q_star : float, default 1.0
        Teacher norm > 0.
    m0 : array_like, shape (N,), optional
        The initial alignment; its part orthogonal to :math:`\boldsymbol 1` is used (all of it for
        ``N = 1``). Give ``m0`` or ``D``.
    D : int, optional
        Input dimension >= 1: sets the typical :math:`|m_0^\perp|=\sqrt{q_\star(N-1)/D}` of a random init
        (used when ``m0`` is not given).
    m_escape : float, default 1.0
        The size of :math:`m^\perp` counted as escaped, > 0.

    Returns
    -------
    float
        :math:`t_\star` (``inf`` when :math:`\gamma_\perp\le0`).

    Raises
    ------
    ValueError
        Neither ``m0`` nor ``D``; ``m0`` of the wrong shape or with no part that can grow.

    Examples
    --------
    >>> import math
    >>> from gklib.dmft import escape_time
    >>> t = escape_time(2, 1.0, 0.5, D=100)       # ln(1 / sqrt(1/100)) / 0.5 = 2 ln 10
    >>> math.isclose(t, 2 * math.log(10))
    True
    """
    rate = escape_rate(N, alpha, eps, q_star=q_star)
    if m0 is not None:
        m0 = np.asarray(m0, dtype=float).reshape(-1)
        if m0.shape != (N,):
            raise ValueError(f"m0 must have shape ({N},), got {m0.shape}")
        perp = m0 - (m0.mean() if N > 1 else 0.0)
        size = float(np.linalg.norm(perp))
    elif D is not None:
        size = math.sqrt(q_star * max(N - 1, 1) / int(D))
    else:
        raise ValueError("give m0 or D")
    if size <= 0:
        raise ValueError("m0 has no component that can grow (it is parallel to the ones vector)")
    return math.log(m_escape / size) / rate if rate > 0 else math.inf


@validate_params(C=Array(min_size=1), m=Array(min_size=1), q_star=POSITIVE)
def weight_alignment(C, m, *, q_star: float = 1.0) -> np.ndarray:
    r"""RMS cosine between the hidden weights and the teacher,
    :math:`\sqrt{\frac1N\sum_i m_i^2/(C_{ii}q_\star)}` in [0, 1].

    Parameters
    ----------
    C : array_like, shape (..., N, N)
        Equal-time correlations; the diagonal (the squared norms :math:`|\boldsymbol w_i|^2/D`) must be > 0.
    m : array_like, shape (..., N)
        Overlaps with the teacher.
    q_star : float, default 1.0
        Teacher norm > 0.

    Returns
    -------
    numpy.ndarray, shape (...)
        The alignment (a 0-d array for one ``C``).

    Raises
    ------
    ValueError
        Shapes that do not fit, or a unit of zero norm (its cosine is undefined).

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import weight_alignment
    >>> float(weight_alignment(np.eye(2), np.array([1.0, 0.0])))   # cosines 1 and 0: sqrt(1/2)
    0.7071067811865476
    """
    C, m = np.asarray(C, dtype=float), np.asarray(m, dtype=float)
    if C.ndim < 2 or C.shape[-1] != C.shape[-2] or m.shape != C.shape[:-1]:
        raise ValueError(f"C must have shape (..., N, N) and m (..., N), got {C.shape} and {m.shape}")
    diag = np.diagonal(C, 0, -2, -1)
    if np.any(diag <= 0):
        raise ValueError("C must have a positive diagonal (every unit of nonzero norm)")
    return np.sqrt((m**2 / (diag * q_star)).mean(-1))


@validate_params(N=N_UNITS, D=SIZE, q_star=POSITIVE)
def typical_m0(N: int, D: int, *, q_star: float = 1.0) -> np.ndarray:
    r"""A deterministic stand-in for the initial overlap of a random init in dimension ``D``:
    zero mean over units and :math:`|m_0|^2=q_\star\max(N-1,1)/D` (the expected :math:`|m_0^\perp|^2`),
    e.g. :math:`(-a,a)` with :math:`a=\sqrt{q_\star/(2D)}` for N = 2.

    Parameters
    ----------
    N : int
        Width, >= 1 (``N = 1``: the single overlap :math:`\sqrt{q_\star/D}`).
    D : int
        Input dimension, >= 1.
    q_star : float, default 1.0
        Teacher norm > 0.

    Returns
    -------
    numpy.ndarray, shape (N,)
        The overlaps.

    Examples
    --------
    >>> from gklib.dmft import typical_m0
    >>> typical_m0(2, 50).round(12).tolist()          # a = sqrt(1/100)
    [-0.1, 0.1]
    """
    if N == 1:
        return np.array([math.sqrt(q_star / D)])
    v = np.array([(-1.0) ** (i + 1) for i in range(N)])
    v -= v.mean()
    return v / np.linalg.norm(v) * math.sqrt(q_star * (N - 1) / D)


@validate_params(rho=Real(1), dt=POSITIVE, steps=SIZE, alpha=POSITIVE, N=N_UNITS, C0=MATRIX, q_star=POSITIVE,
                 n_grid=Integer(2))
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

    Parameters
    ----------
    rho : float
        ρ = P/D >= 1 (the closed form assumes P >= D).
    dt : float
        Time step Δt > 0 (one GD step).
    steps : int
        Number of steps T >= 1.
    alpha : float, default 1.0
        Output scale > 0.
    N : int, default 2
        Width >= 1.
    C0 : array_like, shape (N, N), optional
        Initial correlations (default I).
    q_star : float, default 1.0
        Teacher norm > 0.
    n_grid : int, default 4001
        Quadrature nodes, >= 2.

    Returns
    -------
    train_loss, test_loss : numpy.ndarray, shape (steps+1,)
        The losses on the grid :math:`t_n=n\Delta t`.

    Raises
    ------
    ValueError
        ``C0`` of the wrong shape.

    Examples
    --------
    At t = 0 both losses are :math:`\sigma^2+c_u` (here :math:`\frac34+\frac12`); as
    :math:`t\to\infty` the train loss falls to :math:`(1-\lambda)\sigma^2`, the test loss to the
    least-squares risk :math:`\sigma^2/(1-\lambda)`:

    >>> from gklib.dmft import linear_gd_losses
    >>> train, test = linear_gd_losses(2.0, 0.2, 2000)
    >>> round(float(train[0]), 6), round(float(train[-1]), 4), round(float(test[-1]), 4)
    (1.25, 0.375, 1.5)
    """
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
