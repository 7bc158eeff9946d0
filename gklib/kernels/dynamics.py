"""How fast kernel gradient descent with the initial NTK learns each part of the target (chapter 2).

For the linearised committee machine, GD with :math:`\\eta = cN/\\alpha^2` on the MSE (no ½) moves the
training residuals by :math:`r \\leftarrow (I - \\tfrac{2c}{P}K_0)\\,r` (the prefactor :math:`\\alpha^2/N` of the
NTK cancels against the learning rate). With many points, :math:`K_0/P` has the Mercer eigenvalues
:math:`\\lambda_k` (:func:`gklib.kernels.spectrum.mercer_spectrum`), so the part of the target in mode
:math:`k` keeps the fraction :math:`(1-2c\\lambda_k)^{2t}` of its power after :math:`t` steps: it is learned
on the time scale :math:`\\tau_k = 1/(2c\\lambda_k)`. :func:`mode_learning` compares this with a simulation.
"""
from __future__ import annotations

import numpy as np
import torch

from ..runtime import generator
from ..data import gaussian_inputs
from ..toy.linearized import kernel_gd_gain
from ..params import Array, Integer, Real, validate_params
from .spectrum import mercer_spectrum, quadratic_features

__all__ = ["mode_timescales", "mode_learning", "kernel_gd_predictions"]

_PARTS = ("linear", "norm", "traceless")


@validate_params(K_train=Array(2), K_test=Array(2), y=Array(1), lr_scale=Real(0, closed="neither"),
                 steps=Integer(1))
def kernel_gd_predictions(K_train, K_test, y, lr_scale: float = 1.0, steps: int = 1) -> torch.Tensor:
    r"""Predictions on test points after ``steps`` steps of kernel GD from :math:`f_0 = 0`, in closed form.

    The recursion :math:`r_{t+1} = (I - \tfrac{2c}{P}K)\,r_t` with :math:`r_0 = -y` on the training
    points moves the test predictions by :math:`-\tfrac{2c}{P}K_{\rm test}\,r_t` per step, so
    :math:`f_t = \tfrac{2c}{P}K_{\rm test}\sum_{s<t}(I - \tfrac{2c}{P}K)^s y`, a geometric sum per eigenmode
    of :math:`K` (:func:`gklib.toy.linearized.kernel_gd_gain`). Stable for
    :math:`2c\,\lambda_{\max}(K/P) < 2`.

    Parameters
    ----------
    K_train : torch.Tensor, shape (P, P)
        Kernel on the training points, finite (float64 recommended).
    K_test : torch.Tensor, shape (n, P)
        Kernel between test and training points.
    y : torch.Tensor, shape (P,)
        Training labels.
    lr_scale : float, default 1.0
        :math:`c > 0`.
    steps : int, default 1
        Number of steps :math:`t >= 1`.

    Returns
    -------
    torch.Tensor, shape (n,)
        :math:`f_t` on the test points.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint.
    ValueError
        Shapes that do not fit ``P = len(y)``.

    Examples
    --------
    With :math:`K = P\,I` one step at :math:`c = 1/2` learns the labels exactly:

    >>> import torch
    >>> from gklib.kernels import kernel_gd_predictions
    >>> K = 2.0 * torch.eye(2, dtype=torch.float64)
    >>> kernel_gd_predictions(K, K, torch.tensor([1.0, 3.0], dtype=torch.float64), lr_scale=0.5).tolist()
    [1.0, 3.0]
    """
    K_train, K_test, y = (torch.as_tensor(a) for a in (K_train, K_test, y))
    P = y.shape[0]
    if K_train.shape != (P, P) or K_test.ndim != 2 or K_test.shape[1] != P:
        raise ValueError(f"K_train must be (P, P) and K_test (n, P) with P = len(y) = {P}, got "
                         f"{tuple(K_train.shape)} and {tuple(K_test.shape)}")
    c, t = float(lr_scale), int(steps)
    mu, V = torch.linalg.eigh(K_train / P)
    gain = kernel_gd_gain(2 * c * mu.clamp_min(0), t)
    return 2 * c / P * (K_test @ (V @ (gain * (V.T @ y))))


@validate_params(D=Integer(1), eps=Real(0, closed="neither"), lr_scale=Real(0, closed="neither"))
def mode_timescales(D: int, eps: float, lr_scale: float = 1.0) -> dict:
    """:math:`\\tau_k = 1/(2c\\lambda_k)` (steps) for the linear, :math:`|x|^2` and traceless-quadratic
    eigenvalues :math:`\\lambda_k` of :math:`K_0` (:func:`~gklib.kernels.spectrum.mercer_spectrum`).

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float
        Activation coefficient ε > 0.
    lr_scale : float, default 1.0
        :math:`c > 0`.

    Returns
    -------
    dict
        ``{"linear": τ, "norm": τ, "traceless": τ}`` in steps.

    Examples
    --------
    :math:`\\lambda_{\\rm linear} = 1/D`, so :math:`\\tau_{\\rm linear} = D/(2c)`:

    >>> from gklib.kernels import mode_timescales
    >>> tau = mode_timescales(D=10, eps=0.5)
    >>> tau["linear"], tau["traceless"]            # D/2 and D^2/(4 eps^2)
    (5.0, 100.0)
    """
    s = mercer_spectrum(D, eps)
    c = float(lr_scale)
    lam = {"linear": s["linear"], "norm": s["norm"], "traceless": s["offdiag"]}
    return {k: 1.0 / (2 * c * v) for k, v in lam.items()}


@validate_params(D=Integer(1), eps=Real(0, closed="neither"), P=Integer(1), lr_scale=Real(0, closed="neither"),
                 steps=Array(1, none_ok=True), n_test=Integer(1), seed=Integer(0, 2**63 - 1))
def mode_learning(D: int = 20, eps: float = 0.3, P: int = 3000, lr_scale: float = 1.0, steps=None,
                  n_test: int = 1000, seed: int = 0) -> dict:
    r"""Kernel GD with :math:`K_0` on three targets, one per eigenspace: a linear function
    :math:`u\\cdot x`, :math:`|x|^2`, and the traceless quadratic
    :math:`\\frac12[(\\beta\\cdot x)^2 - |\\beta|^2|x|^2/D]`. Exact at every step (eigendecomposition of the
    feature covariance: :math:`K_0(x,x') = \varphi(x)\cdot\varphi(x')`), float64.

    Parameters
    ----------
    D : int, default 20
        Input dimension, >= 1.
    eps : float, default 0.3
        Activation coefficient ε > 0.
    P : int, default 3000
        Training points, >= 1.
    lr_scale : float, default 1.0
        :math:`c > 0` (kernel GD diverges for :math:`2c\\lambda_{\\max} >= 2`).
    steps : sequence of int or None, default None
        Steps at which to measure (>= 0); ``None``: 25 log-spaced steps up to 20 traceless time scales.
    n_test : int, default 1000
        Test points, >= 1.
    seed : int, default 0
        Seed of the inputs and targets, in [0, 2**63 - 1].

    Returns
    -------
    dict
        ``steps`` (the simulated steps), ``measured[part]`` (test MSE / test power of the part),
        ``t_theory`` and ``theory[part]`` (:math:`(1-2c\\lambda)^{2t}`), ``timescale[part]``
        (:func:`mode_timescales`) and the settings ``D``, ``eps``, ``P``, ``lr_scale``.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint.
    RuntimeError
        Kernel GD diverges at this ``lr_scale`` (on the sampled feature covariance).

    Examples
    --------
    >>> from gklib.kernels import mode_learning
    >>> r = mode_learning(D=4, eps=0.5, P=400, steps=[0, 5], n_test=200)
    >>> r["timescale"]                                   # tau = D/2, D^2/(eps^2 (D+2)), D^2/(4 eps^2)
    {'linear': 2.0, 'norm': 5.333333333333333, 'traceless': 16.0}
    >>> m = {part: v.round(2).tolist() for part, v in r["measured"].items()}
    >>> m                                               # at t = 5 the fastest mode is learned first
    {'linear': [1.0, 0.01], 'norm': [1.0, 0.19], 'traceless': [1.0, 0.63]}
    """
    c = float(lr_scale)
    tau = mode_timescales(D, eps, c)
    if steps is None:
        steps = np.unique(np.round(np.geomspace(1, 20 * tau["traceless"], 25)).astype(int))
    steps = np.asarray(steps, dtype=int)
    g = generator(seed, "mode_learning")
    X = gaussian_inputs(P, D, g, dtype=torch.float64)
    Xt = gaussian_inputs(n_test, D, g, dtype=torch.float64)
    u = torch.randn(D, generator=g, dtype=torch.float64)
    beta = torch.randn(D, generator=g, dtype=torch.float64)

    def targets(Z):
        n2 = (Z * Z).sum(1)
        return torch.stack([Z @ u, n2, 0.5 * ((Z @ beta) ** 2 - (beta @ beta) * n2 / D)], 1)

    Y, Yt = targets(X), targets(Xt)
    # K_0 = phi(x).phi(x'): kernel GD on the training set is GD on the weights v of f = phi(x).v, solved in
    # the eigenbasis of the feature covariance S = Phi^T Phi / P (size D + D(D+1)/2, not P).
    F, Ft = quadratic_features(X, eps), quadratic_features(Xt, eps)
    mu, V = torch.linalg.eigh(F.T @ F / P)
    cm = (2 * c * mu).clamp_min(0)
    if float(cm.max()) >= 2:
        raise RuntimeError(f"kernel GD diverges: 2c·λ_max = {float(cm.max()):.3g} >= 2; use a smaller lr_scale")
    b = V.T @ (F.T @ Y / P)
    power = (Yt**2).mean(0)
    meas = []
    for t in steps:
        gain = 2 * c * kernel_gd_gain(cm, int(t))            # (1 - (1 - 2c mu)^t) / mu
        f = Ft @ (V @ (gain[:, None] * b))
        meas.append((((f - Yt) ** 2).mean(0) / power).numpy())
    meas = np.array(meas)
    s = mercer_spectrum(D, eps)
    lam_th = {"linear": s["linear"], "norm": s["norm"], "traceless": s["offdiag"]}
    t_th = np.unique(np.concatenate([[0], np.geomspace(1, max(steps.max(), 1), 300)]))
    theory = {p: (1 - 2 * c * lam_th[p]) ** (2 * t_th) for p in _PARTS}
    return {"steps": steps, "measured": {p: meas[:, i] for i, p in enumerate(_PARTS)}, "t_theory": t_th,
            "theory": theory, "timescale": tau, "D": D, "eps": float(eps), "P": P, "lr_scale": c}
