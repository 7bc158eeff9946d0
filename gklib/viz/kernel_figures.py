"""Chapter 2's kernel figures: the Mercer spectrum of :math:`K_0` (:func:`plot_spectrum`) and, for one ε, the
spectrum, the power split and the kernel-regression learning curves side by side (:func:`plot_eps_panel`,
the frame of :func:`gklib.viz.slider.eps_explorer_static` and of the live :func:`gklib.viz.explorers.eps_explorer`).
Re-exported by :mod:`gklib.viz.figures`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..kernels.spectrum import kernel_theory_curve, mercer_spectrum, power_split, predicted_sample_sizes
from ..params import Array, Integer, Real, validate_params
from . import _checks as c
from .style import panel_axes

__all__ = ["plot_spectrum", "plot_eps_panel"]


@validate_params(D=Integer(1), eps=Real(0, closed="neither"), empirical=Array(1, finite=False, none_ok=True),
                 label_empirical=c.TEXT)
def plot_spectrum(D: int, eps: float, empirical=None, ax=None, label_empirical="Monte Carlo", **kw):
    """Mercer eigenvalues of :math:`K_0` against mode index (log scale), optionally with an
    empirical spectrum (decreasing array, e.g. from :func:`~gklib.kernels.spectrum.feature_covariance_spectrum`).

    How to read it: three plateaus, from left to right the :math:`D` linear modes (eigenvalue
    :math:`1/D`), the one :math:`|x|^2` mode and the traceless quadratic modes; the smaller ε, the lower
    the quadratic plateaus, so the longer kernel learning takes to reach them.

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float
        ε > 0, the weight of the quadratic part of the activation.
    empirical : array_like, shape (k,), optional
        A measured spectrum (non-positive entries are dropped), drawn as dots.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    label_empirical : str, default "Monte Carlo"
        Legend entry of the dots.
    **kw : keyword arguments
        ``Axes.plot`` keywords of the dots.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with the theory's step line (and the dots) and three annotations.

    Raises
    ------
    InvalidParameterError
        ``D < 1``, ``eps <= 0``, ...

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> ax = gk.viz.plot_spectrum(4, 0.5, ax=plt.figure().gca())
    >>> ax.get_lines()[0].get_label(), len(ax.texts), ax.get_yscale()
    ('Mercer theory', 3, 'log')
    >>> plt.close("all")
    """
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


@validate_params(D=Integer(1), eps=Real(0, closed="neither"), ridge=Real(0), eps_max=Real(0, closed="neither"))
def plot_eps_panel(D: int, eps: float, ridge: float = 0.0, axes=None, eps_max: float = 1.0):
    """For one ε: the Mercer spectrum, the share of :math:`\\mathrm{Tr}\\,K_0` on linear and quadratic
    functions against ε, the kernel-regression learning curves of the target's parts and, given a fourth
    axis, the kernel-GD time scales :math:`\\tau_k=1/(2\\lambda_k)` (steps at ``lr_scale=1``) of the three
    blocks against ε. ``axes``: three or four axes (default: four in a 2 × 2 grid). Returns the axes.

    How to read it: as ε grows, the kernel moves power from the linear to the quadratic functions
    (second panel) and the learning curves of the quadratic parts drop at smaller P (third panel).

    Parameters
    ----------
    D : int
        Input dimension, >= 1.
    eps : float
        ε > 0.
    ridge : float, default 0.0
        >= 0, the ridge of the kernel regression.
    axes : sequence of three or four matplotlib.axes.Axes, optional
        Default: four new axes (:func:`~gklib.viz.style.panel_axes`). They are cleared first.
    eps_max : float, default 1.0
        > 0, the end of the ε axes.

    Returns
    -------
    sequence of matplotlib.axes.Axes
        ``axes``.

    Raises
    ------
    ValueError
        ``axes`` holds neither three nor four axes.
    InvalidParameterError
        ``D < 1``, ``eps <= 0``, a negative ridge, ...

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> axes = gk.viz.plot_eps_panel(4, 0.3)
    >>> len(axes), axes[1].get_title()
    (4, 'where the kernel puts its power')
    >>> plt.close("all")
    """
    D, eps, ridge = int(D), float(eps), float(ridge)
    if axes is None:
        axes = panel_axes(4, height=3.0)
    if len(axes) not in (3, 4):
        raise ValueError(f"axes must hold three or four axes, got {len(axes)}")
    a1, a2, a3 = axes[:3]
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
    a2.legend(fontsize=8, loc="center left")      # the curves run along the top and the bottom
    a2.set_title("where the kernel puts its power")

    rank = mercer_spectrum(D, eps).rank
    Ps = np.unique(np.geomspace(1, 30 * rank, 300).astype(int))
    th = kernel_theory_curve(D, eps, Ps, ridge=ridge)
    a3.plot(Ps, th["norm"], label=r"$|x|^2$")
    a3.plot(Ps, th["traceless"], label="traceless")
    pred = predicted_sample_sizes(D, eps, ridge=ridge)
    for part, c in (("norm", "C0"), ("traceless", "C1")):
        if pred[part] is not None:
            a3.axvline(pred[part], color=c, ls=":", lw=1)       # learned, by the theory
    top = 1.6
    # labels to the left of their lines: the dotted "learned" lines lie to the right of P = D
    for P, ls, name, ha in ((D, "--", "P = D ", "right"), (rank, "-.", "rank ", "right")):
        a3.axvline(P, color="gray", ls=ls, lw=0.8)
        a3.text(P, top, name, color="0.35", fontsize=8, va="top", ha=ha, zorder=5,
                bbox=dict(fc="white", ec="none", pad=0.5))            # above the dotted lines
    a3.set_xscale("log")
    a3.set_ylim(0, top)
    a3.set_xlabel("training-set size P")
    a3.set_ylabel("test error / power of the part\n(> 1: overfitting)")
    a3.set_title(f"kernel regression theory, ridge={ridge:.3g}")
    a3.legend(fontsize=8, loc="center right", bbox_to_anchor=(1, 0.6))   # right of the rank: curves at 0
    a3.text(0.99, 0.38, "dotted: learned\n(theory)", transform=a3.transAxes, ha="right", va="top",
            fontsize=8, color="0.35")
    if len(axes) == 4:
        a4 = axes[3]
        e = np.geomspace(1e-2, max(eps_max, eps), 200)
        lin = np.full_like(e, D / 2.0)                               # tau = 1 / (2 lambda), c = 1
        a4.plot(e, lin, color="0.4", label="linear: $D/2$")
        a4.plot(e, D**2 / (2 * e**2 * (D + 2)), color="C0", label=r"$|x|^2$: $D^2/(2\epsilon^2(D+2))$")
        a4.plot(e, D**2 / (4 * e**2), color="C1", label=r"traceless: $D^2/(4\epsilon^2)$")
        a4.axvline(eps, color="k", ls=":")
        a4.set(xscale="log", yscale="log", xlabel="ε", ylabel=r"time scale $\tau$ (steps, $c=1$)",
               title="how long kernel GD takes per part")
        a4.legend(fontsize=8, loc="upper right")
    return axes
