"""The course's figures, in one house style: log step axes (grokking spans decades), one colour per run.

- losses and sweeps: :func:`plot_losses`, :func:`plot_sweep` (any batched :class:`~gklib.History`:
  losses, accuracies, weight norm), :func:`plot_weight_norm`, :func:`plot_grokking` (paper Fig 1 layout);
- the committee machine: :func:`plot_decomposition`, :func:`draw_toy_panels`, :func:`plot_phase_diagram`;
- laziness (chapter 1): :func:`plot_vs_linear`, :func:`plot_powerlaw`;
- kernels (chapter 2): :func:`plot_spectrum`, :func:`plot_eps_panel`.

Static sliders for the HTML book are in :mod:`gklib.viz.slider`, live explorers in
:mod:`gklib.viz.explorers`, the DMFT chapter's figures in :mod:`gklib.viz.dmft`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..history import History
from ..kernels.spectrum import kernel_theory_curve, mercer_spectrum, power_split, predicted_sample_sizes
from ..metrics import loglog_slope
from ..toy.experiments import PhaseDiagram
from ..validation import check_positive, check_positive_int
from .style import TEXT_WIDTH

__all__ = ["step_axis", "loss_range", "plot_losses", "panel_axes", "sweep_labels", "plot_sweep", "plot_weight_norm", "plot_grokking",
           "plot_decomposition", "draw_toy_panels", "draw_vs_linear", "plot_vs_linear", "plot_powerlaw", "plot_phase_diagram",
           "plot_spectrum", "plot_eps_panel"]


def step_axis(steps):
    """Steps shifted by one so that step 0 shows on a log axis."""
    return np.asarray(steps) + 1


def loss_range(hist: History, floor: float = 0.0):
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
        line, = ax.plot(step_axis(hist.steps), y, style, color=color, label=lab, **kw)
        color = line.get_color()
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step + 1")
    ax.set_ylabel("loss / initial loss" if normalize else "MSE")
    return ax


PANELS = {"loss": ("train_loss", "test_loss"), "acc": ("train_acc", "test_acc"), "norm": ("weight_norm", None),
          "change": ("rel_change", None)}


def sweep_labels(hist: History, by=None, fmt: str = "{:.3g}") -> list:
    """One label per run of ``hist``: from a ``params`` key (``"alpha"`` → "α = 0.5") or given labels/values."""
    if by is None:
        return [f"run {i}" for i in range(hist.R)]
    if isinstance(by, str):
        if by not in hist.params:
            raise ValueError(f"by must be one of {sorted(hist.params)} or one label per run, got {by!r}")
        name = {"alpha": "α", "eps": "ε", "lr_scale": "lr_scale"}.get(by, by)
        return [f"{name} = {fmt.format(v)}" for v in np.atleast_1d(hist.params[by])]
    labels = [fmt.format(v) if isinstance(v, (int, float, np.number)) else str(v) for v in by]
    if len(labels) != hist.R:
        raise ValueError(f"by has {len(labels)} labels but the history has {hist.R} runs")
    return labels


def panel_axes(n: int, height: float = 2.9):
    """``n`` axes in the house layout: one row of at most two panels across the text width
    (:data:`~gklib.viz.style.TEXT_WIDTH`); three or more panels wrap onto further rows."""
    n = check_positive_int(n, "n")
    cols = min(n, 2)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(TEXT_WIDTH, height * rows), constrained_layout=True,
                             squeeze=False)
    axes = axes.ravel()
    for a in axes[n:]:
        a.remove()
    return axes[:n]


MAX_LEGEND_RUNS = 6
"""Sweeps with more runs than this, labelled by a numeric parameter, get a colour bar instead of a legend."""


def _sweep_colorbar(axes, values, cmap, name, two):
    """A colour bar for the swept values (colours as in :func:`plot_sweep`: evenly spaced over the runs in
    their order; ticks at the runs' values), and a small legend for the line styles."""
    import matplotlib as mpl

    n = len(values)
    cmap_obj = mpl.colors.ListedColormap(plt.get_cmap(cmap)(np.linspace(0, 0.9, n)))
    sm = mpl.cm.ScalarMappable(norm=mpl.colors.BoundaryNorm(np.arange(n + 1) - 0.5, n), cmap=cmap_obj)
    cb = axes[-1].figure.colorbar(sm, ax=list(axes), pad=0.02, fraction=0.05)
    step = max(1, n // 8)
    cb.set_ticks(np.arange(0, n, step))
    cb.set_ticklabels([f"{v:.3g}" for v in values[::step]])
    cb.set_label({"alpha": "α", "eps": "ε"}.get(name, name))
    if two:
        axes[0].plot([], [], "k--", lw=1.2, label="train")
        axes[0].plot([], [], "k-", lw=1.2, label="test")
        axes[0].legend(fontsize=8)


def plot_sweep(hist: History, by=None, *, panels=("loss",), ax=None, axes=None, highlight: int | None = None,
               train: bool = True, test: bool = True, normalize: bool = False, cmap: str = "viridis",
               fmt: str = "{:.3g}", title: str = ""):
    r"""Every run of a batched history, one colour per run (``cmap``), train dashed and test solid.

    ``by`` labels the runs: a key of ``hist.params`` (``"alpha"`` → "α = 0.5", formatted with ``fmt``)
    or one label (or value) per run. ``panels``: any of ``"loss"`` (log scale; ``normalize`` divides
    each curve by its initial value), ``"acc"`` (accuracies), ``"norm"`` (the weight norm) and
    ``"change"`` (:math:`\|\theta-\theta_0\|/\|\theta_0\|`, ``hist.extra["rel_change"]``); one axis each
    (``ax`` for one panel, ``axes`` for several; new ones by default). ``highlight`` draws one run
    bold and fades the others. More than ``MAX_LEGEND_RUNS`` (6) runs labelled by a numeric ``params`` key
    get a colour bar instead of a legend. Returns the axes (a single axis for one panel).
    """
    bad = [p for p in panels if p not in PANELS]
    if bad or not panels:
        raise ValueError(f"panels must be a non-empty subset of {sorted(PANELS)}, got {panels!r}")
    if not isinstance(hist, History) or not hist.batched:
        raise ValueError("hist must be a batched History (a sweep)")
    labels = sweep_labels(hist, by, fmt)
    if axes is None:
        if ax is not None and len(panels) == 1:
            axes = [ax]
        else:
            axes = panel_axes(len(panels))
    axes = np.atleast_1d(axes)
    colors = plt.get_cmap(cmap)(np.linspace(0, 0.9, hist.R))
    x = step_axis(hist.steps)
    for a, key in zip(axes, panels):
        tr, te = PANELS[key]
        for i in range(hist.R):
            r = hist.run(i)
            kw = dict(color=colors[i], lw=1.6, alpha=1.0)
            if highlight is not None:
                kw.update(lw=2.6 if i == highlight else 1.0, alpha=1.0 if i == highlight else 0.25)
            series = [(r.extra[tr] if key == "change" else getattr(r, tr), "-")] if te is None else \
                [(getattr(r, tr), "--")] * train + [(getattr(r, te), "-")] * test
            for j, (y, ls) in enumerate(series):
                y = np.asarray(y, dtype=float)
                if normalize and key == "loss":
                    y = y / y[0]
                many = hist.R > MAX_LEGEND_RUNS and isinstance(by, str)
                a.plot(x, y, ls, label=labels[i] if j == len(series) - 1 and not many else None, **kw)
        a.set_xscale("log")
        if key == "loss":
            a.set_yscale("log")
        a.set_xlabel("step + 1")
        a.set_ylabel({"loss": "loss / initial loss" if normalize else "loss", "acc": "accuracy",
                      "norm": "weight norm", "change": r"$|\theta-\theta_0|/|\theta_0|$"}[key])
    two = PANELS[panels[0]][1] is not None and train and test
    values = np.atleast_1d(hist.params.get(by, [])) if isinstance(by, str) else np.array([])
    if hist.R > MAX_LEGEND_RUNS and values.size == hist.R and np.issubdtype(values.dtype, np.number):
        _sweep_colorbar(axes, values, cmap, by, two)     # many runs: a colour bar, not a long legend
    else:
        axes[0].legend(fontsize=8, title="dashed: train, solid: test" if two else None, title_fontsize=7)
    if title:
        axes[0].figure.suptitle(title)
    return axes[0] if len(panels) == 1 else axes


def plot_weight_norm(hist: History, ax=None, label: str = "", **kw):
    """:math:`\\|W_t\\|_F / \\|W_0\\|_F` against ``step + 1``."""
    ax = ax or plt.gca()
    w = np.asarray(hist.weight_norm, dtype=float)
    ax.plot(step_axis(hist.steps), w / w[..., :1], label=label or None, **kw)
    ax.set_xscale("log")
    ax.set_xlabel("step + 1")
    ax.set_ylabel(r"$\|W_t\|_F / \|W_0\|_F$")
    return ax


def plot_grokking(hist: History, title: str = "", axes=None):
    """The paper's Fig 1 layout: train/test loss (log step axis) and the weight norm."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 3.3), constrained_layout=True)
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
    x = step_axis(hist.steps)
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
        ax1.legend(fontsize="small", loc="best")     # the terms dip and rise anywhere: off the curves
    return axes


def _draw(ax, steps, net_tr, net_te, lin_tr, lin_te, color, label):
    ax.plot(step_axis(steps), net_te, "-", color=color, label=label)
    ax.plot(step_axis(steps), net_tr, "--", color=color)
    if lin_tr is not None:
        ax.plot(step_axis(steps), lin_te, ":", color="k", lw=2)
        ax.plot(step_axis(steps), lin_tr, "-.", color="k", lw=1)


def draw_vs_linear(ax, hist: History, hist_lin: History, color="C0", label: str = "network"):
    """One run against its linearisation: network test (solid) / train (dashed) in ``color``, the
    linearised model's test (dotted) / train (dash-dot) in black."""
    _draw(ax, hist.steps, hist.train_loss, hist.test_loss, hist_lin.train_loss, hist_lin.test_loss, color, label)
    ax.plot([], [], ":", color="k", lw=2, label="linearised test")
    return ax


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
    name = {"alpha": "α", "eps": "ε"}.get(param, param)
    drawn = []
    for i, h in enumerate(runs):                      # networks first ...
        _draw(ax, h.steps, h.train_loss, h.test_loss, None, None, colors[i],
              f"{name} = {fmt.format(vals[i % len(vals)])}")
    for h, hl in zip(runs, lins):                     # ... then the linearisations on top, each once
        if any(np.allclose(hl.test_loss, d, rtol=1e-6) for d in drawn):
            continue
        drawn.append(hl.test_loss)
        ax.plot(step_axis(hl.steps), hl.test_loss, ":", color="k", lw=2, zorder=5)
        ax.plot(step_axis(hl.steps), hl.train_loss, "-.", color="k", lw=1.2, zorder=5)
    ax.plot([], [], "-", color="0.5", label="network test")
    ax.plot([], [], "--", color="0.5", label="network train")
    ax.plot([], [], ":", color="k", lw=2, label="linearised test")
    ax.plot([], [], "-.", color="k", lw=1.2, label="linearised train")
    ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE")
    ax.legend(fontsize=8, ncol=2)
    return ax


def plot_powerlaw(x, series: dict, ax=None, fit_from=None, xlabel: str = r"$\alpha$", fit_to=None,
                  return_errors: bool = False):
    """Log-log plot of each ``series[name]`` against ``x`` with its fitted power law on
    ``fit_from <= x <= fit_to`` (the fitted points filled, the others open); the fitted exponents and
    their standard errors go in the legend. Returns ``(ax, slopes)``, or ``(ax, slopes, errors)`` with
    ``return_errors``."""
    ax = ax or plt.gca()
    x = np.asarray(x, dtype=float)
    sel = (x >= (x.min() if fit_from is None else fit_from)) & (x <= (x.max() if fit_to is None else fit_to))
    if sel.sum() < 2:
        raise ValueError("the fit range must hold at least two points")
    slopes, errors = {}, {}
    for name, y in series.items():
        y = np.asarray(y, dtype=float)
        lx, ly = np.log(x[sel]), np.log(y[sel])
        k = loglog_slope(x[sel], y[sel])
        b = np.mean(ly - k * lx)
        n = sel.sum()
        err = float(np.sqrt(np.sum((ly - k * lx - b) ** 2) / (n - 2) / np.sum((lx - lx.mean()) ** 2))) if n > 2 \
            else float("nan")
        slopes[name], errors[name] = k, err
        lab = f"{name}: slope {k:.2f}" + (f" ± {err:.2f}" if np.isfinite(err) else "")
        line, = ax.plot(x[sel], y[sel], "o", label=lab)
        ax.plot(x[~sel], y[~sel], "o", mfc="none", color=line.get_color())
        ax.plot(x[sel], np.exp(b) * x[sel] ** k, "-", color=line.get_color(), alpha=0.6)
    ax.set(xscale="log", yscale="log", xlabel=xlabel)
    ax.legend(fontsize=8)
    return (ax, slopes, errors) if return_errors else (ax, slopes)


def plot_phase_diagram(pd: PhaseDiagram, ax=None, cmap: str = "magma", log: bool = False):
    """Heat map of the amount of grokking, α on the x axis and ε on the y axis (bilinear, as the
    paper's Fig 3(e)). ``log=True`` colours :math:`\\log_{10}(1 + \\text{amount})`."""
    ax = ax or plt.gca()
    z = pd.amount.T
    z = np.log10(1 + z) if log else z
    im = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap, interpolation="bilinear",
                   extent=(pd.alphas[0], pd.alphas[-1], pd.epsilons[0], pd.epsilons[-1]))
    plt.colorbar(im, ax=ax, label=r"$\log_{10}(1+$amount$)$" if log else
                 rf"amount of grokking $t^{{te}}_{{{pd.threshold:g}}}-t^{{tr}}_{{{pd.threshold:g}}}$ (steps)")
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\epsilon$")
    return ax


def plot_spectrum(D: int, eps: float, empirical=None, ax=None, label_empirical="Monte Carlo", **kw):
    """Mercer eigenvalues of :math:`K_0` against mode index (log scale), optionally with an
    empirical spectrum (decreasing array, e.g. from :func:`~gklib.kernels.spectrum.feature_covariance_spectrum`)."""
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
        axes = panel_axes(3, height=3.0)
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
    a2.legend(fontsize=8, loc="center left")      # the curves run along the top and the bottom
    a2.set_title("where the kernel puts its power")

    rank = mercer_spectrum(D, eps).rank
    Ps = np.unique(np.geomspace(1, 30 * rank, 300).astype(int))
    th = kernel_theory_curve(D, eps, Ps, ridge=ridge)
    a3.plot(Ps, th["norm"], label=r"$|x|^2$ part")
    a3.plot(Ps, th["traceless"], label="traceless quadratic part")
    pred = predicted_sample_sizes(D, eps, ridge=ridge)
    for part, c in (("norm", "C0"), ("traceless", "C1")):
        if pred[part] is not None:
            a3.axvline(pred[part], color=c, ls=":", lw=1, label="learned (theory)" if part == "norm" else None)
    a3.axvline(D, color="gray", ls="--", lw=0.8, label="P = D")
    a3.axvline(rank, color="gray", ls="-.", lw=0.8, label="P = rank of $K_0$")
    a3.set_xscale("log")
    a3.set_ylim(0, 1.6)
    a3.set_xlabel("training-set size P")
    a3.set_ylabel("test error / power of the part\n(> 1: overfitting)")
    a3.set_title(f"kernel regression theory, ridge={ridge:.3g}")
    spec = a3.get_subplotspec()
    if spec is not None and spec.colspan.stop < spec.get_gridspec().ncols:
        # an empty grid cell to the right (panel_axes(3)): the legend goes there, off the curves
        a3.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.12, 0.5)).set_in_layout(False)
    else:
        a3.legend(fontsize=8, loc="upper right")
    return axes
