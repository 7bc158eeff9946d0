"""Plotting helpers: loss curves on a log-step axis (grokking spans decades)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .history import History


def _x(steps):
    """Steps shifted by one so that step 0 shows on a log axis."""
    return np.asarray(steps) + 1


def _loss_range(hist: History, floor: float = 0.0):
    """A log-axis range holding every positive finite train/test loss of ``hist`` (all runs), with
    a factor-2 margin; the lower end is at least ``floor`` times the largest loss."""
    allv = np.concatenate([np.ravel(hist.train_loss), np.ravel(hist.test_loss)])
    allv = allv[np.isfinite(allv) & (allv > 0)]
    return max(allv.min() / 2, floor * allv.max()), allv.max() * 2


def plot_losses(hist: History, ax=None, label: str = "", train: bool = True, test: bool = True,
                color=None, normalize: bool = False, **kw):
    """Train (dashed) and test (solid) loss of a single-run history against ``step + 1`` (log-log).

    ``normalize=True`` divides each curve by its initial value (as in the paper's Fig 3).
    """
    ax = ax or plt.gca()
    for on, name, style in ((train, "train_loss", "--"), (test, "test_loss", "-")):
        if not on:
            continue
        y = np.asarray(getattr(hist, name), dtype=float)
        if normalize:
            y = y / y[0]
        lab = f"{label} {name.split('_')[0]}".strip()
        line, = ax.plot(_x(hist.steps), y, style, color=color, label=lab, **kw)
        color = line.get_color()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step + 1")
    ax.set_ylabel("loss / initial loss" if normalize else "MSE")
    return ax


def plot_sweep(hist: History, param: str, ax=None, cmap: str = "viridis", fmt: str = "{:.3g}",
               train: bool = True, test: bool = True, normalize: bool = False):
    """Every run of a batched history, coloured by ``hist.params[param]``."""
    ax = ax or plt.gca()
    values = np.asarray(hist.params[param])
    colors = plt.get_cmap(cmap)(np.linspace(0, 0.9, hist.R))
    for i, run in enumerate(hist.runs()):
        plot_losses(run, ax=ax, label=f"{param}={fmt.format(values[i])}", color=colors[i],
                    train=train, test=test, normalize=normalize)
    ax.legend(fontsize="small", ncol=2)
    return ax


def plot_weight_norm(hist: History, ax=None, label: str = "", **kw):
    """:math:`\\|W_t\\|_F / \\|W_0\\|_F` against ``step + 1``."""
    ax = ax or plt.gca()
    w = np.asarray(hist.weight_norm, dtype=float)
    ax.plot(_x(hist.steps), w / w[..., :1], label=label or None, **kw)
    ax.set_xscale("log")
    ax.set_xlabel("step + 1")
    ax.set_ylabel(r"$\|W_t\|_F / \|W_0\|_F$")
    return ax


def plot_grokking(hist: History, title: str = "", axes=None):
    """The paper's Fig 1 layout: train/test loss (log step axis) and the weight norm."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
    plot_losses(hist, ax=axes[0])
    axes[0].legend()
    axes[0].set_title(title or "train and test loss")
    plot_weight_norm(hist, ax=axes[1], color="C3")
    axes[1].set_title("weight norm")
    return axes


def plot_decomposition(hist: History, ax=None, total: bool = True):
    """The three population terms of the test loss (paper eq. 6) over training."""
    if hist.variance is None:
        raise ValueError("this history has no loss decomposition (the task has no teacher beta)")
    ax = ax or plt.gca()
    x = _x(hist.steps)
    for name, c in (("variance", "C0"), ("misalignment", "C1"), ("linear", "C2")):
        ax.plot(x, getattr(hist, name), color=c, label=name)
    if total:
        ax.plot(x, hist.variance + hist.misalignment + hist.linear, "k:", label="total")
    ax.set_xscale("log")
    ax.set_yscale("log")
    top = np.nanmax(hist.variance + hist.misalignment + hist.linear)
    ax.set_ylim(bottom=1e-4 * top)     # the terms are >= 0; the linear one starts at exactly 0
    ax.set_xlabel("step + 1")
    ax.set_ylabel("population test loss terms")
    ax.legend()
    return ax
