"""Chapter 5's figures: sweeps that fit the text column, laziness along training, seed-averaged sweeps.

- :func:`sweep_figure` — :func:`~gklib.viz.figures.plot_sweep` panels side by side at the column width,
  the run legend below the panels (never on the data);
- :func:`laziness_figure` — accuracies next to a tracked laziness series (:func:`plot_tracked`);
- :func:`plot_tracked` — a series logged by :func:`gklib.nets.fit`'s ``track`` (e.g. the feature-kernel
  change) for every run, with a circle where the training accuracy and a star where the test accuracy
  first reaches a level: what the network's features did between fitting and generalising;
- :func:`seed_sweep_figure` — a seed sweep in four panels: test accuracy of every run, and the spread over
  seeds of the delay, of the test accuracy when the training set is fitted and of a tracked series then;
- :func:`plot_seed_sweep` — a per-run measure of a :func:`gklib.nets.seed_sweep` against α: every seed
  as a dot, the median as a line, the range as a bar; runs that never crossed drawn as triangles at the top.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..history import History
from ..metrics import accuracy_crossings, generalisation_at_fit, spread, value_at_fit
from .figures import plot_sweep, step_axis
from .style import TEXT_WIDTH

__all__ = ["sweep_figure", "laziness_figure", "plot_tracked", "seed_sweep_figure", "plot_seed_sweep"]


def _colors(n, cmap="viridis"):
    return plt.get_cmap(cmap)(np.linspace(0, 0.9, n))


def sweep_figure(hist: History, labels, panels=("acc", "norm"), title: str = "", height: float = 2.9):
    """The panels of :func:`~gklib.viz.figures.plot_sweep` in one row of width
    :data:`~gklib.viz.style.TEXT_WIDTH`, one colour per run, the legend in one row below. Returns the axes."""
    fig, axes = plt.subplots(1, len(panels), figsize=(TEXT_WIDTH, height), layout="constrained", squeeze=False)
    axes = axes[0]
    plot_sweep(hist, labels, panels=panels, axes=axes)
    for a in axes:
        if a.get_legend() is not None:
            a.get_legend().remove()
    handles, labs = axes[0].get_legend_handles_labels()
    two = panels[0] in ("acc", "loss")
    fig.legend(handles, labs, loc="outside lower center", ncol=min(len(labs), 6),
               title="dashed: train, solid: test" if two else None)
    if title:
        fig.suptitle(title)
    return axes


def laziness_figure(hist: History, labels, key: str, level: float = 0.9, ylabel: str | None = None,
                    title: str = "", height: float = 3.0):
    """Two panels at the column width: train (dashed) and test (solid) accuracy of every run, and the
    tracked series ``hist.extra[key]`` with :func:`plot_tracked`'s markers; one legend below. Returns the axes."""
    fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH, height), layout="constrained")
    plot_sweep(hist, labels, panels=("acc",), ax=axes[0])
    axes[0].get_legend().remove()
    axes[0].axhline(level, color="gray", lw=0.6, ls=":")
    plot_tracked(hist, key, labels, level=level, ax=axes[1], ylabel=ylabel)
    handles, labs = axes[1].get_legend_handles_labels()
    fig.legend(handles, labs, loc="outside lower center", ncol=min(len(labs), 6),
               title="accuracy: dashed train, solid test")
    if title:
        fig.suptitle(title)
    return axes


def plot_tracked(hist: History, key: str, labels, level: float = 0.9, ax=None, ylabel: str | None = None):
    """``hist.extra[key]`` of every run against ``step + 1``; a circle marks the step at which the run's
    train accuracy first reaches ``level``, a star the step at which its test accuracy does."""
    ax = ax or plt.gca()
    if key not in hist.extra:
        raise ValueError(f"hist.extra has no {key!r}; log it with fit(..., track={{{key!r}: ...}})")
    v = np.atleast_2d(hist.extra[key])
    c = accuracy_crossings(hist, level)
    tr, te = np.atleast_1d(c["train"]), np.atleast_1d(c["test"])
    x = step_axis(hist.steps)
    for i, col in enumerate(_colors(len(v))):
        ax.plot(x, v[i], color=col, label=labels[i])
        for t, mk, ms in ((tr[i], "o", 6), (te[i], "*", 11)):
            if np.isfinite(t):
                j = np.searchsorted(hist.steps, t)
                ax.plot(x[j], v[i, j], mk, color=col, ms=ms, mec="k", mew=0.6, zorder=3)
    ax.plot([], [], "o", color="w", mec="k", label=f"train {level:.0%}")
    ax.plot([], [], "*", color="w", mec="k", ms=10, label=f"test {level:.0%}")
    ax.set(xscale="log", xlabel="step + 1", ylabel=ylabel or key)
    return ax


def plot_seed_sweep(values, alphas, ax=None, ylabel: str = "", ceiling: float | None = None, color="C0",
                    label: str = "median"):
    """A measure of a seed sweep against α: ``values`` is ``(n_seeds, n_alpha)``. Each seed is a dot,
    the median a line, the min–max range a bar. Infinite values (never crossed) are drawn as
    triangles at ``ceiling`` (default: 1.15 × the largest finite value), and the median line stops there."""
    ax = ax or plt.gca()
    v = np.asarray(values, dtype=float)
    a = np.asarray(alphas, dtype=float)
    if v.ndim != 2 or v.shape[1] != a.size:
        raise ValueError(f"values must be (n_seeds, {a.size}), got {v.shape}")
    fin = v[np.isfinite(v)]
    top = ceiling if ceiling is not None else (1.15 * fin.max() if fin.size else 1.0)
    s = spread(v)
    jitter = np.linspace(-0.06, 0.06, v.shape[0]) if v.shape[0] > 1 else np.zeros(1)
    for k in range(v.shape[0]):
        xk = a * np.exp(jitter[k])
        ok = np.isfinite(v[k])
        ax.plot(xk[ok], v[k, ok], "o", ms=3.5, color=color, alpha=0.45, mew=0)
        ax.plot(xk[~ok], np.full((~ok).sum(), top), "^", ms=5, color=color, alpha=0.6, mew=0)
    lo, hi = np.minimum(s["min"], top), np.minimum(s["max"], top)
    med = np.where(np.isfinite(s["median"]), s["median"], np.nan)
    ax.vlines(a, lo, hi, color=color, lw=1.2, alpha=0.8)
    ax.plot(a, med, "-s", color=color, ms=5, label=label)
    if not np.all(np.isfinite(v)):
        ax.plot([], [], "^", color=color, alpha=0.6, label="never (within the run)")
    ax.set(xscale="log", xlabel=r"$\alpha$", ylabel=ylabel)
    return ax


def seed_sweep_figure(hist: History, level: float = 0.9, key: str | None = None, plateau: float | None = None,
                      key_label: str = "", title: str = ""):
    """A :func:`gklib.nets.seed_sweep` (``hist.params["seed"]``, ``hist.params["alpha"]``) in a 2 × 2 grid at the
    column width: (a) test accuracy of every run, one colour per α; (b) the delay between train and test
    accuracy reaching ``level``; (c) the test accuracy when the train accuracy first reaches ``level``
    (``plateau`` as a dotted line); (d) the tracked series ``hist.extra[key]`` at that step (omitted when
    ``key`` is None). (b)–(d): :func:`plot_seed_sweep` (dots: runs, squares: medians, bars: ranges, triangles
    at the top: runs that never crossed; no legend, so that nothing covers the data: say it in the text).
    Returns the axes ``(2, 2)``."""
    seeds = np.asarray(hist.params["seed"])
    S = np.unique(seeds).size
    al = np.asarray(hist.params["alpha"], dtype=float)
    A = al.size // S
    alphas = al[:A]
    fig, axes = plt.subplots(2, 2, figsize=(TEXT_WIDTH, 5.6), layout="constrained")
    x = step_axis(hist.steps)
    cols = _colors(A)
    for i in range(hist.R):
        axes[0, 0].plot(x, hist.test_acc[i], color=cols[i % A], lw=1.0, alpha=0.75,
                        label=f"α = {alphas[i % A]:g}" if i < A else None)
    if plateau is not None:
        axes[0, 0].axhline(plateau, color="gray", lw=0.8, ls=":")
    axes[0, 0].set(xscale="log", xlabel="step + 1", ylabel="test accuracy", title=f"(a) every run ({S} seeds)")
    axes[0, 0].legend(loc="upper left", fontsize=8.5)
    c = accuracy_crossings(hist, level)
    delay = np.where(np.isfinite(c["train"]), c["delay"], np.nan).reshape(S, A)
    plot_seed_sweep(delay, alphas, ax=axes[0, 1], ylabel="steps")
    axes[0, 1].set_title(f"(b) delay, train → test at {level:.0%}")
    plot_seed_sweep(generalisation_at_fit(hist, level).reshape(S, A), alphas, ax=axes[1, 0], ylabel="test accuracy",
                    color="C1")
    if plateau is not None:
        axes[1, 0].axhline(plateau, color="gray", lw=0.8, ls=":")
    axes[1, 0].set_title(f"(c) test accuracy when train reaches {level:.0%}")
    if key is None:
        axes[1, 1].set_axis_off()
    else:
        plot_seed_sweep(value_at_fit(hist, hist.extra[key], level).reshape(S, A), alphas, ax=axes[1, 1],
                        ylabel=key_label or key, color="C2")
        axes[1, 1].set_title(f"(d) {key_label or key} then")
    if title:
        fig.suptitle(title)
    return axes
