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
from ..validation import as_param_array, check_positive, check_positive_int
from .figures import draw_toy_panels, draw_vs_linear, plot_eps_panel, plot_sweep
from .live import LiveFigure, figure, log_slider
from .style import TEXT_WIDTH

__all__ = ["ExplorerPlaceholder", "live_explorer", "LiveFigure", "lazy_explorer", "eps_explorer", "toy_explorer",
           "modular_mlp_explorer"]


class ExplorerPlaceholder:
    """What a live explorer shows when nobody can move its sliders (a headless execution)."""

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


@live_explorer
def lazy_explorer(task, D=None, N: int = 200, eps: float = 1.0, steps: int = 3000, lr_scale: float = 0.5,
                  alpha=(0.25, 128.0), alpha0: float = 1.0, seed: int = 1):
    """An ipywidgets explorer: α log-slider → network vs linearised curves.

    The linearised model (:class:`~gklib.toy.linearized.KernelGD`, exact and α-independent when
    centred) is computed once; each slider move retrains one committee machine for ``steps`` steps
    (:func:`gklib.toy.experiments.run_toy`, cost :math:`O(\\text{steps}\\cdot PD^2)`, independent of ``N``). Returns the widget.
    """
    D = task.D if D is None else check_positive_int(D, "D")
    if D != task.D:
        raise ValueError(f"D={D} differs from the task's input dimension {task.D}")
    lo, hi = (check_positive(a, "alpha") for a in alpha)
    if not lo < hi:
        raise ValueError(f"alpha must be a range (low, high) with low < high, got {alpha}")
    steps = check_positive_int(steps, "steps")
    N = check_positive_int(N, "N")
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


@live_explorer
def eps_explorer(D: int = 40, eps: float = 0.1, ridge: float = 0.0):
    """ipywidgets explorer: sliders for ε (log), the ridge (0 = none, then 10⁻⁶ … 10) and D; redraws
    :func:`plot_eps_panel`. Returns the widget."""
    import ipywidgets as W

    D = check_positive_int(D, "D")
    ridge = check_positive(ridge, "ridge", allow_zero=True)
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


@live_explorer
def toy_explorer(D: int = 40, N: int = 200, P_max: int = 1000, steps: int = 3000, lr_scale: float = 2.0,
                 alpha=(0.05, 20.0), eps=(0.01, 1.0), P_range=(20, None), alpha0: float = 1.0,
                 eps0: float = 0.05, P0: int = 160, seed: int = 0, beta_scale: float = 1.0):
    """Live explorer: log-sliders for α, ε and P redraw the loss curves and the decomposition.

    The task is ``quadratic_task(D, P_max, seed=seed, beta_scale=beta_scale)``; a slider value of P
    uses its first P points. Each move costs one :func:`gklib.toy.experiments.run_toy` (0.3–0.8 s at the
    defaults on one core). Returns the ``ipywidgets.VBox`` (its ``.redraw()`` recomputes the current
    values and waits for the figure).
    """
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
    """
    import ipywidgets as W

    if res is not None:
        if not isinstance(res, History) or not res.batched:
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
    n_steps = check_positive_int(steps, "steps") if steps is not None else modular_mlp_steps()
    # A logged step about every 2 % of the run (log-spaced: ~50 ln T points), so the figure grows and
    # a newer value abandons the run within about 2 % of its time.
    run_kw.setdefault("n_log", max(80, int(50 * np.log(max(n_steps, 2)))))
    s_vals = as_param_array(s, "s")
    s0 = check_positive(s0, "s0")
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
