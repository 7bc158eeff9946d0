"""Figures and the ε explorer of the kernel chapter.

:func:`plot_eps_panel` draws, for one value of ε, the three faces of the initial NTK
:math:`K_0 = x\\cdot x' + \\epsilon^2(x\\cdot x')^2` (all closed forms from :mod:`gklib.spectrum`):

1. its Mercer spectrum (eigenvalue against mode index, blocks of size D, 1, ~D²/2);
2. how its power :math:`\\mathrm{Tr}\\,K_0 = \\sum_k\\lambda_k` splits between linear functions
   (:math:`\\sum = 1`) and quadratic ones (:math:`\\sum = \\epsilon^2 (D+2)/D`), against ε;
3. the predicted kernel-regression learning curves of the two parts of the target, with ridge λ
   (without ridge they hardly depend on ε; with one, the quadratic part needs
   :math:`P\\sim\\lambda D^2/(2\\epsilon^2)`).

:func:`eps_explorer` wraps it in ipywidgets sliders (live in JupyterLab);
:func:`eps_explorer_static` renders the same panel for a list of ε as a *static slider*
(:func:`~gklib.static_slider.slider_figure`; precomputed frames, works in the HTML book).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .config import live_explorer
from .spectrum import kernel_theory_curve, mercer_spectrum, predicted_sample_sizes
from .static_slider import slider_figure
from .validation import check_positive, check_positive_int

__all__ = ["plot_spectrum", "plot_eps_panel", "eps_explorer", "eps_explorer_static", "power_split"]


def power_split(D: int, eps) -> dict:
    """Kernel power in linear and quadratic eigenfunctions: ``{"linear": 1, "quadratic": ε²(D+2)/D}``
    and the quadratic fraction. ``eps`` may be an array."""
    D = check_positive_int(D, "D")
    e = np.asarray(eps, dtype=float)
    quad = e**2 * (D + 2) / D
    return {"linear": np.ones_like(e), "quadratic": quad, "quadratic_fraction": quad / (1 + quad)}


def plot_spectrum(D: int, eps: float, empirical=None, ax=None, label_empirical="Monte Carlo", **kw):
    """Mercer eigenvalues of :math:`K_0` against mode index (log scale), optionally with an
    empirical spectrum (decreasing array, e.g. from :func:`~gklib.spectrum.feature_covariance_spectrum`)."""
    ax = ax or plt.gca()
    theory = mercer_spectrum(D, eps).expanded()
    idx = np.arange(1, theory.size + 1)
    if empirical is not None:
        ev = np.asarray(empirical, dtype=float)
        ev = ev[ev > 0]
        ax.plot(np.arange(1, ev.size + 1), ev, ".", ms=3, alpha=0.5, label=label_empirical, **kw)
    ax.step(idx, theory, where="mid", color="k", lw=1.5, label="Mercer theory")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("mode index k")
    ax.set_ylabel(r"eigenvalue $\lambda_k$")
    s = mercer_spectrum(D, eps)
    ax.annotate(f"linear: 1/D, ×{D}", (1, s['linear']), xytext=(3, 3), textcoords="offset points", fontsize=8)
    ax.annotate(r"$|x|^2$: $\epsilon^2(D+2)/D^2$", (D + 1, s['norm']), xytext=(3, 3),
                textcoords="offset points", fontsize=8)
    ax.annotate(rf"quadratic: $2\epsilon^2/D^2$, ×{s.rank - D - 1}", (D + 2, s['offdiag']), xytext=(3, -12),
                textcoords="offset points", fontsize=8)
    return ax


def plot_eps_panel(D: int, eps: float, ridge: float = 0.0, axes=None, eps_max: float = 1.0):
    """The three panels described in the module docstring for one ε (returns the axes)."""
    D = check_positive_int(D, "D")
    eps = check_positive(eps, "eps")
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    a1, a2, a3 = axes
    for a in axes:
        a.clear()
    plot_spectrum(D, eps, ax=a1)
    a1.set_ylim(1e-9, 1)
    a1.set_title(f"Mercer spectrum, D={D}, ε={eps:.3g}")

    grid = np.geomspace(1e-3, eps_max, 200)
    ps = power_split(D, grid)
    a2.plot(grid, 1 - ps["quadratic_fraction"], label="linear functions")
    a2.plot(grid, ps["quadratic_fraction"], label="quadratic functions")
    a2.axvline(eps, color="k", ls=":")
    a2.set_xscale("log")
    a2.set_xlabel("ε")
    a2.set_ylabel(r"share of $\mathrm{Tr}\,K_0$")
    a2.set_ylim(0, 1)
    a2.legend(fontsize=8)
    a2.set_title("where the kernel puts its power")

    rank = mercer_spectrum(D, eps).rank
    Ps = np.unique(np.geomspace(1, 30 * rank, 300).astype(int))
    th = kernel_theory_curve(D, eps, Ps, ridge=ridge)
    a3.plot(Ps, th["norm"], label=r"$|x|^2$ part")
    a3.plot(Ps, th["traceless"], label="traceless quadratic part")
    pred = predicted_sample_sizes(D, eps, ridge=ridge)
    for part, c in (("norm", "C0"), ("traceless", "C1")):
        if pred[part] is not None:
            a3.axvline(pred[part], color=c, ls=":", lw=1)
    a3.axvline(D, color="gray", ls="--", lw=0.8)
    a3.axvline(rank, color="gray", ls="-.", lw=0.8)
    a3.set_xscale("log")
    a3.set_ylim(0, 1.6)
    a3.set_xlabel("training-set size P")
    a3.set_ylabel("fraction not learned")
    a3.set_title(f"kernel regression theory, ridge={ridge:.3g}")
    a3.legend(fontsize=8)
    return axes


@live_explorer
def eps_explorer(D: int = 40, eps: float = 0.1, ridge: float = 0.0):
    """ipywidgets explorer: sliders for ε (log) and the ridge; redraws :func:`plot_eps_panel`."""
    import ipywidgets as w
    from IPython.display import display

    out = w.Output()
    s_eps = w.FloatLogSlider(value=eps, base=10, min=-2.5, max=0, step=0.05, description="ε")
    s_ridge = w.FloatLogSlider(value=max(ridge, 1e-6), base=10, min=-6, max=1, step=0.25, description="ridge")
    s_D = w.IntSlider(value=D, min=5, max=200, step=5, description="D")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    plt.close(fig)

    def redraw(_=None):
        with out:
            out.clear_output(wait=True)
            plot_eps_panel(s_D.value, s_eps.value, s_ridge.value, axes=axes)
            fig.tight_layout()
            display(fig)

    for s in (s_eps, s_ridge, s_D):
        s.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([s_eps, s_ridge, s_D]), out])


def eps_explorer_static(D: int = 40, eps_values=(0.01, 0.03, 0.1, 0.3, 1.0), ridge: float = 0.0,
                        dpi: float = 72):
    """Static slider (:func:`~gklib.static_slider.slider_figure`) over ``eps_values``: one
    :func:`plot_eps_panel` frame per ε, for the static book (no kernel needed).
    Returns a :class:`~gklib.static_slider.StaticSlider`."""
    D = check_positive_int(D, "D")
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    eps_values = [check_positive(e, "eps_values") for e in np.atleast_1d(eps_values)]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))

    def draw(i):
        plot_eps_panel(D, eps_values[i], ridge, axes=axes)
        fig.tight_layout()

    return slider_figure(draw, eps_values, label="ε", fmt="{:.3g}", fig=fig, dpi=dpi,
                         title="Mercer spectrum, power split and kernel learning curves")
