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
keys move it, and its ``aria-valuetext`` reads the current value. Size: one PNG per value
(about 20–60 kB at the default ``dpi=72``), so keep sweeps to a dozen values or so.

The ``gk-slider`` class and the ``data-gk-slider`` attribute are stable hooks for the browser
tests (``tests_browser/``). The chapter-specific wrappers (``alpha_animation``,
``eps_explorer_static``, ``sweep_animation``, ``sweep_slider_html``, ``dmft_rho_slider``) only
supply a ``draw(i)`` function.
"""
from __future__ import annotations

import base64
import hashlib
import html as _html
import io
import itertools
import json

import numpy as np
from IPython.display import HTML

from .validation import check_positive, check_positive_int

__all__ = ["StaticSlider", "slider_figure", "DEFAULT_NOTE"]

DEFAULT_NOTE = ("Static slider: precomputed frames, works in the HTML book without Python. "
                "The live explorer (JupyterLab, needs a kernel) recomputes the figure for any value.")

_counter = itertools.count()

_SCRIPT = """<script>
(function () {
  var root = document.getElementById(%(id)s);
  if (!root || root.getAttribute("data-gk-ready")) { return; }
  root.setAttribute("data-gk-ready", "1");
  var frames = %(frames)s, labels = %(labels)s;
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


def _png(fig, dpi: float) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def slider_figure(draw, values, *, label: str = "α", fmt="{:.3g}", sep: str = " = ", fig=None, figsize=(8.0, 3.6),
                  dpi: float = 72, initial: int = 0, note: str | None = DEFAULT_NOTE,
                  title: str | None = None, close: bool = True) -> StaticSlider:
    """Render ``draw(i)`` for every ``values[i]`` into a self-contained HTML slider.

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

    Returns
    -------
    StaticSlider
        HTML with one ``<input type="range">``, a value ``<output>`` and one ``<img>`` inside
        ``<div class="gk-slider" data-gk-slider=label>``; ``.frames`` holds the PNGs.
    """
    import matplotlib.pyplot as plt

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
    if fig is None:
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
    html = (
        f'<div class="gk-slider" id="{uid}" data-gk-slider="{esc(label)}" data-gk-frames="{n}" '
        f'data-gk-index="{initial}" style="max-width:100%;margin:0.5em 0">\n'
        f'<div class="gk-slider-controls" style="display:flex;align-items:center;gap:0.8em">'
        f'<label for="{uid}-input">{esc(label)}{esc(sep)}<output class="gk-slider-value" for="{uid}-input">'
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
