"""The course's figures, in one house style: log step axes (grokking spans decades), one colour per run.

- losses and sweeps: :func:`plot_losses`, :func:`plot_sweep` (any batched :class:`~gklib.History`:
  losses, accuracies, weight norm), :func:`plot_weight_norm`, :func:`plot_grokking` (paper Fig 1 layout);
- the committee machine: :func:`plot_decomposition`, :func:`draw_toy_panels`, :func:`plot_phase_diagram`;
- laziness (chapter 1): :func:`plot_vs_linear`, :func:`plot_powerlaw`;
- kernels (chapter 2): :func:`plot_spectrum`, :func:`plot_eps_panel` (in :mod:`gklib.viz.kernel_figures`,
  re-exported here); :func:`panel_axes` is the house layout of :mod:`gklib.viz.style`, re-exported too.

:func:`plot_losses` is the one train/test-loss plotter: the other figures and sliders draw their loss curves
with it.

Static sliders for the HTML book are in :mod:`gklib.viz.slider`, live explorers in
:mod:`gklib.viz.explorers`, the DMFT chapter's figures in :mod:`gklib.viz.dmft`.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..history import History
from ..metrics import loglog_slope
from ..params import Array, Instance, Real, validate_params
from ..toy.experiments import PhaseDiagram
from . import _checks as c
from .kernel_figures import plot_eps_panel, plot_spectrum
from .style import TEXT_WIDTH, panel_axes, param_label

__all__ = ["step_axis", "loss_range", "plot_losses", "panel_axes", "sweep_labels", "plot_sweep", "plot_weight_norm", "plot_grokking",
           "plot_decomposition", "draw_toy_panels", "draw_vs_linear", "plot_vs_linear", "plot_powerlaw", "plot_phase_diagram",
           "plot_spectrum", "plot_eps_panel", "plot_sweep_split"]


@validate_params(steps=Array())
def step_axis(steps):
    """Steps shifted by one so that step 0 shows on a log axis: the abscissa ``step + 1`` of every figure.

    Parameters
    ----------
    steps : array_like, any shape
        Logged steps (finite numbers, e.g. ``History.steps``).

    Returns
    -------
    numpy.ndarray, same shape
        ``steps + 1``.

    Raises
    ------
    InvalidParameterError
        ``steps`` is not an array of finite numbers.

    Examples
    --------
    >>> from gklib.viz import step_axis
    >>> step_axis([0, 9, 99]).tolist()
    [1, 10, 100]
    """
    return np.asarray(steps) + 1


@validate_params(hist=c.HISTORY, floor=Real(0, 1))
def loss_range(hist: History, floor: float = 0.0):
    """A log-axis range holding every positive finite train/test loss of ``hist`` (all runs), with
    a factor-2 margin; the lower end is at least ``floor`` times the largest loss. The sliders fix their
    loss axes to it, so that every frame compares like with like.

    Parameters
    ----------
    hist : History
        A single-run or batched history (needs at least one positive finite loss).
    floor : float, default 0.0
        In ``[0, 1]``: the lowest lower end, as a fraction of the largest loss (0: no floor).

    Returns
    -------
    tuple of float
        ``(low, high)``: ``max(smallest / 2, floor * largest)`` and ``2 * largest``.

    Raises
    ------
    InvalidParameterError
        ``hist`` is not a History, or ``floor`` is outside ``[0, 1]``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([1.0, 0.1, 0.01, 0.001]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]), weight_norm=np.array([1.0, 1.1, 1.3, 1.6]))
    >>> tuple(float(v) for v in gk.viz.loss_range(h))
    (0.0005, 2.0)
    >>> tuple(float(v) for v in gk.viz.loss_range(h, floor=0.01))
    (0.01, 2.0)
    """
    allv = np.concatenate([np.ravel(hist.train_loss), np.ravel(hist.test_loss)])
    allv = allv[np.isfinite(allv) & (allv > 0)]
    return max(allv.min() / 2, floor * allv.max()), allv.max() * 2


@validate_params(hist=c.CURVES, label=c.TEXT, train=c.FLAG, test=c.FLAG, normalize=c.FLAG,
                 x=Array(1, none_ok=True), train_kw=c.KEYWORDS, test_kw=c.KEYWORDS, test_first=c.FLAG, setup=c.FLAG)
def plot_losses(hist, ax=None, label: str = "", train: bool = True, test: bool = True, color=None,
                normalize: bool = False, *, x=None, train_kw: dict | None = None, test_kw: dict | None = None,
                test_first: bool = False, setup: bool = True, **kw):
    """Train (dashed) and test (solid) loss of a single-run history against ``step + 1`` (log-log).

    ``normalize=True`` divides each curve by its initial value (as in the paper's Fig 3). The curves are
    labelled "``label`` train" / "``label`` test" and share ``color`` (default: the next colour of the
    cycle, taken by the first curve). The course's one loss plotter; for the other figures:

    - ``hist``: anything with ``train_loss`` and ``test_loss`` (a :class:`~gklib.History`, a DMFT result);
    - ``x``: the abscissa (default ``step + 1`` of ``hist.steps``; a DMFT result passes its times ``t``);
    - ``train_kw``, ``test_kw``: ``plot`` keywords of one curve over ``kw`` (``ls``, ``lw``, ``color``,
      ``label``: ``None`` keeps it out of the legend);
    - ``test_first``: draw the test curve first (under the train curve);
    - ``setup=False`` leaves the axis scales and labels alone.

    How to read it: grokking is the solid curve falling long after the dashed one, both on the log step axis.

    Parameters
    ----------
    hist : History or object with train_loss and test_loss
        One run: series of shape ``(T,)`` (a DMFT result also passes ``x``).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    label : str, default ""
        Prefix of the legend entries.
    train, test : bool, default True
        Draw the train / the test curve.
    color : matplotlib colour, optional
        Of both curves (default: the next colour of the cycle).
    normalize : bool, default False
        Divide each curve by its first value.
    x : array_like, shape (T,), optional
        The abscissa (default ``step + 1``).
    train_kw, test_kw : dict, optional
        ``Axes.plot`` keywords of one curve, over ``kw``.
    test_first : bool, default False
        Draw the test curve first.
    setup : bool, default True
        Set log scales and the axis labels.
    **kw : keyword arguments
        Further ``Axes.plot`` keywords for both curves.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with two new lines (one if ``train`` or ``test`` is off).

    Raises
    ------
    InvalidParameterError
        ``hist`` has no ``train_loss``/``test_loss`` (e.g. ``None``), or another argument breaks its
        declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([1.0, 0.1, 0.01, 0.001]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]), weight_norm=np.array([1.0, 1.1, 1.3, 1.6]))
    >>> ax = gk.plot_losses(h, plt.figure().gca(), label="run")
    >>> [line.get_label() for line in ax.get_lines()], [line.get_linestyle() for line in ax.get_lines()]
    (['run train', 'run test'], ['--', '-'])
    >>> ax.get_xscale(), ax.get_ylabel()
    ('log', 'MSE')
    >>> ax.get_lines()[0].get_xdata().tolist()        # step + 1
    [1, 2, 3, 4]
    >>> plt.close("all")
    """
    ax = ax or plt.gca()
    x = step_axis(hist.steps) if x is None else x
    curves = {"train": (train, "train_loss", {"ls": "--", **(train_kw or {})}),
              "test": (test, "test_loss", {"ls": "-", **(test_kw or {})})}
    for key in ("test", "train") if test_first else ("train", "test"):
        on, name, own = curves[key]
        if not on:
            continue
        y = np.asarray(getattr(hist, name), dtype=float)
        if normalize:
            y = y / y[0]
        line, = ax.plot(x, y, **{"color": color, "label": f"{label} {key}".strip(), **kw, **own})
        color = line.get_color() if color is None else color
    if setup:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("step + 1")
        ax.set_ylabel("loss / initial loss" if normalize else "MSE")
    return ax


PANELS = {"loss": ("train_loss", "test_loss"), "acc": ("train_acc", "test_acc"), "norm": ("weight_norm", None),
          "change": ("rel_change", None)}


@validate_params(hist=c.HISTORY, by=c.BY, fmt=c.FORMAT)
def sweep_labels(hist: History, by=None, fmt: str = "{:.3g}") -> list:
    """One label per run of ``hist``: from a ``params`` key (``"alpha"`` → "α = 0.5") or given labels/values.

    Parameters
    ----------
    hist : History
        A batched history with ``R`` runs.
    by : str or sequence or None, default None
        A key of ``hist.params`` (its displayed name, :func:`~gklib.viz.style.param_label`, and the
        value), ``R`` labels or numbers, or ``None`` ("run 0", "run 1", ...).
    fmt : str, default "{:.3g}"
        Formats the numbers.

    Returns
    -------
    list of str
        ``R`` labels.

    Raises
    ------
    ValueError
        ``by`` is not a key of ``hist.params``, or does not hold ``R`` labels.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> gk.viz.sweep_labels(h, "alpha")
    ['α = 0.5', 'α = 2']
    >>> gk.viz.sweep_labels(h), gk.viz.sweep_labels(h, [1, "b"])
    (['run 0', 'run 1'], ['1', 'b'])
    """
    if by is None:
        return [f"run {i}" for i in range(hist.R)]
    if isinstance(by, str):
        if by not in hist.params:
            raise ValueError(f"by must be one of {sorted(hist.params)} or one label per run, got {by!r}")
        return [f"{param_label(by)} = {fmt.format(v)}" for v in np.atleast_1d(hist.params[by])]
    labels = [fmt.format(v) if isinstance(v, (int, float, np.number)) else str(v) for v in by]
    if len(labels) != hist.R:
        raise ValueError(f"by has {len(labels)} labels but the history has {hist.R} runs")
    return labels


PANEL_LIST = c.Duck(tuple, what=f"a non-empty sequence of {sorted(PANELS)}", example=lambda: ("loss",),
                    test=lambda v: isinstance(v, (list, tuple)) and 0 < len(v) and all(p in PANELS for p in v))
"""The declared constraint of a ``panels`` argument (:func:`plot_sweep`)."""

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
    cb.set_label(param_label(name))
    if two:
        axes[0].plot([], [], "k--", lw=1.2, label="train")
        axes[0].plot([], [], "k-", lw=1.2, label="test")
        axes[0].legend(fontsize=8)


@validate_params(hist=c.HISTORY, by=c.BY, panels=PANEL_LIST, highlight=c.INDEX, train=c.FLAG, test=c.FLAG,
                 normalize=c.FLAG, cmap=c.CMAP, fmt=c.FORMAT,
                 title=c.TEXT)
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

    How to read it: one colour per run (the legend or colour bar says which value); in the loss and
    accuracy panels the dashed curve is the training set, the solid one the test set.

    Parameters
    ----------
    hist : History
        A batched history (``R`` runs).
    by : str or sequence or None, default None
        Labels of the runs (:func:`sweep_labels`).
    panels : sequence of {"loss", "acc", "norm", "change"}, default ("loss",)
        One axis each; ``"acc"`` needs accuracies, ``"change"`` ``hist.extra["rel_change"]``.
    ax : matplotlib.axes.Axes, optional
        The axis of a one-panel figure.
    axes : sequence of matplotlib.axes.Axes, optional
        One axis per panel (default: new ones, :func:`~gklib.viz.style.panel_axes`).
    highlight : int or None, default None
        Index of the run drawn bold (the others faded).
    train, test : bool, default True
        Draw the train / test curves of the two-curve panels.
    normalize : bool, default False
        Divide each loss curve by its first value.
    cmap : str, default "viridis"
        The colour map of the runs.
    fmt : str, default "{:.3g}"
        Formats numeric labels.
    title : str, default ""
        The figure's title.

    Returns
    -------
    matplotlib.axes.Axes or numpy.ndarray of Axes
        The axis (one panel) or the axes (several).

    Raises
    ------
    ValueError
        ``hist`` is a single run, or ``by`` does not label its runs.
    InvalidParameterError
        An argument breaks its declared constraint (an unknown panel, ``hist=None``, ...).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> axes = gk.plot_sweep(h, "alpha", panels=("loss", "acc"))
    >>> len(axes), len(axes[0].get_lines()), axes[1].get_ylabel()
    (2, 4, 'accuracy')
    >>> [t.get_text() for t in axes[0].get_legend().get_texts()]
    ['α = 0.5', 'α = 2']
    >>> plt.close("all")
    """
    if not hist.batched:
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
        axes[0].legend(fontsize=8, title="dashed: train, solid: test" if two else None, title_fontsize=8)
    if title:
        axes[0].figure.suptitle(title)
    return axes[0] if len(panels) == 1 else axes


@validate_params(hist=c.HISTORY, by=c.BY, normalize=c.FLAG, cmap=c.CMAP, fmt=c.FORMAT, floor=Real(0, 1))
def plot_sweep_split(hist: History, by=None, *, axes=None, normalize: bool = True, cmap: str = "viridis",
                     fmt: str = "{:.3g}", floor: float = 1e-6):
    """A loss sweep on two panels, train (left, dashed) and test (right, solid), each with its own
    vertical range: the training losses fall much further than the test losses, and on one axis
    they would squeeze the test curves into a decade. The train panel's axis stops at ``floor``
    (× the largest value), the test panel's fits its curves. Colours as :func:`plot_sweep` (one
    colour bar for both panels when there are many runs). Returns the two axes.

    Parameters
    ----------
    hist : History
        A batched history.
    by : str or sequence or None, default None
        Labels of the runs (:func:`sweep_labels`).
    axes : pair of matplotlib.axes.Axes, optional
        Train and test axes (default: new ones).
    normalize : bool, default True
        Divide each curve by its first value.
    cmap : str, default "viridis"
        The colour map of the runs.
    fmt : str, default "{:.3g}"
        Formats numeric labels.
    floor : float, default 1e-6
        In ``[0, 1]``: the train panel's lowest value, as a fraction of its largest.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        ``(train axis, test axis)``.

    Raises
    ------
    ValueError
        ``hist`` is a single run.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> a_tr, a_te = gk.viz.plot_sweep_split(h, "alpha")
    >>> a_tr.get_title(), a_te.get_title(), len(a_te.get_lines())
    ('train (dashed)', 'test (solid)', 2)
    >>> plt.close("all")
    """
    if not hist.batched:
        raise ValueError("hist must be a batched History (a sweep)")
    labels = sweep_labels(hist, by, fmt)
    a_tr, a_te = panel_axes(2) if axes is None else axes
    colors = plt.get_cmap(cmap)(np.linspace(0, 0.9, hist.R))
    x = step_axis(hist.steps)
    for a, name, ls in ((a_tr, "train_loss", "--"), (a_te, "test_loss", "-")):
        y = np.asarray(getattr(hist, name), dtype=float)
        y = y / y[:, :1] if normalize else y
        for i in range(hist.R):
            a.plot(x, y[i], ls, color=colors[i], label=labels[i])
        pos = y[np.isfinite(y) & (y > 0)]
        a.set(xscale="log", yscale="log", xlabel="step + 1",
              ylim=(max(pos.min() / 2, floor * pos.max()), 2 * pos.max()))
    a_tr.set_ylabel("loss / initial loss" if normalize else "MSE")
    a_tr.set_title("train (dashed)")
    a_te.set_title("test (solid)")
    values = np.atleast_1d(hist.params.get(by, [])) if isinstance(by, str) else np.array([])
    if hist.R > MAX_LEGEND_RUNS and values.size == hist.R and np.issubdtype(values.dtype, np.number):
        for a in (a_tr, a_te):
            for line in a.get_lines():
                line.set_label(None)
        _sweep_colorbar([a_tr, a_te], values, cmap, by, False)
    else:
        a_te.legend(fontsize=8)
    return a_tr, a_te


@validate_params(hist=c.HISTORY, label=c.TEXT)
def plot_weight_norm(hist: History, ax=None, label: str = "", **kw):
    """:math:`\\|W_t\\|_F / \\|W_0\\|_F` against ``step + 1``: how far the weights grow (rich training) or
    stay put (lazy training); one line per run.

    Parameters
    ----------
    hist : History
        Single-run or batched.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    label : str, default ""
        Legend entry (none when empty).
    **kw : keyword arguments
        ``Axes.plot`` keywords.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    InvalidParameterError
        ``hist`` is not a History, or ``label`` not a string.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([1.0, 0.1, 0.01, 0.001]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]), weight_norm=np.array([1.0, 1.1, 1.3, 1.6]))
    >>> ax = gk.plot_weight_norm(h, plt.figure().gca())
    >>> ax.get_lines()[0].get_ydata().tolist()
    [1.0, 1.1, 1.3, 1.6]
    >>> plt.close("all")
    """
    ax = ax or plt.gca()
    w = np.asarray(hist.weight_norm, dtype=float)
    ax.plot(step_axis(hist.steps), w / w[..., :1], label=label or None, **kw)
    ax.set_xscale("log")
    ax.set_xlabel("step + 1")
    ax.set_ylabel(r"$\|W_t\|_F / \|W_0\|_F$")
    return ax


@validate_params(hist=c.HISTORY, title=c.TEXT)
def plot_grokking(hist: History, title: str = "", axes=None):
    """The paper's Fig 1 layout: train/test loss (log step axis) and the weight norm.

    Left, :func:`plot_losses` (dashed train, solid test); right, :func:`plot_weight_norm`: grokking shows
    as the test loss falling late, while the weight norm moves.

    Parameters
    ----------
    hist : History
        One run.
    title : str, default ""
        Title of the loss panel (default "train and test loss").
    axes : pair of matplotlib.axes.Axes, optional
        Default: a new text-width figure.

    Returns
    -------
    pair of matplotlib.axes.Axes
        The loss and the weight-norm axes.

    Raises
    ------
    InvalidParameterError
        ``hist`` is not a History.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([1.0, 0.1, 0.01, 0.001]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]), weight_norm=np.array([1.0, 1.1, 1.3, 1.6]))
    >>> axes = gk.plot_grokking(h)
    >>> [a.get_title() for a in axes]
    ['train and test loss', 'weight norm']
    >>> plt.close("all")
    """
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH, 3.3), constrained_layout=True)
    plot_losses(hist, ax=axes[0])
    axes[0].legend()
    axes[0].set_title(title or "train and test loss")
    plot_weight_norm(hist, ax=axes[1], color="C3")
    axes[1].set_title("weight norm")
    return axes


@validate_params(hist=c.HISTORY, total=c.FLAG, step_scale=c.POSITIVE)
def plot_decomposition(hist: History, ax=None, total: bool = True, step_scale: float = 1.0):
    """The three population terms of the test loss (paper eq. 6) over training; ``step_scale``
    multiplies the step axis (a run at ``lr_scale = c`` drawn in steps of ``c = 1``).

    How to read it: the variance term falls first (fitting), the misalignment term falls when the
    features turn towards the teacher (the grokking transition), the linear term stays small.

    Parameters
    ----------
    hist : History
        One run with a decomposition (``variance``, ``misalignment``, ``linear``).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    total : bool, default True
        Also draw their sum (dotted black).
    step_scale : float, default 1.0
        > 0, multiplies the steps.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with three lines (four with ``total``).

    Raises
    ------
    ValueError
        The history has no decomposition.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([1.0, 0.1, 0.01, 0.001]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]), weight_norm=np.array([1.0, 1.1, 1.3, 1.6]))
    >>> h.variance, h.misalignment, h.linear = h.test_loss * 0.5, h.test_loss * 0.4, h.test_loss * 0.1
    >>> ax = gk.plot_decomposition(h, plt.figure().gca())
    >>> [line.get_label() for line in ax.get_lines()]
    ['variance', 'misalignment', 'linear', 'total']
    >>> plt.close("all")
    """
    if hist.variance is None:
        raise ValueError("this history has no loss decomposition (the task has no teacher beta)")
    ax = ax or plt.gca()
    x = step_axis(np.asarray(hist.steps) * step_scale)
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


@validate_params(hist=c.HISTORY, title=c.TEXT, ylim=Array(1, none_ok=True))
def draw_toy_panels(hist: History, axes, title: str = "", ylim=None):
    """Left: train (dashed) / test (solid) MSE; right: variance, misalignment and linear-power terms
    of the population test loss. ``hist`` is a single-run history with a decomposition (without one the
    right panel stays empty). The frame of the committee machine's sliders and explorer.

    Parameters
    ----------
    hist : History
        One run.
    axes : pair of matplotlib.axes.Axes
        The loss and the decomposition axes.
    title : str, default ""
        Title of the loss panel.
    ylim : (float, float), optional
        The loss range of both panels.

    Returns
    -------
    pair of matplotlib.axes.Axes
        ``axes``.

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([1.0, 0.1, 0.01, 0.001]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]), weight_norm=np.array([1.0, 1.1, 1.3, 1.6]))
    >>> h.variance, h.misalignment, h.linear = h.test_loss * 0.5, h.test_loss * 0.4, h.test_loss * 0.1
    >>> axes = gk.viz.draw_toy_panels(h, plt.subplots(1, 2)[1], title="α = 1")
    >>> len(axes[0].get_lines()), len(axes[1].get_lines()), axes[1].get_title()
    (2, 3, 'test-loss decomposition')
    >>> plt.close("all")
    """
    ax0, ax1 = axes
    x = step_axis(hist.steps)
    plot_losses(hist, ax0, color="C0")
    ax0.set_title(title)
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


_LIN = {"color": "k", "train_kw": {"ls": "-.", "lw": 1, "label": None}, "test_kw": {"ls": ":", "lw": 2, "label": None},
        "test_first": True, "setup": False}
"""The linearised model's curves: test dotted, train dash-dot, in black (:func:`plot_losses` keywords)."""


@validate_params(hist=c.HISTORY, hist_lin=c.HISTORY, label=c.TEXT)
def draw_vs_linear(ax, hist: History, hist_lin: History, color="C0", label: str = "network"):
    """One run against its linearisation: network test (solid) / train (dashed) in ``color``, the
    linearised model's test (dotted) / train (dash-dot) in black. Where the coloured curves leave the
    black ones, the network has left the lazy regime.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw (scales and labels are left alone).
    hist, hist_lin : History
        One run of the network and of its linearisation.
    color : matplotlib colour, default "C0"
        Of the network's curves.
    label : str, default "network"
        Prefix of the network's legend entries.

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``, with four curves and two legend-only lines.

    Raises
    ------
    InvalidParameterError
        A history is not a History.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([1.0, 0.1, 0.01, 0.001]),
    ...                test_loss=np.array([1.0, 0.8, 0.3, 0.05]), weight_norm=np.array([1.0, 1.1, 1.3, 1.6]))
    >>> ax = gk.viz.draw_vs_linear(plt.figure().gca(), h, h)
    >>> [line.get_label() for line in ax.get_lines()][-2:]
    ['linearised test', 'linearised train']
    >>> plt.close("all")
    """
    plot_losses(hist, ax, color=color, test_kw={"label": f"{label} test"}, train_kw={"label": f"{label} train"},
                test_first=True, setup=False)
    plot_losses(hist_lin, ax, **_LIN)
    ax.plot([], [], ":", color="k", lw=2, label="linearised test")
    ax.plot([], [], "-.", color="k", lw=1, label="linearised train")      # every curve has a legend entry
    return ax


@validate_params(hist=c.HISTORY, hist_lin=c.HISTORY, param=c.TEXT, cmap=c.CMAP, fmt=c.FORMAT,
                 runs=c.Duck(list, what="a 1-D sequence of run indices or None", none_ok=True,
                             test=lambda v: np.ndim(v) == 1 and all(0 <= int(i) == i for i in v), example=lambda: [0]))
def plot_vs_linear(hist: History, hist_lin: History, ax=None, param: str = "alpha",
                   cmap: str = "viridis", fmt: str = "{:.3g}", runs=None):
    """Network test (solid) / train (dashed) curves of every run of ``hist``, coloured by
    ``hist.params[param]``, and the linearised model's test (dotted) / train (dash-dot) in black.

    ``hist_lin`` is a single run or has one run per run of ``hist``; linearised curves that are
    identical across runs (the centred linear model does not depend on α) are drawn once.
    ``runs`` selects run indices (default: all).

    Parameters
    ----------
    hist : History
        The network's runs (batched or one).
    hist_lin : History
        The linearisation: one run, or one per run of ``hist``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    param : str, default "alpha"
        The ``hist.params`` key that colours and labels the runs.
    cmap : str, default "viridis"
        The colour map of the runs.
    fmt : str, default "{:.3g}"
        Formats the values.
    runs : sequence of int, optional
        Run indices to draw (default: all).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax``.

    Raises
    ------
    ValueError
        ``hist_lin`` has neither one run nor one per run of ``hist``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]), weight_norm=np.ones((2, 4)),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> ax = gk.viz.plot_vs_linear(h, h.run(1), plt.figure().gca())
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:2]
    ['α = 0.5', 'α = 2']
    >>> plt.close("all")
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
    for i, h in enumerate(runs):                      # networks first ...
        lab = f"{param_label(param)} = {fmt.format(vals[i % len(vals)])}"
        plot_losses(h, ax, color=colors[i], test_kw={"label": lab}, train_kw={"label": None}, test_first=True, setup=False)
    for h, hl in zip(runs, lins):                     # ... then the linearisations on top, each once
        if any(np.allclose(hl.test_loss, d, rtol=1e-6) for d in drawn):
            continue
        drawn.append(hl.test_loss)
        plot_losses(hl, ax, **{**_LIN, "train_kw": {**_LIN["train_kw"], "lw": 1.2}}, zorder=5)
    ax.plot([], [], "-", color="0.5", label="network test")
    ax.plot([], [], "--", color="0.5", label="network train")
    ax.plot([], [], ":", color="k", lw=2, label="linearised test")
    ax.plot([], [], "-.", color="k", lw=1.2, label="linearised train")
    ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE")
    ax.legend(fontsize=8, ncol=2)
    return ax


@validate_params(x=Array(1, min_size=2), series=Instance(dict, what="a dict {name: y values}"),
                 fit_from=Real(none_ok=True), xlabel=c.TEXT, fit_to=Real(none_ok=True), return_errors=c.FLAG)
def plot_powerlaw(x, series: dict, ax=None, fit_from=None, xlabel: str = r"$\alpha$", fit_to=None,
                  return_errors: bool = False):
    """Log-log plot of each ``series[name]`` against ``x`` with its fitted power law on
    ``fit_from <= x <= fit_to`` (the fitted points filled, the others open); the fitted exponents and
    their standard errors go in the legend. Returns ``(ax, slopes)``, or ``(ax, slopes, errors)`` with
    ``return_errors``.

    Parameters
    ----------
    x : array_like, shape (n,)
        Positive abscissae (e.g. α).
    series : dict
        ``{name: y}``, each ``y`` of shape ``(n,)``, positive.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    fit_from, fit_to : float or None, default None
        The fit range (default: all of ``x``); it must hold two points.
    xlabel : str, default r"$\\alpha$"
        The x-axis label.
    return_errors : bool, default False
        Also return the standard errors.

    Returns
    -------
    tuple
        ``(ax, slopes)`` or ``(ax, slopes, errors)``; ``slopes`` and ``errors`` are ``{name: float}``
        (an error is NaN with two fitted points).

    Raises
    ------
    ValueError
        The fit range holds fewer than two points.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> x = np.array([1.0, 2.0, 4.0, 8.0])
    >>> ax, slopes = gk.viz.plot_powerlaw(x, {"delay": 3 * x**-2}, plt.figure().gca())
    >>> round(slopes["delay"], 6), ax.get_legend().get_texts()[0].get_text()
    (-2.0, 'delay: slope -2.00 ± 0.00')
    >>> plt.close("all")
    """
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


@validate_params(pd=c.Duck(PhaseDiagram, what="a gklib.toy.experiments.PhaseDiagram",
                          test=lambda v: isinstance(v, PhaseDiagram),
                          example=lambda: PhaseDiagram(np.ones(1), np.ones(1), np.ones((1, 1)), np.ones((1, 1)),
                                                       np.ones((1, 1)), 0.1, 1, None, 0.0)), cmap=c.CMAP,
                 log=c.FLAG, mark_censored=c.FLAG)
def plot_phase_diagram(pd: PhaseDiagram, ax=None, cmap: str = "magma", log: bool = False,
                       mark_censored: bool = True):
    """Heat map of the amount of grokking, α on the x axis and ε on the y axis, one flat cell per
    trained run, reaching half-way to its neighbours (on a log axis where the grid is geometric),
    so that no colour is interpolated between runs. ``log=True`` colours :math:`\\log_{10}(1 + \\text{amount})`. With
    ``mark_censored`` a cross marks each run that had not crossed the threshold by the step cap
    (:attr:`~gklib.toy.experiments.PhaseDiagram.censored`: its amount is only a lower bound).

    Parameters
    ----------
    pd : PhaseDiagram
        From :func:`gklib.toy.experiments.phase_diagram`.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: the current axes).
    cmap : str, default "magma"
        The colour map.
    log : bool, default False
        Colour :math:`\\log_{10}(1 + \\text{amount})`.
    mark_censored : bool, default True
        Cross the censored runs (with a legend below the axis).

    Returns
    -------
    matplotlib.axes.Axes
        ``ax`` (the colour bar is beside it).

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, numpy as np, gklib as gk
    >>> from gklib.toy.experiments import PhaseDiagram
    >>> t_te = np.array([[10.0, 20.0], [30.0, np.inf]])
    >>> pd = PhaseDiagram(alphas=np.array([0.1, 1.0]), epsilons=np.array([0.1, 1.0]),
    ...                   amount=np.array([[1.0, 2], [3, 4]]), t_train=np.ones((2, 2)), t_test=t_te,
    ...                   threshold=0.1, steps=100, history=None, seconds=0.0)
    >>> ax = gk.viz.plot_phase_diagram(pd, plt.figure().gca())
    >>> ax.collections[0].get_array().shape, len(ax.get_lines())       # 2 x 2 cells, one censored cross
    ((2, 2), 1)
    >>> plt.close("all")
    """
    ax = ax or plt.gca()
    z = pd.amount.T
    z = np.log10(1 + z) if log else z
    def geometric(v):
        d = np.diff(np.log(np.asarray(v, dtype=float)))
        return d.size > 1 and np.allclose(d, d[0], rtol=1e-3)

    def edges(v, log):
        lv = np.asarray(v, dtype=float)
        lv = np.log(lv) if log else lv
        d = np.diff(lv) if lv.size > 1 else np.array([np.log(2.0) if log else 0.5 * abs(lv[0])])
        e = np.concatenate([[lv[0] - d[0] / 2], (lv[:-1] + lv[1:]) / 2, [lv[-1] + d[-1] / 2]])
        return np.exp(e) if log else e
    la, le = geometric(pd.alphas), geometric(pd.epsilons)
    im = ax.pcolormesh(edges(pd.alphas, la), edges(pd.epsilons, le), z, cmap=cmap, shading="flat")
    ax.set(xscale="log" if la else "linear", yscale="log" if le else "linear")
    plt.colorbar(im, ax=ax, label=r"$\log_{10}(1+$amount$)$" if log else
                 rf"amount of grokking $t^{{te}}_{{{pd.threshold:g}}}-t^{{tr}}_{{{pd.threshold:g}}}$ (steps)")
    if mark_censored and pd.censored.any():
        i, j = np.nonzero(pd.censored)
        ax.plot(pd.alphas[i], pd.epsilons[j], "x", color="k", ms=7, mew=1.5, ls="none", clip_on=False,
                label=f"censored: not below {pd.threshold:g} by step {pd.steps:,}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, frameon=False)
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\epsilon$")
    return ax
