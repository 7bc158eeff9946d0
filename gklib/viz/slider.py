"""Static slider figures: precomputed frames behind an HTML range input, for the static book.

A *static slider* is the offline twin of a JupyterLab explorer. :func:`slider_figure` calls a
drawing function once per parameter value, stores each rendering of the matplotlib figure as a
PNG (base64, inline) and emits one small self-contained HTML block:

.. code-block:: text

    <div class="gk-slider" id="gk-slider-…" data-gk-slider="α" data-gk-frames="5">
      <label>α = <output class="gk-slider-value">1</output></label>
      <input class="gk-slider-input" type="range" min="0" max="4" step="1" …>
      <img class="gk-slider-img" src="data:image/png;base64,…">
      <script>/* swaps img.src and the value label on "input" */</script>
    </div>

It needs no kernel, no network and no external JavaScript; several sliders can share a page
(ids are unique); the range input is a native control, so the arrow, Home/End and PageUp/Down
keys move it, and its ``aria-valuetext`` reads the current value. While it has focus those keys
stop at the slider (``stopPropagation``), so in JupyterLab they move the slider and not the
notebook's cell selection. Size: one PNG per value
(about 40–120 kB at the default :data:`SLIDER_DPI`, 100: frames show at their natural width,
with labels as large as the inline figures'), so keep sweeps to a dozen values or so.

The ``gk-slider`` class and the ``data-gk-slider`` attribute are stable hooks for the browser
tests (``tests_browser/``). The chapters' sliders below (and ``dmft_rho_slider`` in
:mod:`gklib.viz.dmft`) are presets of :func:`slider_figure`: they supply a ``draw(i, axes)`` function, the
number of panels and the limits fixed across frames; the figure, the clearing and the limits are its work.
"""
from __future__ import annotations

import base64
import hashlib
import html as _html
import itertools
import json

import matplotlib.pyplot as plt
import numpy as np
from IPython.display import HTML

from ..history import History
from ..validation import check_positive, check_positive_int
from .figures import (draw_toy_panels, draw_vs_linear, loss_range, plot_eps_panel, plot_grokking, plot_sweep,
                      sweep_labels)
from .style import TEXT_WIDTH, panel_axes, param_label

__all__ = ["StaticSlider", "slider_figure", "SLIDER_DPI", "DEFAULT_NOTE", "sweep_animation", "grokking_slider", "alpha_animation",
           "eps_explorer_static", "sweep_slider_html"]

DEFAULT_NOTE = ("Static slider: precomputed frames, works in the HTML book without Python. "
                "The live explorer (JupyterLab, needs a kernel) recomputes the figure for any value.")

_counter = itertools.count()

_SCRIPT = """<script>
(function () {
  var root = document.getElementById(%(id)s);
  if (!root || root.getAttribute("data-gk-ready")) { return; }
  root.setAttribute("data-gk-ready", "1");
  var frames = %(frames)s, labels = %(labels)s;
  var NAV_KEYS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"];
  var input = root.querySelector("input.gk-slider-input");
  var img = root.querySelector("img.gk-slider-img");
  var out = root.querySelector("output.gk-slider-value");
  frames[%(initial)d] = img.getAttribute("src").split(",")[1];   // the first frame is stored once, in the img
  function show() {
    var i = Math.max(0, Math.min(frames.length - 1, parseInt(input.value, 10) || 0));
    img.src = "data:image/png;base64," + frames[i];
    img.alt = %(alt)s + labels[i];
    out.textContent = labels[i];
    input.setAttribute("aria-valuetext", %(label)s + %(sep)s + labels[i]);
    root.setAttribute("data-gk-index", String(i));
  }
  input.addEventListener("input", show);
  input.addEventListener("change", show);
  // While the slider has focus its keys are its own: JupyterLab (and other pages) would otherwise
  // also act on them (in Lab the arrow keys move the notebook's cell selection).
  input.addEventListener("keydown", function (e) {
    if (NAV_KEYS.indexOf(e.key) >= 0) { e.stopPropagation(); }
  });
})();
</script>"""


class StaticSlider(HTML):
    """A rendered static slider (an ``IPython.display.HTML``): displays itself in Jupyter and in
    the built book. Attributes: ``frames`` (base64 PNG strings, one per value), ``values``,
    ``labels`` (the displayed value strings), ``id`` (the wrapper's unique element id) and
    ``html`` (the markup, i.e. ``data``)."""

    def __init__(self, html: str, frames, values, labels, uid: str):
        super().__init__(html)
        self.frames = list(frames)
        self.values = list(values)
        self.labels = list(labels)
        self.id = uid

    @property
    def html(self) -> str:
        return self.data

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return f"StaticSlider({self.id!r}, {len(self.frames)} frames, {len(self.data) / 1024:.0f} kB)"


SLIDER_DPI = 100
"""Resolution of the static sliders' frames (a text-width figure is then about 750 px wide)."""


def _png(fig, dpi: float) -> str:
    from .style import figure_png       # records the smallest font size (the browser test reads it)

    return base64.b64encode(figure_png(fig, dpi)).decode("ascii")


def slider_figure(draw, values, *, label: str = "α", fmt="{:.3g}", sep: str = " = ", fig=None, figsize=(8.0, 3.6),
                  dpi: float = SLIDER_DPI, initial: int = 0, note: str | None = DEFAULT_NOTE,
                  title: str | None = None, close: bool = True, panels: int | None = None, height: float = 3.3,
                  width: float = TEXT_WIDTH, limits=None) -> StaticSlider:
    """Render ``draw(i)`` for every ``values[i]`` into a self-contained HTML slider.

    The course's one static-slider builder. With ``panels`` it also makes the figure and keeps the frames
    comparable: ``panels`` axes in the house layout (:func:`~gklib.viz.style.panel_axes`, ``width`` ×
    ``height`` a row), cleared before each frame, ``draw(i, axes)`` draws frame ``i``, and ``limits`` (one
    ``dict`` of ``Axes.set`` keywords per axis, e.g. ``{"ylim": (1e-3, 1)}``, or ``None``) is applied
    after it, the same for every frame.

    Parameters
    ----------
    draw : callable
        ``draw(i)`` redraws the figure for ``values[i]`` (it should clear or reuse its axes; keep
        the axis limits fixed across frames so that frames compare like with like).
    values : sequence
        The slider's parameter values (non-empty, 1-D); one frame each.
    label : str
        Name of the parameter, shown before the value (e.g. ``"α"``, ``"ρ = P/D"``).
    fmt : str or callable
        Formats a value for the label: a ``str.format`` pattern or a function ``value -> str``.
    sep : str
        Between ``label`` and the value (``"α = 0.5"``; use ``": "`` when the formatted values
        already contain "=").
    fig : matplotlib Figure, optional
        The figure ``draw`` draws into; by default a new ``figsize`` figure, made current before
        each call (so ``draw`` may use ``plt.gcf()``).
    dpi : float
        Resolution of the stored PNG frames (pixel width = figure width in inches × dpi).
    initial : int
        Index of the frame shown first.
    note : str or None
        One line under the figure; by default it says that this is the precomputed static slider
        and that the live explorer needs a kernel.
    close : bool
        Close the figure afterwards (so Jupyter does not also display it as a still image).
    panels, height, width, limits : int, float, float, sequence of dict
        See above; ``fig`` and ``figsize`` are then not used (``fig`` must be ``None``).

    Returns
    -------
    StaticSlider
        HTML with one ``<input type="range">``, a value ``<output>`` and one ``<img>`` inside
        ``<div class="gk-slider" data-gk-slider=label>``; ``.frames`` holds the PNGs.
    """
    if not callable(draw):
        raise ValueError(f"draw must be a callable draw(i), got {type(draw).__name__}")
    if isinstance(values, (str, bytes)):
        raise ValueError(f"values must be a non-empty 1-D sequence, got {values!r}")
    try:
        vals = list(values)
    except TypeError:
        raise ValueError(f"values must be a non-empty 1-D sequence, got {values!r}") from None
    if not vals:
        raise ValueError("values must be a non-empty 1-D sequence, got an empty one")
    if any(np.ndim(v) != 0 for v in vals):
        raise ValueError("values must be a 1-D sequence of scalars (or strings)")
    if not isinstance(label, str) or not label:
        raise ValueError(f"label must be a non-empty string, got {label!r}")
    if not isinstance(sep, str):
        raise ValueError(f"sep must be a string, got {sep!r}")
    if callable(fmt):
        fmt_fn = fmt
    elif isinstance(fmt, str):
        fmt_fn = fmt.format
    else:
        raise ValueError(f"fmt must be a format string or a callable, got {fmt!r}")
    try:
        labels = [str(fmt_fn(v)) for v in vals]
    except (ValueError, TypeError, IndexError, KeyError) as err:
        raise ValueError(f"fmt cannot format the values: {err}") from None
    dpi = check_positive(dpi, "dpi")
    initial = check_positive_int(initial, "initial", allow_zero=True)
    if initial >= len(vals):
        raise ValueError(f"initial must be < len(values) = {len(vals)}, got {initial}")
    if panels is not None:
        if fig is not None:
            raise ValueError("pass fig or panels, not both")
        axes = panel_axes(panels, check_positive(height, "height"), check_positive(width, "width"))
        limits = [{}] * len(axes) if limits is None else [dict(lim or {}) for lim in limits]
        if len(limits) != len(axes):
            raise ValueError(f"limits must hold one dict per panel ({len(axes)}), got {len(limits)}")
        fig, draw = axes[0].figure, _framed(draw, axes, limits)
    elif fig is None:
        if len(figsize) != 2:
            raise ValueError(f"figsize must be (width, height), got {figsize!r}")
        fig = plt.figure(figsize=tuple(check_positive(s, "figsize") for s in figsize))
    elif not hasattr(fig, "savefig"):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")

    frames = []
    try:
        for i in range(len(vals)):
            if hasattr(fig, "number"):
                plt.figure(fig.number)          # make it current for draw functions using plt.gca()
            draw(i)
            frames.append(_png(fig, dpi))
    finally:
        if close:
            plt.close(fig)

    digest = hashlib.sha1("".join(frames).encode()).hexdigest()[:10]
    uid = f"gk-slider-{digest}-{next(_counter)}"
    esc = _html.escape
    alt = f"{title or 'figure'}, {label}{sep}"
    stored = [None if i == initial else f for i, f in enumerate(frames)]
    script = _SCRIPT % {"id": json.dumps(uid), "frames": json.dumps(stored), "labels": json.dumps(labels),
                        "initial": initial,
                        "alt": json.dumps(alt), "label": json.dumps(label), "sep": json.dumps(sep)}
    n = len(vals)
    width = max(len(t) for t in labels) + 1      # fixed width: the track does not move
    html = (
        f'<div class="gk-slider" id="{uid}" data-gk-slider="{esc(label)}" data-gk-frames="{n}" '
        f'data-gk-index="{initial}" style="max-width:100%;margin:0.5em 0">\n'
        f'<div class="gk-slider-controls" style="display:flex;align-items:center;gap:0.8em">'
        f'<label for="{uid}-input">{esc(label)}{esc(sep)}<output class="gk-slider-value" for="{uid}-input" '
        f'style="display:inline-block;min-width:{width}ch;font-variant-numeric:tabular-nums">'
        f'{esc(labels[initial])}</output></label>'
        f'<input class="gk-slider-input" id="{uid}-input" type="range" min="0" max="{n - 1}" step="1" '
        f'value="{initial}" aria-label="{esc(label)}" aria-valuetext="{esc(label + sep + labels[initial])}" '
        f'style="flex:1;max-width:28em"></div>\n'
        f'<img class="gk-slider-img" src="data:image/png;base64,{frames[initial]}" '
        f'alt="{esc(alt + labels[initial])}" style="max-width:100%;height:auto">\n'
        + (f'<p class="gk-slider-note" style="font-size:0.85em;margin:0.2em 0">{esc(note)}</p>\n' if note else "")
        + script + "\n</div>"
    )
    return StaticSlider(html, frames, vals, labels, uid)


def _framed(draw, axes, limits):
    """``draw(i, axes)`` on cleared axes, with the same ``limits`` on every frame: one frame of a preset."""
    def frame(i):
        for ax in axes:
            ax.clear()
        draw(i, axes)
        for ax, lim in zip(axes, limits):
            ax.set(**lim)
    return frame


# ----------------------------------------------------------------------- the chapters' sliders
def _run_slider(hist: History, param: str, fmt: str, draw_run, **kw) -> StaticSlider:
    """:func:`slider_figure` over the runs of a batched sweep, one frame per value of ``hist.params[param]``:
    ``draw_run(i, axes, caption)`` draws run ``i``; ``caption`` reads "α = 0.5"."""
    if not isinstance(hist, History) or not hist.batched:
        raise ValueError("hist must be a batched History (a sweep)")
    if param not in hist.params:
        raise ValueError(f"param must be one of {sorted(hist.params)}, got {param!r}")
    values, name = np.atleast_1d(hist.params[param]), param_label(param)
    return slider_figure(lambda i, axes: draw_run(i, axes, f"{name} = {fmt.format(values[i])}"), values,
                         label=name, fmt=fmt, **kw)


def sweep_animation(hist: History, param: str = "alpha", fmt: str = "{:.3g}", dpi: float = SLIDER_DPI):
    """Static slider (:func:`~gklib.viz.slider.slider_figure`) over the runs of a batched sweep:
    :func:`draw_toy_panels` (losses and decomposition) for each value of ``hist.params[param]``, on
    fixed axes. Works in the static book. Returns a :class:`~gklib.viz.slider.StaticSlider`."""
    ylim = loss_range(hist, floor=1e-6) if isinstance(hist, History) else None
    return _run_slider(hist, param, fmt, lambda i, axes, cap: draw_toy_panels(hist.run(i), axes, title=cap, ylim=ylim),
                       panels=2, dpi=dpi, title="losses and test-loss decomposition")


def grokking_slider(hist: History, param: str = "alpha", fmt: str = "{:.3g}", dpi: float = SLIDER_DPI,
                    note: str | None = DEFAULT_NOTE):
    r"""Static slider over the runs of a batched sweep in the layout of the paper's Fig 1
    (:func:`~gklib.viz.figures.plot_grokking`: train/test loss and the weight norm
    :math:`\|W_t\|_F/\|W_0\|_F`), on axes fixed across frames. Works in the static book.
    ``note`` is the line under the figure (:func:`slider_figure`); a page without a live explorer
    of its own says where one is. Returns a :class:`~gklib.viz.slider.StaticSlider`."""
    if not isinstance(hist, History) or not hist.batched:
        raise ValueError("hist must be a batched History (a sweep)")
    wn = np.asarray(hist.weight_norm, dtype=float)
    wn = wn / wn[:, :1]
    limits = ({"ylim": loss_range(hist, floor=1e-6)}, {"ylim": (0.9 * np.nanmin(wn), 1.1 * np.nanmax(wn))})

    def draw(i, axes, cap):
        plot_grokking(hist.run(i), title=f"{cap}: train and test loss", axes=axes)
        axes[0].legend(loc="lower left")        # one place in every frame (empty in all)

    return _run_slider(hist, param, fmt, draw, panels=2, limits=limits, dpi=dpi, note=note,
                       title="train/test loss and weight norm")


def alpha_animation(hist: History, hist_lin: History, dpi: float = SLIDER_DPI):
    """Static slider (:func:`~gklib.viz.slider.slider_figure`) over the runs of an α sweep: the
    network's train/test curves against the linearised model's, one frame per run, on fixed axes.
    Works in the static book (no kernel). ``hist`` is a batched history with ``params["alpha"]``;
    ``hist_lin`` is one run or one run per α. Returns a :class:`~gklib.viz.slider.StaticSlider`."""
    if not isinstance(hist, History) or not hist.batched:
        raise ValueError("hist must be a batched History (an α sweep)")
    lins = list(hist_lin.runs()) if hist_lin.batched else [hist_lin] * hist.R
    if len(lins) != hist.R:
        raise ValueError(f"hist_lin has {len(lins)} runs but hist has {hist.R}")

    def draw(i, axes, cap):
        draw_vs_linear(axes[0], hist.run(i), lins[i])
        axes[0].set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE",
                    title=f"{cap}: network (blue) vs linearised (black)")
        axes[0].legend(fontsize="small", loc="lower left")

    return _run_slider(hist, "alpha", "{:.3g}", draw, panels=1, width=TEXT_WIDTH * 0.8, height=3.6,
                       limits=[{"ylim": loss_range(hist)}], dpi=dpi, title="network vs linearised model")


def eps_explorer_static(D: int = 40, eps_values=(0.01, 0.03, 0.1, 0.3, 1.0), ridge: float = 0.0,
                        dpi: float = SLIDER_DPI):
    """Static slider (:func:`~gklib.viz.slider.slider_figure`) over ``eps_values``: one
    :func:`plot_eps_panel` frame per ε (four panels), for the static book (no kernel needed).
    Returns a :class:`~gklib.viz.slider.StaticSlider`."""
    D = check_positive_int(D, "D")
    ridge = check_positive(ridge, "ridge", allow_zero=True)
    eps_values = [check_positive(e, "eps_values") for e in np.atleast_1d(eps_values)]
    return slider_figure(lambda i, axes: plot_eps_panel(D, eps_values[i], ridge, axes=axes), eps_values,
                         label=param_label("eps"), panels=4, height=3.0, dpi=dpi,
                         title="Mercer spectrum, power split and kernel learning curves")


def sweep_slider_html(hist: History, by=None, panels=("acc", "norm"), dpi: float = SLIDER_DPI):
    """Static slider (:func:`slider_figure`) over the runs of a precomputed sweep: :func:`plot_sweep`
    with run ``i`` highlighted, one frame per run (``by`` labels the runs as in :func:`plot_sweep`).
    Works in the static HTML book without a kernel. Returns a :class:`StaticSlider`."""
    if not isinstance(hist, History) or not hist.batched:
        raise ValueError(f"hist must be a batched History (a sweep), got {type(hist).__name__}")
    labels = sweep_labels(hist, by)

    def draw(i, axes):
        plot_sweep(hist, by, panels=panels, axes=axes, highlight=i, title=labels[i])

    return slider_figure(draw, labels, label="run", fmt="{}", sep=": ", panels=len(panels), height=2.9, dpi=dpi,
                         title="sweep with one run highlighted")
