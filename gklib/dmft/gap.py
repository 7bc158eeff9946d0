r"""The train–test gap of the finite-ρ DMFT to leading order in 1/ρ (paper v1 eqs. 7, 36–38; chapter 4);
part of :mod:`gklib.dmft`.

A training point's pre-activations carry the memory of its own past gradients,
:math:`\boldsymbol h=\boldsymbol\chi+\delta\boldsymbol h` with
:math:`\delta\boldsymbol h(t)=\frac1\rho\int_0^tds\,R^w(t,s)\boldsymbol g(s)=O(1/\rho)`, while a fresh
test point has just :math:`\boldsymbol\chi`. Expanding
:math:`\Delta(\boldsymbol h)\approx\Delta(\boldsymbol\chi)-\frac\alpha N\sum_i\phi'(\chi_i)\,\delta h_i`
in :math:`\mathcal L_{\rm train}=\langle\Delta(\boldsymbol h)^2\rangle`, with
:math:`\Delta\phi'(\boldsymbol\chi)=\alpha\boldsymbol g`, gives

.. math:: \mathcal L_{\rm test}(t)-\mathcal L_{\rm train}(t)\simeq\frac{2\alpha^2}{N\rho}\int_0^t\!ds\,
          \mathrm{Tr}\big[R^w(t,s)G(t,s)^\top\big]+O(\rho^{-2}),

discretised on the solver's grid as
:math:`\frac{2\alpha^2}{N\rho}\Delta t\sum_{n'<n}\mathrm{Tr}[\Phi(n,n'{+}1)G(n,n')^\top]`.
:func:`gap_leading_order` takes :math:`R^w` and :math:`G` at their ρ = ∞ values (so the gap is exactly
∝ 1/ρ); :func:`gap_from_dmft` evaluates the same sum with a finite-ρ solution's own Φ and G.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..params import Instance, validate_params
from ._checks import MATRIX, N_UNITS, NONNEGATIVE, POSITIVE, RHO, SEED, SIZE, VECTOR, check_dmft, check_init
from .draws import _antithetic_normals
from .fields import _data_process, _gaussian_fields
from .results import DMFTResult
from .saad_solla import _online_guess, check_dt, max_stable_dt
from .solver import _memory_kernel, weight_process_closure

__all__ = ["gap_from_dmft", "gap_leading_order"]


def _gap_formula(Phi, G, N, rho, alpha, dt):
    r""":math:`\frac{2\alpha^2}{N\rho}\Delta t\sum_{n'<n}\mathrm{Tr}[\Phi(n,n'{+}1)G(n,n')^\top]` for every n."""
    K = _memory_kernel(torch.as_tensor(Phi))
    G = torch.as_tensor(G)
    tri = torch.tril(torch.ones(K.shape[0], K.shape[0], dtype=torch.bool), -1)
    terms = torch.einsum("nkab,nkab->nk", K, G) * tri
    return (2 * alpha**2 / (N * rho) * dt * terms.sum(1)).numpy()


@validate_params(result=Instance(DMFTResult, what="a DMFTResult (from solve_dmft)"))
def gap_from_dmft(result: DMFTResult) -> np.ndarray:
    r"""Leading-order gap formula (paper v1 eqs. 7, 36–38) evaluated with a DMFT solution's own Φ and G:
    :math:`\mathcal L_{\rm test}-\mathcal L_{\rm train}\simeq\frac{2\alpha^2}{N\rho}\int_0^tds\,\mathrm{Tr}[R^w(t,s)G(t,s)^\top]`.

    Parameters
    ----------
    result : DMFTResult
        A solution of :func:`~gklib.dmft.solve_dmft`.

    Returns
    -------
    numpy.ndarray, shape (T+1,)
        The gap on the solution's grid (0 at t = 0).

    Examples
    --------
    To leading order in 1/ρ it is the solution's own gap:

    >>> import numpy as np
    >>> from gklib.dmft import gap_from_dmft, solve_dmft
    >>> res = solve_dmft(2, 50.0, 1.0, 0.5, dt=0.4, steps=4, samples=400, progress_bar=False)
    >>> g = gap_from_dmft(res)
    >>> float(g[0]), bool(np.allclose(g[1:], res.gap[1:], rtol=0.1))
    (0.0, True)
    """
    p = result.params
    return _gap_formula(result.Rw, result.G, p["N"], p["rho"], p["alpha"], p["dt"])


@validate_params(N=N_UNITS, rho=RHO, alpha=POSITIVE, eps=NONNEGATIVE, q_star=POSITIVE, C0=MATRIX, m0=VECTOR,
                 dt=POSITIVE, steps=SIZE, samples=SIZE, seed=SEED)
def gap_leading_order(N: int, rho: float, alpha: float, eps: float, *, q_star: float = 1.0, C0=None, m0=None,
                      dt: float = 0.4, steps: int = 60, samples: int = 20000, seed: int = 0):
    r"""The :math:`O(1/\rho)` train–test gap (paper v1 eqs. 7, 36–38)
    with :math:`R^w` and :math:`G` at their ρ = ∞ values:

    .. math:: \mathcal L_{\rm test}(t)-\mathcal L_{\rm train}(t)\simeq\frac{2\alpha^2}{N\rho}\int_0^t\!ds\,
              \mathrm{Tr}\big[R^w(t,s)G(t,s)^\top\big] .

    The online (GD-map, step ``dt``) solution gives Φ and the two-time C; G is a Gaussian average
    over ``samples`` draws (seeded). The gap is >= 0 and exactly ∝ 1/ρ.

    Parameters
    ----------
    N : int
        Width >= 1.
    rho : float
        ρ = P/D > 0 (``math.inf``: no gap).
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient >= 0.
    q_star : float, default 1.0
        Teacher norm > 0.
    C0 : array_like, shape (N, N), optional
        Initial correlation (default I).
    m0 : array_like, shape (N,), optional
        Initial alignment (default 0).
    dt : float, default 0.4
        Time step > 0, below the online GD map's stability limit (:func:`~gklib.dmft.solve_dmft`).
    steps : int, default 60
        Number of steps >= 1.
    samples : int, default 20000
        Gaussian draws for G, more than ``2 (N (steps+1) + 1)``.
    seed : int, default 0
        Seeds the draws.

    Returns
    -------
    t, gap : numpy.ndarray, shape (steps+1,)
        The grid and the gap.

    Raises
    ------
    ValueError
        Too few ``samples``, ``dt`` above the stability limit, ``C0``/``m0`` that do not fit.

    Examples
    --------
    >>> import numpy as np
    >>> from gklib.dmft import gap_leading_order
    >>> t, g10 = gap_leading_order(2, 10.0, 1.0, 0.5, steps=4, samples=200)
    >>> _, g20 = gap_leading_order(2, 20.0, 1.0, 0.5, steps=4, samples=200)
    >>> bool(np.all(g10[1:] > 0)), bool(np.allclose(g10, 2 * g20))       # positive, ∝ 1/ρ
    (True, True)
    """
    N, rho, alpha, eps, q_star, dt, steps, samples, _, _, _ = check_dmft(
        N, rho, alpha, eps, q_star, dt, steps, samples, 1.0, 1, 1.0)
    C0, m0 = check_init(N, C0, m0, torch.device("cpu"))
    check_dt(dt, max_stable_dt(C0, math.inf, alpha, eps, q_star))
    Rg, nu = _online_guess(C0, m0, dt, steps, alpha, eps, q_star)
    Phi, C, m = weight_process_closure(Rg, torch.zeros_like(Rg), nu, C0=C0, m0=m0, q_star=q_star, rho=math.inf,
                                       dt=dt)
    chi, hs = _gaussian_fields(C, m, q_star, _antithetic_normals(samples, N * (steps + 1) + 1, seed, "cpu"))
    G = _data_process(chi, hs, _memory_kernel(Phi), alpha, eps, math.inf, dt, response=False)[1]
    return np.arange(steps + 1) * dt, _gap_formula(Phi, G, N, rho, alpha, dt)
