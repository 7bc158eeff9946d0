r"""Finite-ρ DMFT solver of the toy model: the time-discretised scheme of the DMFT derivation page
(the DMFT of paper v1 App. 13, in the discrete time of gradient descent).

Part of :mod:`gklib.dmft`. On the grid :math:`t_n=n\Delta t`, ``n = 0..T``, this is the *exact*
DMFT of gradient descent with time step :math:`\Delta t` (a code GD step with
``lr_scale = Δt·D/2``). Blocks are :math:`N\times N`; a "block matrix" over time has shape
``(T+1, T+1, N, N)`` with entry ``[n, k]`` the block of times :math:`(t_n,t_k)`.

Weight process (one per input coordinate, Gaussian; derivation page, Steps 2–3)
    :math:`\boldsymbol w^{n+1}=\boldsymbol w^n+\Delta t\,[\boldsymbol u^n+\beta\boldsymbol\nu^n+\sum_{n''\le n}R^g(n,n'')\boldsymbol w^{n''}]`,
    :math:`\langle\boldsymbol u^n\boldsymbol u^{k\top}\rangle=G(n,k)/\rho`. Its response
    :math:`\Phi(n,j)=\partial\boldsymbol w^n/\partial\boldsymbol w^j` obeys
    :math:`\Phi(n{+}1,j)=\Phi(n,j)+\Delta t\sum_{n''=j}^{n}R^g(n,n'')\Phi(n'',j)`, :math:`\Phi(j,j)=I`,
    and with :math:`\boldsymbol s_n=\Delta t\sum_{n'<n}\Phi(n,n'{+}1)\boldsymbol\nu^{n'}`:

    .. math:: \boldsymbol m^n=\Phi(n,0)\boldsymbol m^0+q_\star\boldsymbol s_n,\qquad
        C(n,k)=\Phi(n,0)C^0\Phi(k,0)^\top+\Phi(n,0)\boldsymbol m^0\boldsymbol s_k^\top+\boldsymbol s_n\boldsymbol m^{0\top}\Phi(k,0)^\top
        +q_\star\boldsymbol s_n\boldsymbol s_k^\top+\frac{\Delta t^2}\rho\sum_{n'<n,k'<k}\Phi(n,n'{+}1)G(n',k')\Phi(k,k'{+}1)^\top .

Data-point process (one per training example, non-Gaussian; derivation page, Step 1)
    :math:`\boldsymbol h^n=\boldsymbol\chi^n+\frac{\Delta t}\rho\sum_{n'<n}\Phi(n,n'{+}1)\boldsymbol g^{n'}` with
    :math:`(\boldsymbol\chi^{0..T},h_\star)` Gaussian of covariance :math:`[[C,\boldsymbol m],[\boldsymbol m^\top,q_\star]]`,
    :math:`\boldsymbol g^n=\frac1\alpha\Delta^n\phi'(\boldsymbol h^n)`, :math:`\Delta^n=\frac12h_\star^2-\frac\alpha N\sum_i\phi(h_i^n)`.
    Per sample, :math:`A^n=\partial\boldsymbol g^n/\partial\boldsymbol h^n=\frac\epsilon\alpha\Delta^nI-\frac1N\phi'\phi'^\top`,
    :math:`L_{nn''}=\frac{\Delta t}\rho\Phi(n,n''{+}1)A^{n''}` (``n'' < n``), and

    .. math:: R^g=\big\langle\mathrm{blockdiag}(A)(I-L)^{-1}\big\rangle,\quad
        G(n,k)=\langle\boldsymbol g^n\boldsymbol g^{k\top}\rangle,\quad
        \boldsymbol\nu^n=\langle h_\star\boldsymbol b^n\rangle,\ \
        \boldsymbol b^n=\tfrac1\alpha\phi'(\boldsymbol h^n)+A^n\tfrac{\Delta t}\rho\textstyle\sum_{n'<n}\Phi(n,n'{+}1)\boldsymbol b^{n'} .

The fixed point is found by damped iteration. The Gaussian draws use one fixed set of standard
normals (common random numbers) mapped through the current covariance's square root, so the
iteration map is deterministic given ``seed`` and its residual falls geometrically instead of
stalling at the Monte Carlo noise level. The normals are moment-matched (exact mean, covariance and
fourth moment of h⋆; ``_antithetic_normals`` in :mod:`gklib.dmft.draws`): averages that are quadratic in the Gaussian fields
are then exact, and at ε = 0 the whole solution is (closed-form Marchenko–Pastur GD, tested).
Every residual has an absolute floor (``_rel``), so kernels that vanish at the fixed point
(ν at ε = 0) do not block convergence.
"""
from __future__ import annotations

import math
import time
import warnings

import numpy as np
import torch

from ..frontend import progress
from ..params import Array, validate_params
from ..runtime import get_device, torch_threads
from ._checks import (FLAG_OR_NONE, MATRIX, N_UNITS, NONNEGATIVE, POSITIVE, RHO, SEED, SIZE, SIZE_OR_NONE, THREADS,
                      VECTOR, DAMPING, check_dmft, check_init)
from .draws import _antithetic_normals, _pair_subset
from .fields import _control_variate, _data_process, _from_mat, _gaussian_fields, _to_mat
from .online import cm_test_loss
from .results import DMFTResult
from .saad_solla import _online_guess, check_dt, max_stable_dt

__all__ = ["DMFTResult", "solve_dmft", "propagator", "weight_process_closure"]


@validate_params(Rg=Array(4), dt=POSITIVE)
def propagator(Rg: torch.Tensor, dt: float) -> torch.Tensor:
    r"""The weight response :math:`\Phi(n,j)=\partial\boldsymbol w^n/\partial\boldsymbol w^j` from the gradient
    response (derivation page, Step 3):
    :math:`\Phi(n{+}1,j)=\Phi(n,j)+\Delta t\sum_{n''=j}^nR^g(n,n'')\Phi(n'',j)`, :math:`\Phi(j,j)=I`.

    Parameters
    ----------
    Rg : torch.Tensor, shape (T+1, T+1, N, N)
        Gradient response blocks :math:`R^g(n,k)` (only ``k <= n`` is read).
    dt : float
        Time step Δt > 0.

    Returns
    -------
    torch.Tensor, shape (T+1, T+1, N, N)
        Φ, zero for ``j > n``.

    Raises
    ------
    ValueError
        ``Rg`` not of block shape.

    Examples
    --------
    With a constant rate :math:`R^g(n,n)=-\lambda I` (no memory) :math:`\Phi(n,0)=(1-\lambda\Delta t)^n`:

    >>> import torch
    >>> from gklib.dmft import propagator
    >>> Rg = torch.zeros(4, 4, 1, 1, dtype=torch.float64)
    >>> Rg[range(4), range(4)] = -0.5
    >>> propagator(Rg, 0.4)[:, 0, 0, 0].tolist()             # 0.8 ** n
    [1.0, 0.8, 0.64, 0.512]
    """
    Rg = torch.as_tensor(Rg)
    if Rg.ndim != 4 or Rg.shape[0] != Rg.shape[1] or Rg.shape[2] != Rg.shape[3]:
        raise ValueError(f"Rg must have shape (T+1, T+1, N, N), got {tuple(Rg.shape)}")
    dt = float(dt)
    T1, _, N, _ = Rg.shape
    Phi = torch.zeros_like(Rg)
    eye = torch.eye(N, dtype=Rg.dtype, device=Rg.device)
    Phi[torch.arange(T1), torch.arange(T1)] = eye
    for n in range(T1 - 1):
        Phi[n + 1, : n + 1] = Phi[n, : n + 1] + dt * torch.einsum("kab,kjbc->jac", Rg[n, : n + 1], Phi[: n + 1, : n + 1])
    return Phi


def _memory_kernel(Phi: torch.Tensor) -> torch.Tensor:
    """K[n, n'] = Φ(n, n'+1) for n' < n, else 0 (shape of Φ)."""
    K = torch.zeros_like(Phi)
    K[:, :-1] = Phi[:, 1:]
    return K


@validate_params(Rg=Array(4), G=Array(4), nu=Array(2), C0=Array(2), m0=Array(1), q_star=POSITIVE, rho=RHO,
                 dt=POSITIVE)
def weight_process_closure(Rg, G, nu, *, C0, m0, q_star: float, rho: float, dt: float):
    r"""Moments of the Gaussian weight process given :math:`(R^g, G, \boldsymbol\nu)`
    (the DMFT derivation page, Step 3; formulas in the module docstring):
    :math:`\boldsymbol m^n=\Phi(n,0)\boldsymbol m^0+q_\star\boldsymbol s_n` and the two-time :math:`C(n,k)`.

    Parameters
    ----------
    Rg, G : torch.Tensor, shape (T+1, T+1, N, N)
        Gradient response and gradient correlation (float64).
    nu : torch.Tensor, shape (T+1, N)
        Signal drift.
    C0 : torch.Tensor, shape (N, N)
        Initial correlation.
    m0 : torch.Tensor, shape (N,)
        Initial alignment.
    q_star : float
        Teacher norm > 0.
    rho : float
        ρ = P/D > 0, or ``math.inf`` (then the noise term :math:`G/\rho` vanishes).
    dt : float
        Time step > 0.

    Returns
    -------
    Phi, C : torch.Tensor, shape (T+1, T+1, N, N)
        The response Φ (:func:`propagator`) and the two-time correlation.
    m : torch.Tensor, shape (T+1, N)
        The alignment.

    Examples
    --------
    Without any force (:math:`R^g=G=0`, ν = 0) the weights stay where they are:

    >>> import math, torch
    >>> from gklib.dmft import weight_process_closure
    >>> Z = torch.zeros(3, 3, 2, 2, dtype=torch.float64)
    >>> C0, m0 = torch.eye(2, dtype=torch.float64), torch.tensor([0.1, 0.2], dtype=torch.float64)
    >>> Phi, C, m = weight_process_closure(Z, Z, torch.zeros(3, 2, dtype=torch.float64), C0=C0, m0=m0,
    ...                                    q_star=1.0, rho=math.inf, dt=0.4)
    >>> bool((C[2, 0] == C0).all()), m[2].tolist()
    (True, [0.1, 0.2])
    """
    T1, _, N, _ = Rg.shape
    Phi = propagator(Rg, dt)
    K = _memory_kernel(Phi)
    s = dt * torch.einsum("nkab,kb->na", K, nu).reshape(-1)            # (M,)
    P0 = Phi[:, 0].reshape(T1 * N, N)                                   # rows (n, i)
    u0 = P0 @ m0
    Cmat = P0 @ C0 @ P0.T + torch.outer(u0, s) + torch.outer(s, u0) + q_star * torch.outer(s, s)
    if math.isfinite(rho):
        Kmat = _to_mat(K)
        Cmat = Cmat + dt**2 / rho * Kmat @ _to_mat(G) @ Kmat.T
    Cmat = 0.5 * (Cmat + Cmat.T)
    return Phi, _from_mat(Cmat, T1, N), (u0 + q_star * s).reshape(T1, N)


RESIDUAL_FLOOR = 1e-9


def _rel(new, old) -> float:
    r"""Relative change :math:`\|\hat X-X\|/\max(\|\hat X\|,\ a\sqrt{n})` with an absolute floor
    ``a = RESIDUAL_FLOOR`` per entry (``n`` entries). Without the floor a quantity that is exactly
    zero at the fixed point (ν at ε = 0, or with m = 0) compares rounding noise with rounding noise,
    its "relative change" stays O(1), and the iteration never reports convergence."""
    floor = RESIDUAL_FLOOR * math.sqrt(new.numel())
    return float((new - old).norm() / max(float(new.norm()), floor))


@validate_params(N=N_UNITS, rho=RHO, alpha=POSITIVE, eps=NONNEGATIVE, q_star=POSITIVE, C0=MATRIX, m0=VECTOR,
                 dt=POSITIVE, steps=SIZE, samples=SIZE, damping=DAMPING, iters=SIZE, tol=POSITIVE, seed=SEED,
                 response_samples=SIZE_OR_NONE, num_threads=THREADS, progress_bar=FLAG_OR_NONE)
def solve_dmft(N: int, rho: float, alpha: float, eps: float, *, q_star: float = 1.0, C0=None, m0=None,
               dt: float = 0.4, steps: int = 60, samples: int = 8000, damping: float = 0.8,
               iters: int = 40, tol: float = 1e-3, seed: int = 0, device=None,
               response_samples: int | None = 1000, num_threads: int | None = 1,
               progress_bar: bool | None = None) -> DMFTResult:
    r"""Solve the finite-ρ DMFT of the toy model by damped fixed-point iteration
    (the DMFT derivation page, Steps 1–4).

    Iterates :math:`X\leftarrow(1-\delta)X+\delta\hat X` for :math:`X=(R^g,G,\boldsymbol\nu)`: the
    weight process's moments (:func:`weight_process_closure`) give the Gaussian fields, the
    data-point process integrated on them gives :math:`\hat X` (module docstring). Starts from the
    online (ρ = ∞) solution. Cost per iteration: :math:`O(S_R\,(N(T{+}1))^3)` for the batched
    triangular inverses that give :math:`R^g` (``S_R = response_samples``; dominant), plus
    :math:`O(S\,T^2N^2)` for the fields and :math:`O((NT)^3)` for the closure.

    Parameters
    ----------
    N : int
        Width (hidden units), >= 1.
    rho : float
        :math:`P/D` > 0; ``math.inf`` gives the online limit.
    alpha : float
        Output scale > 0.
    eps : float
        Quadratic coefficient ε >= 0 of φ.
    q_star : float, default 1.0
        :math:`|\beta_\star|^2/D` > 0.
    C0 : array_like, shape (N, N), optional
        Initial :math:`C(0,0)`, symmetric positive semi-definite (default I).
    m0 : array_like, shape (N,), optional
        Initial :math:`\boldsymbol m(0)` (default 0, a fixed point — pass the alignment of a random init,
        :math:`O(D^{-1/2})`, e.g. :func:`~gklib.dmft.typical_m0`, to see the escape).
    dt : float, default 0.4
        Time step > 0, below the stability limit of explicit GD at this setting,
        :math:`2/(|\lambda_{\min}(r(C_0))|\,(1+\rho^{-1/2})^2)` with :math:`r` of
        :func:`~gklib.dmft.online_response` (a larger step makes the fastest mode overshoot and grow).
    steps : int, default 60
        Number of steps T >= 1 (grid :math:`t_n=n\,dt`, ``n = 0..T``; capped by ``$GKLIB_SMOKE_STEPS``).
    samples : int, default 8000
        Monte Carlo draws S of the data-point process per iteration (h⋆ stratified, in antithetic pairs,
        moment-matched); they give G, ν and the train loss. More than ``2 (N (steps+1) + 1)``; use an even
        number. With fewer than about ``2 N (steps+1)`` draws the fixed point keeps a Monte Carlo bias of
        order ``N (steps+1) / samples``.
    damping : float, default 0.8
        δ in (0, 1].
    iters : int, default 40
        At most this many iterations, >= 1.
    tol : float, default 1e-3
        Stop when the relative change of every :math:`\hat X` is below ``tol`` > 0 (``converged=True``).
    seed : int, default 0
        Seeds the fixed standard normals (>= 0); the result is deterministic given ``seed``.
    device : str or torch.device, optional
        Default: CUDA when present. Everything runs in float64.
    response_samples : int or None, default 1000
        How many of the draws (whole pairs, spread over the strata) also give :math:`R^g`, the costly
        part; ``None`` uses all.
    num_threads : int or None, default 1
        CPU threads for the solve (restored afterwards; ``None`` keeps torch's setting). The work is many
        small batched operations, which run fastest single-threaded.
    progress_bar : bool or None, default None
        Show a progress bar (``None``: the course's default, :func:`gklib.frontend.progress`).

    Returns
    -------
    DMFTResult
        Losses, order parameters, kernels and the iteration report.

    Raises
    ------
    ValueError
        Too few ``samples``, a ``dt`` above the stability limit, or ``C0``/``m0`` of the wrong shape or not
        symmetric positive semi-definite.
    RuntimeError
        The iteration diverged. (A solve that has not converged within ``iters`` iterations returns with
        ``converged=False`` and a ``RuntimeWarning``.)

    Examples
    --------
    At ε = 0 the solution is exact: it matches the closed-form Marchenko–Pastur GD of
    :func:`~gklib.dmft.linear_gd_losses`:

    >>> import numpy as np
    >>> from gklib.dmft import linear_gd_losses, solve_dmft
    >>> res = solve_dmft(2, 2.0, 1.0, 0.0, dt=0.4, steps=4, samples=200, progress_bar=False)
    >>> train, test = linear_gd_losses(2.0, 0.4, 4)
    >>> bool(np.allclose(res.test_loss, test, rtol=1e-3)), bool(np.allclose(res.train_loss, train, rtol=1e-3))
    (True, True)

    A step the scheme cannot resolve is refused:

    >>> solve_dmft(2, 2.0, 1.0, 0.0, dt=100.0)          # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: dt = 100 is above the stability limit 0.6863 of the explicit scheme ... use dt < 0.6863
    """
    N, rho, alpha, eps, q_star, dt, steps, samples, damping, iters, tol = check_dmft(
        N, rho, alpha, eps, q_star, dt, steps, samples, damping, iters, tol)
    with torch_threads(num_threads):
        return _solve(N, rho, alpha, eps, q_star, C0, m0, dt, steps, samples, damping, iters, tol, seed,
                      device, response_samples, progress_bar)


def _solve(N, rho, alpha, eps, q_star, C0, m0, dt, steps, samples, damping, iters, tol, seed, device,
           response_samples, progress_bar):
    dev = get_device(device)
    C0, m0 = check_init(N, C0, m0, dev)
    check_dt(dt, max_stable_dt(C0.cpu(), rho, alpha, eps, q_star))
    T1 = steps + 1
    start = time.perf_counter()
    xi = _antithetic_normals(samples, N * T1 + 1, seed, dev)
    response_samples = None if response_samples is None else int(response_samples)
    sub = None if response_samples is None else _pair_subset(samples, response_samples, dev)
    Rg, nu = _online_guess(C0, m0, dt, steps, alpha, eps, q_star)
    G = torch.zeros_like(Rg)
    residuals, converged = [], False
    bar = progress(iters, desc=f"DMFT rho={rho:g}", enabled=progress_bar)
    try:
        for it in range(iters):
            Phi, C, m = weight_process_closure(Rg, G, nu, C0=C0, m0=m0, q_star=q_star, rho=rho, dt=dt)
            chi, hs = _gaussian_fields(C, m, q_star, xi)
            K = _memory_kernel(Phi)
            Rg_hat, G_hat, nu_hat, Delta, Delta_chi = _data_process(chi, hs, K, alpha, eps, rho, dt, C, m, q_star,
                                                                   response_idx=sub)
            if not (torch.isfinite(Delta).all() and torch.isfinite(Rg_hat).all()):
                raise RuntimeError(f"DMFT diverged at iteration {it + 1}; try a smaller dt or larger damping steps")
            res = max(_rel(Rg_hat, Rg), _rel(G_hat, G), _rel(nu_hat, nu))
            residuals.append(res)
            bar.update(1)
            bar.set_postfix(residual=f"{res:.1e}")
            if res < tol:
                converged = True
                break
            Rg = (1 - damping) * Rg + damping * Rg_hat
            G = (1 - damping) * G + damping * G_hat
            nu = (1 - damping) * nu + damping * nu_hat
    except torch.linalg.LinAlgError as err:
        raise RuntimeError(f"DMFT diverged at iteration {it + 1} (the correlation matrix is no longer positive "
                           "definite); try a smaller dt or larger damping steps") from err
    finally:
        bar.close()
    if not converged:
        warnings.warn(f"DMFT did not converge in {iters} iterations (last residual {residuals[-1]:.2g} > tol={tol:g}); "
                      "its results are not a solution: raise iters, lower damping or dt", RuntimeWarning, stacklevel=4)
    idx = torch.arange(T1)
    test = cm_test_loss(C[idx, idx], m, alpha, eps, q_star)
    sq = _control_variate(Delta**2, Delta_chi**2, test)   # <Δ(χ)²> is the exact test loss
    np_ = lambda x: x.detach().cpu().numpy()  # noqa: E731
    return DMFTResult(
        t=np.arange(T1) * dt, train_loss=np_(sq.mean(0)), test_loss=np_(test),
        train_loss_err=np_(sq.std(0) / math.sqrt(samples)), C=np_(C), m=np_(m), Rw=np_(Phi),
        Rg=np_(Rg_hat), G=np_(G_hat), nu=np_(nu_hat), residuals=residuals, converged=converged,
        iterations=len(residuals), seconds=time.perf_counter() - start,
        params=dict(N=N, rho=rho, alpha=alpha, eps=eps, q_star=q_star, dt=dt, steps=steps,
                    samples=samples, response_samples=response_samples, damping=damping, seed=seed, C0=np_(C0), m0=np_(m0)))
