"""Chapter 5's figures: sweeps that fit the text column, laziness along training, seed-averaged sweeps.

- :func:`sweep_figure` — :func:`~gklib.viz.figures.plot_sweep` panels side by side at the column width,
  the run legend below the panels (never on the data);
- :func:`plot_tracked` — a series logged by :func:`gklib.nets.fit`'s ``track`` (e.g. the feature-kernel
  change) for every run, with a circle where the training accuracy and a star where the test accuracy
  first reaches a level: what the network's features did between fitting and generalising;
- :func:`plot_seed_sweep` — a per-run measure of a :func:`gklib.nets.seed_sweep` against α: every seed
  as a dot, the median as a line, the range as a bar; runs that never crossed drawn as triangles at the top.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..history import History
from ..metrics import accuracy_crossings, spread
from .figures import plot_sweep, step_axis
from .style import TEXT_WIDTH

__all__ = ["sweep_figure", "plot_tracked", "plot_seed_sweep"]


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
