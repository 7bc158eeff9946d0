"""Figures and explorers of the lazy-training chapter (network vs its linearisation).

- :func:`plot_vs_linear`: train/test curves of an α sweep against the linearised model.
- :func:`plot_powerlaw`: log-log measures against a knob with fitted slopes.
- :func:`lazy_explorer`: a JupyterLab explorer — a log-scale α slider that retrains the committee
  machine with the width-independent stats engine and redraws it against the linearised model
  (exact kernel GD, computed once). About a second per move at book sizes.
- :func:`alpha_animation`: the same picture as a *static slider* over a precomputed α sweep
  (:func:`~gklib.static_slider.slider_figure`; works in the HTML book, no kernel needed).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .config import live_explorer
from .history import History
from .plotting import _loss_range, _x
from .static_slider import slider_figure
from .lazy import KernelGD, loglog_slope
from .models import CommitteeMachine
from .train import train
from .validation import check_positive, check_positive_int

__all__ = ["plot_vs_linear", "plot_powerlaw", "lazy_explorer", "alpha_animation"]


def _draw(ax, steps, net_tr, net_te, lin_tr, lin_te, color, label):
    ax.plot(_x(steps), net_te, "-", color=color, label=label)
    ax.plot(_x(steps), net_tr, "--", color=color)
    if lin_tr is not None:
        ax.plot(_x(steps), lin_te, ":", color="k", lw=2)
        ax.plot(_x(steps), lin_tr, "-.", color="k", lw=1)


def plot_vs_linear(hist: History, hist_lin: History, ax=None, param: str = "alpha",
                   cmap: str = "viridis", fmt: str = "{:.3g}", runs=None):
    """Network test (solid) / train (dashed) curves of every run of ``hist``, coloured by
    ``hist.params[param]``, and the linearised model's test (dotted) / train (dash-dot) in black.

    ``hist_lin`` is a single run or has one run per run of ``hist``; linearised curves that are
    identical across runs (the centred linear model does not depend on α) are drawn once.
    ``runs`` selects run indices (default: all).
    """
    ax = ax or plt.gca()
    idx = list(range(hist.R)) if runs is None else [int(i) for i in runs]
    lins = list(hist_lin.runs()) if hist_lin.batched else [hist_lin] * hist.R
    if len(lins) != hist.R:
        raise ValueError(f"hist_lin has {len(lins)} runs but hist has {hist.R}")
    vals = np.atleast_1d(hist.params.get(param, np.arange(hist.R)))[idx] if hist.batched else \
        np.atleast_1d(hist.params.get(param, 0))
    lins = [lins[i] for i in idx]
    runs = [hist.run(i) for i in idx]
    colors = plt.get_cmap(cmap)(np.linspace(0, 0.9, len(runs)))
    drawn = []
    for i, (h, hl) in enumerate(zip(runs, lins)):
        new = not any(np.allclose(hl.test_loss, d, rtol=1e-6) for d in drawn)
        drawn.append(hl.test_loss)
        _draw(ax, h.steps, h.train_loss, h.test_loss, hl.train_loss if new else None, hl.test_loss,
              colors[i], f"{param}={fmt.format(vals[i % len(vals)])}")
    ax.plot([], [], ":", color="k", lw=2, label="linearised test")
    ax.plot([], [], "-.", color="k", lw=1, label="linearised train")
    ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE")
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_powerlaw(x, series: dict, ax=None, fit_from=None, xlabel: str = r"$\alpha$"):
    """Log-log plot of each ``series[name]`` against ``x`` with its fitted power law (on
    ``x >= fit_from``); the fitted exponents go in the legend. Returns ``(ax, slopes)``."""
    ax = ax or plt.gca()
    x = np.asarray(x, dtype=float)
    sel = x >= (x.min() if fit_from is None else fit_from)
    slopes = {}
    for name, y in series.items():
        y = np.asarray(y, dtype=float)
        k = loglog_slope(x[sel], y[sel])
        b = np.mean(np.log(y[sel]) - k * np.log(x[sel]))
        slopes[name] = k
        line, = ax.plot(x, y, "o", label=f"{name} (slope {k:.2f})")
        ax.plot(x[sel], np.exp(b) * x[sel] ** k, "-", color=line.get_color(), alpha=0.6)
    ax.set(xscale="log", yscale="log", xlabel=xlabel)
    ax.legend(fontsize="small")
    return ax, slopes


@live_explorer
def lazy_explorer(task, D=None, N: int = 200, eps: float = 1.0, steps: int = 3000, lr_scale: float = 0.5,
                  alpha=(0.25, 128.0), alpha0: float = 1.0, seed: int = 1):
    """An ipywidgets explorer: α log-slider → network (stats engine) vs linearised curves.

    The linearised model (:class:`~gklib.lazy.KernelGD`, exact and α-independent when centred) is
    computed once; each slider move retrains one committee machine for ``steps`` steps, cost
    :math:`O(\\text{steps}\\cdot(PD^2 + D^3))`, independent of ``N``. Returns the widget.
    """
    import ipywidgets as widgets

    D = task.D if D is None else check_positive_int(D, "D")
    lo, hi = (check_positive(a, "alpha") for a in alpha)
    if not lo < hi:
        raise ValueError(f"alpha must be a range (low, high) with low < high, got {alpha}")
    steps = check_positive_int(steps, "steps")
    base = CommitteeMachine(D, N, alpha=alpha0, eps=eps, seed=seed)
    hl = KernelGD(base, task, lr_scale).history(steps, n_log=100)
    slider = widgets.FloatLogSlider(value=alpha0, base=10, min=np.log10(lo), max=np.log10(hi), step=0.05,
                                    description="α", continuous_update=False, readout_format=".3g")
    out = widgets.Output()

    def redraw(change=None):
        a = float(slider.value)
        m = CommitteeMachine(D, N, alpha=a, eps=eps, seed=seed)
        try:
            h = train(m, task, steps, lr_scale=lr_scale, engine="stats", n_log=100, progress_bar=False)
            msg = ""
        except RuntimeError as err:
            h, msg = None, str(err)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            if h is not None:
                _draw(ax, h.steps, h.train_loss, h.test_loss, hl.train_loss, hl.test_loss, "C0", f"network α={a:.3g}")
                ax.plot([], [], ":", color="k", lw=2, label="linearised test")
                ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE",
                       title=f"α = {a:.3g}: test {h.test_loss[-1]:.3g} vs linearised {hl.test_loss[-1]:.3g}")
                ax.legend(fontsize="small")
            else:
                ax.text(0.5, 0.5, msg, ha="center", va="center", wrap=True, transform=ax.transAxes)
            plt.show()

    slider.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([slider, out])
    return box


def alpha_animation(hist: History, hist_lin: History, dpi: float = 72):
    """Static slider (:func:`~gklib.static_slider.slider_figure`) over the runs of an α sweep: the
    network's train/test curves against the linearised model's, one frame per run, on fixed axes.
    Works in the static book (no kernel). ``hist`` is a batched history with ``params["alpha"]``;
    ``hist_lin`` is one run or one run per α. Returns a :class:`~gklib.static_slider.StaticSlider`."""
    if not isinstance(hist, History) or not hist.batched:
        raise ValueError("hist must be a batched history (an α sweep)")
    if "alpha" not in hist.params:
        raise ValueError("hist must have params['alpha'] (an α sweep)")
    lins = list(hist_lin.runs()) if hist_lin.batched else [hist_lin] * hist.R
    if len(lins) != hist.R:
        raise ValueError(f"hist_lin has {len(lins)} runs but hist has {hist.R}")
    alphas = np.atleast_1d(hist.params["alpha"])
    fig, ax = plt.subplots(figsize=(6.5, 3.8), constrained_layout=True)
    lim = _loss_range(hist)

    def draw(i):
        ax.clear()
        h, hl = hist.run(i), lins[i]
        _draw(ax, h.steps, h.train_loss, h.test_loss, hl.train_loss, hl.test_loss, "C0", "network")
        ax.plot([], [], ":", color="k", lw=2, label="linearised test")
        ax.set(xscale="log", yscale="log", ylim=lim, xlabel="step + 1", ylabel="MSE",
               title=f"α = {alphas[i]:.3g}: network (blue) vs linearised (black)")
        ax.legend(fontsize="small", loc="lower left")

    return slider_figure(draw, alphas, label="α", fmt="{:.3g}", fig=fig, dpi=dpi,
                         title="network vs linearised model")
