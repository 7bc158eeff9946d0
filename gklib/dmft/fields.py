r"""The finite-ρ DMFT's data-point process (part of :mod:`gklib.dmft`, used by :mod:`gklib.dmft.solver` and
:mod:`gklib.dmft.gap`; the DMFT derivation page, Step 1): Gaussian fields of a given covariance, the
per-sample fields integrated forward in time with their memory, and the averages they give
(:math:`R^g`, G, ν), with control variates. The formulas are in :mod:`gklib.dmft.solver`'s docstring.
"""
from __future__ import annotations

import math

import torch

from .online import online_response


def _to_mat(B: torch.Tensor) -> torch.Tensor:
    """Block matrix (T+1, T+1, N, N) -> dense ((T+1)N, (T+1)N), index (n, i)."""
    T1, _, N, _ = B.shape
    return B.permute(0, 2, 1, 3).reshape(T1 * N, T1 * N)


def _from_mat(Mat: torch.Tensor, T1: int, N: int) -> torch.Tensor:
    return Mat.reshape(T1, N, T1, N).permute(0, 2, 1, 3)


def _psd_sqrt(S: torch.Tensor) -> torch.Tensor:
    """Symmetric square root of a symmetric matrix with negative eigenvalues clipped to 0."""
    lam, V = torch.linalg.eigh(0.5 * (S + S.T))
    return (V * lam.clamp_min(0).sqrt()) @ V.T


def _gaussian_fields(C, m, q_star, xi):
    r"""Map standard normals ``xi`` (S, M+1) to :math:`(\boldsymbol\chi^{0..T}, h_\star)` with covariance
    :math:`[[C,\boldsymbol m],[\boldsymbol m^\top,q_\star]]`; returns χ (S, T+1, N) and h⋆ (S,).

    Built as :math:`h_\star=\sqrt{q_\star}\zeta`, :math:`\boldsymbol\chi=\boldsymbol m h_\star/q_\star+(C-\boldsymbol m\boldsymbol m^\top/q_\star)^{1/2}\boldsymbol\xi`.
    Pass ``xi`` whose second half repeats the first with ζ = ``xi[:, -1]`` negated (antithetic
    pairs): then odd functions of :math:`h_\star` at :math:`\boldsymbol m=0` average to exactly zero,
    which removes the Monte Carlo noise that would otherwise swamp the tiny initial drift ν."""
    T1, _, N, _ = C.shape
    M = T1 * N
    mf = m.reshape(-1)
    hs = math.sqrt(q_star) * xi[:, M]
    cond = _to_mat(C) - torch.outer(mf, mf) / q_star
    chi = hs[:, None] * (mf / q_star) + xi[:, :M] @ _psd_sqrt(cond)
    return chi.reshape(-1, T1, N), hs


def _data_process(chi, hs, K, alpha, eps, rho, dt, C=None, m=None, q_star=None, response=True,
                  response_idx=None, chunk=None):
    r"""Integrate the per-sample fields forward in time (causal, explicit) and average.

    Inputs: Gaussian fields ``chi`` (S, T+1, N), ``hs`` (S,), memory kernel ``K`` (T+1, T+1, N, N).
    Returns ``(Rg, G, nu, Delta, Delta_chi)``: ``Rg``, ``G`` (T+1, T+1, N, N), ``nu`` (T+1, N), and the
    errors :math:`\Delta` on the training fields ``h`` and on the Gaussian fields χ, both (S, T+1).
    ``response=False`` skips :math:`R^g` (returned as ``None``); ``response_idx`` selects the samples
    used for :math:`R^g` (the costly part: one :math:`N(T{+}1)`-dimensional triangular inverse each).

    Control variates (when ``C``, ``m``, ``q_star`` are given): the Gaussian parts of ν and of the
    diagonal of :math:`R^g` are known exactly, :math:`\langle h_\star\phi'(\boldsymbol\chi)\rangle/\alpha=\epsilon\boldsymbol m/\alpha`
    and :math:`\langle A(\boldsymbol\chi^n)\rangle=r(C(n,n))` (derivation page, Step 4), so Monte Carlo only
    estimates the memory-induced differences.
    """
    S, T1, N = chi.shape
    c = dt / rho if math.isfinite(rho) else 0.0
    eye = torch.eye(N, dtype=chi.dtype, device=chi.device)
    g, b = torch.zeros_like(chi), torch.zeros_like(chi)
    A = torch.zeros(S, T1, N, N, dtype=chi.dtype, device=chi.device)
    Delta = torch.zeros(S, T1, dtype=chi.dtype, device=chi.device)
    y = 0.5 * hs**2
    Delta_chi = y[:, None] - alpha / N * (chi + 0.5 * eps * chi * chi).sum(-1)
    for n in range(T1):
        h = chi[:, n]
        if n and c:                                     # memory: (Δt/ρ) Σ_{n'<n} Φ(n, n'+1) g^{n'}
            h = h + c * torch.einsum("kab,skb->sa", K[n, :n], g[:, :n])
        dphi = 1 + eps * h
        Delta[:, n] = y - alpha / N * (h + 0.5 * eps * h * h).sum(-1)
        g[:, n] = Delta[:, n, None] * dphi / alpha
        A[:, n] = eps / alpha * Delta[:, n, None, None] * eye - dphi[:, :, None] * dphi[:, None, :] / N
        b[:, n] = dphi / alpha                          # b^n = ∂g^n/∂h⋆ / h⋆
        if n and c:
            mem = c * torch.einsum("kab,skb->sa", K[n, :n], b[:, :n])
            b[:, n] += torch.einsum("sab,sb->sa", A[:, n], mem)
    G = torch.einsum("sna,skb->nkab", g, g) / S
    exact = C is not None
    dphi0 = 1 + eps * chi                                                # φ'(χ)
    nu = (hs[:, None, None] * (b - dphi0 / alpha)).mean(0)
    nu += eps / alpha * m if exact else (hs[:, None, None] * dphi0 / alpha).mean(0)
    if not response:
        return None, G, nu, Delta, Delta_chi
    Dc = Delta_chi
    if response_idx is not None:
        A, Dc, dphi0 = A[response_idx], Dc[response_idx], dphi0[response_idx]
    Sr = A.shape[0]
    idx = torch.arange(T1)
    A0 = (eps / alpha * Dc[..., None, None] * eye - dphi0[..., :, None] * dphi0[..., None, :] / N).mean(0)
    offset = (online_response(C[idx, idx], alpha, eps, q_star) - A0) if exact else 0.0
    Rg = torch.zeros(T1, T1, N, N, dtype=chi.dtype, device=chi.device)
    if not c:
        Rg[idx, idx] = A.mean(0) + offset
        return Rg, G, nu, Delta, Delta_chi
    M = T1 * N
    chunk = chunk or max(1, int(4e6 // (M * M)))
    I_M = torch.eye(M, dtype=chi.dtype, device=chi.device)
    for lo in range(0, Sr, chunk):                      # R^g = <blockdiag(A) (I - L)^{-1}>
        Ab = A[lo:lo + chunk]
        L = c * torch.einsum("njab,sjbc->snjac", K, Ab)               # zero for j >= n
        IL = I_M - L.permute(0, 1, 3, 2, 4).reshape(-1, M, M)
        Y = torch.linalg.solve_triangular(IL, I_M.expand_as(IL), upper=False, unitriangular=True)
        Rg += torch.einsum("snab,snbkc->nkac", Ab, Y.reshape(-1, T1, N, T1, N))
    Rg /= Sr
    Rg[idx, idx] += offset
    return Rg, G, nu, Delta, Delta_chi


def _control_variate(x, z, z_mean):
    """Per-sample values ``x - b (z - z_mean)`` (S, T+1) with the variance-optimal ``b`` per time:
    the same mean as ``x`` (``z_mean`` is the exact mean of ``z``) and a smaller variance."""
    xc, zc = x - x.mean(0), z - z.mean(0)
    b = (xc * zc).mean(0) / (zc * zc).mean(0).clamp_min(1e-300)
    return x - b * (z - z_mean)
