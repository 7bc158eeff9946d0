r"""Figures, the static ρ slider and the live explorer of the DMFT chapter (chapter 4).

They draw what :mod:`gklib.dmft` computes — :class:`~gklib.dmft.OnlineResult`,
:class:`~gklib.dmft.DMFTResult`, :class:`~gklib.dmft.SimulationResult` — and hold no theory of their own:
the alignment they plot is :func:`gklib.dmft.weight_alignment`, the explorer solves with
:func:`gklib.dmft.solve_dmft` and :func:`gklib.dmft.solve_online`.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np

from ..params import Array, Instance, Integer, Real, Reals, validate_params
from . import _checks as c
from .explorers import live_explorer
from .figures import plot_losses
from .live import LiveFigure, figure
from ..dmft import solve_dmft, solve_online, typical_m0, weight_alignment
from .slider import SLIDER_DPI, slider_figure
from .style import TEXT_WIDTH

__all__ = ["plot_dmft_vs_simulation", "plot_alignment", "run_colors", "plot_gap_vs_rho", "plot_convergence",
           "dmft_explorer", "dmft_rho_slider", "plot_grokking_curve", "plot_escape_scaling", "plot_delay_window",
           "plot_delay_scatter", "plot_cavity_schematic"]


def _has(*names):
    return lambda v: all(hasattr(v, n) for n in names)


def _series(**kw):
    return lambda: SimpleNamespace(**{k: np.ones(2) for k in kw.get("arrays", ())}, **kw.get("other", {}))


_DICT = Instance(dict, what="a dict {label or rho: result}")
_ONLINE = c.Duck(dict, what="an OnlineResult (t, test_loss) or None", none_ok=True,
                 test=_has("t", "test_loss"), example=_series(arrays=("t", "test_loss")))
_RESULT = c.Duck(dict, what="a DMFTResult (t, train_loss, test_loss, m)",
                 test=_has("t", "train_loss", "test_loss", "m"),
                 example=_series(arrays=("t", "train_loss", "test_loss", "m")))
_SIM = c.Duck(dict, what="a SimulationResult (t, m, mean, sem, n_seeds)", test=_has("t", "m", "mean", "sem", "n_seeds"),
              example=_series(arrays=("t", "m"), other={"mean": None, "sem": None, "n_seeds": 2}))


def _axes(ax, n=1, figsize=None):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax
    _, axs = plt.subplots(1, n, figsize=figsize or (4.2 * n, 3.4), squeeze=False)
    return axs[0] if n > 1 else axs[0, 0]


def _label(rho) -> str:
    return r"$\rho=\infty$" if not math.isfinite(rho) else rf"$\rho={rho:g}$"


@validate_params(dmft=_DICT, sims=Instance(dict, what="a dict {rho: SimulationResult}", none_ok=True), online=_ONLINE)
def plot_dmft_vs_simulation(dmft: dict, sims: dict | None = None, *, ax=None, online=None):
    r"""Paper Fig. 4 style: train (left) and test (right) loss, DMFT lines vs seed-averaged
    simulations (markers, ±1 s.e.m.), one colour per ρ.

    ``dmft``: {ρ: :class:`~gklib.dmft.DMFTResult`}; ``sims``: {ρ: :class:`~gklib.dmft.SimulationResult`};
    ``online``: an optional :class:`~gklib.dmft.OnlineResult` drawn as the ρ = ∞ curve. Returns the axes.

    How to read it: where the markers sit on the lines, the DMFT describes the finite network; the gap
    between the train and test panels grows as ρ shrinks.

    Parameters
    ----------
    dmft : dict
        ``{rho: DMFTResult}``.
    sims : dict or None, default None
        ``{rho: SimulationResult}`` (any subset of the ρ).
    ax : pair of matplotlib.axes.Axes, optional
        Default: a new text-width figure.
    online : OnlineResult or None, default None
        The ρ = ∞ curve, dashed on both panels.

    Returns
    -------
    pair of matplotlib.axes.Axes
        Train and test panels.

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> res = dmft.solve_dmft(2, 2.0, 1.0, 0.25, steps=6, samples=200, response_samples=50, tol=0.05,
    ...                       progress_bar=False)
    >>> sim = dmft.simulate_dmft_setting(2, 2.0, 1.0, 0.25, D=20, steps=6, seeds=3)
    >>> axs = gk.viz.plot_dmft_vs_simulation({2.0: res}, {2.0: sim})
    >>> [a.get_title() for a in axs], len(axs[0].get_lines()) >= 1
    (['train loss', 'test loss'], True)
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    axs = _axes(ax, 2, (TEXT_WIDTH, 3.4))
    colors = plt.cm.viridis(np.linspace(0.05, 0.85, max(len(dmft), 1)))
    for c, (rho, res) in zip(colors, sorted(dmft.items())):
        for a, key in zip(axs, ("train_loss", "test_loss")):
            a.plot(res.t, getattr(res, key), color=c, lw=2, label=f"DMFT {_label(rho)}")
            if sims and rho in sims:
                s = sims[rho]
                step = max(1, len(s.t) // 12)
                a.errorbar(s.t[::step], s.mean(key)[::step], yerr=s.sem(key)[::step], fmt="o", ms=4,
                           color=c, mfc="white", capsize=2,
                           label=f"sim {_label(rho)}, D={s.params['D']}, {s.n_seeds} seeds" if a is axs[0] else None)
    if online is not None:
        for a in axs:
            a.plot(online.t, online.test_loss, "k--", lw=1.5, label=r"online ($\rho=\infty$)")
    for a, title in zip(axs, ("train loss", "test loss")):
        a.set_xlabel("time $t$")
        a.set_title(title)
        a.grid(alpha=0.3)
    axs[0].set_ylabel("MSE")
    axs[1].legend(fontsize=8)
    axs[0].legend(fontsize=8)
    return axs


@validate_params(results=_DICT, q_star=c.POSITIVE, escape_times=c.KEYWORDS, colors=c.KEYWORDS)
def plot_alignment(results: dict, *, ax=None, q_star: float = 1.0, escape_times: dict | None = None,
                   colors: dict | None = None):
    r"""Alignment :math:`\sqrt{\frac1N\sum_im_i^2/(C_{ii}q_\star)}` vs time for several runs.

    ``results``: {label: result} where a result has ``t`` and ``m`` and either ``C_diag`` or an
    equal-time ``C`` (T+1, N, N) (online, DMFT or the seed-mean of a simulation). ``escape_times``:
    {label: t⋆} drawn as dotted vertical lines. ``colors``: {label: colour} (default: :func:`run_colors`),
    so that another panel can give each run the same colour. Log y-axis, so the exponential escape is a line.

    Parameters
    ----------
    results : dict
        ``{label: result}`` (results with ``t``, ``m`` and ``C_diag`` or ``C``).
    ax : matplotlib.axes.Axes, optional
        Default: a new figure.
    q_star : float, default 1.0
        > 0, the teacher's norm :math:`q_\star`.
    escape_times : dict or None, default None
        ``{label: t}``; non-finite times are not drawn.
    colors : dict or None, default None
        ``{label: colour}``.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> res = dmft.solve_dmft(2, 2.0, 1.0, 0.25, steps=6, samples=200, response_samples=50, tol=0.05,
    ...                       progress_bar=False)
    >>> ax = gk.viz.plot_alignment({"DMFT": res}, escape_times={"DMFT": 1.0})
    >>> ax.get_yscale(), [line.get_label() for line in ax.get_lines()][0]
    ('log', 'DMFT')
    >>> plt.close("all")
    """
    ax = _axes(ax)
    colors = run_colors(results) if colors is None else colors
    for lab, r in results.items():
        c = colors[lab]
        C = r.C_diag if hasattr(r, "C_diag") else r.C
        ax.semilogy(r.t, weight_alignment(C, r.m, q_star=q_star), color=c, lw=2, label=lab)
        if escape_times and lab in escape_times and math.isfinite(escape_times[lab]):
            ax.axvline(escape_times[lab], color=c, ls=":", lw=1.2)
    ax.set_xlabel("time $t$")
    ax.set_ylabel(r"alignment $|\cos(w_i,\beta_\star)|$ (rms)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


@validate_params(labels=c.Duck(list, what="an iterable of labels (not a string)", example=lambda: ["a"],
                             test=lambda v: not isinstance(v, (str, bytes)) and iter(v) is not None))
def run_colors(labels) -> dict:
    """{label: colour} for a set of runs (plasma colour map, in the given order): one colour per run in
    every panel that shows them.

    Parameters
    ----------
    labels : iterable
        The runs' labels (a dict gives its keys).

    Returns
    -------
    dict
        ``{label: RGBA array}``.

    Raises
    ------
    InvalidParameterError
        ``labels`` is a string or not iterable.

    Examples
    --------
    >>> from gklib.viz.dmft import run_colors
    >>> cols = run_colors(["a", "b"])
    >>> list(cols), cols["a"].shape
    (['a', 'b'], (4,))
    """
    import matplotlib.pyplot as plt

    labels = list(labels)
    return dict(zip(labels, plt.cm.plasma(np.linspace(0.05, 0.8, max(len(labels), 1)))))


@validate_params(inv_rho=Array(1), gap_dmft=Array(1), gap_formula=Array(1), gap_sim=Array(1, none_ok=True),
                 gap_sim_err=Array(1, none_ok=True), t=Real(none_ok=True))
def plot_gap_vs_rho(inv_rho, gap_dmft, gap_formula, *, gap_sim=None, gap_sim_err=None, ax=None, t=None):
    r"""Train–test gap at a fixed time vs :math:`1/\rho`: DMFT (dots), the leading-order formula
    (line through the origin; chapter 4, §“The train–test gap to leading order in 1/ρ”) and optionally
    simulations (squares with error bars). Where the dots leave the line, the higher orders in
    :math:`1/\rho` matter.

    Parameters
    ----------
    inv_rho : array_like, shape (k,)
        :math:`1/\rho = D/P`.
    gap_dmft, gap_formula : array_like, shape (k,)
        The gap of the DMFT and of the leading-order formula.
    gap_sim, gap_sim_err : array_like, shape (k,), optional
        Simulated gaps and their errors.
    ax : matplotlib.axes.Axes, optional
        Default: a new figure.
    t : float or None, default None
        The time, named in the y label.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint (NaN, a wrong shape, ...).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> ax = gk.viz.plot_gap_vs_rho([0.5, 0.2, 0.1], [0.3, 0.1, 0.05], [0.25, 0.1, 0.05], t=5)
    >>> [line.get_label() for line in ax.get_lines()], ax.get_ylabel().endswith("at $t=5$")
    (['leading order $O(1/\\rho)$', 'full DMFT'], True)
    >>> plt.close("all")
    """
    ax = _axes(ax)
    x = np.asarray(inv_rho, float)
    order = np.argsort(x)
    ax.plot(x[order], np.asarray(gap_formula)[order], "-", color="C1", lw=2, label=r"leading order $O(1/\rho)$")
    ax.plot(x, gap_dmft, "o", color="C0", ms=7, label="full DMFT")
    if gap_sim is not None:
        ax.errorbar(x, gap_sim, yerr=gap_sim_err, fmt="s", color="C2", mfc="white", capsize=2, label="simulation")
    ax.set_xlabel(r"$1/\rho = D/P$")
    ax.set_ylabel(r"$\mathcal{L}_{\rm test}-\mathcal{L}_{\rm train}$" + (f" at $t={t:g}$" if t is not None else ""))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return ax


@validate_params(results=_DICT, tol=Real(0, closed="neither", none_ok=True))
def plot_convergence(results: dict, *, ax=None, tol: float | None = None):
    """Residual of the fixed-point iteration vs iteration for {label: DMFTResult}: a straight fall on the
    log axis is a geometric convergence; the solution is used once it is below ``tol``.

    Parameters
    ----------
    results : dict
        ``{label: DMFTResult}``.
    ax : matplotlib.axes.Axes, optional
        Default: a new figure.
    tol : float or None, default None
        > 0, drawn as a dotted line.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> res = dmft.solve_dmft(2, 2.0, 1.0, 0.25, steps=6, samples=200, response_samples=50, tol=0.05,
    ...                       progress_bar=False)
    >>> ax = gk.viz.plot_convergence({"ρ = 2": res}, tol=0.05)
    >>> [line.get_label() for line in ax.get_lines()]
    ['ρ = 2', 'tol']
    >>> plt.close("all")
    """
    ax = _axes(ax)
    for lab, r in results.items():
        ax.semilogy(np.arange(1, r.iterations + 1), r.residuals, "o-", ms=3, label=lab)
    if tol is not None:
        ax.axhline(tol, color="k", ls=":", lw=1, label="tol")
    ax.set_xlabel("iteration")
    ax.set_ylabel(r"relative change of $(R^g, G, \nu)$")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return ax


@validate_params(rhos=Reals(0, closed="neither"), alphas=Reals(0, closed="neither"), eps=Real(0),
                 N=Integer(1), D=Integer(1), dt=c.POSITIVE, steps=Integer(1), samples=Integer(2),
                 response_samples=Integer(1), precompute=c.FLAG, cache=c.KEYWORDS)
@live_explorer
def dmft_explorer(*, rhos=(2, 3, 5, 10, 30), alphas=(0.5, 1.0, 2.0), eps: float = 0.25, N: int = 2, D: int = 400,
                  dt: float = 0.4, steps: int = 40, samples: int = 2000, response_samples: int = 300,
                  precompute: bool = False, cache: dict | None = None):
    r"""JupyterLab explorer: sliders for ρ and α redraw the DMFT train/test loss (and the online curve).

    Solutions are computed on demand (a few seconds each at these sizes) and cached in ``cache``
    (a dict keyed by (ρ, α); pass your own to reuse it); ``precompute=True`` fills the whole grid
    first. The initial overlap is the typical one of a random init in dimension ``D``,
    :math:`m_0=(\ldots,\pm a,\ldots)` with :math:`|m_0^\perp|^2=q_\star/D`. Returns the widget.

    Parameters
    ----------
    rhos, alphas : sequence of float
        The sliders' values (> 0); each starts at its middle value.
    eps : float, default 0.25
        >= 0, the activation's ε.
    N : int, default 2
        >= 1, the hidden units.
    D : int, default 400
        >= 1, the dimension of the typical initial overlap.
    dt : float, default 0.4
        > 0, the time step.
    steps : int, default 40
        >= 1, the time steps.
    samples, response_samples : int, default 2000, 300
        The solver's Monte Carlo sizes.
    precompute : bool, default False
        Solve the whole grid before returning.
    cache : dict or None, default None
        ``{(rho, alpha): (DMFTResult, OnlineResult)}``, filled as it goes.

    Returns
    -------
    ipywidgets.VBox or ExplorerPlaceholder
        The widget (a placeholder in a headless execution, see
        :func:`~gklib.viz.explorers.live_explorer`).

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    Built without a kernel (the first solution is computed in a background thread; ``wait`` blocks on it):

    >>> import ipywidgets, gklib as gk
    >>> w = gk.viz.dmft_explorer(rhos=(2.0, 5.0), alphas=(1.0,), D=20, steps=4, samples=100,
    ...                          response_samples=20)
    >>> isinstance(w, ipywidgets.VBox), w.wait(60), w.explorer.error
    (True, True, None)
    >>> [s.description for s in w.explorer.controls.values()]
    ['ρ = P/D', 'α']
    """
    import ipywidgets as w

    cache = {} if cache is None else cache
    m0 = typical_m0(N, D)

    def get(rho, alpha):
        key = (float(rho), float(alpha))
        if key not in cache:
            cache[key] = (solve_dmft(N, rho, alpha, eps, m0=m0, dt=dt, steps=steps, samples=samples,
                                     response_samples=response_samples, progress_bar=False),
                          solve_online(N, alpha, eps, m0=m0, t_max=dt * steps, dt=dt, method="gd"))
        return cache[key]

    if precompute:
        for r in rhos:
            for a in alphas:
                get(r, a)
    rho_s = w.SelectionSlider(options=list(rhos), value=rhos[len(rhos) // 2], description="ρ = P/D")
    alpha_s = w.SelectionSlider(options=list(alphas), value=alphas[len(alphas) // 2], description="α")

    def work(values, show, check):
        res, on = get(values["rho"], values["alpha"])
        fig, ax = figure((5.5, 3.6))
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
        plot_losses(res, ax, label="DMFT", x=res.t, train_kw={"ls": "-", "color": "C0"}, test_kw={"color": "C1"},
                    setup=False)
        ax.plot(on.t, on.test_loss, "k--", lw=1, label="online (ρ=∞)")
        ax.set_xlabel("time $t$")
        ax.set_ylabel("MSE")
        ax.set_ylim(0, max(1.3, float(np.max(res.test_loss)) * 1.05))
        ax.set_title(f"N={N}, ε={eps}, ρ={values['rho']}, α={values['alpha']}")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
        show(fig)

    live = LiveFigure({"rho": rho_s, "alpha": alpha_s}, work, lambda v: f"ρ = {v['rho']}, α = {v['alpha']}")
    live.request()
    return live.widget


@validate_params(runs=Instance(dict, what="a non-empty dict {rho: DMFTResult or (DMFTResult, gap_lo)}"),
                 online=_ONLINE, dpi=c.POSITIVE)
def dmft_rho_slider(runs: dict, *, online=None, dpi: float = SLIDER_DPI):
    r"""Static slider over ρ = P/D (:func:`~gklib.viz.slider.slider_figure`; works in the HTML
    book without a kernel) from DMFT solutions the chapter has already computed.

    ``runs`` maps ρ to a :class:`~gklib.dmft.DMFTResult` or to a pair ``(result, gap_lo)``
    with the leading-order gap :math:`\mathcal L_{\rm test}-\mathcal L_{\rm train}\approx\frac1\rho(\ldots)`
    of :func:`~gklib.dmft.gap_leading_order` on the same grid. Left: DMFT train and test
    loss (and the ρ = ∞ online curve ``online``, if given); right: the train–test gap and its
    leading order. Axes are fixed across frames. Returns a :class:`~gklib.viz.slider.StaticSlider`.

    Parameters
    ----------
    runs : dict
        ``{rho: DMFTResult}`` or ``{rho: (DMFTResult, gap_lo)}``, ρ > 0; one frame per ρ, in order.
    online : OnlineResult or None, default None
        The ρ = ∞ curve.
    dpi : float, default SLIDER_DPI
        > 0, the frames' resolution.

    Returns
    -------
    StaticSlider
        One frame per ρ.

    Raises
    ------
    ValueError
        ``runs`` is empty, has a key that is not a positive number, or a value without losses.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> res = dmft.solve_dmft(2, 2.0, 1.0, 0.25, steps=6, samples=200, response_samples=50, tol=0.05,
    ...                       progress_bar=False)
    >>> s = gk.viz.dmft_rho_slider({2.0: res, 4.0: res}, dpi=20)
    >>> len(s.frames), s.labels
    (2, ['2', '4'])
    """
    if not runs:
        raise ValueError("runs must be a non-empty dict {rho: DMFTResult or (DMFTResult, gap_lo)}")
    rhos = sorted(runs)
    for r in rhos:
        if not (isinstance(r, (int, float, np.floating, np.integer)) and r > 0):
            raise ValueError(f"runs must be keyed by positive ρ values, got {r!r}")
    items = [runs[r] if isinstance(runs[r], tuple) else (runs[r], None) for r in rhos]
    for res, _ in items:
        if not all(hasattr(res, a) for a in ("t", "train_loss", "test_loss")):
            raise ValueError(f"runs values must be DMFTResult objects (t, train_loss, test_loss), got {type(res).__name__}")
    top = max(float(np.nanmax(res.test_loss)) for res, _ in items)
    if online is not None:
        top = max(top, float(np.nanmax(online.test_loss)))
    gtop = max(float(np.nanmax(np.abs(res.test_loss - res.train_loss))) for res, _ in items)
    t_max = max(float(res.t[-1]) for res, _ in items)

    def draw(i, axes):
        (res, lo), rho = items[i], rhos[i]
        a0, a1 = axes
        plot_losses(res, a0, label="DMFT", color="C0", x=res.t, setup=False)
        if online is not None:
            sel = online.t <= t_max + 1e-9
            a0.plot(online.t[sel], online.test_loss[sel], "k:", lw=1.5, label=r"online ($\rho=\infty$)")
        a0.set(xlabel="time $t$", ylabel="MSE", title=f"losses, {_label(rho)}")
        a1.plot(res.t, res.test_loss - res.train_loss, "-", color="C1", label="DMFT gap")
        if lo is not None:
            a1.plot(res.t, lo, "k--", lw=1, label="leading order in 1/ρ")
        a1.set(xlabel="time $t$", ylabel="test − train", title="train–test gap")
        for a in axes:
            a.legend(fontsize=8)
            a.grid(alpha=0.3)

    limits = ({"ylim": (0, 1.05 * top), "xlim": (0, t_max)}, {"ylim": (0, 1.1 * gtop), "xlim": (0, t_max)})
    return slider_figure(draw, rhos, label="ρ = P/D", fmt="{:g}", panels=2, limits=limits, dpi=dpi,
                         title="DMFT losses and train–test gap")


@validate_params(res=_RESULT, sim=_SIM, online=_ONLINE)
def plot_grokking_curve(res, sim, *, online=None, axs=None):
    r"""The whole grokking curve, DMFT against seed-averaged simulations from the same start.

    Left: train and test loss (DMFT lines; simulations: markers, mean ± 1 s.e.m. over seeds), with the
    online (ρ = ∞) test loss ``online`` dashed if given. Right: the difference mode
    :math:`|m_1-m_2|` (log scale), whose exponential growth is the escape from the plateau.
    ``res``: :class:`~gklib.dmft.DMFTResult`; ``sim``: :class:`~gklib.dmft.SimulationResult` (N = 2).
    Returns the two axes.

    Parameters
    ----------
    res : DMFTResult
        The theory (N = 2).
    sim : SimulationResult
        The simulations from the same start (N = 2).
    online : OnlineResult or None, default None
        The ρ = ∞ test loss.
    axs : pair of matplotlib.axes.Axes, optional
        Default: a new text-width figure.

    Returns
    -------
    pair of matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> res = dmft.solve_dmft(2, 2.0, 1.0, 0.25, steps=6, samples=200, response_samples=50, tol=0.05,
    ...                       progress_bar=False)
    >>> sim = dmft.simulate_dmft_setting(2, 2.0, 1.0, 0.25, D=20, steps=6, seeds=3)
    >>> axs = gk.viz.plot_grokking_curve(res, sim)
    >>> [a.get_title() for a in axs], axs[1].get_yscale()
    (['losses', 'difference mode (escape)'], 'log')
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    if axs is None:
        _, axs = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 3.3), constrained_layout=True)
    a0, a1 = axs
    step = max(1, len(sim.t) // 20)
    for key, c, lab in (("train_loss", "C0", "train"), ("test_loss", "C3", "test")):
        a0.plot(res.t, getattr(res, key), color=c, lw=2, label=f"DMFT {lab}")
        a0.errorbar(sim.t[::step], sim.mean(key)[::step], yerr=sim.sem(key)[::step], fmt="o", ms=3.5, color=c,
                    mfc="white", capsize=2, label=f"simulation {lab}")
    if online is not None:
        sel = online.t <= res.t[-1] + 1e-9
        a0.plot(online.t[sel], online.test_loss[sel], "k--", lw=1, label=r"online ($\rho=\infty$) test")
    a0.set(xlabel="time $t$", ylabel="MSE", ylim=(0, None), title="losses")
    a0.grid(alpha=0.3)
    a0.legend(fontsize=8, loc="upper right")
    diff_sim = np.abs(sim.m[:, :, 0] - sim.m[:, :, 1])
    a1.semilogy(res.t, np.abs(res.m[:, 0] - res.m[:, 1]), color="C2", lw=2, label="DMFT")
    a1.errorbar(sim.t[::step], diff_sim.mean(0)[::step],
                yerr=(diff_sim.std(0, ddof=1) / np.sqrt(sim.n_seeds))[::step] if sim.n_seeds > 1 else None,
                fmt="o", ms=3.5, color="C2", mfc="white", capsize=2, label=f"simulations ({sim.n_seeds} seeds)")
    a1.set(xlabel="time $t$", ylabel=r"$|m_1-m_2|$", title="difference mode (escape)")
    a1.grid(alpha=0.3, which="both")
    a1.legend(fontsize=8, loc="lower right")
    return axs


@validate_params(esc=c.Duck(dict, what="an EscapeScaling (D, t_sim, t_dmft, gamma, median, median_err, params)",
                           test=_has("D", "t_sim", "t_dmft", "gamma", "median", "median_err", "params"),
                           example=_series(arrays=("D", "t_sim", "t_dmft"),
                                           other={"gamma": 1.0, "median": None, "median_err": None, "params": {}})))
def plot_escape_scaling(esc, *, ax=None):
    r"""Escape time against the input dimension D (log axis), from :func:`gklib.dmft.escape_scaling`.

    Small dots: single simulations (one per seed, slightly jittered); open circles: their median ± its
    bootstrap standard error; line: the DMFT from the same start; dotted: a line of slope :math:`1/(2\gamma_\perp)`
    (the online escape rate) through the DMFT's first point, for comparison. Returns the axes.

    Parameters
    ----------
    esc : EscapeScaling
        From :func:`gklib.dmft.escape_scaling`.
    ax : matplotlib.axes.Axes, optional
        Default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        ``esc`` is not an escape-scaling result.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> esc = dmft.escape_scaling(2, 4.0, 1.0, 0.25, Ds=(10, 20), seeds=3, t_max=8, t_max_dmft=4, samples=200,
    ...                           response_samples=50)
    >>> ax = gk.viz.plot_escape_scaling(esc)
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_xscale()
    (['10', '20'], 'log')
    >>> plt.close("all")
    """
    ax = _axes(ax, figsize=(5.2, 3.5))
    D = np.asarray(esc.D, float)
    rng = np.random.default_rng(0)
    for k, d in enumerate(D):
        ts = esc.t_sim[k]
        ax.plot(d * np.exp(0.06 * rng.standard_normal(ts.size)), ts, ".", color="0.65", ms=4,
                label="single simulations" if k == 0 else None)
    ax.errorbar(D, esc.median(), yerr=esc.median_err(), fmt="o", color="C3", mfc="white", ms=7, capsize=3,
                label=f"simulations, median of {esc.t_sim.shape[1]}")
    ax.plot(D, esc.t_dmft, "-", color="C0", lw=2, label="DMFT, same start")
    ax.plot(D, esc.t_dmft[0] + np.log(D / D[0]) / (2 * esc.gamma), ":", color="k", lw=1.2,
            label=r"slope $1/(2\gamma_\perp)$ (online)")
    ax.set_xscale("log")
    ax.set_xticks(D)
    ax.set_xticklabels([f"{int(d)}" for d in D])
    ax.minorticks_off()
    ax.set(xlabel="input dimension $D$ (log scale)", ylabel="escape time",
           title=rf"escape from $|m_1-m_2|\propto D^{{-1/2}}$, $\rho={esc.params['rho']:g}$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return ax


@validate_params(theory=_DICT, sims=_DICT, level=Real(none_ok=True))
def plot_delay_window(theory: dict, sims: dict, *, level: float | None = None, axs=None):
    r"""The train–test delay against ρ = P/D: one panel per ρ, train (blue) and test (red) loss of the DMFT
    (thick lines) and of every simulation run (faint lines), with the runs' median (dashed).

    ``theory``: {ρ: :class:`~gklib.dmft.DMFTResult`}; ``sims``: {ρ: :class:`~gklib.dmft.SimulationResult`}
    (same ρ keys); ``level``: a loss level drawn as a dotted line (the crossing level of the text).
    The panels share the loss axis; each time axis spans its simulations. Returns the axes.

    Parameters
    ----------
    theory : dict
        ``{rho: DMFTResult}``.
    sims : dict
        ``{rho: SimulationResult}``, the same keys.
    level : float or None, default None
        A loss level, dotted.
    axs : sequence of matplotlib.axes.Axes, optional
        One per ρ (default: a new text-width figure).

    Returns
    -------
    sequence of matplotlib.axes.Axes

    Raises
    ------
    ValueError
        ``theory`` and ``sims`` have different keys.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> res = dmft.solve_dmft(2, 2.0, 1.0, 0.25, steps=6, samples=200, response_samples=50, tol=0.05,
    ...                       progress_bar=False)
    >>> sim = dmft.simulate_dmft_setting(2, 2.0, 1.0, 0.25, D=20, steps=6, seeds=3)
    >>> axs = gk.viz.dmft.plot_delay_window({2.0: res}, {2.0: sim}, level=0.5)
    >>> len(axs), axs[0].get_ylabel()
    (1, 'MSE')
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    rhos = sorted(theory)
    if set(rhos) != set(sims):
        raise ValueError("theory and sims must have the same rho keys")
    if axs is None:
        _, axs = plt.subplots(1, len(rhos), figsize=(TEXT_WIDTH, 3.0), sharey=True, constrained_layout=True,
                              squeeze=False, gridspec_kw={"width_ratios": [float(sims[r].t[-1]) for r in rhos]})
        axs = axs[0]
    for a, rho in zip(axs, rhos):
        res, s = theory[rho], sims[rho]
        for key, c in (("train_loss", "C0"), ("test_loss", "C3")):
            a.plot(s.t, getattr(s, key).T, color=c, lw=0.6, alpha=0.3)
            a.plot(s.t, np.median(getattr(s, key), 0), "--", color=c, lw=1.3)
            a.plot(res.t, getattr(res, key), "-", color=c, lw=2.2)
        if level is not None:
            a.axhline(level, color="k", ls=":", lw=1)
        a.set(xlabel="time $t$", title=f"{_label(rho)}, D={s.params['D']}", xlim=(0, float(s.t[-1])),
              ylim=(0, 1.35))
        a.grid(alpha=0.3)
    axs[0].set_ylabel("MSE")
    from matplotlib.lines import Line2D
    handles = [Line2D([], [], color="C0", lw=2.2, label="DMFT train"), Line2D([], [], color="C3", lw=2.2,
               label="DMFT test"), Line2D([], [], color="0.4", lw=0.6, alpha=0.6, label="single runs"),
               Line2D([], [], color="0.4", ls="--", lw=1.3, label="median of the runs")]
    axs[-1].legend(handles=handles, fontsize=8, loc="upper right")
    return axs


@validate_params(scan=c.Duck(dict, what="a DelayScan (D, t, t_test, amp, quantiles, params)",
                            test=_has("D", "t", "t_test", "amp", "quantiles", "params"),
                            example=_series(arrays=("D", "t", "t_test", "amp"),
                                            other={"quantiles": None, "params": {}})),
                 t_dmft=Real(),
                 kick_line=c.Duck(tuple, what="a pair (amplitudes, times) or None", none_ok=True,
                                  test=lambda v: len(v) == 2, example=lambda: ([1.0], [1.0])))
def plot_delay_scatter(scan, t_dmft: float, *, kick_line=None, axs=None):
    r"""The spread of single runs' test-loss crossing times, and what sets it.

    Left: each run's time to test loss below the level against D (dots; runs that had not crossed within
    the horizon as triangles at the top), the quartiles over the seeds (bar: 25–75 %, circle: median) and
    the DMFT's time (line). Right: each run's time against its growing-mode amplitude
    :math:`|m_1-m_2|` at the kick time (colour: D), with ``kick_line`` = (amplitudes, times), the DMFT's
    prediction for a one-off kick (:func:`gklib.dmft.kick_prediction`), if given. ``scan``: a :class:`~gklib.dmft.sim.DelayScan`. Returns the two axes.

    Parameters
    ----------
    scan : DelayScan
        From :func:`gklib.dmft.delay_scan`.
    t_dmft : float
        The DMFT's crossing time.
    kick_line : (array_like, array_like) or None, default None
        Amplitudes and the predicted times.
    axs : pair of matplotlib.axes.Axes, optional
        Default: a new text-width figure.

    Returns
    -------
    pair of matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib import dmft
    >>> scan = dmft.delay_scan(2, 2.0, 1.0, 0.25, Ds=(10, 20), seeds=3, steps=10, t_kick=1.0)
    >>> axs = gk.viz.dmft.plot_delay_scatter(scan, 3.0)
    >>> axs[1].get_title(), axs[0].get_xscale()
    ('early lead on the growing mode', 'log')
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    if axs is None:
        _, axs = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 3.3), constrained_layout=True)
    a0, a1 = axs
    D = np.asarray(scan.D, float)
    horizon = float(scan.t[-1])
    top = horizon * 1.04
    colors = plt.cm.viridis(np.linspace(0.05, 0.85, len(D)))
    rng = np.random.default_rng(0)
    q = scan.quantiles("test")
    for k, d in enumerate(D):
        ts = scan.t_test[k]
        fin = np.isfinite(ts)
        x = d * np.exp(0.05 * rng.standard_normal(ts.size))
        a0.plot(x[fin], ts[fin], ".", color="0.55", ms=5, label="single runs" if k == 0 else None)
        a0.plot(x[~fin], np.full((~fin).sum(), top), "^", color="0.55", ms=5, mfc="white",
                label="not within the run" if k == 0 and (~fin).any() else None)
        lo, med, hi = (min(v, top) for v in q[:, k])
        a0.plot([d, d], [lo, hi], "-", color="C3", lw=3, alpha=0.6)
        a0.plot(d, med, "o", color="C3", mfc="white", ms=7, label="median, quartiles" if k == 0 else None)
        a1.plot(scan.amp[k][fin], ts[fin], "o", color=colors[k], ms=5, label=f"D={int(d)}")
        a1.plot(scan.amp[k][~fin], np.full((~fin).sum(), top), "^", color=colors[k], ms=5, mfc="white")
    a0.axhline(t_dmft, color="C0", lw=2, label="DMFT")
    a0.set_xscale("log")
    a0.set_xticks(D)
    a0.set_xticklabels([f"{int(d)}" for d in D])
    a0.minorticks_off()
    lev = scan.params.get("level")
    a0.set(xlabel="input dimension $D$ (log scale)",
           ylabel="time to test loss < " + (f"{lev:g}" if lev is not None else "level"),
           ylim=(0, top * 1.06), title=rf"$\rho={scan.params['rho']:g}$: single runs")
    if kick_line is not None:
        xa, ta = kick_line
        sel = np.asarray(ta) <= top
        a1.plot(np.asarray(xa)[sel], np.asarray(ta)[sel], "-", color="C0", lw=2,
                label="DMFT, one-off kick")
    a1.set_xscale("log")
    a1.set(xlabel=rf"$|m_1-m_2|$ at $t={scan.params['t_kick']:g}$ (log scale)", ylim=(0, top * 1.06),
           title="early lead on the growing mode")
    for a in axs:
        a.grid(alpha=0.3)
    a0.legend(fontsize=8, loc="lower right")
    a1.legend(fontsize=8, loc="lower left")
    return axs


@validate_params(n_coords=Integer(1), n_points=Integer(1))
def plot_cavity_schematic(*, axs=None, n_coords: int = 6, n_points: int = 8):
    r"""Schematic of the two cavity steps of the DMFT derivation (the DMFT derivation page).

    Gradient descent couples the weight coordinates (top row, circles; coordinate :math:`a` carries the
    :math:`N` weights :math:`\mathbf{w}_a`) and the training points (bottom row, squares) only through
    the data entries :math:`x_{\mu a}` (grey lines). Left: remove one point μ (red); the remaining weights
    give it the Gaussian field :math:`\chi`, and putting it back adds its memory. Right: remove one
    coordinate :math:`a` (blue); the remaining coordinates give it the Gaussian force :math:`\mathbf{u}`,
    and putting it back adds the reaction :math:`\sum R^g\mathbf{w}_a`. Returns the two axes.

    Parameters
    ----------
    axs : pair of matplotlib.axes.Axes, optional
        Default: a new text-width figure.
    n_coords, n_points : int, default 6, 8
        >= 1, the circles and squares drawn.

    Returns
    -------
    pair of matplotlib.axes.Axes

    Raises
    ------
    InvalidParameterError
        ``n_coords`` or ``n_points`` < 1.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> axs = gk.viz.dmft.plot_cavity_schematic(n_coords=3, n_points=4)
    >>> [a.get_title() for a in axs], len(axs[0].get_lines())        # 3 x 4 edges, 3 circles, 4 squares
    (['Step 1: one training point μ', 'Step 2: one weight coordinate a'], 19)
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    if axs is None:
        _, axs = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 2.9), constrained_layout=True)
    xa = np.linspace(0.1, 0.9, n_coords)
    xm = np.linspace(0.05, 0.95, n_points)
    ya, ym = 0.78, 0.22
    titles = ("Step 1: one training point μ", "Step 2: one weight coordinate a")
    notes = ((r"without μ: $\chi=W_{\setminus\mu}\mathbf{x}_\mu$ is Gaussian;"
              "\n" r"with μ: $+$ memory $\frac{\Delta t}{\rho}\sum\Phi\,\mathbf{g}$"),
             (r"without $a$: the force $\mathbf{u}$ is Gaussian, $\frac{1}{\rho}G$;"
              "\n" r"with $a$: $+$ reaction $\sum R^g\mathbf{w}_a$"))
    for k, ax in enumerate(axs):
        hi_a, hi_m = (None, n_points // 2) if k == 0 else (n_coords // 2, None)
        col = "C3" if k == 0 else "C0"
        for i, x0 in enumerate(xa):
            for j, x1 in enumerate(xm):
                on = (j == hi_m) or (i == hi_a)
                ax.plot([x0, x1], [ya, ym], color=col if on else "0.8", lw=1.6 if on else 0.6,
                        ls="--" if on else "-", zorder=2 if on else 1)
        for i, x0 in enumerate(xa):
            ax.plot(x0, ya, "o", ms=13, mfc="white" if i != hi_a else "C0", mec="C0", mew=1.5, zorder=3)
        for j, x1 in enumerate(xm):
            ax.plot(x1, ym, "s", ms=12, mfc="white" if j != hi_m else "C3", mec="C3", mew=1.5, zorder=3)
        ax.text(0.5, 0.96, r"weight coordinates $\mathbf{w}_a\in\mathbb{R}^N$, $a=1..D$", ha="center",
                va="center", fontsize=9)
        ax.text(0.5, 0.07, r"training points $\mu=1..P$, edges $x_{\mu a}$", ha="center", va="center",
                fontsize=9)
        ax.text(0.5, -0.12, notes[k], ha="center", va="top", fontsize=9)
        ax.set_title(titles[k], fontsize=10)
        ax.set(xlim=(0, 1), ylim=(-0.42, 1.02))
        ax.axis("off")
    return axs
