"""Figures and explorers for Chapter 5 (networks beyond the toy model).

- :func:`modular_mlp_sweep`: the Fig 2 experiment (modular addition, quadratic two-layer MLP, GD,
  MSE) for a list of scales ``s`` as one batched computation (``alpha = s**2``).
- :func:`plot_sweep`: accuracy / loss / weight-norm panels of any :class:`EnsembleHistory`.
- :func:`modular_mlp_explorer`: an ipywidgets slider over ``s`` (JupyterLab; needs a kernel).
- :func:`sweep_slider_html`: the same slider as a *static slider* (precomputed frames,
  :func:`~gklib.static_slider.slider_figure`) for the static book.
"""
from __future__ import annotations

import numpy as np

from .config import by_profile, get_device, live_explorer
from .nets.data import modular_addition
from .nets.train import EnsembleHistory, fit
from .nets.modules import QuadraticMLP
from .static_slider import slider_figure
from .validation import as_param_array

__all__ = ["modular_mlp_sweep", "plot_sweep", "modular_mlp_explorer", "sweep_slider_html"]

PANELS = {"acc": ("accuracy", "train_acc", "test_acc"), "loss": ("MSE", "train_loss", "test_loss"),
          "norm": ("weight norm", "weight_norm", None), "change": (r"$|\theta-\theta_0|/|\theta_0|$",
                                                                   "rel_change", None)}


def modular_mlp_sweep(s=(0.5, 1.0, 1.5, 2.0), p: int = 23, N: int = 100, steps: int | None = None,
                      lr: float = 1500.0, train_frac: float = 0.9, seed: int = 0, n_log: int = 80,
                      device=None, progress_bar=None) -> EnsembleHistory:
    """Paper Fig 2: :math:`f = s^2 W_2 (W_1 x)^2/(DN)`, full-batch GD on the MSE with step
    :math:`\\text{lr}/s^4` (the paper's loss :math:`/s^2` with step :math:`100/s^2`, i.e. ``lr=100``;
    the default ``lr=1500`` runs the same gradient flow 15× faster). Uncentred, as in the paper
    (:math:`f_0` is :math:`O(s^2/\\sqrt{DN})`). Weight norm :math:`\\|W_1\\|_F+\\|W_2\\|_F`.
    ``res.params["alpha"]`` holds :math:`s^2`."""
    s = as_param_array(s, "s")
    steps = steps if steps is not None else by_profile(quick=6000, book=10_000, paper=100_000)
    task = modular_addition(p, train_frac, seed=1, device=device)
    net = QuadraticMLP(2 * p, N, p, seed=seed)
    return fit(net, task, alpha=s**2, steps=steps, lr=lr, lr_alpha_power=2, loss="mse",
                          optimizer="sgd", center=False, norm="layers", n_log=n_log,
                          device=get_device(device), progress_bar=progress_bar)


def _colors(n):
    import matplotlib.pyplot as plt

    return plt.cm.viridis(np.linspace(0, 0.9, n))


def plot_sweep(res: EnsembleHistory, labels, panels=("acc", "loss", "norm"), axes=None, title="",
               highlight: int | None = None, logx: bool = True):
    """One panel per entry of ``panels`` (``"acc"``, ``"loss"``, ``"norm"``, ``"change"``); one colour
    per run; train dashed, test solid. ``highlight`` draws one run bold and fades the others."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.3), constrained_layout=True)
    axes = np.atleast_1d(axes)
    cols = _colors(res.R)
    t = np.maximum(res.steps, 1)
    for ax, key in zip(axes, panels):
        ylabel, tr, te = PANELS[key]
        for i in range(res.R):
            r = res.run(i)
            get = (lambda n: r.extra[n]) if tr == "rel_change" else (lambda n: getattr(r, n))
            kw = dict(color=cols[i], lw=1.6, alpha=1.0)
            if highlight is not None:
                kw.update(lw=2.6 if i == highlight else 1.0, alpha=1.0 if i == highlight else 0.25)
            ax.plot(t, get(tr), ls="--" if te else "-", label=None if te else labels[i], **kw)
            if te:
                ax.plot(t, getattr(r, te), ls="-", label=labels[i], **kw)
        ax.set_xscale("log" if logx else "linear")
        if key == "loss":
            ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel(ylabel)
    axes[0].legend(fontsize=8, title="dashed: train, solid: test" if PANELS[panels[0]][2] else None,
                   title_fontsize=7)
    if title:
        axes[0].figure.suptitle(title)
    return axes


@live_explorer
def modular_mlp_explorer(res: EnsembleHistory | None = None, labels=None, **sweep_kw):
    """Slider over the scales of a (precomputed, batched) :func:`modular_mlp_sweep`.

    The sweep is run once (a few seconds to a minute); moving the slider only redraws.
    """
    import ipywidgets as W
    import matplotlib.pyplot as plt

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
            plot_sweep(res, labels, highlight=slider.value, title=labels[slider.value])
            plt.show()

    slider.observe(draw, names="value")
    draw()
    return W.VBox([slider, out])


def sweep_slider_html(res: EnsembleHistory, labels, panels=("acc", "norm"), dpi: float = 72):
    """Static slider (:func:`~gklib.static_slider.slider_figure`) over the runs of a precomputed
    sweep: :func:`plot_sweep` with run ``i`` highlighted, one frame per run. Works in the static
    HTML book without a kernel. Returns a :class:`~gklib.static_slider.StaticSlider`."""
    import matplotlib.pyplot as plt

    if not isinstance(res, EnsembleHistory):
        raise ValueError(f"res must be an EnsembleHistory, got {type(res).__name__}")
    labels = [str(s) for s in labels]
    if len(labels) != res.R:
        raise ValueError(f"labels has {len(labels)} entries but res has {res.R} runs")
    bad = [p for p in panels if p not in PANELS]
    if bad or not panels:
        raise ValueError(f"panels must be a non-empty subset of {sorted(PANELS)}, got {panels!r}")
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), constrained_layout=True)

    def draw(i):
        for ax in np.atleast_1d(axes):
            ax.clear()
        plot_sweep(res, labels, panels=panels, axes=axes, highlight=i, title=labels[i])

    return slider_figure(draw, labels, label="run", fmt="{}", sep=": ", fig=fig, dpi=dpi,
                         title="sweep with one run highlighted")
