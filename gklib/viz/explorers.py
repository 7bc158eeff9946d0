"""Live explorers: ipywidgets sliders that recompute a chapter's figure for the values chosen (JupyterLab).

Every explorer is decorated with :func:`live_explorer` and returns its widget (the cell shows it by
ending with it); it never displays itself. In a headless execution (a book build, nbmake) an
:class:`ExplorerPlaceholder` is returned instead — in the HTML book the static sliders of
:mod:`gklib.viz.slider` take the explorers' place.

- :func:`lazy_explorer` (chapter 1): α → network against its linearisation;
- :func:`eps_explorer` (chapter 2): ε, ridge and D → Mercer spectrum, power split, learning curves;
- :func:`toy_explorer` (chapter 3): α, ε and P → losses and the test-loss decomposition; the training
  sets are nested (``task.subset(P)``) and the test set fixed, so moves compare like with like;
- :func:`modular_mlp_explorer` (chapter 5): the scale ``s`` of the modular-arithmetic MLP, retrained
  for each value (or, given a precomputed sweep, a slider over its runs);
- :func:`gklib.viz.dmft.dmft_explorer` (chapter 4) lives with the DMFT figures.

How they behave (``gklib.viz.live.LiveFigure``): a slider reports its value when it is released (or at each
key press), never while it is dragged; the work runs in a background thread, so the notebook stays
responsive, the status line says "computing …" and the figure is dimmed until the new one is shown;
values chosen while a computation runs are not queued — only the latest is computed next. Figures
already computed are kept (a few dozen PNGs), so going back to a value is instant.

Every explorer trains with the course's one trainer for its model: the committee-machine explorers
with :func:`gklib.train` (stats engine, :func:`gklib.toy.experiments.run_toy`), chapter 5's with
:func:`gklib.nets.fit` (:func:`gklib.nets.modular_mlp_sweep` for one scale). A stale computation is
abandoned at the trainer's next logged step (its ``callback``).
"""
from __future__ import annotations

import functools
import time
from collections import OrderedDict

import numpy as np

from ..frontend import headless_execution
from ..history import History
from ..nets.experiments import modular_mlp_steps, modular_mlp_sweep
from ..toy.experiments import run_toy
from ..toy.linearized import KernelGD
from ..toy.model import CommitteeMachine
from ..toy.tasks import quadratic_task
from ..params import Instance, Integer, Real, Reals, validate_params
from ..toy.tasks import Task
from ..validation import as_param_array
from . import _checks as c
from .figures import draw_toy_panels, draw_vs_linear, plot_eps_panel, plot_sweep
from .live import LiveFigure, figure, log_slider
from .style import TEXT_WIDTH

__all__ = ["ExplorerPlaceholder", "live_explorer", "LiveFigure", "lazy_explorer", "eps_explorer", "toy_explorer",
           "modular_mlp_explorer"]


def _range(what):
    return c.Duck(tuple, what=f"a range (low, high) of {what} with 0 < low < high", example=lambda: (1.0, 2.0),
                  test=lambda v: len(v) == 2 and all(c.POSITIVE.holds(x) for x in v) and v[0] < v[1])


class ExplorerPlaceholder:
    """What a live explorer shows when nobody can move its sliders (a headless execution).

    Parameters
    ----------
    name : str
        The explorer's name (its function's).

    Examples
    --------
    >>> from gklib.viz import ExplorerPlaceholder
    >>> p = ExplorerPlaceholder("toy_explorer")
    >>> repr(p).startswith("Live explorer toy_explorer: in JupyterLab"), "gk-explorer-placeholder" in p._repr_html_()
    (True, True)
    """

    @validate_params(name=c.TEXT)
    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return (f"Live explorer {self.name}: in JupyterLab, run the first code cell (the imports), then this "
                "cell, to use its sliders.")

    def _repr_html_(self) -> str:
        return ('<div class="gk-explorer-placeholder" style="border:1px dashed #999;padding:.5em 1em;'
                'color:#444"><b>Live explorer</b> (needs a running Python kernel): open this page in '
                'JupyterLab, run its first code cell (the imports), then this cell, and move the sliders. '
                'In the book, each chapter\'s static slider shows precomputed frames.</div>')


def _sliders(widget):
    """Every widget with a ``continuous_update`` trait in the tree below ``widget``."""
    stack, found = [widget], []
    while stack:
        w = stack.pop()
        if w.has_trait("continuous_update") and w.has_trait("value"):
            found.append(w)
        stack.extend(getattr(w, "children", ()))
    return found


@validate_params(build=c.Duck(str, what="a callable that builds a widget", test=callable,
                             example=lambda: (lambda: None)))
def live_explorer(build):
    """Decorator for the functions that build ipywidgets explorers.

    In a headless execution (:func:`headless_execution`) the explorer is not built: nobody can move
    its sliders, its first draw would cost build time, and its ``Output`` widget makes ``nbclient``
    send ``comm_msg`` on the shell channel while it waits for the cell's reply. That send bypasses
    the asyncio wrapper of the socket and can consume the wake-up of the arriving reply, so the
    build waits for the cell timeout (the stall of the book builds). An
    :class:`ExplorerPlaceholder` is returned instead; everywhere else the explorer is built as usual,
    and every slider in it reports its value on release only (``continuous_update=False``), so that
    a drag does not queue one recomputation per intermediate value.

    Parameters
    ----------
    build : callable
        ``build(*args, **kwargs)`` returns an ipywidgets container.

    Returns
    -------
    callable
        The explorer function (same signature and docstring).

    Raises
    ------
    InvalidParameterError
        ``build`` is not callable.

    Examples
    --------
    >>> import os, ipywidgets
    >>> from gklib.viz import live_explorer
    >>> @live_explorer
    ... def demo():
    ...     return ipywidgets.VBox([ipywidgets.FloatSlider()])
    >>> os.environ["GKLIB_HEADLESS"] = "1"
    >>> type(demo()).__name__
    'ExplorerPlaceholder'
    >>> os.environ["GKLIB_HEADLESS"] = "0"
    >>> demo().children[0].continuous_update
    False
    >>> del os.environ["GKLIB_HEADLESS"]
    """
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        if headless_execution():
            return ExplorerPlaceholder(build.__name__)
        box = build(*args, **kwargs)
        for w in _sliders(box):
            w.continuous_update = False
        return box

    return wrapper


#: Seconds after a move at which an explorer that trains for longer shows its run so far (chapter 5).
FIRST_SHOW = 0.05


# ----------------------------------------------------------------------- the explorers
def _three_panels(height: float = 5.8):
    """A figure of the text width (:data:`~gklib.viz.style.TEXT_WIDTH`) with two panels on top and a
    wide one below: the explorers' three-panel figures at a readable size."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(TEXT_WIDTH, height))
    gs = fig.add_gridspec(2, 2, left=0.13, right=0.98, bottom=0.08, top=0.91, hspace=0.42, wspace=0.32)
    return fig, [fig.add_subplot(gs[0, 0]), fig.add_subplot(gs[0, 1]), fig.add_subplot(gs[1, :])]


@validate_params(task=Instance(Task, what="a gklib Task"), D=Integer(1, none_ok=True), N=Integer(1), eps=Real(0),
                 steps=Integer(1), lr_scale=c.POSITIVE, alpha=_range("α"), alpha0=c.POSITIVE)
@live_explorer
def lazy_explorer(task, D=None, N: int = 200, eps: float = 1.0, steps: int = 3000, lr_scale: float = 0.5,
                  alpha=(0.25, 128.0), alpha0: float = 1.0, seed: int = 1):
    """An ipywidgets explorer: α log-slider → network vs linearised curves.

    The linearised model (:class:`~gklib.toy.linearized.KernelGD`, exact and α-independent when
    centred) is computed once; each slider move retrains one committee machine for ``steps`` steps
    (:func:`gklib.toy.experiments.run_toy`, cost :math:`O(\\text{steps}\\cdot PD^2)`, independent of ``N``). Returns the widget.

    How to read it: the coloured curves are the network at the chosen α, the black ones its
    linearisation; at large α they coincide (lazy), at small α the network leaves them (rich).

    Parameters
    ----------
    task : Task
        The training and test data (:func:`gklib.quadratic_task`).
    D : int or None, default None
        >= 1, must equal ``task.D`` (``None``: ``task.D``).
    N : int, default 200
        >= 1, hidden units.
    eps : float, default 1.0
        >= 0, the activation's ε.
    steps : int, default 3000
        >= 1, training steps per move.
    lr_scale : float, default 0.5
        > 0, the learning-rate scale.
    alpha : (float, float), default (0.25, 128.0)
        The slider's range, 0 < low < high.
    alpha0 : float, default 1.0
        > 0, its first value (clipped to the range), also the linearisation's α.
    seed : int, default 1
        The initial weights' seed.

    Returns
    -------
    ipywidgets.VBox or ExplorerPlaceholder
        The widget (a placeholder in a headless execution).

    Raises
    ------
    ValueError
        ``D`` differs from ``task.D``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    Built without a kernel (live, not headless: ``GKLIB_HEADLESS=0``); its first figure is computed in a
    background thread, and ``wait`` blocks on it:

    >>> import os, ipywidgets, gklib as gk
    >>> os.environ["GKLIB_HEADLESS"] = "0"
    >>> w = gk.viz.lazy_explorer(gk.quadratic_task(D=4, P=10, P_test=10), N=8, steps=20)
    >>> isinstance(w, ipywidgets.VBox), w.wait(60), w.explorer.error, len(w.explorer.moves)
    (True, True, None, 1)
    >>> del os.environ["GKLIB_HEADLESS"]
    """
    D = task.D if D is None else int(D)
    if D != task.D:
        raise ValueError(f"D={D} differs from the task's input dimension {task.D}")
    lo, hi = (float(a) for a in alpha)
    steps, N = int(steps), int(N)
    slider = log_slider(alpha0, lo, hi, "α")
    lin = {}

    def work(values, show, check):
        a = float(values["alpha"])
        if "h" not in lin:
            lin["h"] = KernelGD(CommitteeMachine(D, N, alpha=alpha0, eps=eps, seed=seed), task,
                                lr_scale).history(steps, n_log=100)
        hl = lin["h"]
        h = run_toy(task, a, eps, task.P, N=N, steps=steps, lr_scale=lr_scale, seed=seed, n_log=100,
                    callback=lambda step, model: check())
        fig, ax = figure((6.5, 3.8))
        fig.subplots_adjust(left=0.12, right=0.97, bottom=0.14, top=0.9)
        if np.isfinite(h.diverged_at):
            ax.text(0.5, 0.5, f"α = {a:.3g}: training diverged at step {int(h.diverged_at)}; "
                    "try a smaller lr_scale", ha="center", va="center", wrap=True, transform=ax.transAxes)
        else:
            draw_vs_linear(ax, h, hl, label=f"network α={a:.3g}")
            ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE",
                   title=f"α = {a:.3g}: test {h.test_loss[-1]:.3g} vs linearised {hl.test_loss[-1]:.3g}")
            ax.legend(fontsize="small")
        show(fig)

    live = LiveFigure({"alpha": slider}, work, lambda v: f"α = {v['alpha']:.3g}")
    live.request()
    return live.widget


#: The ridge values of :func:`eps_explorer`'s slider: none, then 1 and 3 per decade up to 10.
RIDGES = (0.0,) + tuple(float(f"{m}e{k}") for k in range(-6, 1) for m in (1, 3)) + (10.0,)


@validate_params(D=Integer(1), eps=c.POSITIVE, ridge=Real(0))
@live_explorer
def eps_explorer(D: int = 40, eps: float = 0.1, ridge: float = 0.0):
    """ipywidgets explorer: sliders for ε (log), the ridge (0 = none, then 10⁻⁶ … 10) and D; redraws
    :func:`plot_eps_panel`. Returns the widget.

    Parameters
    ----------
    D : int, default 40
        >= 1, the first value of the D slider (clipped to 5 … 200).
    eps : float, default 0.1
        > 0, the first ε (clipped to 10^-2.5 … 1).
    ridge : float, default 0.0
        >= 0, the first ridge (added to the slider's values).

    Returns
    -------
    ipywidgets.VBox or ExplorerPlaceholder
        The widget (a placeholder in a headless execution).

    Raises
    ------
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    Built without a kernel (live, not headless: ``GKLIB_HEADLESS=0``); its first figure is computed in a
    background thread, and ``wait`` blocks on it:

    >>> import os, gklib as gk
    >>> os.environ["GKLIB_HEADLESS"] = "0"
    >>> w = gk.viz.eps_explorer(D=5, eps=0.3)
    >>> w.wait(60), w.explorer.error, sorted(w.explorer.values())
    (True, None, ['D', 'eps', 'ridge'])
    >>> del os.environ["GKLIB_HEADLESS"]
    """
    import ipywidgets as W

    D, ridge = int(D), float(ridge)
    ridges = sorted(set(RIDGES) | {float(ridge)})
    s_eps = log_slider(eps, 10**-2.5, 1.0, "ε")
    s_ridge = W.SelectionSlider(options=[("none" if r == 0 else f"{r:g}", r) for r in ridges],
                                index=ridges.index(float(ridge)), description="ridge", continuous_update=False)
    s_D = W.IntSlider(value=min(max(D, 5), 200), min=5, max=200, step=5, description="D", continuous_update=False)

    def work(values, show, check):
        fig, axes = _three_panels()
        plot_eps_panel(int(values["D"]), float(values["eps"]), float(values["ridge"]), axes=axes)
        show(fig)

    def describe(v):
        return f"D = {v['D']}, ε = {v['eps']:.3g}, ridge = {'none' if v['ridge'] == 0 else format(v['ridge'], 'g')}"

    live = LiveFigure({"eps": s_eps, "ridge": s_ridge, "D": s_D}, work, describe)
    live.request()
    return live.widget


@validate_params(D=Integer(1), N=Integer(1), P_max=Integer(1), steps=Integer(1), lr_scale=c.POSITIVE,
                 alpha=_range("α"), eps=_range("ε"),
                 P_range=c.Duck(tuple, what="a range (low, high or None) of P", example=lambda: (1, None),
                                test=lambda v: len(v) == 2 and c.POSITIVE.holds(v[0])
                                and (v[1] is None or c.POSITIVE.holds(v[1]))),
                 alpha0=c.POSITIVE, eps0=c.POSITIVE, P0=c.POSITIVE, beta_scale=c.POSITIVE)
@live_explorer
def toy_explorer(D: int = 40, N: int = 200, P_max: int = 1000, steps: int = 3000, lr_scale: float = 2.0,
                 alpha=(0.05, 20.0), eps=(0.01, 1.0), P_range=(20, None), alpha0: float = 1.0,
                 eps0: float = 0.05, P0: int = 160, seed: int = 0, beta_scale: float = 1.0):
    """Live explorer: log-sliders for α, ε and P redraw the loss curves and the decomposition.

    The task is ``quadratic_task(D, P_max, seed=seed, beta_scale=beta_scale)``; a slider value of P
    uses its first P points. Each move costs one :func:`gklib.toy.experiments.run_toy` (0.3–0.8 s at the
    defaults on one core). Returns the ``ipywidgets.VBox`` (its ``.redraw()`` recomputes the current
    values and waits for the figure).

    Parameters
    ----------
    D, N, P_max : int, default 40, 200, 1000
        >= 1: input dimension, hidden units, the largest training set.
    steps : int, default 3000
        >= 1, training steps per move.
    lr_scale : float, default 2.0
        > 0, the learning-rate scale.
    alpha, eps : (float, float), default (0.05, 20.0), (0.01, 1.0)
        The sliders' ranges, 0 < low < high.
    P_range : (float, float or None), default (20, None)
        The P slider's range (``None``: ``P_max``).
    alpha0, eps0, P0 : float, default 1.0, 0.05, 160
        > 0, the sliders' first values (clipped to their ranges).
    seed : int, default 0
        The task's and the weights' seed.
    beta_scale : float, default 1.0
        > 0, the teacher's scale.

    Returns
    -------
    ipywidgets.VBox or ExplorerPlaceholder
        The widget (a placeholder in a headless execution).

    Raises
    ------
    ValueError
        ``P_range`` is not increasing or goes beyond ``P_max``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    Built without a kernel (live, not headless: ``GKLIB_HEADLESS=0``); its first figure is computed in a
    background thread, and ``wait`` blocks on it:

    >>> import os, gklib as gk
    >>> os.environ["GKLIB_HEADLESS"] = "0"
    >>> w = gk.viz.toy_explorer(D=4, N=8, P_max=40, steps=20, P_range=(5, None), P0=20)
    >>> w.wait(60), w.explorer.error, sorted(w.explorer.values())
    (True, None, ['P', 'alpha', 'eps'])
    >>> del os.environ["GKLIB_HEADLESS"]
    """
    steps, lr_scale = int(steps), float(lr_scale)
    ranges = {}
    for name, (lo, hi) in (("alpha", alpha), ("eps", eps), ("P_range", (P_range[0], P_range[1] or P_max))):
        lo, hi = float(lo), float(hi)
        if not lo < hi:
            raise ValueError(f"{name} must be a range (low, high) with low < high, got {(lo, hi)}")
        ranges[name] = (lo, hi)
    if ranges["P_range"][1] > P_max:
        raise ValueError(f"P_range goes beyond P_max={P_max}")
    task = quadratic_task(D=D, P=P_max, P_test=1000, seed=seed, beta_scale=beta_scale)
    s_a = log_slider(alpha0, *ranges["alpha"], "α")
    s_e = log_slider(eps0, *ranges["eps"], "ε")
    s_p = log_slider(P0, *ranges["P_range"], "P", step=0.02, fmt=".0f")

    def work(values, show, check):
        a, e, P = float(values["alpha"]), float(values["eps"]), int(round(values["P"]))
        h = run_toy(task, a, e, P, N=N, steps=steps, lr_scale=lr_scale, seed=seed,
                    callback=lambda step, model: check())
        fig, axes = figure((TEXT_WIDTH, 3.4), 2)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.15, top=0.9, wspace=0.25)
        bad = np.isfinite(h.diverged_at)
        draw_toy_panels(h, axes, title=f"α={a:.3g}, ε={e:.3g}, P={P}" + (" (diverged: lower lr)" if bad else ""))
        show(fig)

    live = LiveFigure({"alpha": s_a, "eps": s_e, "P": s_p}, work,
                      lambda v: f"α = {v['alpha']:.3g}, ε = {v['eps']:.3g}, P = {int(round(v['P']))}")
    live.request()
    return live.widget


@validate_params(res=Instance(History, what="a gklib History", none_ok=True), labels=c.Duck(
                     list, what="one label per run or None", none_ok=True, test=lambda v: np.ndim(v) == 1,
                     example=lambda: None), s=Reals(0, closed="neither"), s0=c.POSITIVE, p=Integer(2), N=Integer(1),
                 steps=Integer(1, none_ok=True), lr=c.POSITIVE)
@live_explorer
def modular_mlp_explorer(res: History | None = None, labels=None, *, s=(0.4, 2.0), s0: float = 1.0, p: int = 23,
                         N: int = 100, steps: int | None = None, lr: float = 1500.0, **sweep_kw):
    """Chapter 5's explorer: the scale ``s`` of the modular-addition MLP (paper Fig 2).

    ``modular_mlp_explorer()``: a slider over ``s`` in the range ``s`` (or over the values ``s``, if
    more than two are given); each move retrains the network for that scale (:func:`gklib.nets.modular_mlp_sweep`,
    the run :func:`modular_mlp_sweep` would compute, ``steps`` defaulting to its
    profile's) and draws accuracies, losses and the weight norm: the run so far ``FIRST_SHOW`` (0.05)
    seconds after the move, then as it grows (every 1.5 s, later every 40 % of the time so far),
    with the step reached in the status line; a newer value abandons the run. Runs already computed
    stay in the figure, faded, so moving the slider builds up a sweep.

    ``modular_mlp_explorer(res=sweep, labels=...)``: a slider over the runs of a precomputed sweep
    (no training). Returns the widget.

    Parameters
    ----------
    res : History or None, default None
        A precomputed batched sweep (:func:`gklib.nets.modular_mlp_sweep`).
    labels : sequence of str or None, default None
        One per run of ``res`` (default "s=…" from ``params["alpha"]`` = s²).
    s : float or sequence of float, default (0.4, 2.0)
        > 0: the slider's range (two values) or its values (more).
    s0 : float, default 1.0
        > 0, the first value.
    p : int, default 23
        >= 2, the modulus.
    N : int, default 100
        >= 1, hidden units.
    steps : int or None, default None
        >= 1, training steps (``None``: the profile's).
    lr : float, default 1500.0
        > 0, the learning rate.
    **sweep_kw : keyword arguments
        ``train_frac``, ``seed``, ``n_log``, ``device``, ``progress_bar`` of the sweep.

    Returns
    -------
    ipywidgets.VBox or ExplorerPlaceholder
        The widget (a placeholder in a headless execution).

    Raises
    ------
    ValueError
        ``res`` is a single run, an unknown keyword, or a range that is not increasing.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    Over a precomputed sweep (no training; the first frame is drawn in a background thread):

    >>> import os, numpy as np, gklib as gk
    >>> os.environ["GKLIB_HEADLESS"] = "0"
    >>> acc = np.array([[0.0, 0.5, 1.0], [0.0, 0.2, 0.4]])
    >>> sweep = gk.History(steps=np.array([0, 10, 100]), train_loss=1 - acc + 0.01, test_loss=1.2 - acc,
    ...                    weight_norm=np.ones((2, 3)), train_acc=acc, test_acc=acc / 2,
    ...                    params={"alpha": np.array([0.25, 4.0])})
    >>> w = gk.viz.modular_mlp_explorer(sweep)
    >>> w.wait(60), w.explorer.error, w.explorer.controls["run"].options
    (True, None, (('s=0.5', 0), ('s=2', 1)))
    >>> del os.environ["GKLIB_HEADLESS"]
    """
    import ipywidgets as W

    if res is not None:
        if not res.batched:
            raise ValueError("res must be a batched History (a modular_mlp_sweep)")
        if labels is None:
            labels = [f"s={np.sqrt(a):.2g}" for a in np.atleast_1d(res.params["alpha"])]
        slider = W.SelectionSlider(options=list(zip(labels, range(res.R))), index=0, description="scale",
                                   continuous_update=False)

        def replay(values, show, check):
            fig, axes = _three_panels()
            i = int(values["run"])
            plot_sweep(res, labels, panels=("loss", "norm", "acc"), axes=axes, highlight=i, title=labels[i])
            show(fig)

        live = LiveFigure({"run": slider}, replay, lambda v: labels[int(v["run"])])
        live.request()
        return live.widget

    if sweep_kw:
        unknown = sorted(set(sweep_kw) - {"train_frac", "seed", "n_log", "device", "progress_bar"})
        if unknown:
            raise ValueError(f"unknown arguments {unknown}")
    run_kw = {k: v for k, v in sweep_kw.items() if k in ("train_frac", "seed", "n_log")}
    n_steps = int(steps) if steps is not None else modular_mlp_steps()
    # A logged step about every 2 % of the run (log-spaced: ~50 ln T points), so the figure grows and
    # a newer value abandons the run within about 2 % of its time.
    run_kw.setdefault("n_log", max(80, int(50 * np.log(max(n_steps, 2)))))
    s_vals = as_param_array(s, "s")
    s0 = float(s0)
    if s_vals.size == 2:
        lo, hi = float(s_vals.min()), float(s_vals.max())
        if not lo < hi:
            raise ValueError(f"s must be a range (low, high) with low < high, got {s}")
        slider = W.FloatSlider(value=min(max(s0, lo), hi), min=lo, max=hi, step=0.05, description="s",
                               readout_format=".2f", continuous_update=False)
    else:
        opts = [float(v) for v in s_vals]
        slider = W.SelectionSlider(options=[(f"{v:g}", v) for v in opts],
                                   index=int(np.argmin([abs(v - s0) for v in opts])), description="s",
                                   continuous_update=False)
    done = OrderedDict()                                          # s → finished History

    def work(values, show, check):
        sv = float(values["s"])

        def draw(h):
            runs = [(k, v) for k, v in sorted(done.items()) if k != sv][-8:] + [(sv, h)]
            runs.sort(key=lambda kv: kv[0])
            stack = {k: np.stack([getattr(r, k) for _, r in runs])
                     for k in ("train_loss", "test_loss", "weight_norm", "train_acc", "test_acc")}
            batch = History(steps=h.steps, params={"alpha": np.array([k * k for k, _ in runs])}, **stack)
            fig, axes = _three_panels()
            labels_ = [f"s = {k:g}" for k, _ in runs]
            i = [k for k, _ in runs].index(sv)
            reached = h.steps[np.isfinite(h.train_loss)]
            status = "" if h is done.get(sv) else f" (training: step {int(reached[-1]) if reached.size else 0})"
            plot_sweep(batch, labels_, panels=("loss", "norm", "acc"), axes=axes, highlight=i,
                       title=f"modular addition p={p}, N={N}: s = {sv:g}{status}")
            return fig

        t0 = time.perf_counter()
        next_show = [FIRST_SHOW]

        def grow(step, h):
            check()                                            # a newer value: abandon this run
            t = time.perf_counter() - t0
            if t >= next_show[0] and step < h.steps[-1]:
                show(draw(h.run(0)), note=f"step {step:,} of {n_steps:,}")
                t = time.perf_counter() - t0
                next_show[0] = max(t + 1.5, 1.4 * t)           # every 1.5 s, later every 40 % of the time so far

        h = modular_mlp_sweep(s=[sv], p=p, N=N, steps=n_steps, lr=lr, progress_bar=False, callback=grow,
                              **run_kw).run(0)
        done[sv] = h
        show(draw(h))

    live = LiveFigure({"s": slider}, work, lambda v: f"s = {float(v['s']):g}")
    live.request()
    return live.widget
