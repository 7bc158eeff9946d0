"""Mercer theory of the toy model's initial NTK and what it predicts for kernel regression.

For :math:`x\\sim\\mathcal N(0, I/D)` the infinite-width initial kernel
:math:`K_0(x,x') = x\\cdot x' + \\epsilon^2 (x\\cdot x')^2` has the Mercer spectrum (chapter 2,
§“The Mercer spectrum of the initial kernel”; the paper's v3 eq. 16 and its “D” diagonal modes corrected)

=====================================  ============================  ==========================
eigenfunction                          eigenvalue                    multiplicity
=====================================  ============================  ==========================
:math:`x_i`                            :math:`1/D`                   :math:`D`
:math:`x_i x_j` (i<j)                  :math:`2\\epsilon^2/D^2`       :math:`D(D-1)/2`
:math:`x_i^2 - |x|^2/D`                 :math:`2\\epsilon^2/D^2`       :math:`D-1`
:math:`|x|^2`                          :math:`\\epsilon^2(D+2)/D^2`   1
:math:`1 - \\frac{D}{D+2}|x|^2`          0                             1
=====================================  ============================  ==========================

The kernel is an inner product of explicit features, :math:`K_0 = \\varphi(x)\\cdot\\varphi(x')` with
:math:`\\varphi(x) = (x,\\ \\epsilon\\,x_i^2,\\ \\sqrt2\\,\\epsilon\\,x_i x_j)`, so the Mercer eigenvalues are
the eigenvalues of the second-moment matrix :math:`\\mathbb E[\\varphi\\varphi^\\top]` (rank
:math:`D + D(D+1)/2`). The target :math:`y = \\frac12(\\beta\\cdot x)^2` splits into a traceless
quadratic part (eigenvalue :math:`2\\epsilon^2/D^2`) and a :math:`|x|^2` part (paper v3 eq. 17, written there
for :math:`|\\beta|=1`).

Kernel-regression learning curves follow from the spectrum by the theory of Bordelon, Canatar &
Pehlevan (2020) / Canatar et al. (2021): with :math:`P` samples and ridge :math:`\\lambda`, the
fraction of mode :math:`k` left unlearned is :math:`E_k = \\frac{1}{1-\\gamma}\\big(\\frac{\\kappa}{P\\eta_k+\\kappa}\\big)^2`
with :math:`\\kappa = \\lambda + \\kappa\\sum_k \\frac{\\eta_k}{P\\eta_k+\\kappa}` and
:math:`\\gamma = \\sum_k\\frac{P\\eta_k^2}{(P\\eta_k+\\kappa)^2}`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import brentq

from ..runtime import generator
from ..data import gaussian_inputs
from ..params import Array, Boolean, Integer, Real, Reals, validate_params

_SIZE = Integer(1)
_EPS = Real(0)
_POS = Real(0, closed="neither")

__all__ = ["MercerSpectrum", "mercer_spectrum", "quadratic_features", "feature_covariance_spectrum",
           "spectrum_blocks", "target_decomposition", "target_powers", "kernel_theory_curve",
           "predicted_sample_sizes", "population_alignment", "power_split"]


@dataclass
class MercerSpectrum:
    """Distinct Mercer eigenvalues of :math:`K_0`, their multiplicities and eigenfunction names (made by
    :func:`mercer_spectrum`); ``spec[label]`` is the eigenvalue of one block.

    Parameters
    ----------
    D : int
        Input dimension.
    eps : float
        Activation coefficient ε.
    labels : tuple of str
        The blocks' names.
    eigenvalues : numpy.ndarray, shape (n_blocks,)
        One eigenvalue per block.
    multiplicities : numpy.ndarray of int, shape (n_blocks,)
        How often each occurs.

    Examples
    --------
    >>> from gklib.kernels import mercer_spectrum
    >>> s = mercer_spectrum(D=3, eps=0.5)
    >>> s["linear"], s.rank, s.expanded().size
    (0.3333333333333333, 9, 9)
    """

    D: int
    eps: float
    labels: tuple
    eigenvalues: np.ndarray
    multiplicities: np.ndarray

    def expanded(self, include_zero: bool = False) -> np.ndarray:
        """Every eigenvalue repeated by its multiplicity, sorted in decreasing order.

        Parameters
        ----------
        include_zero : bool, default False
            Keep the zero eigenvalue(s).

        Returns
        -------
        numpy.ndarray, shape (rank,) or (rank + zeros,)
            The eigenvalues.

        Examples
        --------
        >>> from gklib.kernels import mercer_spectrum
        >>> mercer_spectrum(D=2, eps=1.0).expanded(include_zero=True).tolist()
        [1.0, 0.5, 0.5, 0.5, 0.5, 0.0]
        """
        vals = np.repeat(self.eigenvalues, self.multiplicities)
        vals = vals if include_zero else vals[vals > 0]
        return np.sort(vals)[::-1]

    @property
    def rank(self) -> int:
        """Number of non-zero eigenvalues, :math:`D + D(D+1)/2` for ε > 0."""
        return int(self.multiplicities[self.eigenvalues > 0].sum())

    def __getitem__(self, label):
        return float(self.eigenvalues[self.labels.index(label)])

    def as_dict(self) -> dict:
        """The blocks as ``{label: (eigenvalue, multiplicity)}``.

        Returns
        -------
        dict
            One entry per block.

        Examples
        --------
        >>> from gklib.kernels import mercer_spectrum
        >>> mercer_spectrum(D=2, eps=1.0).as_dict()["norm"]
        (1.0, 1)
        """
        return {k: (float(v), int(m)) for k, v, m in zip(self.labels, self.eigenvalues, self.multiplicities)}


@validate_params(D=_SIZE, eps=_EPS)
def mercer_spectrum(D: int, eps: float) -> MercerSpectrum:
    """Mercer eigenvalues of :math:`K_0 = x\\cdot x' + \\epsilon^2(x\\cdot x')^2` under :math:`\\mathcal N(0,I/D)`.

    Labels: ``"linear"`` (1/D, ×D), ``"offdiag"`` (:math:`x_ix_j`, 2ε²/D², ×D(D−1)/2),
    ``"diag"`` (:math:`x_i^2-|x|^2/D`, 2ε²/D², ×(D−1)), ``"norm"`` (:math:`|x|^2`, ε²(D+2)/D², ×1),
    ``"constant"`` (0, ×1).

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float
        Activation coefficient ε >= 0.

    Returns
    -------
    MercerSpectrum
        The five blocks.

    Examples
    --------
    The eigenvalues times multiplicities add up to :math:`\\langle K_0(x,x)\\rangle = 1 + \\epsilon^2(D+2)/D`:

    >>> from gklib.kernels import mercer_spectrum
    >>> s = mercer_spectrum(D=4, eps=0.5)
    >>> float((s.eigenvalues * s.multiplicities).sum()), 1 + 0.25 * 6 / 4
    (1.375, 1.375)
    """
    eps = float(eps)
    q = 2 * eps**2 / D**2
    return MercerSpectrum(
        D=D, eps=eps, labels=("linear", "offdiag", "diag", "norm", "constant"),
        eigenvalues=np.array([1 / D, q, q, eps**2 * (D + 2) / D**2, 0.0]),
        multiplicities=np.array([D, D * (D - 1) // 2, D - 1, 1, 1]))


@validate_params(X=Array(2), eps=_EPS)
def quadratic_features(X: torch.Tensor, eps: float) -> torch.Tensor:
    """Explicit features with :math:`\\varphi(x)\\cdot\\varphi(x') = K_0(x,x')`.

    ``X (n, D)`` -> ``(n, D + D(D+1)/2)``: :math:`x`, then :math:`\\epsilon x_i^2`, then
    :math:`\\sqrt2\\,\\epsilon x_ix_j` for :math:`i<j`.

    Parameters
    ----------
    X : torch.Tensor, shape (n, D)
        Inputs, finite.
    eps : float
        Activation coefficient ε >= 0.

    Returns
    -------
    torch.Tensor, shape (n, D + D(D+1)/2)
        The features (dtype of ``X``).

    Examples
    --------
    >>> import torch
    >>> from gklib.kernels import quadratic_features
    >>> X = torch.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=torch.float64)
    >>> F = quadratic_features(X, eps=0.3)
    >>> G = X @ X.T
    >>> bool(torch.allclose(F @ F.T, G + 0.09 * G**2))
    True
    """
    X = torch.as_tensor(X)
    eps = float(eps)
    i, j = torch.triu_indices(X.shape[1], X.shape[1], offset=1, device=X.device)
    return torch.cat([X, eps * X * X, (2**0.5 * eps) * X[:, i] * X[:, j]], 1)


@validate_params(D=Integer(1, 10**4), eps=_EPS, n_samples=Integer(1, 10**9), seed=Integer(0, 2**63 - 1),
                 chunk=_SIZE)
def feature_covariance_spectrum(D: int, eps: float, n_samples: int, seed: int = 0,
                                chunk: int = 4096, device=None) -> np.ndarray:
    """Monte Carlo Mercer spectrum: eigenvalues of :math:`\\frac1n\\sum_a\\varphi(x_a)\\varphi(x_a)^\\top`.

    ``n_samples`` Gaussian inputs (float64, accumulated in chunks). Returns the ``D + D(D+1)/2``
    eigenvalues in decreasing order. Each eigenvalue fluctuates by a Marchenko–Pastur spread of
    relative size :math:`\\sim 2\\sqrt{F/n}` (``F`` features) but each block's *mean* is unbiased.

    Parameters
    ----------
    D : int
        Input dimension, in [1, 10**4] (the covariance has :math:`(D + D(D+1)/2)^2` entries).
    eps : float
        Activation coefficient ε >= 0.
    n_samples : int
        Monte Carlo inputs, in [1, 10**9].
    seed : int, default 0
        Seed of the inputs, in [0, 2**63 - 1].
    chunk : int, default 4096
        Inputs per chunk, >= 1.
    device : str or torch.device or None, default None
        Where to accumulate (``None``: the CPU).

    Returns
    -------
    numpy.ndarray, shape (D + D(D+1)/2,)
        The eigenvalues, decreasing.

    Examples
    --------
    >>> from gklib.kernels import feature_covariance_spectrum, mercer_spectrum
    >>> ev = feature_covariance_spectrum(D=2, eps=1.0, n_samples=20000)
    >>> ev.round(1).tolist(), mercer_spectrum(D=2, eps=1.0).expanded().tolist()
    ([1.0, 0.5, 0.5, 0.5, 0.5], [1.0, 0.5, 0.5, 0.5, 0.5])
    """
    D, n, chunk, eps = int(D), int(n_samples), int(chunk), float(eps)
    gen = generator(seed)
    F = D + D * (D + 1) // 2
    C = torch.zeros(F, F, dtype=torch.float64, device=device)
    done = 0
    while done < n:
        m = min(chunk, n - done)
        Phi = quadratic_features(gaussian_inputs(m, D, gen).to(device), eps)
        C += Phi.T @ Phi
        done += m
    return torch.linalg.eigvalsh(C / n).flip(0).cpu().numpy()


@validate_params(eigenvalues=Array(1), D=_SIZE)
def spectrum_blocks(eigenvalues, D: int) -> dict:
    """Group a decreasing spectrum of :math:`K_0` into its blocks (mean eigenvalue of each).

    The top ``D`` values are the linear block, the next one the :math:`|x|^2` mode, the next
    :math:`D(D+1)/2 - 1` the traceless quadratic block (assumes ε²D ≪ 1 so the blocks are ordered).

    Parameters
    ----------
    eigenvalues : array_like, shape (n,)
        The spectrum (any order), at least :math:`D + D(D+1)/2` entries.
    D : int
        Input dimension, >= 1.

    Returns
    -------
    dict
        ``"linear"``, ``"norm"``, ``"quadratic"`` (block means) and ``"quadratic_median"``.

    Raises
    ------
    ValueError
        Too few eigenvalues.

    Examples
    --------
    >>> from gklib.kernels import mercer_spectrum, spectrum_blocks
    >>> b = spectrum_blocks(mercer_spectrum(D=3, eps=0.1).expanded(), D=3)
    >>> round(float(b["linear"]), 6), round(float(b["quadratic"]), 6)       # 1/D and 2 eps^2/D^2
    (0.333333, 0.002222)
    """
    D = int(D)
    ev = np.sort(np.asarray(eigenvalues, dtype=float))[::-1]
    nq = D * (D + 1) // 2 - 1
    if ev.size < D + 1 + nq:
        raise ValueError(f"eigenvalues has {ev.size} entries; need at least D + D(D+1)/2 = {D + 1 + nq}")
    return {"linear": ev[:D].mean(), "norm": ev[D], "quadratic": ev[D + 1:D + 1 + nq].mean(),
            "quadratic_median": float(np.median(ev[D + 1:D + 1 + nq]))}


@validate_params(X=Array(2), beta=Array(1))
def target_decomposition(X: torch.Tensor, beta: torch.Tensor) -> dict:
    """Split :math:`y = \\frac12(\\beta\\cdot x)^2` into Mercer eigenfunctions (paper v3 eq. 17; chapter 2,
    §“The target in the kernel's eigenbasis”).

    Returns ``{"traceless": ½[(β·x)² − |β|²|x|²/D], "norm": |β|²|x|²/(2D)}`` evaluated on the rows
    of ``X`` (each ``(n,)``); they sum to the target.

    Parameters
    ----------
    X : torch.Tensor, shape (n, D)
        Inputs, finite.
    beta : torch.Tensor, shape (D,)
        Target direction, finite.

    Returns
    -------
    dict
        ``{"traceless": (n,), "norm": (n,)}`` tensors (dtype of ``X``).

    Raises
    ------
    ValueError
        ``beta`` not of length ``D``.

    Examples
    --------
    >>> import torch
    >>> from gklib.kernels import target_decomposition
    >>> X, beta = torch.tensor([[1.0, 1.0], [2.0, 0.0]]), torch.tensor([1.0, 0.0])
    >>> parts = target_decomposition(X, beta)
    >>> (parts["traceless"] + parts["norm"]).tolist(), (0.5 * (X @ beta) ** 2).tolist()
    ([0.5, 2.0], [0.5, 2.0])
    """
    X, beta = torch.as_tensor(X), torch.as_tensor(beta)
    if X.ndim != 2 or beta.shape != (X.shape[1],):
        raise ValueError(f"X must be (n, D) and beta (D,), got {tuple(X.shape)} and {tuple(beta.shape)}")
    beta = beta.to(X)
    D = X.shape[1]
    b2, x2 = beta @ beta, (X * X).sum(1)
    return {"traceless": 0.5 * ((X @ beta) ** 2 - b2 * x2 / D), "norm": 0.5 * b2 * x2 / D}


@validate_params(D=_SIZE, q_star=_POS)
def target_powers(D: int, q_star: float = 1.0) -> dict:
    """Population power :math:`\\langle y_{\\rm part}^2\\rangle` of each part, with :math:`|\\beta|^2 = q_\\star D`.

    ``norm``: :math:`\\frac{q_\\star^2}{4}\\frac{D+2}{D}`; ``traceless``: :math:`\\frac{q_\\star^2}{2}\\frac{D-1}{D}`;
    they add up to :math:`\\langle y^2\\rangle = \\frac34 q_\\star^2`.

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    q_star : float, default 1.0
        :math:`q_\\star = |\\beta|^2/D > 0`.

    Returns
    -------
    dict
        ``{"norm": float, "traceless": float}``.

    Examples
    --------
    >>> from gklib.kernels import target_powers
    >>> target_powers(D=4)
    {'norm': 0.375, 'traceless': 0.375}
    """
    q = float(q_star)
    return {"norm": q**2 * (D + 2) / (4 * D), "traceless": q**2 * (D - 1) / (2 * D)}


def _modes(D, eps, q_star):
    s = mercer_spectrum(D, eps)
    pw = target_powers(D, q_star)
    lam = np.array([s["linear"], s["norm"], s["offdiag"]])
    mult = np.array([D, 1, D * (D - 1) // 2 + D - 1])
    power = np.array([0.0, pw["norm"], pw["traceless"]])
    return lam, mult, power


def _kappa(P, lam, mult, ridge):
    rank = mult[lam > 0].sum()
    if ridge == 0 and P >= rank:
        return 0.0
    lam, mult = lam[lam > 0], mult[lam > 0]

    def h(t):          # monotone in κ = e^t; root is the self-consistent κ
        k = np.exp(t)
        return 1 - (mult * lam / (P * lam + k)).sum() - ridge / k

    lo, hi = np.log(1e-300), np.log(10 * (ridge + (mult * lam).sum()) + 1e-300)
    return float(np.exp(brentq(h, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500)))


@validate_params(D=_SIZE, eps=_POS, Ps=Reals(0, closed="neither"), ridge=_EPS, q_star=_POS)
def kernel_theory_curve(D: int, eps: float, Ps, ridge: float = 0.0, q_star: float = 1.0) -> dict:
    """Predicted kernel-regression learning curve of :math:`K_0` on the quadratic target.

    Spectral theory (module docstring) with the exact Mercer spectrum; ``ridge`` in the convention
    :math:`(K + \\lambda I)^{-1}` with the unnormalised Gram matrix. Returns numpy arrays over ``Ps``:
    ``"norm"``, ``"traceless"`` (fraction of each part not yet learned, 1 → 0) and ``"test_mse"``.

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float
        Activation coefficient ε > 0.
    Ps : float or sequence of float
        Sample sizes, > 0.
    ridge : float, default 0.0
        Ridge λ >= 0.
    q_star : float, default 1.0
        :math:`q_\\star = |\\beta|^2/D > 0`.

    Returns
    -------
    dict
        ``"P"``, ``"norm"``, ``"traceless"``, ``"test_mse"``: numpy arrays of shape ``(len(Ps),)``.

    Examples
    --------
    Without ridge everything is learned once ``P`` reaches the rank :math:`D + D(D+1)/2`:

    >>> from gklib.kernels import kernel_theory_curve
    >>> c = kernel_theory_curve(D=3, eps=0.3, Ps=[1, 9])
    >>> c["test_mse"].round(3).tolist()           # at P = 1 worse than predicting 0 (<y^2> = 0.75)
    [0.905, 0.0]
    """
    ridge = float(ridge)
    lam, mult, power = _modes(D, eps, q_star)
    out = {"P": np.asarray(Ps, dtype=float), "norm": [], "traceless": [], "test_mse": []}
    for P in np.atleast_1d(Ps):
        P = float(P)
        k = _kappa(P, lam, mult, ridge)
        if k == 0.0:
            E = np.zeros(3)
        else:
            gamma = (mult * P * lam**2 / (P * lam + k) ** 2).sum()
            E = (k / (P * lam + k)) ** 2 / (1 - gamma)
        out["norm"].append(E[1])
        out["traceless"].append(E[2])
        out["test_mse"].append((E * power).sum())
    return {k: np.asarray(v) for k, v in out.items()}


@validate_params(D=_SIZE, eps=_POS, ridge=_EPS, q_star=_POS, level=Real(0, 1, closed="neither"))
def predicted_sample_sizes(D: int, eps: float, ridge: float = 0.0, q_star: float = 1.0,
                           level: float = 0.5) -> dict:
    """Sample sizes at which kernel regression with :math:`K_0` learns each part of the target.

    ``"norm"``, ``"traceless"``: the ``P`` where the theory's unlearned fraction of that part falls
    to ``level`` (``None`` if never). Also the heuristic :math:`P\\sim 1/\\lambda` of the paper,
    ``"heuristic_linear"`` = D, ``"heuristic_norm"`` = :math:`D^2/(\\epsilon^2(D+2))`,
    ``"heuristic_traceless"`` = :math:`D^2/(2\\epsilon^2)`, and ``"rank"`` = :math:`D + D(D+1)/2`.
    Without ridge the traceless part is learned by counting modes (P → rank, independent of ε); a
    ridge λ moves it to :math:`P\\sim\\lambda D^2/(2\\epsilon^2)`.

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float
        Activation coefficient ε > 0.
    ridge : float, default 0.0
        Ridge λ >= 0.
    q_star : float, default 1.0
        :math:`q_\\star > 0`.
    level : float, default 0.5
        Unlearned fraction that counts as learned, in (0, 1).

    Returns
    -------
    dict
        ``"norm"``, ``"traceless"`` (float or ``None``), the heuristics and ``"rank"``.

    Examples
    --------
    >>> from gklib.kernels import predicted_sample_sizes
    >>> p = predicted_sample_sizes(D=4, eps=0.3)
    >>> p["rank"], p["heuristic_linear"], bool(p["norm"] < p["traceless"] <= p["rank"])
    (14, 4.0, True)
    """
    level = float(level)
    s = mercer_spectrum(D, eps)
    out = {"rank": s.rank, "heuristic_linear": 1 / s["linear"], "heuristic_norm": 1 / s["norm"],
           "heuristic_traceless": 1 / s["offdiag"]}
    for part in ("norm", "traceless"):
        def g(t):
            return kernel_theory_curve(D, eps, [np.exp(t)], ridge, q_star)[part][0] - level
        hi = np.log(max(10.0 * s.rank, 100.0 * (1 + ridge) / s["offdiag"]))
        out[part] = float(np.exp(brentq(g, 0.0, hi, xtol=1e-6))) if g(0.0) > 0 > g(hi) else None
    return out


@validate_params(D=_SIZE, eps=Reals(0), q_star=_POS, centered=Boolean(), n=Integer(1, none_ok=True))
def population_alignment(D: int, eps, q_star: float = 1.0, centered: bool = True, n: int | None = None):
    """Population kernel–target alignment of the initial kernel :math:`K_0`
    (chapter 2, §“Kernel–target alignment”).

    ``centered=False``: the paper's :math:`\\langle yKy'\\rangle/(\\sqrt{\\langle K^2\\rangle}\\langle y^2\\rangle)`
    with the corrected numerator :math:`\\frac{\\epsilon^2}{4D^4}(|\\beta|^4 D + 8|\\beta|^4)`, i.e.
    :math:`\\epsilon^2 q_\\star^2 (D+8)/(4D^2)`, and :math:`\\langle K_0^2\\rangle = \\frac1D + \\frac{3\\epsilon^4(D+2)}{D^3}`.
    ``centered=True``: the large-sample limit of :func:`gklib.kernels.cka` (centred labels, column-centred
    kernel): numerator :math:`\\epsilon^2q_\\star^2/D^2`, :math:`\\langle y_c^2\\rangle = q_\\star^2/2`,
    :math:`\\langle K_c^2\\rangle = \\frac1D + \\frac{2\\epsilon^4(D+2)}{D^3}`. (The finite-``n`` matrix
    version is dominated by the diagonal of ``K`` until :math:`n \\gg D^{3/2}/\\epsilon^2`.)
    ``n`` (only with ``centered``): the expected value of :func:`~gklib.kernels.cka` on ``n`` points,
    adding the diagonal terms to leading order in 1/D and ε² (:math:`K(x,x)\\approx(1+\\epsilon^2)|x|^2`):
    numerator :math:`+\\,(1+\\frac4D)(1+\\epsilon^2)\\langle y_c^2\\rangle/n`,
    :math:`\\langle K_c^2\\rangle + (1+\\frac2D)(1+\\epsilon^2)^2/n`.

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float or sequence of float
        Activation coefficient(s) ε >= 0.
    q_star : float, default 1.0
        :math:`q_\\star > 0`.
    centered : bool, default True
        The centred alignment of :func:`~gklib.kernels.cka` or the paper's uncentred one.
    n : int or None, default None
        Finite sample size (>= 1, ``centered`` only); ``None``: the population value.

    Returns
    -------
    float or numpy.ndarray
        The alignment (the shape of ``eps``).

    Raises
    ------
    ValueError
        ``n`` with ``centered=False``.

    Examples
    --------
    >>> from gklib.kernels import population_alignment
    >>> population_alignment(D=10, eps=[0.0, 1.0]).round(4).tolist()     # 0.01 / (sqrt(0.124) * 0.5)
    [0.0, 0.0568]
    """
    q = float(q_star)
    e = np.asarray(eps, dtype=float)
    if centered:
        num, K2, y2 = e**2 * q**2 / D**2, 1 / D + 2 * e**4 * (D + 2) / D**3, q**2 / 2
        if n is not None:
            num = num + (1 + 4 / D) * (1 + e**2) * y2 / n
            K2 = K2 + (1 + 2 / D) * (1 + e**2) ** 2 / n
    elif n is not None:
        raise ValueError("n (finite-sample correction) is only available with centered=True")
    else:
        num, K2, y2 = e**2 * q**2 * (D + 8) / (4 * D**2), 1 / D + 3 * e**4 * (D + 2) / D**3, 0.75 * q**2
    return num / (np.sqrt(K2) * y2)


@validate_params(D=_SIZE, eps=Reals(0))
def power_split(D: int, eps) -> dict:
    """Kernel power in linear and quadratic eigenfunctions: ``{"linear": 1, "quadratic": ε²(D+2)/D}``
    and the quadratic fraction.

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float or sequence of float
        Activation coefficient(s) ε >= 0.

    Returns
    -------
    dict
        ``"linear"``, ``"quadratic"``, ``"quadratic_fraction"``: arrays of the shape of ``eps``.

    Examples
    --------
    >>> from gklib.kernels import power_split
    >>> power_split(D=2, eps=1.0)["quadratic_fraction"]                # 2 / (1 + 2)
    np.float64(0.6666666666666666)
    """
    e = np.asarray(eps, dtype=float)
    quad = e**2 * (D + 2) / D
    return {"linear": np.ones_like(e), "quadratic": quad, "quadratic_fraction": quad / (1 + quad)}
