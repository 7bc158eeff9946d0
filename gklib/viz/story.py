"""Figures of the lazy-to-rich story (introduction and chapters 1–3).

- :func:`plot_lazy_rich` — Fig 1 with the measurements that decide the story: losses of the network and
  of its linearisation, the distance between the two, the weight and kernel change, the kernel–target
  alignment and the weight norm, on one log-step axis with the crossing times marked (reads a
  :func:`gklib.toy.diagnostics.lazy_rich_run` history);
- :func:`plot_lazy_rich_schematic` — the idea of the paper's Fig 1(a): the linearised function space
  around :math:`\\theta_0` against the path the network takes;
- :func:`plot_weight_scale_sweeps` — chapter 1, paper Fig 6 (v3 Fig 7): learning curves of the output-scale,
  weight-scale and joint sweeps of :func:`gklib.toy.equivalence.weight_scale_sweeps`, and their delays;
- :func:`plot_mode_learning` — chapter 2: the fraction of each part of the target not yet learned by
  kernel gradient descent with the initial NTK, theory lines against simulated points.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..history import History
from ..params import Real, validate_params
from ..toy.diagnostics import story_times
from . import _checks as c
from .style import TEXT_WIDTH

_MODE_KEYS = {"t_theory", "theory", "steps", "measured", "timescale", "P", "D", "eps", "lr_scale"}
_SWEEP_KEYS = {"sigma", "hist", "laziness"}


def _keyed(keys, source):
    return c.Duck(dict, what=f"a dict with keys {sorted(keys)} (from {source})",
                  test=lambda v: isinstance(v, dict) and keys <= set(v), example=lambda: dict.fromkeys(keys))

__all__ = ["plot_lazy_rich", "plot_lazy_rich_schematic", "plot_mode_learning", "plot_weight_scale_sweeps"]


_MARKS = (("leave", "network leaves its linearisation", "C3", ":"), ("train", "train loss ÷ 10", "0.45", "--"),
          ("test", "test loss ÷ 10", "k", "-"))


def _mark_times(axes, times):
    """Vertical lines at the crossing times (step + 1) on every axis; returns legend proxies."""
    proxies = []
    for key, text, color, ls in _MARKS:
        t = times.get(key, np.inf)
        if not np.isfinite(t):
            continue
        for ax in axes:
            ax.axvline(t + 1, color=color, ls=ls, lw=1.1, zorder=0)
        proxies.append(plt.Line2D([], [], color=color, ls=ls, lw=1.1, label=f"{text} (step {t:,.0f})"))
    return proxies


@validate_params(hist=c.HISTORY, kernel_mse=Real(0, none_ok=True), step_scale=c.POSITIVE, title=c.TEXT,
                 level=c.POSITIVE, leave=c.POSITIVE, zoom=c.FLAG)
def plot_lazy_rich(hist: History, *, kernel_mse: float | None = None, step_scale: float = 1.0, title: str = "",
                   fig=None, level: float = 0.1, leave: float = 0.1, zoom: bool = True):
    """Fig 1 with its diagnostics, three stacked panels on one log-step axis (``step + 1``).

    (a) train (dashed) and test (solid) loss of the network (thin, blue) and of its linearisation (wide,
    pale orange, drawn underneath: where the two agree both stay visible), with the ridgeless
    kernel-regression baseline ``kernel_mse`` (black); with ``zoom``, beside it (a′) the same losses up to
    the step at which the network leaves its linearisation on a *linear* loss axis, where the early rise
    of the test loss shows; (b) how far the network is from where it started: RMS distance to its
    linearisation on the training and the test points (relative to the labels),
    :math:`\\|W-W_0\\|/\\|W_0\\|` and :math:`\\|K-K_0\\|_F/\\|K_0\\|_F`; (c) the weight norm
    :math:`\\|W\\|/\\|W_0\\|` (left axis) and the kernel–target alignment relative to its initial value
    (right axis); both start at 1, drawn at the same height on both axes (grey line). Vertical lines: the
    step at which the network leaves its linearisation (distance ``leave``) and those at which the train
    and test losses fall below ``level`` × their initial value (:func:`gklib.toy.diagnostics.story_times`).

    ``hist`` comes from :func:`gklib.toy.diagnostics.lazy_rich_run`; ``step_scale`` multiplies the
    step axis (a run at ``lr_scale = c`` drawn in steps of ``lr_scale = 1``). Returns the three main axes
    (the zoom, if drawn, is ``axes[0].zoom``).

    Parameters
    ----------
    hist : History
        One run of :func:`gklib.toy.diagnostics.lazy_rich_run` (its ``extra`` series).
    kernel_mse : float or None, default None
        >= 0, the kernel-regression test MSE drawn in (a).
    step_scale : float, default 1.0
        > 0, multiplies the steps.
    title : str, default ""
        Title of panel (a).
    fig : matplotlib.figure.Figure, optional
        Default: a new text-width figure.
    level : float, default 0.1
        > 0, the loss crossing level as a fraction of the initial loss.
    leave : float, default 0.1
        > 0, the distance at which the network counts as having left its linearisation.
    zoom : bool, default True
        Draw panel (a′).

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes, shape (3,)
        Panels (a), (b), (c).

    Raises
    ------
    ValueError
        ``hist.extra`` lacks the diagnostics of ``lazy_rich_run``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib.toy.diagnostics import lazy_rich_run
    >>> task = gk.quadratic_task(D=4, P=20, P_test=20, seed=0)
    >>> h = lazy_rich_run(gk.CommitteeMachine(4, 8, alpha=0.5, seed=0), task, 200, n_log=8, n_align=40,
    ...                   n_probe=20, progress_bar=False)
    >>> axes = gk.viz.plot_lazy_rich(h)
    >>> [a.get_title() for a in axes], axes[0].zoom.get_title()
    (['(a) losses', '(b) how far from the start', '(c) weights and kernel'], '(a′) lazy phase, linear scale')
    >>> plt.close("all")
    """
    ex = hist.extra
    missing = [k for k in ("lin_train_loss", "dist_train", "weight_change", "alignment") if k not in ex]
    if missing:
        raise ValueError(f"hist has no {missing} in extra: make it with gklib.toy.diagnostics.lazy_rich_run")
    if fig is None:
        fig = plt.figure(figsize=(TEXT_WIDTH, 8.2), constrained_layout=True)
    x = np.asarray(hist.steps) * step_scale + 1
    times = {k: v * step_scale for k, v in story_times(hist, level, leave).items()}
    gs = fig.add_gridspec(3, 3, height_ratios=(1.15, 1, 1))
    a = fig.add_subplot(gs[0, :2] if zoom else gs[0, :])
    b = fig.add_subplot(gs[1, :], sharex=a)
    c = fig.add_subplot(gs[2, :], sharex=a)
    axes = np.array([a, b, c])
    for ax in axes[:2]:
        ax.tick_params(labelbottom=False)

    proxies = _mark_times(axes, times)
    lin_style = dict(color="C1", lw=4.5, alpha=0.4, solid_capstyle="butt")

    def losses(ax, sel=slice(None)):
        ax.plot(x[sel], ex["lin_train_loss"][sel], "--", label="linearisation, train", **lin_style)
        ax.plot(x[sel], ex["lin_test_loss"][sel], "-", label="linearisation, test", **lin_style)
        ax.plot(x[sel], hist.train_loss[sel], "--", color="C0", lw=1.4, label="network, train")
        ax.plot(x[sel], hist.test_loss[sel], "-", color="C0", lw=1.4, label="network, test")

    losses(a)
    if kernel_mse is not None:
        a.axhline(kernel_mse, color="k", lw=0.9, ls="-.", label="kernel regression $K_0$, test")
    a.set(yscale="log", ylabel="MSE", title=f"(a) {title}" if title else "(a) losses")
    a.legend(loc="lower left", ncol=1, handlelength=2.6)

    if zoom:
        z = fig.add_subplot(gs[0, 2])
        a.zoom = z
        t_end = times.get("leave", np.inf)
        t_end = t_end if np.isfinite(t_end) else x[-1]
        sel = x <= t_end * 1.0001
        sel[: min(len(sel), 3)] = True
        losses(z, sel)
        z.set(xscale="log", title="(a′) lazy phase, linear scale", xlim=(1, x[sel][-1]))
        z.xaxis.set_major_locator(plt.LogLocator(numticks=4))
        vals = np.concatenate([np.ravel(v[sel]) for v in (hist.train_loss, hist.test_loss,
                                                          ex["lin_train_loss"], ex["lin_test_loss"])])
        pad = 0.08 * (vals.max() - vals.min())
        z.set_ylim(vals.min() - pad, vals.max() + pad)
        z.set_xlabel("step + 1")

    b.set_prop_cycle(None)
    pos = x > 1                                                 # step 0: every change is zero
    b.plot(x[pos], ex["dist_train"][pos], "--", color="C3", label="distance to linearisation, train")
    b.plot(x[pos], ex["dist_test"][pos], "-", color="C3", label="distance to linearisation, test")
    b.plot(x[pos], ex["weight_change"][pos], "-", color="C2", label=r"weights $\|W-W_0\|/\|W_0\|$")
    b.plot(x[pos], ex["kernel_change"][pos], "-", color="C4", label=r"kernel $\|K-K_0\|_F/\|K_0\|_F$")
    b.axhline(leave, color="C3", lw=0.6, ls=":")
    vals = np.concatenate([np.ravel(ex[k][pos]) for k in ("dist_train", "dist_test", "weight_change", "kernel_change")])
    vals = vals[np.isfinite(vals) & (vals > 0)]
    b.set(yscale="log", ylabel="relative distance", title="(b) how far from the start",
          ylim=(max(vals.min(), 1e-4 * vals.max()) / 1.5, vals.max() * 300))
    b.legend(loc="upper left", ncol=2, fontsize=9.5)

    w = np.asarray(hist.weight_norm, dtype=float)
    al = np.asarray(ex["alignment"], dtype=float)
    c.plot(x, w / w[0], "-", color="C5", label=r"weight norm $\|W\|/\|W_0\|$ (left)")
    top_w = 1.45 * np.nanmax(w / w[0])
    c.set(xscale="log", ylabel=r"$\|W\|/\|W_0\|$", ylim=(0, top_w),
          xlabel="step + 1" if step_scale == 1 else "step (lr_scale = 1) + 1", title="(c) weights and kernel")
    c2 = c.twinx()                                             # the alignment has its own scale
    c2.spines["right"].set_visible(True)
    c2.plot(x, al / al[0], "-", color="C9", label=r"kernel–target alignment $\mathcal{A}_t/\mathcal{A}_0$ (right)")
    hi = 1 + 1.45 * (np.nanmax(al / al[0]) - 1) + 0.02
    f1 = 1 / top_w                                              # height of 1 on the left axis, as a fraction
    c2.set_ylim((1 - f1 * hi) / (1 - f1), hi)                   # ... and the same height on the right axis
    c.axhline(1, color="0.6", lw=0.8, zorder=0)
    c.annotate("start: 1 on both axes", (0, 1), xycoords=("axes fraction", "data"), xytext=(4, -3),
               textcoords="offset points", ha="left", va="top", color="0.45")
    c2.set_ylabel(r"$\mathcal{A}_t/\mathcal{A}_0$", color="C9")
    h1, l1 = c.get_legend_handles_labels()
    h2, l2 = c2.get_legend_handles_labels()
    c.legend(h1 + h2, l1 + l2, loc="upper left")
    fig.legend(handles=proxies, loc="outside lower center", ncol=max(1, len(proxies)), frameon=False, fontsize=9.5)
    return axes


def plot_lazy_rich_schematic(ax=None):
    """The idea of the paper's Fig 1(a), drawn: the functions a network can express form a curved
    surface (here a curve); around :math:`\\theta_0` its linearisation is the tangent line. Lazy training
    moves along the tangent (kernel regression with the initial NTK) and stops at the point that fits
    the training data seen through the initial features; rich training follows the curve and reaches the
    target. Returns the axis.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Default: a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        The axis (its frame off).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> ax = gk.viz.plot_lazy_rich_schematic()
    >>> ax.axison, any("lazy end point" in t.get_text() for t in ax.texts)
    (False, True)
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(TEXT_WIDTH * 0.72, 3.3), constrained_layout=True)
    s = np.linspace(-0.35, 1.12, 200)
    curve = np.stack([2.6 * s, 1.6 * s**2], 1)                 # the model's function space (schematic)
    ax.plot(curve[:, 0], curve[:, 1], color="0.25", lw=2)
    ax.text(curve[-1, 0] + 0.05, curve[-1, 1], "functions the\nnetwork can express", fontsize=8.5,
            va="center", color="0.25")
    t = np.linspace(-0.9, 3.6, 2)                               # tangent at theta_0 (s = 0)
    ax.plot(t, 0 * t, color="C1", lw=1.6, ls="--")
    ax.text(3.62, -0.02, "linearisation at $\\theta_0$\n(initial kernel $K_0$)", fontsize=8.5, va="center",
            color="C1")
    ax.plot(0, 0, "o", color="k", ms=6, zorder=5)
    ax.annotate("$f(\\theta_0)$", (0, 0), xytext=(-6, 8), textcoords="offset points", ha="right", fontsize=9)
    target = curve[np.searchsorted(s, 1.0)]
    ax.plot(*target, "*", color="C2", ms=14, zorder=5)
    ax.annotate("target $y$", target, xytext=(-10, 6), textcoords="offset points", ha="right", fontsize=9,
                color="C2")
    lazy_end = np.array([target[0], 0.0])
    ax.annotate("", lazy_end, (0.05, 0.0), arrowprops=dict(arrowstyle="-|>", color="C1", lw=2.2))
    ax.plot(*lazy_end, "s", color="C1", ms=7, zorder=5)
    ax.text(-0.2, -0.09, "lazy: the features stay fixed", fontsize=8.5, color="C1", ha="left", va="top")
    ax.annotate("lazy end point:\nkernel regression", lazy_end, xytext=(0, -10), textcoords="offset points",
                ha="center", va="top", fontsize=8.5, color="C1")
    ax.annotate("", target, (target[0] - 0.5, 1.6 * ((target[0] - 0.5) / 2.6) ** 2),
                arrowprops=dict(arrowstyle="-|>", color="C0", lw=2.2))
    path = curve[(s >= 0) & (s <= 0.85)]
    ax.plot(path[:, 0], path[:, 1] + 0.0, color="C0", lw=3.5, alpha=0.8)
    ax.text(1.05, 0.62, "rich: the features\nmove with the function", fontsize=8.5, color="C0", ha="right")
    ax.plot([target[0], target[0]], [0, target[1]], ":", color="0.5", lw=1)
    ax.text(target[0] + 0.06, target[1] / 2, "what the initial\nfeatures cannot\nexpress", fontsize=8, color="0.4",
            va="center")
    ax.set_xlim(-1.0, 5.6)
    ax.set_ylim(-0.6, 2.15)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


@validate_params(result=_keyed(_MODE_KEYS, "gklib.kernels.dynamics.mode_learning"))
def plot_mode_learning(result: dict, ax=None):
    """Fraction of each part of the target that kernel gradient descent with the initial NTK has not yet
    learned, against ``step + 1``: theory lines :math:`(1-2c\\lambda_k)^{2t}` and simulated points, with
    the time scales :math:`1/(2c\\lambda_k)` marked. ``result`` comes from
    :func:`gklib.kernels.dynamics.mode_learning`. Returns the axis.

    How to read it: each part is learned (its curve drops) near its time scale (dotted); the smaller the
    eigenvalue, the later — the traceless quadratic part last.

    Parameters
    ----------
    result : dict
        From :func:`gklib.kernels.dynamics.mode_learning`.
    ax : matplotlib.axes.Axes, optional
        Default: a new figure (legend below the axis).

    Returns
    -------
    matplotlib.axes.Axes
        Three theory lines and three sets of points.

    Raises
    ------
    InvalidParameterError
        ``result`` is not such a dict.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib.kernels.dynamics import mode_learning
    >>> ax = gk.viz.plot_mode_learning(mode_learning(D=4, P=40, n_test=40), ax=plt.figure().gca())
    >>> ax.get_ylabel(), len(ax.get_legend().get_texts())
    ('fraction not learned', 4)
    >>> plt.close("all")
    """
    own = ax is None
    ax = ax or plt.subplots(figsize=(TEXT_WIDTH * 0.8, 3.9), constrained_layout=True)[1]
    names = {"linear": ("linear part, $\\lambda=1/D$", "C0"),
             "norm": ("$|x|^2$ part, $\\lambda=\\epsilon^2(D+2)/D^2$", "C2"),
             "traceless": ("traceless quadratic part, $\\lambda=2\\epsilon^2/D^2$", "C1")}
    t = np.asarray(result["t_theory"])
    for key, (label, color) in names.items():
        ax.plot(t + 1, result["theory"][key], "-", color=color, lw=1.4, label=label)
        ax.plot(np.asarray(result["steps"]) + 1, result["measured"][key], "o", color=color, ms=4)
        tau = result["timescale"][key]
        if tau < t[-1]:
            ax.axvline(tau + 1, color=color, ls=":", lw=1)
    ax.plot([], [], "o", color="0.4", ms=4, label=f"simulated, P = {result['P']} points")
    ax.set(xscale="log", xlabel="step + 1", ylabel="fraction not learned", ylim=(-0.03, 1.08),
           title=f"kernel GD with $K_0$: D = {result['D']}, ε = {result['eps']:g}, lr_scale = {result['lr_scale']:g}")
    if own:   # below the axes: inside, every corner covers the points of some part
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    else:
        ax.legend(fontsize=8, loc="best", frameon=True)
    return ax


def _frac(v: float) -> str:
    """1/16, 1/4, 2.25, ...: a short label for a positive number."""
    if v < 1 and abs(1 / v - round(1 / v)) < 1e-9:
        return f"1/{round(1 / v)}"
    return f"{v:g}"


@validate_params(result=_keyed(_SWEEP_KEYS, "gklib.toy.equivalence.weight_scale_sweeps"), level=c.POSITIVE)
def plot_weight_scale_sweeps(result: dict, level: float = 0.1):
    """Paper Fig 6 (v3 Fig 7) from :func:`gklib.toy.equivalence.weight_scale_sweeps`: four panels in the
    house layout. (a)–(c) train (dashed) and test (solid) loss relative to its initial value against
    ``step + 1`` for the output-scale sweep (:math:`\\alpha=\\sigma^2`, :math:`\\sigma=1`), the weight-scale
    sweep (:math:`\\sigma`, :math:`\\alpha=1`) and the joint sweep (:math:`\\alpha=\\sigma^{-2}`), one colour
    per :math:`\\sigma`; (d) the steps at which the train (grey) and test (black) losses fall below
    ``level`` × their initial value, against :math:`\\sigma^2\\alpha`: α sweep filled circles, σ sweep
    large open squares (so that coinciding points stay visible), joint sweep triangles. Returns the axes.

    How to read it: in (d) the three sweeps fall on one curve of :math:`\\sigma^2\\alpha`: only the
    product sets the laziness.

    Parameters
    ----------
    result : dict
        From :func:`gklib.toy.equivalence.weight_scale_sweeps`.
    level : float, default 0.1
        > 0, the crossing level as a fraction of the initial loss.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes, shape (4,)

    Raises
    ------
    InvalidParameterError
        ``result`` is not such a dict, or ``level <= 0``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> from gklib.toy.equivalence import weight_scale_sweeps
    >>> from gklib.viz.story import plot_weight_scale_sweeps
    >>> task = gk.quadratic_task(D=4, P=20, P_test=20, seed=0)
    >>> res = weight_scale_sweeps(task, [0.5, 1.0], N=8, steps=20, lr_scale=0.05, progress_bar=False)
    >>> axes = plot_weight_scale_sweeps(res)
    >>> len(axes), axes[3].get_title()
    (4, '(d) when the losses fall')
    >>> plt.close("all")
    """
    from ..metrics import first_below
    from .style import panel_axes

    sig, hists, laz = result["sigma"], result["hist"], result["laziness"]
    colors = plt.get_cmap("viridis")(np.linspace(0, 0.85, len(sig)))
    axes = panel_axes(4, height=2.75)
    titles = {"alpha": r"(a) output scale $\alpha=\sigma^2$, weights $W_0$",
              "sigma": r"(b) weight scale: $\sigma W_0$, $\alpha=1$",
              "joint": r"(c) joint: $\sigma W_0$, $\alpha=\sigma^{-2}$"}
    lo = 1.0
    for ax, k in zip(axes, ("alpha", "sigma", "joint")):
        h = hists[k]
        x = np.asarray(h.steps) + 1
        for r, col in enumerate(colors):
            tr = h.train_loss[r] / h.train_loss[r, 0]
            te = h.test_loss[r] / h.test_loss[r, 0]
            lab = (rf"$\sigma^2\alpha$ = {_frac(laz[k][r])}" if k != "joint" else rf"$\sigma$ = {_frac(sig[r])}")
            ax.plot(x, te, "-", color=col, label=lab)
            ax.plot(x, tr, "--", color=col)
            lo = min(lo, np.nanmin(te), np.nanmin(tr))
        ax.axhline(level, color="0.6", lw=0.7, ls=":")
        ax.set(xscale="log", yscale="log", title=titles[k], xlabel="step + 1", ylabel="loss / initial loss")
    for ax in axes[:3]:
        ax.set_ylim(max(lo, 1e-6) / 2, 3)
    axes[0].legend(loc="lower left", title="solid: test, dashed: train", handlelength=1.6)
    axes[2].legend(loc="lower left", handlelength=1.6, title=r"all: $\sigma^2\alpha$ = 1")
    d = axes[3]
    marks = {"alpha": dict(marker="o", ms=5, mfc=None, ls="none"),
             "sigma": dict(marker="s", ms=11, mfc="none", ls="none", mew=1.3),
             "joint": dict(marker="^", ms=8, mfc="none", ls="none", mew=1.3)}
    for k in ("alpha", "sigma", "joint"):
        h = hists[k]
        for key, col in (("train_loss", "0.55"), ("test_loss", "k")):
            t = np.array([first_below(h.steps, getattr(h, key)[r], level, relative=True) for r in range(len(sig))])
            d.plot(laz[k], t + 1, color=col, mec=col, **marks[k])
    for k, name in (("alpha", r"$\alpha$ sweep"), ("sigma", r"$\sigma$ sweep"), ("joint", "joint sweep")):
        d.plot([], [], color="0.3", mec="0.3", label=name, **marks[k])
    d.plot([], [], "-", color="k", label=f"test loss ÷ {1 / level:g}")
    d.plot([], [], "-", color="0.55", label=f"train loss ÷ {1 / level:g}")
    d.set(xscale="log", yscale="log", xlabel=r"laziness $\sigma^2\alpha$", ylabel="step + 1",
          title="(d) when the losses fall")
    d.legend(loc="upper left", fontsize="small", handlelength=1.2)
    return axes
