"""Live explorers: ipywidgets sliders that recompute a chapter's figure for the values chosen (JupyterLab).

Every explorer is decorated with :func:`live_explorer` and returns its widget (the cell shows it by
ending with it); it never displays itself. In a headless execution (a book build, nbmake) an
:class:`ExplorerPlaceholder` is returned instead — in the HTML book the static sliders of
:mod:`gklib.viz.slider` take the explorers' place.

- :func:`lazy_explorer` (chapter 1): α → network (stats engine) against its linearisation;
- :func:`eps_explorer` (chapter 2): ε, ridge and D → Mercer spectrum, power split, learning curves;
- :func:`toy_explorer` (chapter 3): α, ε and P → losses and the test-loss decomposition; the training
  sets are nested (``task.subset(P)``) and the test set fixed, so moves compare like with like;
- :func:`modular_mlp_explorer` (chapter 5): the scale of the modular-arithmetic MLP;
- :func:`gklib.viz.dmft.dmft_explorer` (chapter 4) lives with the DMFT figures.
"""
from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from ..config import headless_execution
from ..history import History
from ..nets.experiments import modular_mlp_sweep
from ..toy.experiments import run_toy
from ..toy.linearized import KernelGD
from ..toy.model import CommitteeMachine
from ..toy.tasks import quadratic_task
from ..toy.trainer import train
from ..validation import check_positive, check_positive_int
from .figures import draw_toy_panels, draw_vs_linear, plot_eps_panel, plot_sweep

__all__ = ["ExplorerPlaceholder", "live_explorer", "lazy_explorer", "eps_explorer", "toy_explorer",
           "modular_mlp_explorer"]


class ExplorerPlaceholder:
    """What a live explorer shows when nobody can move its sliders (a headless execution)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"Live explorer {self.name}: run this cell in JupyterLab to use its sliders."

    def _repr_html_(self) -> str:
        return ('<div class="gk-explorer-placeholder" style="border:1px dashed #999;padding:.5em 1em;'
                'color:#444"><b>Live explorer</b> (needs a running Python kernel): open this chapter in '
                'JupyterLab and run the cell to move its sliders. In the book, use the static slider on this page.</div>')


def live_explorer(build):
    """Decorator for the functions that build ipywidgets explorers.

    In a headless execution (:func:`headless_execution`) the explorer is not built: nobody can move
    its sliders, its first draw would cost build time, and its ``Output`` widget makes ``nbclient``
    send ``comm_msg`` on the shell channel while it waits for the cell's reply. That send bypasses
    the asyncio wrapper of the socket and can consume the wake-up of the arriving reply, so the
    build waits for the cell timeout (the stall of the book builds). An
    :class:`ExplorerPlaceholder` is returned instead; everywhere else the explorer is built as usual.
    """
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        if headless_execution():
            return ExplorerPlaceholder(build.__name__)
        return build(*args, **kwargs)

    return wrapper


@live_explorer
def lazy_explorer(task, D=None, N: int = 200, eps: float = 1.0, steps: int = 3000, lr_scale: float = 0.5,
                  alpha=(0.25, 128.0), alpha0: float = 1.0, seed: int = 1):
    """An ipywidgets explorer: α log-slider → network (stats engine) vs linearised curves.

    The linearised model (:class:`~gklib.toy.linearized.KernelGD`, exact and α-independent when centred) is
    computed once; each slider move retrains one committee machine for ``steps`` steps, cost
    :math:`O(\\text{steps}\\cdot(PD^2 + D^3))`, independent of ``N``. Returns the widget.
    """
    import ipywidgets as widgets

    D = task.D if D is None else check_positive_int(D, "D")
    lo, hi = (check_positive(a, "alpha") for a in alpha)
    if not lo < hi:
        raise ValueError(f"alpha must be a range (low, high) with low < high, got {alpha}")
    steps = check_positive_int(steps, "steps")
    base = CommitteeMachine(D, N, alpha=alpha0, eps=eps, seed=seed)
    hl = KernelGD(base, task, lr_scale).history(steps, n_log=100)
    slider = widgets.FloatLogSlider(value=alpha0, base=10, min=np.log10(lo), max=np.log10(hi), step=0.05,
                                    description="α", continuous_update=False, readout_format=".3g")
    out = widgets.Output()

    def redraw(change=None):
        a = float(slider.value)
        m = CommitteeMachine(D, N, alpha=a, eps=eps, seed=seed)
        try:
            h = train(m, task, steps, lr_scale=lr_scale, engine="stats", n_log=100, progress_bar=False)
            msg = ""
        except RuntimeError as err:
            h, msg = None, str(err)
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(6.5, 4))
            if h is not None:
                draw_vs_linear(ax, h, hl, label=f"network α={a:.3g}")
                ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE",
                       title=f"α = {a:.3g}: test {h.test_loss[-1]:.3g} vs linearised {hl.test_loss[-1]:.3g}")
                ax.legend(fontsize="small")
            else:
                ax.text(0.5, 0.5, msg, ha="center", va="center", wrap=True, transform=ax.transAxes)
            plt.show()

    slider.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([slider, out])
    return box


@live_explorer
def eps_explorer(D: int = 40, eps: float = 0.1, ridge: float = 0.0):
    """ipywidgets explorer: sliders for ε (log) and the ridge; redraws :func:`plot_eps_panel`."""
    import ipywidgets as w
    from IPython.display import display

    out = w.Output()
    s_eps = w.FloatLogSlider(value=eps, base=10, min=-2.5, max=0, step=0.05, description="ε")
    s_ridge = w.FloatLogSlider(value=max(ridge, 1e-6), base=10, min=-6, max=1, step=0.25, description="ridge")
    s_D = w.IntSlider(value=D, min=5, max=200, step=5, description="D")
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    plt.close(fig)

    def redraw(_=None):
        with out:
            out.clear_output(wait=True)
            plot_eps_panel(s_D.value, s_eps.value, s_ridge.value, axes=axes)
            fig.tight_layout()
            display(fig)

    for s in (s_eps, s_ridge, s_D):
        s.observe(redraw, names="value")
    redraw()
    return w.VBox([w.HBox([s_eps, s_ridge, s_D]), out])


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


@live_explorer
def modular_mlp_explorer(res: History | None = None, labels=None, **sweep_kw):
    """Slider over the scales of a (precomputed, batched) :func:`modular_mlp_sweep`.

    The sweep is run once (a few seconds to a minute); moving the slider only redraws.
    """
    import ipywidgets as W

    if res is None:
        sweep_kw.setdefault("s", np.round(np.linspace(0.4, 2.0, 9), 2))
        res = modular_mlp_sweep(**sweep_kw)
    if labels is None:
        labels = [f"s={np.sqrt(a):.2g}" for a in np.atleast_1d(res.params["alpha"])]
    slider = W.SelectionSlider(options=list(zip(labels, range(res.R))), value=0, description="scale",
                               continuous_update=True)
    out = W.Output()

    def draw(*_):
        with out:
            out.clear_output(wait=True)
            plot_sweep(res, labels, panels=("acc", "loss", "norm"), highlight=slider.value,
                       title=labels[slider.value])
            plt.show()

    slider.observe(draw, names="value")
    draw()
    return W.VBox([slider, out])
