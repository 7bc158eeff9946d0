"""The engine of the live explorers (:mod:`gklib.viz.explorers`): controls → a computation in a
background thread → a PNG figure, with a "computing …" state.

Why a thread: a slider's value arrives as a message to the kernel; if the figure were computed in the
message handler, the messages of further moves would wait in a queue and be computed one after the
other. Here the handler only records the latest values and returns; one worker thread computes them,
abandons a computation as soon as newer values arrive (at the ``check()`` points of the work, and
before a figure is shown), and never computes values that were superseded while it was busy.
Figures are drawn on pyplot-free :class:`~matplotlib.figure.Figure` objects (:func:`figure`), so
the worker never touches pyplot's global state, and sent as PNG bytes to an ``ipywidgets.Image``.
"""
from __future__ import annotations

import html as _html
import io
import threading
import time
import warnings
from collections import OrderedDict

import numpy as np

from ..params import Boolean, Instance, Integer, validate_params
from . import _checks as c

__all__ = ["LiveFigure", "figure", "log_slider", "EXPLORER_DPI", "CACHE_SIZE"]

#: Resolution of the explorers' figures (CSS pixels per inch: shown at their natural size).
EXPLORER_DPI = 100
#: Figures an explorer keeps (by slider values) so that going back to a value is instant.
CACHE_SIZE = 48


class _Stale(Exception):
    """A newer request arrived: the work in progress is abandoned."""


_STYLE = ("<style>.gk-busy{opacity:.45;transition:opacity .15s}"
          ".gk-explorer-status{font-size:var(--jp-ui-font-size1,13px);min-height:1.4em}</style>")


class LiveFigure:
    """The engine of the live explorers: controls → background computation → a PNG figure.

    ``work(values, show, check)`` computes the figure for ``values`` (a dict: control name → value);
    it calls ``show(fig)`` with a matplotlib :class:`~matplotlib.figure.Figure` (more than once to
    show a computation as it grows) and may call ``check()`` between steps, which raises when a newer
    value has been chosen (the work is then abandoned). ``describe(values)`` is the status text.

    Each change of a control's value is a request: the status line says "computing …", the image is
    dimmed, and a worker thread computes; requests made meanwhile are merged (only the latest is
    computed next). Finished figures are cached by values (``CACHE_SIZE``). Errors are shown in
    the status line. ``widget`` is the ``VBox`` to display (controls, status, image); it also carries
    ``explorer`` (this object), ``redraw()`` and ``wait()``.

    Attributes for tests and benchmarks: ``moves`` (one dict per finished request: ``values``,
    ``first`` — seconds to the first figure shown, ``seconds`` — to the last, ``first_cpu`` and
    ``cpu`` — the worker's CPU seconds to those points, ``cached``),
    ``error`` (the last error message or ``None``).

    Parameters
    ----------
    controls : dict
        ``{name: widget}``, widgets with a ``value`` trait (sliders).
    work : callable
        ``work(values, show, check)``, run in the worker thread.
    describe : callable
        ``describe(values) -> str``, the status text.
    rows : list of lists of widgets, optional
        The controls' layout (default: one row).
    dpi : float, default EXPLORER_DPI
        > 0, the PNG's resolution.
    cache : bool, default True
        Keep finished figures by values.

    Examples
    --------
    >>> import ipywidgets as W
    >>> from gklib.viz.live import LiveFigure, figure
    >>> def work(values, show, check):
    ...     fig, ax = figure((2, 1))
    ...     ax.plot([0, 1], [0, values["x"]])
    ...     show(fig)
    >>> x = W.IntSlider(value=1, min=0, max=3)
    >>> live = LiveFigure({"x": x}, work, lambda v: f"x = {v['x']}")
    >>> live.request(); live.wait(30), bytes(live.image.value[1:4]), live.error
    (True, b'PNG', None)
    >>> x.value = 2; live.wait(30), len(live.moves)          # a move is a request
    (True, 2)
    """

    @validate_params(controls=Instance(dict, what="a dict {name: widget}"),
                     work=c.Duck(str, what="a callable work(values, show, check)", test=callable,
                                 example=lambda: (lambda *a: None)),
                     describe=c.Duck(str, what="a callable describe(values)", test=callable,
                                     example=lambda: (lambda *a: None)),
                     rows=Instance(list, tuple, what="a list of rows of widgets", none_ok=True), dpi=c.POSITIVE,
                     cache=Boolean())
    def __init__(self, controls: dict, work, describe, *, rows=None, dpi: float = EXPLORER_DPI,
                 cache: bool = True):
        import ipywidgets as W

        self.controls = dict(controls)
        self._work, self._describe, self.dpi = work, describe, dpi
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%", height="auto"))
        self.image.add_class("gk-explorer-image")
        self.status = W.HTML(value="", layout=W.Layout(margin="0 0 0 8px"))
        self.status.add_class("gk-explorer-status")
        rows = rows if rows is not None else [list(self.controls.values())]
        self.widget = W.VBox([W.HTML(_STYLE)] + [W.HBox(r) for r in rows] + [self.status, self.image])
        self.widget.add_class("gk-explorer")
        self.widget.explorer, self.widget.redraw, self.widget.wait = self, self.redraw, self.wait
        self._cache = OrderedDict() if cache else None
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._want, self._gen, self._thread = None, 0, None
        self.moves, self.error = [], None
        for w in self.controls.values():
            w.observe(self.request, names="value")

    # ------------------------------------------------------------------ requests
    def values(self) -> dict:
        """The controls' current values.

        Returns
        -------
        dict
            ``{name: value}``.

        Examples
        --------
        >>> import ipywidgets as W
        >>> from gklib.viz.live import LiveFigure, figure
        >>> def work(values, show, check):
        ...     fig, ax = figure((2, 1))
        ...     ax.plot([0, 1], [0, values["x"]])
        ...     show(fig)
        >>> x = W.IntSlider(value=1, min=0, max=3)
        >>> live = LiveFigure({"x": x}, work, lambda v: f"x = {v['x']}")
        >>> live.values()
        {'x': 1}
        """
        return {k: w.value for k, w in self.controls.items()}

    def request(self, *_):
        """Ask for the figure of the controls' current values (what a slider move does).

        Parameters
        ----------
        *_ : object
            Ignored (the ``observe`` change record).

        Examples
        --------
        >>> import ipywidgets as W
        >>> from gklib.viz.live import LiveFigure, figure
        >>> def work(values, show, check):
        ...     fig, ax = figure((2, 1))
        ...     ax.plot([0, 1], [0, values["x"]])
        ...     show(fig)
        >>> x = W.IntSlider(value=1, min=0, max=3)
        >>> live = LiveFigure({"x": x}, work, lambda v: f"x = {v['x']}")
        >>> live.request(); live.wait(30), live.moves[-1]["cached"]
        (True, False)
        >>> live.request(); live.moves[-1]["cached"]                  # the same values: from the cache
        True
        """
        values = self.values()
        key = self._key(values)
        if self._cache is not None and key in self._cache:
            with self._lock:
                self._gen += 1                       # a computation in progress is now stale
                self._want = None
                self._cache.move_to_end(key)
                self.image.value = self._cache[key]
            self.image.remove_class("gk-busy")
            self._set_status(self._describe(values), note="")
            self.moves.append({"values": values, "first": 0.0, "seconds": 0.0, "cached": True})
            return
        with self._lock:
            self._gen += 1
            self._want = (values, self._gen, time.perf_counter())
            self._idle.clear()
            self._set_status(self._describe(values), busy=True)
            self.image.add_class("gk-busy")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True, name="gk-explorer")
                self._thread.start()

    def redraw(self, timeout: float | None = None) -> bool:
        """Recompute the current values (cache bypassed) and wait until the figure is shown.

        Parameters
        ----------
        timeout : float or None, default None
            Seconds to wait at most (``None``: no limit).

        Returns
        -------
        bool
            ``False`` if ``timeout`` passed first.

        Examples
        --------
        >>> import ipywidgets as W
        >>> from gklib.viz.live import LiveFigure, figure
        >>> def work(values, show, check):
        ...     fig, ax = figure((2, 1))
        ...     ax.plot([0, 1], [0, values["x"]])
        ...     show(fig)
        >>> x = W.IntSlider(value=1, min=0, max=3)
        >>> live = LiveFigure({"x": x}, work, lambda v: f"x = {v['x']}")
        >>> live.redraw(30), live.redraw(30), [m["cached"] for m in live.moves]
        (True, True, [False, False])
        """
        if self._cache is not None:
            self._cache.pop(self._key(self.values()), None)
        self.request()
        return self.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no computation is pending; ``False`` if ``timeout`` (s) passed first.

        Parameters
        ----------
        timeout : float or None, default None
            Seconds to wait at most (``None``: no limit).

        Returns
        -------
        bool
            Whether the worker is idle.

        Examples
        --------
        >>> import ipywidgets as W
        >>> from gklib.viz.live import LiveFigure, figure
        >>> def work(values, show, check):
        ...     fig, ax = figure((2, 1))
        ...     ax.plot([0, 1], [0, values["x"]])
        ...     show(fig)
        >>> x = W.IntSlider(value=1, min=0, max=3)
        >>> live = LiveFigure({"x": x}, work, lambda v: f"x = {v['x']}")
        >>> live.wait(0.0)                   # nothing requested yet
        True
        """
        return self._idle.wait(timeout)

    # ------------------------------------------------------------------ worker
    @staticmethod
    def _key(values):
        return tuple((k, float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool) else repr(v))
                     for k, v in values.items())

    def _stale(self, gen) -> bool:
        return gen != self._gen

    def _loop(self):
        while True:
            with self._lock:
                if self._want is None:
                    self._thread = None
                    self._idle.set()
                    return
                (values, gen, t0), self._want = self._want, None
            move = {"values": values, "first": None, "seconds": None, "cached": False}
            c0 = time.thread_time()
            png = None

            def check():
                if self._stale(gen):
                    raise _Stale

            def show(fig, note=""):
                nonlocal png
                if self._stale(gen):
                    raise _Stale
                buf = io.BytesIO()
                fig.savefig(buf, format="png", dpi=self.dpi, pil_kwargs={"compress_level": 1})
                png = buf.getvalue()
                with self._lock:                       # no newer figure can be overwritten
                    if self._stale(gen):
                        raise _Stale
                    self.image.value = png
                    width = f"{int(round(fig.get_figwidth() * self.dpi))}px"     # natural size, not stretched
                    if self.image.layout.width != width:
                        self.image.layout.width = width
                if move["first"] is None:
                    move["first"] = time.perf_counter() - t0
                    move["first_cpu"] = time.thread_time() - c0
                if note:
                    self._set_status(self._describe(values), busy=True, note=note)

            try:
                with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
                    warnings.simplefilter("always")
                    self._work(values, show, check)
            except _Stale:
                continue
            except Exception as err:                   # shown, not raised: the kernel stays usable
                with self._lock:
                    if self._stale(gen):
                        continue
                    self.error = f"{type(err).__name__}: {err}"
                    self.image.remove_class("gk-busy")
                    self._set_status(self._describe(values), note=self.error, error=True)
                move["seconds"] = time.perf_counter() - t0
                self.moves.append(move)
                continue
            msgs = sorted({str(w.message).split("\n")[0] for w in caught
                           if issubclass(w.category, RuntimeWarning)})
            with self._lock:                           # a newer request owns the status from here on
                if self._stale(gen):
                    continue
                move["seconds"] = time.perf_counter() - t0
                move["cpu"] = time.thread_time() - c0
                self.error = None
                if png is not None and self._cache is not None:
                    self._cache[self._key(values)] = png
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
                self.image.remove_class("gk-busy")
                self._set_status(self._describe(values),
                                 note="; ".join(msgs)[:300] or f"{move['seconds']:.2f} s")
            self.moves.append(move)

    def _set_status(self, text, busy=False, note="", error=False):
        esc = _html.escape
        if busy:
            body = f"<i>computing {esc(text)} …</i>" + (f" ({esc(note)})" if note else "")
        elif error:
            body = f"{esc(text)}: <span style='color:#b00'>{esc(note)}</span>"
        else:
            body = esc(text) + (f" <span style='color:#777'>· {esc(note)}</span>" if note else "")
        self.status.value = f"<span data-gk-busy='{int(busy)}'>{body}</span>"


@validate_params(figsize=c.Duck(tuple, what="(width, height) in inches, both > 0", example=lambda: (2.0, 1.0),
                              test=lambda v: len(v) == 2 and all(c.POSITIVE.holds(s) for s in v)),
                 ncols=Integer(1))
def figure(figsize, ncols=1, **kw):
    """A pyplot-free figure (safe in the worker thread) with ``ncols`` axes.

    Parameters
    ----------
    figsize : (float, float)
        Width and height in inches.
    ncols : int, default 1
        >= 1, axes in one row.
    **kw : keyword arguments
        ``Figure.subplots`` keywords.

    Returns
    -------
    tuple
        ``(matplotlib.figure.Figure, Axes or array of Axes)``.

    Raises
    ------
    InvalidParameterError
        A non-positive size or ``ncols < 1``.

    Examples
    --------
    >>> from gklib.viz.live import figure
    >>> fig, axes = figure((4, 2), 2)
    >>> len(axes), fig.get_size_inches().tolist()
    (2, [4.0, 2.0])
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, ncols, **kw)
    return fig, axes


@validate_params(value=c.POSITIVE, lo=c.POSITIVE, hi=c.POSITIVE, desc=c.TEXT, step=c.POSITIVE, fmt=c.TEXT)
def log_slider(value, lo, hi, desc, step=0.05, fmt=".3g"):
    """A log-scale float slider from ``lo`` to ``hi`` that reports on release (``continuous_update=False``).

    Parameters
    ----------
    value : float
        > 0, the first value (clipped to the range).
    lo, hi : float
        The range, 0 < lo < hi.
    desc : str
        The slider's label.
    step : float, default 0.05
        > 0, the step in decades.
    fmt : str, default ".3g"
        The readout's format.

    Returns
    -------
    ipywidgets.FloatLogSlider

    Raises
    ------
    ValueError
        ``lo >= hi``.
    InvalidParameterError
        A non-positive value or bound.

    Examples
    --------
    >>> from gklib.viz.live import log_slider
    >>> s = log_slider(500.0, 0.1, 100.0, "α")
    >>> s.value, s.min, s.max, s.continuous_update
    (100.0, -1.0, 2.0, False)
    """
    import ipywidgets as W

    lo, hi = float(lo), float(hi)
    if not lo < hi:
        raise ValueError(f"{desc} must be a range (low, high) with low < high, got {(lo, hi)}")
    value = min(max(float(value), lo), hi)
    return W.FloatLogSlider(value=value, base=10, min=np.log10(lo), max=np.log10(hi), step=step,
                            description=desc, continuous_update=False, readout_format=fmt)
