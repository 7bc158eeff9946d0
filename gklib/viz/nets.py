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
  as a hollow circle, the median as a line, the range as a bar; runs that never crossed drawn as
  triangles in a band labelled "never" above the numeric axis;
- :func:`delay_figure` — a sweep read on its losses first: losses with the crossing level, accuracies, a
  tracked laziness series marked where the losses cross, and optionally the weight norm;
- :func:`run_slider_html` — a static slider with one run per frame: its losses, accuracies and laziness
  series, and its crossing times in the frame's title (what the whole-sweep figure does not spell out);
  :func:`~gklib.viz.sweeps.seed_slider_html` (in :mod:`gklib.viz.sweeps`) is its seed-sweep sibling;
- :func:`markdown_table` — a table that wraps to the text column in the built book;
- :func:`compare_runs_figure` — a few runs of a sweep side by side (a control experiment): losses with the
  crossing level and accuracies, crossings marked;
- :func:`condition_seed_figure` — a few conditions from several initialisations each, one column per
  condition: every initialisation's accuracies and a tracked series.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..history import History
from ..metrics import accuracy_crossings, first_crossing, generalisation_at_fit, spread, value_at_fit
from ..params import Array, Integer, Real, validate_params
from . import _checks as c
from .figures import PANEL_LIST, plot_sweep, step_axis
from .style import TEXT_WIDTH
from .sweeps import SEED_SWEEP, _colors, _crossing_text, _draw_losses, _loss_series, _loss_ylim, _seed_grid

_ACC_LEVEL = Real(0, 1)
_RUNS = c.Duck(list, what="a non-empty 1-D sequence of run indices", example=lambda: [0],
               test=lambda v: np.ndim(v) == 1 and len(v) > 0 and all(int(i) == i for i in v))

__all__ = ["sweep_figure", "laziness_figure", "plot_tracked", "seed_sweep_figure", "plot_seed_sweep",
           "delay_figure", "run_slider_html", "markdown_table", "compare_runs_figure",
           "condition_seed_figure"]


@validate_params(hist=c.HISTORY, labels=c.BY, panels=PANEL_LIST, title=c.TEXT, height=c.SIZE)
def sweep_figure(hist: History, labels, panels=("acc", "norm"), title: str = "", height: float = 2.9):
    """The panels of :func:`~gklib.viz.figures.plot_sweep` in one row of width
    :data:`~gklib.viz.style.TEXT_WIDTH`, one colour per run, the legend in one row below. Returns the axes.

    Parameters
    ----------
    hist : History
        A batched sweep.
    labels : str or sequence or None
        Labels of the runs (as ``by`` of :func:`~gklib.viz.figures.sweep_labels`).
    panels : sequence of {"loss", "acc", "norm", "change"}, default ("acc", "norm")
        One axis each.
    title : str, default ""
        The figure's title.
    height : float, default 2.9
        Of the figure, in inches (0 < height <= 100).

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        One per panel.

    Raises
    ------
    ValueError
        ``hist`` is a single run, or ``labels`` does not label its runs.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.9]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                extra={"d": np.array([[0.0, 0.1, 0.5, 0.6], [0.0, 0.05, 0.1, 0.2]])})
    >>> axes = gk.viz.sweep_figure(h, ["s = 1", "s = 2"])
    >>> len(axes), [t.get_text() for t in axes[0].figure.legends[0].get_texts()]
    (2, ['s = 1', 's = 2'])
    >>> plt.close("all")
    """
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


@validate_params(hist=c.HISTORY, labels=c.LABELS, key=c.TEXT, level=_ACC_LEVEL, ylabel=c.TEXT_OR_NONE, title=c.TEXT,
                 height=c.SIZE)
def laziness_figure(hist: History, labels, key: str, level: float = 0.9, ylabel: str | None = None,
                    title: str = "", height: float = 3.0):
    """Two panels at the column width: train (dashed) and test (solid) accuracy of every run, and the
    tracked series ``hist.extra[key]`` with :func:`plot_tracked`'s markers; one legend below. Returns the axes.

    How to read it: the gap between a run's circle and its star on the right is the time between fitting
    and generalising; the curve between them is what the features did meanwhile.

    Parameters
    ----------
    hist : History
        A batched sweep with accuracies and ``hist.extra[key]``.
    labels : sequence of str
        One label per run.
    key : str
        The tracked series (logged by :func:`gklib.nets.fit`'s ``track``).
    level : float, default 0.9
        The accuracy level in ``[0, 1]`` of the markers (dotted on the left).
    ylabel : str or None, default None
        The right panel's label (default ``key``).
    title : str, default ""
        The figure's title.
    height : float, default 3.0
        Of the figure, in inches.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The two axes.

    Raises
    ------
    ValueError
        ``hist.extra`` has no ``key``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.9]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                extra={"d": np.array([[0.0, 0.1, 0.5, 0.6], [0.0, 0.05, 0.1, 0.2]])})
    >>> axes = gk.viz.laziness_figure(h, ["a", "b"], "d", level=0.8)
    >>> axes[0].get_ylabel(), axes[1].get_ylabel()
    ('accuracy', 'd')
    >>> plt.close("all")
    """
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


@validate_params(hist=c.HISTORY, key=c.TEXT, labels=c.LABELS, level=_ACC_LEVEL, ylabel=c.TEXT_OR_NONE,
                 loss_level=Real(0, closed="neither", none_ok=True), relative=c.FLAG)
def plot_tracked(hist: History, key: str, labels, level: float = 0.9, ax=None, ylabel: str | None = None,
                 loss_level: float | None = None, relative: bool = True):
    """``hist.extra[key]`` of every run against ``step + 1``; a circle marks the step at which the run's
    train accuracy first reaches ``level``, a star the step at which its test accuracy does. With
    ``loss_level`` the markers sit where the train and the test *loss* first fall below that level instead
    (times the run's initial loss when ``relative``).

    Parameters
    ----------
    hist : History
        A batched sweep with accuracies and ``hist.extra[key]``, shape (R, T).
    key : str
        The tracked series.
    labels : sequence of str
        One label per run.
    level : float, default 0.9
        Accuracy level in ``[0, 1]``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    ylabel : str or None, default None
        The y label (default ``key``).
    loss_level : float or None, default None
        > 0: mark the loss crossings instead.
    relative : bool, default True
        ``loss_level`` is a fraction of the initial loss.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``: one line per run, its markers, two legend-only markers.

    Raises
    ------
    ValueError
        ``hist.extra`` has no ``key``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.9]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                extra={"d": np.array([[0.0, 0.1, 0.5, 0.6], [0.0, 0.05, 0.1, 0.2]])})
    >>> ax = gk.viz.plot_tracked(h, "d", ["a", "b"], level=0.8, ax=plt.figure().gca())
    >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    ['a', 'b', 'train 80%', 'test 80%']
    >>> plt.close("all")
    """
    ax = ax or plt.gca()
    if key not in hist.extra:
        raise ValueError(f"hist.extra has no {key!r}; log it with fit(..., track={{{key!r}: ...}})")
    v = np.atleast_2d(hist.extra[key])
    if loss_level is None:
        c = accuracy_crossings(hist, level)
        tr, te = np.atleast_1d(c["train"]), np.atleast_1d(c["test"])
        what = f"{level:.0%}"
    else:
        tr = np.atleast_1d(first_crossing(hist.steps, hist.train_loss, loss_level, relative=relative))
        te = np.atleast_1d(first_crossing(hist.steps, hist.test_loss, loss_level, relative=relative))
        what = "loss " + (f"÷{1 / loss_level:.3g}" if relative else f"< {loss_level:g}")
    x = step_axis(hist.steps)
    for i, col in enumerate(_colors(len(v))):
        ax.plot(x, v[i], color=col, label=labels[i])
        for t, mk, ms in ((tr[i], "o", 6), (te[i], "*", 11)):
            if np.isfinite(t):
                j = np.searchsorted(hist.steps, t)
                ax.plot(x[j], v[i, j], mk, color=col, ms=ms, mec="k", mew=0.6, zorder=3)
    ax.plot([], [], "o", color="w", mec="k", label=f"train {what}")
    ax.plot([], [], "*", color="w", mec="k", ms=10, label=f"test {what}")
    ax.set(xscale="log", xlabel="step + 1", ylabel=ylabel or key)
    return ax


@validate_params(values=Array(2, finite=False), alphas=Array(1), ylabel=c.TEXT, ceiling=Real(none_ok=True),
                 label=c.TEXT)
def plot_seed_sweep(values, alphas, ax=None, ylabel: str = "", ceiling: float | None = None, color="C0",
                    label: str = "median"):
    """A measure of a seed sweep against α: ``values`` is ``(n_seeds, n_alpha)``. Each seed is a hollow
    circle, the seeds of one α side by side, the median a line with squares, the min–max range a bar.
    Infinite values (never crossed within the run) are hollow triangles in a grey band above the data,
    cut off from the numeric axis by a thin line and labelled "never" instead of a number (the numeric
    ticks stop below the line); the median line and the bars stop at the line.

    Parameters
    ----------
    values : array_like, shape (n_seeds, n_alpha)
        The measure (``inf``: never crossed; NaN: not drawn).
    alphas : array_like, shape (n_alpha,)
        Positive α values (log axis).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    ylabel : str, default ""
        The y label.
    ceiling : float or None, default None
        Height of the "never" band's triangles, above every finite value (default: the band is 30 % as
        tall as the finite values' range, with margins).
    color : matplotlib colour, default "C0"
        Of everything drawn.
    label : str, default "median"
        Legend entry of the median line.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    ValueError
        ``values`` does not have one column per α, or ``ceiling`` is not above its finite values.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> v = np.array([[10.0, 20.0, np.inf], [12.0, 30.0, 50.0]])
    >>> ax = gk.viz.plot_seed_sweep(v, [0.5, 1.0, 2.0], ax=plt.figure().gca(), ylabel="delay")
    >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    ['median', 'never (within the run)']
    >>> [t.get_text() for t in ax.get_yticklabels()][-1], bool(ax.get_yticks()[-1] > 50)   # above the data
    ('never', True)
    >>> plt.close("all")
    """
    ax = ax or plt.gca()
    v = np.asarray(values, dtype=float)
    a = np.asarray(alphas, dtype=float)
    if v.ndim != 2 or v.shape[1] != a.size:
        raise ValueError(f"values must be (n_seeds, {a.size}), got {v.shape}")
    never, fin = np.isinf(v), v[np.isfinite(v)]
    s = spread(v)
    gaps = np.diff(np.log(np.unique(a)))
    half = min(0.15, 0.3 * gaps.min()) if gaps.size else 0.15      # seeds side by side, α columns apart
    jitter = np.linspace(-half, half, v.shape[0]) if v.shape[0] > 1 else np.zeros(1)
    brk = top = None
    if never.any():                                                # the "never" band above a thin line
        lo_f, hi_f = (fin.min(), fin.max()) if fin.size else (0.0, 1.0)
        span = hi_f - lo_f if hi_f > lo_f else max(0.1 * abs(hi_f), 1e-9)
        if ceiling is not None and ceiling <= hi_f:
            raise ValueError(f"ceiling must lie above the finite values (max {hi_f:g}), got {ceiling:g}")
        bottom, brk = lo_f - 0.07 * span, hi_f + 0.07 * span
        top = brk + 0.15 * (brk - bottom) if ceiling is None else ceiling   # the band: 30 % of the data's height
        brk = brk if ceiling is None else min(brk, (hi_f + top) / 2)
        ax.axhspan(brk, 2 * top - brk, color="0.92", lw=0, zorder=0)
        ax.axhline(brk, color="0.35", lw=0.8, zorder=1)
        ticks = [t for t in MaxNLocator(5).tick_values(bottom, brk) if bottom <= t < brk] if fin.size else []
        ax.set_yticks(ticks + [top], labels=[f"{t:g}" for t in ticks] + ["never"])
        ax.set_ylim(bottom, 2 * top - brk)
    for k in range(v.shape[0]):
        xk = a * np.exp(jitter[k])
        ok = np.isfinite(v[k])
        ax.plot(xk[ok], v[k, ok], "o", ms=4.5, color=color, mfc="none", mew=0.9, alpha=0.8)
        if never[k].any():
            ax.plot(xk[never[k]], np.full(never[k].sum(), top), "^", ms=5.5, color=color, mfc="none", mew=0.9)
    lo, hi = (np.where(np.isposinf(s[m]), np.nan if brk is None else brk, s[m]) for m in ("min", "max"))
    med = np.where(np.isfinite(s["median"]), s["median"], np.nan)
    ax.vlines(a, lo, hi, color=color, lw=1.2, alpha=0.8)
    ax.plot(a, med, "-s", color=color, ms=5, label=label)
    if never.any():
        ax.plot([], [], "^", color=color, mfc="none", label="never (within the run)")
    ax.set(xscale="log", xlabel=r"$\alpha$", ylabel=ylabel)
    ax.set_xticks(np.unique(a), labels=[f"{u:g}" for u in np.unique(a)])          # the α values themselves
    ax.minorticks_off()
    return ax


@validate_params(hist=SEED_SWEEP, level=_ACC_LEVEL, key=c.TEXT_OR_NONE, plateau=Real(none_ok=True), key_label=c.TEXT,
                 title=c.TEXT, train=c.FLAG)
def seed_sweep_figure(hist: History, level: float = 0.9, key: str | None = None, plateau: float | None = None,
                      key_label: str = "", title: str = "", train: bool = True):
    """A :func:`gklib.nets.seed_sweep` (``hist.params["seed"]``, ``hist.params["alpha"]``) in a 2 × 2 grid at the
    column width: (a) the test (solid) and, with ``train``, the train (dashed) accuracy of every run, one
    colour per α, with the key to both below the panels; (b) the delay between train and test accuracy
    reaching ``level``; (c) the test accuracy when the train accuracy first reaches ``level``
    (``plateau`` as a dotted line); (d) the tracked series ``hist.extra[key]`` at that step (omitted when
    ``key`` is None). (b)–(d): :func:`plot_seed_sweep` (hollow circles: runs, squares: medians, bars:
    ranges, triangles in the band labelled "never": runs that never crossed; no legend, so that nothing
    covers the data: say it in the text).
    Returns the axes ``(2, 2)``.

    Parameters
    ----------
    hist : History
        A seed sweep: runs ordered seed-major, ``params["seed"]`` and ``params["alpha"]`` per run,
        with accuracies.
    level : float, default 0.9
        Accuracy level in ``[0, 1]``.
    key : str or None, default None
        A tracked series for panel (d).
    plateau : float or None, default None
        A test accuracy drawn dotted in (a) and (c).
    key_label : str, default ""
        Name of ``key`` in the titles (default ``key``).
    title : str, default ""
        The figure's title.
    train : bool, default True
        Draw the train accuracies in (a).

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes, shape (2, 2)

    Raises
    ------
    ValueError
        ``hist`` is not ordered seed-major.
    InvalidParameterError
        ``hist`` has no ``seed``/``alpha`` params, or another argument breaks its constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> acc = np.array([[0.1, 0.95, 1.0], [0.1, 0.5, 0.95], [0.1, 0.92, 1.0], [0.1, 0.6, 0.97]])
    >>> h = gk.History(steps=np.array([0, 10, 100]), train_loss=1 - acc, test_loss=1 - acc ** 2,
    ...                weight_norm=np.ones((4, 3)), train_acc=acc, test_acc=acc ** 2,
    ...                params={"seed": np.array([0, 0, 1, 1]), "alpha": np.array([0.5, 2.0, 0.5, 2.0])})
    >>> axes = gk.viz.seed_sweep_figure(h, level=0.9)
    >>> axes.shape, axes[0, 0].get_title(), axes[1, 1].axison
    ((2, 2), '(a) every run (2 seeds)', False)
    >>> [t.get_text() for t in axes[0, 0].figure.legends[0].get_texts()]
    ['α = 0.5', 'α = 2', 'train accuracy (dashed)', 'test accuracy (solid)']
    >>> plt.close("all")
    """
    S, A, alphas = _seed_grid(hist)
    fig, axes = plt.subplots(2, 2, figsize=(TEXT_WIDTH, 5.9), layout="constrained")
    x = step_axis(hist.steps)
    cols = _colors(A)
    for i in range(hist.R):
        if train:
            axes[0, 0].plot(x, hist.train_acc[i], "--", color=cols[i % A], lw=0.8, alpha=0.6)
        axes[0, 0].plot(x, hist.test_acc[i], color=cols[i % A], lw=1.0, alpha=0.75)
    if plateau is not None:
        axes[0, 0].axhline(plateau, color="gray", lw=0.8, ls=":")
    axes[0, 0].set(xscale="log", xlabel="step + 1", ylabel="accuracy" if train else "test accuracy",
                   title=f"(a) every run ({S} seeds)")
    entries = [Line2D([], [], color=cols[j], lw=1.5, label=f"α = {alphas[j]:g}") for j in range(A)]
    entries += [Line2D([], [], color="0.25", lw=1.0, ls=ls, label=f"{what} accuracy ({how})")
                for ls, what, how in (("--", "train", "dashed"), ("-", "test", "solid")) if train or what == "test"]
    fig.legend(handles=entries, loc="outside lower center", title="(a): colour = α, line = train or test",
               ncol=len(entries) if len(entries) <= 6 else -(-len(entries) // 2),
               fontsize=8.5, title_fontsize=8.5)
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


@validate_params(hist=c.HISTORY, labels=c.LABELS, key=c.TEXT, loss_level=c.LEVEL, relative=c.FLAG,
                 acc_level=Real(0, 1, none_ok=True), key_label=c.TEXT, norm=c.FLAG, title=c.TEXT)
def delay_figure(hist: History, labels, key: str, loss_level: float, *, relative: bool = True,
                 acc_level: float | None = None, key_label: str = "feature-kernel change $d_t$",
                 norm: bool = True, title: str = ""):
    """A sweep read on its losses first, in a 2 × 2 grid at the column width: (a) train (dashed) and test
    (solid) loss of every run — divided by its initial value when ``relative`` — with the level
    ``loss_level`` dotted; (b) the accuracies (``acc_level`` dotted); (c) the tracked series
    ``hist.extra[key]`` with a circle where the train loss and a star where the test loss first cross the
    level (:func:`plot_tracked`); (d) the weight norm (``norm=False``: three panels). One legend below.
    Returns the axes.

    Parameters
    ----------
    hist : History
        A batched sweep with accuracies and ``hist.extra[key]``.
    labels : sequence of str
        One label per run.
    key : str
        The tracked series.
    loss_level : float
        > 0, the crossing level (a fraction of the initial loss when ``relative``).
    relative : bool, default True
        Losses divided by their initial value.
    acc_level : float or None, default None
        An accuracy in ``[0, 1]`` drawn dotted in (b).
    key_label : str, default "feature-kernel change $d_t$"
        Name of ``key``.
    norm : bool, default True
        Draw panel (d).
    title : str, default ""
        The figure's title.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        Four (three without ``norm``).

    Raises
    ------
    ValueError
        ``hist.extra`` has no ``key``, or ``hist`` is a single run.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.9]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                extra={"d": np.array([[0.0, 0.1, 0.5, 0.6], [0.0, 0.05, 0.1, 0.2]])})
    >>> axes = gk.viz.delay_figure(h, ["a", "b"], "d", 0.1, key_label="d")
    >>> [a.get_title() for a in axes]
    ['(a) loss / initial loss', '(b) accuracy', '(c) d', '(d) weight norm']
    >>> plt.close("all")
    """
    n = 4 if norm else 3
    fig, axes = plt.subplots(2, 2, figsize=(TEXT_WIDTH, 5.4), layout="constrained")
    axes = axes.ravel()
    if not norm:
        axes[3].set_axis_off()
    plot_sweep(hist, labels, panels=("loss",), ax=axes[0], normalize=relative)
    axes[0].axhline(loss_level, color="gray", lw=0.8, ls=":")
    axes[0].set_title("(a) loss" + (" / initial loss" if relative else ""))
    plot_sweep(hist, labels, panels=("acc",), ax=axes[1])
    if acc_level is not None:
        axes[1].axhline(acc_level, color="gray", lw=0.8, ls=":")
    axes[1].set_title("(b) accuracy")
    plot_tracked(hist, key, labels, ax=axes[2], ylabel=key_label, loss_level=loss_level, relative=relative)
    axes[2].set_title("(c) " + key_label.split("$")[0].strip() if "$" in key_label else "(c) " + key_label)
    if norm:
        plot_sweep(hist, labels, panels=("norm",), ax=axes[3])
        axes[3].set_title("(d) weight norm")
    for a in axes[:n]:
        if a.get_legend() is not None:
            a.get_legend().remove()
    handles, labs = axes[2].get_legend_handles_labels()
    fig.legend(handles, labs, loc="outside lower center", ncol=min(len(labs), 6 if len(labs) <= 6 else 4), fontsize=8.5,
               title="dashed: train, solid: test", title_fontsize=8)
    if title:
        fig.suptitle(title)
    return axes[:n]


@validate_params(hist=c.HISTORY, labels=c.LABELS, key=c.TEXT, loss_level=c.LEVEL, relative=c.FLAG,
                 acc_level=_ACC_LEVEL, key_label=c.TEXT, label=c.NON_EMPTY)
def run_slider_html(hist: History, labels, key: str, loss_level: float, *, relative: bool = True,
                    acc_level: float = 0.9, key_label: str = "$d_t$", label: str = "run"):
    """A static slider (:func:`~gklib.viz.slider.slider_figure`) with one run of a sweep per frame: left,
    its train (dashed) and test (solid) loss — relative to the initial loss when ``relative`` — with the
    level ``loss_level`` dotted and the crossings marked; right, its train and test accuracy and the tracked
    series ``hist.extra[key]`` (both between 0 and 1) on one axis. The frame's title gives the run's loss
    crossings, their ratio, and ``key`` at the loss fit. The other runs stay as faint grey context.
    Axis limits are the same in every frame. Returns a :class:`~gklib.viz.slider.StaticSlider`.

    Parameters
    ----------
    hist : History
        A batched sweep with accuracies and ``hist.extra[key]``.
    labels : sequence of str
        One label per run: the slider's values.
    key : str
        The tracked series.
    loss_level : float
        > 0, the crossing level (a fraction of the initial loss when ``relative``).
    relative : bool, default True
        Losses divided by their initial value.
    acc_level : float, default 0.9
        Accuracy level in ``[0, 1]`` of the delay summary.
    key_label : str, default "$d_t$"
        Name of ``key``.
    label : str, default "run"
        The slider's name.

    Returns
    -------
    StaticSlider
        One frame per run.

    Raises
    ------
    ValueError
        ``hist.extra`` has no ``key``, or ``labels`` does not hold one label per run.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.9]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                extra={"d": np.array([[0.0, 0.1, 0.5, 0.6], [0.0, 0.05, 0.1, 0.2]])})
    >>> s = gk.viz.run_slider_html(h, ["a", "b"], "d", 0.1)
    >>> len(s.frames), s.labels, 'data-gk-slider="run"' in s.html
    (2, ['a', 'b'], True)
    """
    from .slider import slider_figure

    if key not in hist.extra:
        raise ValueError(f"hist.extra has no {key!r}; log it with fit(..., track={{{key!r}: ...}})")
    if len(labels) != hist.R:
        raise ValueError(f"labels must hold one label per run ({hist.R}), got {len(labels)}")
    from ..nets.experiments import delay_summary

    ds = delay_summary(hist, loss_level, relative=relative, acc_level=acc_level, key=key)
    x = step_axis(hist.steps)
    v = np.atleast_2d(hist.extra[key])
    ylim = _loss_ylim(hist, range(hist.R), relative)
    cols = _colors(hist.R)

    def draw(i, axes):
        a, b = axes
        for k in range(hist.R):
            if k != i:
                a.plot(x, _loss_series(hist, k, relative)[1], color="0.8", lw=0.8)
        _draw_losses(a, hist, i, relative, loss_level, ds["loss_train"][i], ds["loss_test"][i], cols[i],
                     labels=("train loss", "test loss"))
        a.legend(fontsize=8, loc="lower left")
        b.plot(x, hist.train_acc[i], "--", color=cols[i], label="train accuracy")
        b.plot(x, hist.test_acc[i], "-", color=cols[i], label="test accuracy")
        b.plot(x, v[i], "-", color="C3", lw=1.8, label=key_label)
        b.set(xscale="log", xlabel="step + 1", ylabel="accuracy and " + key_label)
        b.legend(fontsize=8, loc="upper left")
        a.figure.suptitle(f"{labels[i]}: " + _crossing_text(ds["loss_train"][i], ds["loss_test"][i],
                                                            ds["loss_ratio"][i], key_label, ds["key_at_fit"][i]),
                          fontsize=10)

    return slider_figure(draw, labels, label=label, fmt="{}", sep=": ", panels=2, height=3.0,
                         limits=[{"ylim": ylim}, {"ylim": (-0.03, 1.03)}],
                         title="one run of the sweep per frame")


class _Table:
    """A table with two renderings: Markdown (``data``) and HTML (preferred by the built book, where it wraps
    to the text column)."""

    def __init__(self, header, rows):
        self.header, self.rows = header, rows
        self.data = "\n".join(["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
                              + ["| " + " | ".join(r) + " |" for r in rows])

    @staticmethod
    def _html_cell(text):
        import html
        import re

        def math(m):
            t = m.group(1).replace("\\rm ", "").replace("\\", "")
            t = re.sub(r"_\{([^}]*)\}", r"<sub>\1</sub>", t)
            return re.sub(r"_(\w)", r"<sub>\1</sub>", t)

        parts = re.split(r"(\$[^$]*\$)", text)
        return "".join(math(re.match(r"\$([^$]*)\$", q)) if q.startswith("$") and q.endswith("$") and len(q) > 1
                       else html.escape(q) for q in parts)

    def _repr_markdown_(self):
        return self.data

    def _repr_html_(self):
        head = "".join(f"<th>{self._html_cell(h)}</th>" for h in self.header)
        body = "".join("<tr>" + "".join(f"<td>{self._html_cell(c)}</td>" for c in r) + "</tr>" for r in self.rows)
        return ('<table class="gk-table" style="width:100%;table-layout:auto;font-size:0.85em;'
                f'border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')

    def __repr__(self):
        return self.data


@validate_params(header=c.LABELS, rows=c.Duck(list, what="a sequence of rows (sequences of numbers or strings)",
                                               example=lambda: [["x"]], test=lambda v: not isinstance(v, (str, dict))
                                               and all(not isinstance(r, (str, dict)) and len(r) >= 0 for r in v)),
                 fmt=c.FORMAT)
def markdown_table(header, rows, fmt: str = "{:.3g}"):
    """``rows`` (sequences of numbers or strings) under ``header`` as a table that wraps to the text column of
    the built book instead of scrolling: displayed as HTML (math such as ``$d_t$`` in a cell becomes
    sub-scripted text), its Markdown source in ``.data``. Whole numbers (step counts) are written out in
    full, other numbers formatted with ``fmt``; ``inf`` is shown as "never", NaN as "—".

    Parameters
    ----------
    header : sequence of str
        The column names (at least one).
    rows : sequence of sequences
        The rows, each with one cell per column.
    fmt : str, default "{:.3g}"
        Formats the numbers.

    Returns
    -------
    object
        Displays as an HTML table (``_repr_html_``); ``.data`` and ``repr`` give the Markdown.

    Raises
    ------
    ValueError
        An empty header, or a row of the wrong length.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> from gklib.viz import markdown_table
    >>> t = markdown_table(["α", "$t_{te}$", "ratio"], [[0.5, 1709.0, 1234.5], [2, float("inf"), 0.125]])
    >>> print(t.data)
    | α | $t_{te}$ | ratio |
    |---|---|---|
    | 0.5 | 1709 | 1.23e+03 |
    | 2 | never | 0.125 |
    >>> "<sub>te</sub>" in t._repr_html_()
    True
    """
    header = [str(h) for h in header]
    if not header:
        raise ValueError("header must name at least one column")

    def cell(v):
        if isinstance(v, str):
            return v
        v = float(v)
        if np.isnan(v):
            return "—"
        if np.isinf(v):
            return "never"
        return f"{v:.0f}" if v == round(v) and abs(v) < 1e9 else fmt.format(v)

    out = []
    for r in rows:
        r = list(r)
        if len(r) != len(header):
            raise ValueError(f"every row must have {len(header)} cells, got {len(r)}")
        out.append([cell(v) for v in r])
    return _Table(header, out)


@validate_params(hist=c.HISTORY, runs=_RUNS, labels=c.LABELS, loss_level=c.LEVEL, relative=c.FLAG,
                 acc_level=Real(0, 1, none_ok=True), title=c.TEXT)
def compare_runs_figure(hist: History, runs, labels, loss_level: float, *, relative: bool = False,
                        acc_level: float | None = None, title: str = ""):
    """Runs ``runs`` (indices) of a sweep in two panels at the column width: train (dashed) and test (solid)
    loss with the level ``loss_level`` dotted (relative to the initial loss when ``relative``), and the
    accuracies (``acc_level`` dotted); a star where each test loss first crosses the level. One colour per
    run, ``labels`` one per selected run; legend below. Returns the two axes.

    Parameters
    ----------
    hist : History
        A batched sweep with accuracies.
    runs : sequence of int
        Indices of the runs to show.
    labels : sequence of str
        One per selected run.
    loss_level : float
        > 0, the crossing level.
    relative : bool, default False
        Losses divided by their initial value.
    acc_level : float or None, default None
        An accuracy in ``[0, 1]`` drawn dotted.
    title : str, default ""
        The figure's title.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes
        The loss and the accuracy axes.

    Raises
    ------
    ValueError
        A run index outside the sweep, or not one label per selected run.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.9]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                extra={"d": np.array([[0.0, 0.1, 0.5, 0.6], [0.0, 0.05, 0.1, 0.2]])})
    >>> axes = gk.viz.compare_runs_figure(h, [0, 1], ["fast", "slow"], 0.1)
    >>> [t.get_text() for t in axes[0].figure.legends[0].get_texts()], axes[1].get_ylabel()
    (['fast', 'slow'], 'accuracy')
    >>> plt.close("all")
    """
    runs = [int(r) for r in runs]
    if not runs or any(r < 0 or r >= hist.R for r in runs):
        raise ValueError(f"runs must be indices of the sweep's {hist.R} runs, got {runs}")
    if len(labels) != len(runs):
        raise ValueError(f"labels must hold one label per selected run ({len(runs)}), got {len(labels)}")
    fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 3.0), layout="constrained")
    x = step_axis(hist.steps)
    cols = [f"C{k}" for k in range(len(runs))]
    for r, lab, col in zip(runs, labels, cols):
        tr, te = _loss_series(hist, r, relative)
        axes[0].plot(x, tr, "--", color=col)
        axes[0].plot(x, te, "-", color=col, label=lab)
        t = first_crossing(hist.steps, te, loss_level)
        if np.isfinite(t):
            axes[0].plot(t + 1, loss_level, "*", color=col, mec="k", ms=10, zorder=3)
        axes[1].plot(x, hist.train_acc[r], "--", color=col)
        axes[1].plot(x, hist.test_acc[r], "-", color=col)
    axes[0].axhline(loss_level, color="gray", lw=0.8, ls=":")
    axes[0].set(xscale="log", yscale="log", xlabel="step + 1", ylabel="loss / initial loss" if relative else "loss")
    if acc_level is not None:
        axes[1].axhline(acc_level, color="gray", lw=0.8, ls=":")
    axes[1].set(xscale="log", xlabel="step + 1", ylabel="accuracy")
    handles, labs = axes[0].get_legend_handles_labels()
    fig.legend(handles, labs, loc="outside lower center", ncol=len(labs), title="dashed: train, solid: test",
               title_fontsize=8)
    if title:
        fig.suptitle(title)
    return axes


@validate_params(hist=c.HISTORY, labels=c.LABELS, n_seeds=Integer(1), fit_level=_ACC_LEVEL, test_level=_ACC_LEVEL,
                 key=c.TEXT_OR_NONE, plateau=Real(0, 1, none_ok=True), key_label=c.TEXT, title=c.TEXT)
def condition_seed_figure(hist: History, labels, n_seeds: int, *, fit_level: float = 0.99,
                          test_level: float = 0.9, key: str | None = None, plateau: float | None = None,
                          key_label: str = "$d_t$", title: str = ""):
    """Runs of several conditions (e.g. (α, λ) pairs) from ``n_seeds`` initialisations each, one column
    per condition at the column width.

    Top row: train (dashed) and test (solid) accuracy of every initialisation, one colour per
    initialisation, a circle where the train accuracy first reaches ``fit_level`` (the fit) and a star
    where the test accuracy first reaches ``test_level`` (generalisation); ``plateau`` dotted. Bottom row
    (when ``key`` is given): the tracked series ``hist.extra[key]`` of the same runs, e.g. the
    feature-kernel change :math:`d_t`. Read a condition's grokking as the gap between its circles and
    stars, and its laziness from the bottom panel at the circle.

    Parameters
    ----------
    hist : History
        ``C·n_seeds`` runs; run ``i·C + j`` is initialisation ``i`` of condition ``j`` (``C = len(labels)``),
        as a list of modules × conditions passed to :func:`gklib.nets.fit`. Needs accuracies.
    labels : sequence of str
        One title per condition.
    n_seeds : int
        Initialisations per condition, >= 1.
    fit_level, test_level : float, defaults 0.99 and 0.9
        Accuracy levels in [0, 1] of the circle (train) and the star (test).
    key : str or None, default None
        A key of ``hist.extra`` for the bottom row; None: no bottom row.
    plateau : float or None, default None
        An accuracy in [0, 1] drawn dotted (e.g. the memorisation plateau).
    key_label, title : str
        The bottom row's y label and the figure's title.

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes, shape (rows, C)
        The axes.

    Raises
    ------
    InvalidParameterError
        Arguments outside their constraints.
    ValueError
        ``C·n_seeds`` is not the number of runs.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, matplotlib.pyplot as plt
    >>> from gklib import History
    >>> from gklib.viz import condition_seed_figure
    >>> acc = np.tile([0.1, 0.5, 1.0, 1.0], (4, 1))
    >>> h = History(steps=np.arange(4.0), train_loss=np.ones((4, 4)), test_loss=np.ones((4, 4)),
    ...             weight_norm=np.ones((4, 4)), train_acc=acc, test_acc=acc, extra={"d": acc / 10})
    >>> axes = condition_seed_figure(h, ["λ = 1", "λ = 5"], 2, key="d")
    >>> axes.shape, [ax.get_title() for ax in axes[0]]
    ((2, 2), ['λ = 1', 'λ = 5'])
    >>> len(axes[0, 0].lines)              # 2 seeds × (train, test, circle, star)
    8
    >>> plt.close("all")
    """
    C = len(labels)
    if n_seeds < 1 or hist.R != C * n_seeds:
        raise ValueError(f"n_seeds × len(labels) must be the number of runs {hist.R}; got {n_seeds} × {C}")
    rows = 1 if key is None else 2
    fig, axes = plt.subplots(rows, C, figsize=(TEXT_WIDTH, 2.5 * rows + 0.4), layout="constrained",
                             sharex=True, sharey="row", squeeze=False)
    x = step_axis(hist.steps)
    t_fit = first_crossing(hist.steps, hist.train_acc, fit_level, above=True)
    t_gen = first_crossing(hist.steps, hist.test_acc, test_level, above=True)
    cols = _colors(n_seeds, "plasma")
    for j, lab in enumerate(labels):
        ax = axes[0, j]
        for s in range(n_seeds):
            i = s * C + j
            ax.plot(x, hist.train_acc[i], "--", color=cols[s], lw=0.8)
            ax.plot(x, hist.test_acc[i], color=cols[s], lw=1.0)
            for t, v, mk in ((t_fit[i], hist.train_acc[i], "o"), (t_gen[i], hist.test_acc[i], "*")):
                if np.isfinite(t):
                    k = int(np.searchsorted(hist.steps, t))
                    ax.plot(x[k], v[k], mk, color=cols[s], ms=6 if mk == "*" else 4.5, mfc="none" if mk == "o"
                            else cols[s])
            if rows == 2:
                axes[1, j].plot(x, hist.extra[key][i], color=cols[s], lw=1.0)
        if plateau is not None:
            ax.axhline(plateau, color="gray", lw=0.8, ls=":")
        ax.set(xscale="log", title=lab)
        axes[-1, j].set_xlabel("step + 1")
    axes[0, 0].set_ylabel("accuracy")
    if rows == 2:
        axes[1, 0].set_ylabel(key_label)
    handles = [Line2D([], [], color=cols[s], lw=1.2, label=f"initialisation {s + 1}") for s in range(n_seeds)]
    handles += [Line2D([], [], color="0.3", ls="--", lw=0.8, label="train accuracy"),
            Line2D([], [], color="0.3", lw=1.0, label="test accuracy"),
            Line2D([], [], color="0.3", marker="o", mfc="none", ls="", label=f"fit (train {fit_level:.0%})"),
            Line2D([], [], color="0.3", marker="*", ls="", label=f"test {test_level:.0%}")]
    if plateau is not None:
        handles.append(Line2D([], [], color="gray", lw=0.8, ls=":", label="plateau"))
    fig.legend(handles=handles, loc="outside lower center", ncol=-(-len(handles) // 2), fontsize=8.5)
    if title:
        fig.suptitle(title)
    return axes
