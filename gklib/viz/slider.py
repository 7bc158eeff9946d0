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
from ..params import Integer, Real, Reals, validate_params
from . import _checks as c
from .figures import (PANEL_LIST, draw_toy_panels, draw_vs_linear, loss_range, plot_eps_panel, plot_grokking,
                      plot_sweep, sweep_labels)
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
    ``html`` (the markup, i.e. ``data``). Made by :func:`slider_figure`, not by hand.

    Parameters
    ----------
    html : str
        The markup.
    frames : sequence of str
        Base64 PNG frames, one per value.
    values : sequence
        The parameter values.
    labels : sequence of str
        The displayed values.
    uid : str
        The wrapper's element id.

    Examples
    --------
    >>> from gklib.viz import StaticSlider
    >>> s = StaticSlider("<div></div>", ["iVBO"], [1.0], ["1"], "gk-slider-x")
    >>> len(s), s.html
    (1, '<div></div>')
    """

    @validate_params(html=c.TEXT, frames=c.LABELS, values=c.LABELS, labels=c.LABELS, uid=c.TEXT)
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


_VALUES = c.Duck(list, what="a non-empty 1-D sequence of scalars (or strings)", example=lambda: [1.0],
                 test=lambda v: not isinstance(v, (str, bytes, dict)) and hasattr(v, "__len__") and len(v) > 0
                 and all(np.ndim(x) == 0 for x in v))


@validate_params(draw=c.Duck(str, what="a callable draw(i)", test=callable, example=lambda: (lambda *a: None)),
                 values=_VALUES, label=c.NON_EMPTY, sep=c.TEXT,
                 fmt=c.Duck(str, what="a format string or a callable",
                            test=lambda v: isinstance(v, str) or callable(v)),
                 figsize=c.Duck(tuple, what="(width, height) in inches, both > 0", example=lambda: (8.0, 3.6),
                                test=lambda v: len(v) == 2 and all(c.POSITIVE.holds(s) for s in v)),
                 dpi=c.POSITIVE, initial=Integer(0), note=c.TEXT_OR_NONE,
                 title=c.TEXT_OR_NONE, close=c.FLAG,
                 panels=Integer(1, none_ok=True), height=c.POSITIVE, width=c.POSITIVE,
                 limits=c.Duck(list, what="one dict of Axes.set keywords (or None) per panel, or None", none_ok=True,
                               example=lambda: [{}], test=lambda v: not isinstance(v, (str, dict))
                               and all(x is None or isinstance(x, dict) for x in v)))
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

    How to read it: the range input picks the frame; every frame is the same figure at another value,
    on the same axes, so what moves between frames is what the parameter changes.

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

    Raises
    ------
    ValueError
        ``fmt`` cannot format the values, ``initial`` is not an index of them, both ``fig`` and
        ``panels`` are given, or ``limits`` does not hold one entry per panel.
    InvalidParameterError
        An argument breaks its declared constraint (``draw`` not callable, empty ``values``, ...).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from gklib.viz import slider_figure
    >>> def draw(i, axes):
    ...     axes[0].plot([0, 1], [0, i + 1])
    >>> s = slider_figure(draw, [0.5, 1.0, 2.0], panels=1, dpi=20, limits=[{"ylim": (0, 3)}])
    >>> len(s.frames), s.labels, s.html.count('data-gk-frames="3"')
    (3, ['0.5', '1', '2'], 1)
    >>> s.html.startswith('<div class="gk-slider"') and 'type="range" min="0" max="2"' in s.html
    True
    """
    vals = list(values)
    fmt_fn = fmt if callable(fmt) else fmt.format
    try:
        labels = [str(fmt_fn(v)) for v in vals]
    except (ValueError, TypeError, IndexError, KeyError) as err:
        raise ValueError(f"fmt cannot format the values: {err}") from None
    dpi = float(dpi)
    initial = int(initial)
    if initial >= len(vals):
        raise ValueError(f"initial must be < len(values) = {len(vals)}, got {initial}")
    if panels is not None:
        if fig is not None:
            raise ValueError("pass fig or panels, not both")
        axes = panel_axes(panels, float(height), float(width))
        limits = [{}] * len(axes) if limits is None else [dict(lim or {}) for lim in limits]
        if len(limits) != len(axes):
            raise ValueError(f"limits must hold one dict per panel ({len(axes)}), got {len(limits)}")
        fig, draw = axes[0].figure, _framed(draw, axes, limits)
    elif fig is None:
        fig = plt.figure(figsize=tuple(float(s) for s in figsize))
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


_PRESET = dict(hist=c.HISTORY, param=c.TEXT, fmt=c.FORMAT, dpi=c.POSITIVE)


@validate_params(**_PRESET)
def sweep_animation(hist: History, param: str = "alpha", fmt: str = "{:.3g}", dpi: float = SLIDER_DPI):
    """Static slider (:func:`~gklib.viz.slider.slider_figure`) over the runs of a batched sweep:
    :func:`draw_toy_panels` (losses and decomposition) for each value of ``hist.params[param]``, on
    fixed axes. Works in the static book. Returns a :class:`~gklib.viz.slider.StaticSlider`.

    Parameters
    ----------
    hist : History
        A batched committee-machine sweep (with the loss decomposition).
    param : str, default "alpha"
        The ``hist.params`` key of the slider.
    fmt : str, default "{:.3g}"
        Formats its values.
    dpi : float, default SLIDER_DPI
        > 0, the frames' resolution.

    Returns
    -------
    StaticSlider
        One frame per run.

    Raises
    ------
    ValueError
        ``hist`` is a single run, or ``param`` is not a key of ``hist.params``.
    InvalidParameterError
        An argument breaks its declared constraint (``hist=None``, ``dpi <= 0``, ...).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]),
    ...                weight_norm=np.array([[1.0, 1.2, 1.5, 1.6], [1.0, 1.0, 1.1, 1.1]]),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> h.variance, h.misalignment, h.linear = h.test_loss * 0.5, h.test_loss * 0.4, h.test_loss * 0.1
    >>> s = gk.viz.sweep_animation(h, dpi=20)
    >>> len(s), s.labels
    (2, ['0.5', '2'])
    """
    ylim = loss_range(hist, floor=1e-6) if isinstance(hist, History) else None
    return _run_slider(hist, param, fmt, lambda i, axes, cap: draw_toy_panels(hist.run(i), axes, title=cap, ylim=ylim),
                       panels=2, dpi=dpi, title="losses and test-loss decomposition")


@validate_params(**_PRESET, note=c.TEXT_OR_NONE)
def grokking_slider(hist: History, param: str = "alpha", fmt: str = "{:.3g}", dpi: float = SLIDER_DPI,
                    note: str | None = DEFAULT_NOTE):
    r"""Static slider over the runs of a batched sweep in the layout of the paper's Fig 1
    (:func:`~gklib.viz.figures.plot_grokking`: train/test loss and the weight norm
    :math:`\|W_t\|_F/\|W_0\|_F`), on axes fixed across frames. Works in the static book.
    ``note`` is the line under the figure (:func:`slider_figure`); a page without a live explorer
    of its own says where one is. Returns a :class:`~gklib.viz.slider.StaticSlider`.

    Parameters
    ----------
    hist : History
        A batched sweep.
    param : str, default "alpha"
        The ``hist.params`` key of the slider.
    fmt : str, default "{:.3g}"
        Formats its values.
    dpi : float, default SLIDER_DPI
        > 0, the frames' resolution.
    note : str or None, default DEFAULT_NOTE
        The line under the figure (``None``: none).

    Returns
    -------
    StaticSlider
        One frame per run.

    Raises
    ------
    ValueError
        ``hist`` is a single run, or ``param`` is not a key of ``hist.params``.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]),
    ...                weight_norm=np.array([[1.0, 1.2, 1.5, 1.6], [1.0, 1.0, 1.1, 1.1]]),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> s = gk.viz.grokking_slider(h, dpi=20, note=None)
    >>> len(s.frames), 'data-gk-slider="α"' in s.html, "gk-slider-note" in s.html
    (2, True, False)
    """
    if not hist.batched:
        raise ValueError("hist must be a batched History (a sweep)")
    wn = np.asarray(hist.weight_norm, dtype=float)
    wn = wn / wn[:, :1]
    limits = ({"ylim": loss_range(hist, floor=1e-6)}, {"ylim": (0.9 * np.nanmin(wn), 1.1 * np.nanmax(wn))})

    def draw(i, axes, cap):
        plot_grokking(hist.run(i), title=f"{cap}: train and test loss", axes=axes)
        axes[0].legend(loc="lower left")        # one place in every frame (empty in all)

    return _run_slider(hist, param, fmt, draw, panels=2, limits=limits, dpi=dpi, note=note,
                       title="train/test loss and weight norm")


@validate_params(hist=c.HISTORY, hist_lin=c.HISTORY, dpi=c.POSITIVE)
def alpha_animation(hist: History, hist_lin: History, dpi: float = SLIDER_DPI):
    """Static slider (:func:`~gklib.viz.slider.slider_figure`) over the runs of an α sweep: the
    network's train/test curves against the linearised model's, one frame per run, on fixed axes.
    Works in the static book (no kernel). ``hist`` is a batched history with ``params["alpha"]``;
    ``hist_lin`` is one run or one run per α. Returns a :class:`~gklib.viz.slider.StaticSlider`.

    Parameters
    ----------
    hist : History
        A batched α sweep (``params["alpha"]``).
    hist_lin : History
        The linearisation: one run or one per α.
    dpi : float, default SLIDER_DPI
        > 0, the frames' resolution.

    Returns
    -------
    StaticSlider
        One frame per α.

    Raises
    ------
    ValueError
        ``hist`` is a single run, or ``hist_lin`` has neither one run nor one per α.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]),
    ...                weight_norm=np.array([[1.0, 1.2, 1.5, 1.6], [1.0, 1.0, 1.1, 1.1]]),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> s = gk.viz.alpha_animation(h, h.run(1), dpi=20)
    >>> len(s), s.labels
    (2, ['0.5', '2'])
    """
    if not hist.batched:
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


@validate_params(D=Integer(1), eps_values=Reals(0, closed="neither"), ridge=Real(0), dpi=c.POSITIVE)
def eps_explorer_static(D: int = 40, eps_values=(0.01, 0.03, 0.1, 0.3, 1.0), ridge: float = 0.0,
                        dpi: float = SLIDER_DPI):
    """Static slider (:func:`~gklib.viz.slider.slider_figure`) over ``eps_values``: one
    :func:`plot_eps_panel` frame per ε (four panels), for the static book (no kernel needed).
    Returns a :class:`~gklib.viz.slider.StaticSlider`.

    Parameters
    ----------
    D : int, default 40
        >= 1, the input dimension.
    eps_values : float or sequence of float, default (0.01, 0.03, 0.1, 0.3, 1.0)
        The values of ε (> 0), one frame each.
    ridge : float, default 0.0
        >= 0, the ridge of the kernel regression.
    dpi : float, default SLIDER_DPI
        > 0, the frames' resolution.

    Returns
    -------
    StaticSlider
        One frame per ε.

    Raises
    ------
    InvalidParameterError
        ``D < 1``, an ε <= 0, a negative ridge, ...

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import gklib as gk
    >>> s = gk.viz.eps_explorer_static(D=4, eps_values=[0.3], dpi=10)     # one four-panel frame: ~1 s
    >>> len(s), s.labels, 'data-gk-slider="ε"' in s.html
    (1, ['0.3'], True)
    """
    D, ridge = int(D), float(ridge)
    eps_values = [float(e) for e in np.atleast_1d(eps_values)]
    return slider_figure(lambda i, axes: plot_eps_panel(D, eps_values[i], ridge, axes=axes), eps_values,
                         label=param_label("eps"), panels=4, height=3.0, dpi=dpi,
                         title="Mercer spectrum, power split and kernel learning curves")


@validate_params(hist=c.HISTORY, by=c.BY, panels=PANEL_LIST, dpi=c.POSITIVE)
def sweep_slider_html(hist: History, by=None, panels=("acc", "norm"), dpi: float = SLIDER_DPI):
    """Static slider (:func:`slider_figure`) over the runs of a precomputed sweep: :func:`plot_sweep`
    with run ``i`` highlighted, one frame per run (``by`` labels the runs as in :func:`plot_sweep`).
    Works in the static HTML book without a kernel. Returns a :class:`StaticSlider`.

    Parameters
    ----------
    hist : History
        A batched sweep.
    by : str or sequence or None, default None
        Labels of the runs (:func:`~gklib.viz.figures.sweep_labels`); they are the slider's values.
    panels : sequence of {"loss", "acc", "norm", "change"}, default ("acc", "norm")
        As :func:`~gklib.viz.figures.plot_sweep` (which checks them).
    dpi : float, default SLIDER_DPI
        > 0, the frames' resolution.

    Returns
    -------
    StaticSlider
        One frame per run.

    Raises
    ------
    ValueError
        ``hist`` is a single run.
    InvalidParameterError
        An argument breaks its declared constraint.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.arange(4), train_loss=np.array([[1.0, 0.1, 0.01, 0.001], [1.0, 0.5, 0.2, 0.1]]),
    ...                test_loss=np.array([[1.0, 0.8, 0.3, 0.05], [1.0, 0.9, 0.7, 0.6]]),
    ...                weight_norm=np.array([[1.0, 1.2, 1.5, 1.6], [1.0, 1.0, 1.1, 1.1]]),
    ...                train_acc=np.array([[0.1, 0.6, 1.0, 1.0], [0.1, 0.3, 0.6, 0.8]]),
    ...                test_acc=np.array([[0.1, 0.2, 0.7, 1.0], [0.1, 0.2, 0.3, 0.4]]),
    ...                params={"alpha": np.array([0.5, 2.0])})
    >>> s = gk.viz.sweep_slider_html(h, "alpha", dpi=20)
    >>> s.labels, s.html.count("<img")
    (['α = 0.5', 'α = 2'], 1)
    """
    if not hist.batched:
        raise ValueError(f"hist must be a batched History (a sweep), got {type(hist).__name__}")
    labels = sweep_labels(hist, by)

    def draw(i, axes):
        plot_sweep(hist, by, panels=panels, axes=axes, highlight=i, title=labels[i])

    return slider_figure(draw, labels, label="run", fmt="{}", sep=": ", panels=len(panels), height=2.9, dpi=dpi,
                         title="sweep with one run highlighted")
