"""Explorers of the polynomial-grokking chapter.

:func:`toy_explorer` — ipywidgets log-sliders for α, ε and the number of training points P; each
move retrains one committee machine with the exact stats engine (cost
:math:`O(\\text{steps}\\cdot(PD^2 + D^3))`, independent of the width) and redraws the train/test
curves and the three-term decomposition of the test loss (paper eq. 6). Training sets are nested
(``task.subset(P)``) and the test set is fixed, so slider moves compare like with like.

:func:`sweep_animation` — the same two panels for every run of a precomputed sweep, as a
*static slider* (:func:`~gklib.static_slider.slider_figure`) that works in the static HTML book.

:func:`grokking_slider` — the paper's Fig 1 layout (losses and weight norm) as a static slider over
a sweep (used on the introduction page).
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .config import live_explorer
from .history import History
from .models import CommitteeMachine
from .plotting import _loss_range, plot_grokking
from .static_slider import slider_figure
from .tasks import quadratic_task
from .train import train
from .validation import check_positive, check_positive_int

__all__ = ["draw_toy_panels", "run_toy", "toy_explorer", "sweep_animation", "grokking_slider"]


def draw_toy_panels(hist: History, axes, title: str = "", ylim=None):
    """Left: train (dashed) / test (solid) MSE; right: variance, misalignment and linear-power terms
    of the population test loss. ``hist`` is a single-run history with a decomposition."""
    ax0, ax1 = axes
    x = np.asarray(hist.steps) + 1
    ax0.plot(x, hist.train_loss, "--", color="C0", label="train")
    ax0.plot(x, hist.test_loss, "-", color="C0", label="test")
    ax0.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE", title=title)
    if ylim is not None:
        ax0.set_ylim(*ylim)
    ax0.legend(fontsize="small", loc="lower left")
    if hist.variance is not None:
        for name, c in (("variance", "C0"), ("misalignment", "C1"), ("linear", "C2")):
            ax1.plot(x, np.clip(getattr(hist, name), 1e-12, None), color=c, label=name)
        ax1.set(xscale="log", yscale="log", xlabel="step + 1", title="test-loss decomposition")
        if ylim is not None:
            ax1.set_ylim(*ylim)
        ax1.legend(fontsize="small", loc="lower left")
    return axes


def run_toy(task, alpha: float, eps: float, P: int, N: int = 200, steps: int = 3000, lr_scale: float = 2.0,
            seed: int = 0, n_log: int = 80) -> History:
    """One stats-engine run of the committee machine on the first ``P`` points of ``task``
    (what one slider move of :func:`toy_explorer` computes). Divergent runs end in NaN."""
    m = CommitteeMachine(task.D, N, alpha=alpha, eps=eps, seed=seed)
    return train(m, task.subset(P), steps, lr_scale=lr_scale, engine="stats", n_log=n_log,
                 on_divergence="nan", progress_bar=False)


@live_explorer
def toy_explorer(D: int = 40, N: int = 200, P_max: int = 1000, steps: int = 3000, lr_scale: float = 2.0,
                 alpha=(0.05, 20.0), eps=(0.01, 1.0), P_range=(20, None), alpha0: float = 1.0,
                 eps0: float = 0.05, P0: int = 160, seed: int = 0, beta_scale: float = 1.0):
    """Live explorer: log-sliders for α, ε and P redraw the loss curves and the decomposition.

    The task is ``quadratic_task(D, P_max, seed=seed, beta_scale=beta_scale)``; a slider value of P
    uses its first P points. Each move costs one :func:`run_toy` (about a second at the defaults on
    a laptop core). Returns the ``ipywidgets.VBox`` (its ``.redraw()`` re-runs the current values).
    """
    import warnings

    import ipywidgets as widgets

    D, N, P_max = (check_positive_int(v, n) for v, n in ((D, "D"), (N, "N"), (P_max, "P_max")))
    steps = check_positive_int(steps, "steps")
    lr_scale = check_positive(lr_scale, "lr_scale")
    ranges = {}
    for name, (lo, hi) in (("alpha", alpha), ("eps", eps), ("P_range", (P_range[0], P_range[1] or P_max))):
        lo, hi = check_positive(lo, name), check_positive(hi, name)
        if not lo < hi:
            raise ValueError(f"{name} must be a range (low, high) with low < high, got {(lo, hi)}")
        ranges[name] = (lo, hi)
    if ranges["P_range"][1] > P_max:
        raise ValueError(f"P_range goes beyond P_max={P_max}")
    task = quadratic_task(D=D, P=P_max, P_test=1000, seed=seed, beta_scale=beta_scale)

    def log_slider(val, lo, hi, desc, step=0.05, fmt=".3g"):
        return widgets.FloatLogSlider(value=val, base=10, min=np.log10(lo), max=np.log10(hi), step=step,
                                      description=desc, continuous_update=False, readout_format=fmt)

    s_a = log_slider(alpha0, *ranges["alpha"], "α")
    s_e = log_slider(eps0, *ranges["eps"], "ε")
    s_p = log_slider(P0, *ranges["P_range"], "P", step=0.02, fmt=".0f")
    out = widgets.Output()

    def redraw(change=None):
        a, e, P = float(s_a.value), float(s_e.value), int(round(s_p.value))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            h = run_toy(task, a, e, P, N=N, steps=steps, lr_scale=lr_scale, seed=seed)
        with out:
            out.clear_output(wait=True)
            fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
            bad = not np.isfinite(h.train_loss[-1])
            draw_toy_panels(h, axes, title=f"α={a:.3g}, ε={e:.3g}, P={P}" + (" (diverged: lower lr)" if bad else ""))
            plt.show()

    for s in (s_a, s_e, s_p):
        s.observe(redraw, names="value")
    box = widgets.VBox([widgets.HBox([s_a, s_e, s_p]), out])
    box.redraw = redraw
    redraw()
    return box


def _sweep_values_and_ylim(hist: History, param: str):
    """Validate a batched sweep; return the swept values and a loss-axis range shared by all runs."""
    if not isinstance(hist, History) or not hist.batched:
        raise ValueError("hist must be a batched History (a sweep)")
    if param not in hist.params:
        raise ValueError(f"param must be one of {sorted(hist.params)}, got {param!r}")
    values = np.atleast_1d(hist.params[param])
    return values, _loss_range(hist, floor=1e-6)


def sweep_animation(hist: History, param: str = "alpha", fmt: str = "{:.3g}", dpi: float = 72):
    """Static slider (:func:`~gklib.static_slider.slider_figure`) over the runs of a batched sweep:
    :func:`draw_toy_panels` (losses and decomposition) for each value of ``hist.params[param]``, on
    fixed axes. Works in the static book. Returns a :class:`~gklib.static_slider.StaticSlider`."""
    values, ylim = _sweep_values_and_ylim(hist, param)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    name = {"alpha": "α", "eps": "ε"}.get(param, param)

    def draw(i):
        for ax in axes:
            ax.clear()
        draw_toy_panels(hist.run(i), axes, title=f"{name} = {fmt.format(values[i])}", ylim=ylim)

    return slider_figure(draw, values, label=name, fmt=fmt, fig=fig, dpi=dpi,
                         title="losses and test-loss decomposition")


def grokking_slider(hist: History, param: str = "alpha", fmt: str = "{:.3g}", dpi: float = 72):
    r"""Static slider over the runs of a batched sweep in the layout of the paper's Fig 1
    (:func:`~gklib.plotting.plot_grokking`: train/test loss and the weight norm
    :math:`\|W_t\|_F/\|W_0\|_F`), on axes fixed across frames. Works in the static book.
    Returns a :class:`~gklib.static_slider.StaticSlider`."""
    values, ylim = _sweep_values_and_ylim(hist, param)
    wn = np.asarray(hist.weight_norm, dtype=float)
    wn = wn / wn[:, :1]
    wlim = (0.9 * np.nanmin(wn), 1.1 * np.nanmax(wn))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    name = {"alpha": "α", "eps": "ε"}.get(param, param)

    def draw(i):
        for ax in axes:
            ax.clear()
        plot_grokking(hist.run(i), title=f"{name} = {fmt.format(values[i])}: train and test loss", axes=axes)
        axes[0].set_ylim(*ylim)
        axes[1].set_ylim(*wlim)

    return slider_figure(draw, values, label=name, fmt=fmt, fig=fig, dpi=dpi,
                         title="train/test loss and weight norm")
