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

from ..validation import check_positive

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
    """

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
        return {k: w.value for k, w in self.controls.items()}

    def request(self, *_):
        """Ask for the figure of the controls' current values (what a slider move does)."""
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
        """Recompute the current values (cache bypassed) and wait until the figure is shown."""
        if self._cache is not None:
            self._cache.pop(self._key(self.values()), None)
        self.request()
        return self.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no computation is pending; ``False`` if ``timeout`` (s) passed first."""
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


def figure(figsize, ncols=1, **kw):
    """A pyplot-free figure (safe in the worker thread) with ``ncols`` axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    axes = fig.subplots(1, ncols, **kw)
    return fig, axes


def log_slider(value, lo, hi, desc, step=0.05, fmt=".3g"):
    import ipywidgets as W

    lo, hi = check_positive(lo, desc), check_positive(hi, desc)
    if not lo < hi:
        raise ValueError(f"{desc} must be a range (low, high) with low < high, got {(lo, hi)}")
    value = min(max(check_positive(value, desc), lo), hi)
    return W.FloatLogSlider(value=value, base=10, min=np.log10(lo), max=np.log10(hi), step=step,
                            description=desc, continuous_update=False, readout_format=fmt)
