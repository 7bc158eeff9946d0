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
from ..validation import check_positive, check_positive_int
from .spectrum import mercer_spectrum, quadratic_features

__all__ = ["mode_timescales", "mode_learning", "kernel_gd_predictions"]

_PARTS = ("linear", "norm", "traceless")


def kernel_gd_predictions(K_train, K_test, y, lr_scale: float = 1.0, steps: int = 1) -> torch.Tensor:
    r"""Predictions on test points after ``steps`` steps of kernel GD from :math:`f_0 = 0`, in closed form.

    The recursion :math:`r_{t+1} = (I - \tfrac{2c}{P}K)\,r_t` with :math:`r_0 = -y` on the training
    points moves the test predictions by :math:`-\tfrac{2c}{P}K_{\rm test}\,r_t` per step, so
    :math:`f_t = \tfrac{2c}{P}K_{\rm test}\sum_{s<t}(I - \tfrac{2c}{P}K)^s y`, a geometric sum per eigenmode
    of :math:`K` (:func:`gklib.toy.linearized.kernel_gd_gain`). ``K_train`` is ``(P, P)``, ``K_test``
    ``(n, P)``, ``y`` ``(P,)``; float64 recommended. Stable for :math:`2c\,\lambda_{\max}(K/P) < 2`.
    """
    K_train, K_test, y = (torch.as_tensor(a) for a in (K_train, K_test, y))
    P = y.shape[0]
    if K_train.shape != (P, P) or K_test.ndim != 2 or K_test.shape[1] != P:
        raise ValueError(f"K_train must be (P, P) and K_test (n, P) with P = len(y) = {P}, got "
                         f"{tuple(K_train.shape)} and {tuple(K_test.shape)}")
    c = check_positive(lr_scale, "lr_scale")
    t = check_positive_int(steps, "steps")
    mu, V = torch.linalg.eigh(K_train / P)
    gain = kernel_gd_gain(2 * c * mu.clamp_min(0), t)
    return 2 * c / P * (K_test @ (V @ (gain * (V.T @ y))))


def mode_timescales(D: int, eps: float, lr_scale: float = 1.0) -> dict:
    """:math:`\\tau_k = 1/(2c\\lambda_k)` (steps) for the linear, :math:`|x|^2` and traceless-quadratic
    eigenvalues of :math:`K_0` (``"linear"``, ``"norm"``, ``"traceless"``)."""
    s = mercer_spectrum(check_positive_int(D, "D"), check_positive(eps, "eps"))
    c = check_positive(lr_scale, "lr_scale")
    lam = {"linear": s["linear"], "norm": s["norm"], "traceless": s["offdiag"]}
    return {k: 1.0 / (2 * c * v) for k, v in lam.items()}


def mode_learning(D: int = 20, eps: float = 0.3, P: int = 3000, lr_scale: float = 1.0, steps=None,
                  n_test: int = 1000, seed: int = 0) -> dict:
    r"""Kernel GD with :math:`K_0` on three targets, one per eigenspace: a linear function
    :math:`u\\cdot x`, :math:`|x|^2`, and the traceless quadratic
    :math:`\\frac12[(\\beta\\cdot x)^2 - |\\beta|^2|x|^2/D]`. Exact at every step (eigendecomposition of the
    feature covariance: :math:`K_0(x,x') = \varphi(x)\cdot\varphi(x')`), float64.

    Returns a dict with ``steps`` (the simulated steps), ``measured[part]`` (test MSE / test power of the
    part), ``t_theory`` and ``theory[part]`` (:math:`(1-2c\\lambda)^{2t}`), ``timescale[part]``
    (:func:`mode_timescales`) and the settings.
    """
    D, P = check_positive_int(D, "D"), check_positive_int(P, "P")
    c = check_positive(lr_scale, "lr_scale")
    tau = mode_timescales(D, eps, c)
    if steps is None:
        steps = np.unique(np.round(np.geomspace(1, 20 * tau["traceless"], 25)).astype(int))
    steps = np.asarray(steps, dtype=int)
    g = generator(seed, "mode_learning")
    X = gaussian_inputs(P, D, g, dtype=torch.float64)
    Xt = gaussian_inputs(check_positive_int(n_test, "n_test"), D, g, dtype=torch.float64)
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
