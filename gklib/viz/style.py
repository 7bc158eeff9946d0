"""The course's house style for matplotlib: figures that fit the text column and read at their rendered size.

Every chapter calls :func:`use_style` once, in its first cell; at a profile other than ``book`` it also shows
a banner saying so. The rules it encodes:

- figures are at most :data:`TEXT_WIDTH` inches wide (the book's text column), so the page theme never
  shrinks them — a figure drawn wider is scaled down with its fonts;
- fonts are at least 9 pt at that size; legends are small and framed;
- inline figures are PNG at twice the screen resolution ("retina", about 200 dpi), sharp on every screen
  while staying small (slider frames choose their own, lower dpi);
- every PNG the house style writes (inline figures, slider frames: :func:`figure_png`) carries, in a
  ``tEXt`` chunk named :data:`FONT_KEY`, the size of its smallest text in the PNG's own pixels, so that a
  browser test can check that type is legible *as displayed*: a font of ``s`` natural pixels in an image
  ``W`` pixels wide shown ``w`` CSS pixels wide is ``s·w/W`` pixels on screen, which must be at least
  :data:`MIN_DISPLAY_PX` (9 px) in a 1280-px window, where the theme's text column is about 690 px wide.

Multi-panel figures use ``figsize=(TEXT_WIDTH, h)``; three panels that do not fit the column are
stacked or split.
"""
from __future__ import annotations

import base64
import io
import struct
import zlib

import matplotlib as mpl

from ..config import get_profile
from ..params import Boolean, Instance, Integer, Real, validate_params

__all__ = ["TEXT_WIDTH", "HOUSE_STYLE", "PARAM_LABELS", "param_label", "use_style", "profile_banner", "panel_axes",
           "FONT_KEY", "MIN_DISPLAY_PX", "THEME_COLUMN_PX", "min_font_px", "figure_png", "png_text", "add_png_text"]

TEXT_WIDTH = 7.5
"""Width of the book's text column in inches (at ``figure.dpi = 100``): the widest a figure should be."""

HOUSE_STYLE = {
    "figure.figsize": (TEXT_WIDTH, 3.4),
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8.5,
    "legend.title_fontsize": 8.5,
    "legend.framealpha": 0.85,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "lines.linewidth": 1.6,
}
"""The rcParams that :func:`use_style` sets."""


def profile_banner():
    """An HTML note for pages executed at a profile other than ``book`` (the text quotes the book's
    sizes; the figures then show smaller runs), or ``None`` at the ``book`` profile.

    Returns
    -------
    IPython.display.HTML or None
        The banner (a ``div`` of class ``gk-profile-banner`` naming the profile), ``None`` at ``book``.

    Examples
    --------
    >>> from gklib.config import profile
    >>> from gklib.viz.style import profile_banner
    >>> with profile("quick"):
    ...     "<b>quick</b> profile" in profile_banner().data
    True
    >>> with profile("book"):
    ...     profile_banner() is None
    True
    """
    from IPython.display import HTML

    name = get_profile()
    if name == "book":
        return None
    return HTML(f'<div class="gk-profile-banner" style="border-left:4px solid #d9822b;background:#fff4e5;'
                f'padding:.4em .8em;margin:.3em 0">This page was run with the <b>{name}</b> profile '
                f'(<code>GKLIB_PROFILE={name}</code>): its figures and printed numbers come from '
                f'{"smaller" if name == "quick" else "larger"} runs than the sizes quoted in the text, '
                f'which are those of the <code>book</code> profile.</div>')


FONT_KEY = "gklib:min-font-px"
"""Name of the PNG ``tEXt`` chunk in which :func:`figure_png` records the smallest font size of the
figure, in the PNG's pixels (the chunk ``gklib:min-font-text`` holds that text, for error messages)."""

MIN_DISPLAY_PX = 9.0
"""The smallest type, in screen pixels as displayed, that the book accepts (browser test)."""

THEME_COLUMN_PX = 676
"""Width in CSS pixels of the book theme's text column in a 1280-px window (measured in headless Chromium): a figure wider than this
(a :data:`TEXT_WIDTH` figure is about 760 px, tight-cropped) is shown scaled down to it."""


@validate_params(dpi=Real(0, closed="neither"))
def min_font_px(fig, dpi: float) -> tuple[float, str]:
    """The smallest font size among the visible, non-empty texts of the drawn figure ``fig`` (tick labels,
    labels, titles, legends, annotations), in pixels of an image rendered at ``dpi``: size in points ×
    ``dpi`` / 72. Returns ``(size, text)``; ``(inf, "")`` for a figure without text. Call it after the
    figure has been drawn (tick labels get their text at draw time).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A drawn figure.
    dpi : float
        > 0, the resolution of the image.

    Returns
    -------
    tuple of (float, str)
        The size in pixels and the text that has it.

    Raises
    ------
    InvalidParameterError
        ``dpi <= 0``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> from gklib.viz.style import min_font_px
    >>> fig = Figure()
    >>> _ = fig.text(0.5, 0.5, "small", fontsize=9)
    >>> min_font_px(fig, 144)
    (18.0, 'small')
    """
    from matplotlib.text import Text

    best, which = float("inf"), ""
    for t in fig.findobj(Text):
        if not t.get_visible() or not t.get_text().strip():
            continue
        ax = getattr(t, "axes", None)
        if ax is not None and not ax.get_visible():
            continue
        size = float(t.get_fontsize()) * float(dpi) / 72.0
        if size < best:
            best, which = size, t.get_text().strip()
    return best, which


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


_PNG = b"\x89PNG\r\n\x1a\n"


class _PNGBytes(Instance):
    """The bytes of a PNG image (or, with ``base64``, its base64 text, as in a ``data:`` URI)."""

    def __init__(self, base64_ok: bool = False):
        super().__init__(bytes, bytearray, str,
                         what="the bytes of a PNG image" + (" (or its base64 text)" if base64_ok else ""))
        self.base64_ok = base64_ok

    def holds(self, value) -> bool:
        if isinstance(value, str) and self.base64_ok:
            try:
                value = base64.b64decode(value.split(",", 1)[-1])
            except ValueError:
                return False
        return isinstance(value, (bytes, bytearray)) and value[:8] == _PNG

    def make_example(self):
        return _PNG + _chunk(b"IHDR", bytes(13)) + _chunk(b"IEND", b"")


@validate_params(png=_PNGBytes(), items=Instance(dict, what="a dict {key: text}"))
def add_png_text(png: bytes, items: dict) -> bytes:
    """``png`` with a ``tEXt`` chunk per ``key: value`` of ``items`` inserted after its header chunk
    (Latin-1 text; characters outside it become ``?``).

    Parameters
    ----------
    png : bytes
        A PNG image.
    items : dict
        ``{key: value}``, both written with ``str``.

    Returns
    -------
    bytes
        The PNG with the new chunks (the image itself unchanged).

    Raises
    ------
    InvalidParameterError
        ``png`` is not the bytes of a PNG image, or ``items`` not a dict.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from matplotlib.figure import Figure
    >>> from gklib.viz.style import add_png_text, figure_png, png_text
    >>> png = add_png_text(figure_png(Figure(figsize=(1, 1))), {"note": "hello"})
    >>> png_text(png)["note"]
    'hello'
    """
    n = struct.unpack(">I", png[8:12])[0]
    end = 8 + 12 + n                                            # after IHDR: signature, length, type, data, crc
    extra = b"".join(_chunk(b"tEXt", str(k).encode("latin-1", "replace") + b"\0"
                            + str(v).encode("latin-1", "replace")) for k, v in items.items())
    return bytes(png[:end]) + extra + bytes(png[end:])


@validate_params(png=_PNGBytes(base64_ok=True))
def png_text(png: bytes) -> dict:
    """The ``tEXt`` chunks of the PNG ``png`` as a dict (``{}`` if it has none).

    Parameters
    ----------
    png : bytes or str
        A PNG image, or its base64 text (a ``data:`` URI too, as in a notebook or a slider frame).

    Returns
    -------
    dict
        ``{key: text}``.

    Raises
    ------
    InvalidParameterError
        ``png`` is not a PNG image.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import base64
    >>> from matplotlib.figure import Figure
    >>> from gklib.viz.style import FONT_KEY, figure_png, png_text
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.text(0.1, 0.5, "ten points", fontsize=10)
    >>> png = figure_png(fig, dpi=72)
    >>> png_text(png)[FONT_KEY], png_text(base64.b64encode(png).decode())["gklib:min-font-text"]
    ('10.00', 'ten points')
    """
    if isinstance(png, str):                                    # base64, as in a data: URI or a notebook
        png = base64.b64decode(png.split(",", 1)[-1])
    out, i = {}, 8
    while i + 8 <= len(png):
        n, kind = struct.unpack(">I", png[i:i + 4])[0], png[i + 4:i + 8]
        if kind == b"tEXt":
            key, _, val = png[i + 8:i + 8 + n].partition(b"\0")
            out[key.decode("latin-1")] = val.decode("latin-1")
        if kind == b"IEND":
            break
        i += 12 + n
    return out


@validate_params(dpi=Real(0, closed="neither", none_ok=True))
def figure_png(fig, dpi: float | None = None, **savefig_kw) -> bytes:
    """The figure ``fig`` as PNG bytes at ``dpi`` (default ``fig.dpi``), with its smallest font size in the
    PNG's pixels recorded in the ``tEXt`` chunk :data:`FONT_KEY` (:func:`min_font_px`). Extra keywords go
    to :meth:`matplotlib.figure.Figure.savefig` (e.g. ``bbox_inches="tight"``).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    dpi : float or None, default None
        > 0, the resolution (``None``: ``fig.dpi``).
    **savefig_kw : keyword arguments
        Passed to ``savefig``.

    Returns
    -------
    bytes
        The PNG, ``width × dpi`` by ``height × dpi`` pixels.

    Raises
    ------
    InvalidParameterError
        ``dpi <= 0``.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import struct
    >>> from matplotlib.figure import Figure
    >>> from gklib.viz.style import figure_png
    >>> png = figure_png(Figure(figsize=(2, 1)), dpi=50)
    >>> struct.unpack(">II", png[16:24])          # width, height in pixels
    (100, 50)
    """
    dpi = float(fig.dpi if dpi is None else dpi)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, **savefig_kw)     # draws the figure: tick labels now have text
    size, text = min_font_px(fig, dpi)
    return add_png_text(buf.getvalue(), {FONT_KEY: f"{size:.2f}", "gklib:min-font-text": text[:60]})


def _inline_png(fig, retina: bool = True):
    """IPython's PNG formatter for figures in the house style: as IPython's own (``retina``: twice the
    figure's dpi, shown at half size; tight bounding box), plus the :data:`FONT_KEY` chunk."""
    if not fig.axes and not fig.lines:                          # an empty figure shows nothing, as in IPython
        return None
    scale = 2 if retina else 1
    png = figure_png(fig, fig.dpi * scale, bbox_inches="tight", facecolor=fig.get_facecolor(),
                     edgecolor=fig.get_edgecolor())
    data = base64.b64encode(png).decode("ascii")
    if not retina:
        return data
    w, h = struct.unpack(">II", png[16:24])
    return data, {"width": w // 2, "height": h // 2}


@validate_params(retina=Boolean())
def use_style(retina: bool = True) -> None:
    """Apply the house style (:data:`HOUSE_STYLE`) to matplotlib; in IPython, show inline figures as
    high-resolution PNG (``retina``) that record their smallest font size (:func:`figure_png`) and, at a
    profile other than ``book``, display :func:`profile_banner`. Safe to call more than once.

    Parameters
    ----------
    retina : bool, default True
        Inline PNG at twice the figure's dpi, shown at half size.

    Raises
    ------
    InvalidParameterError
        ``retina`` is not a bool.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib as mpl, gklib as gk
    >>> gk.viz.use_style()
    >>> mpl.rcParams["figure.figsize"] == [gk.viz.TEXT_WIDTH, 3.4], mpl.rcParams["font.size"]
    (True, 10.0)
    """
    mpl.rcParams.update(HOUSE_STYLE)
    try:
        from IPython import get_ipython
        from IPython.display import display
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover - plain Python
        return
    ip = get_ipython()
    if ip is None:
        return
    set_matplotlib_formats("retina" if retina else "png")
    from functools import partial

    from matplotlib.figure import Figure

    ip.display_formatter.formatters["image/png"].for_type(Figure, partial(_inline_png, retina=retina))
    banner = profile_banner()
    if banner is not None:
        display(banner)


PARAM_LABELS = {"alpha": "α", "eps": "ε"}
"""How the figures, sliders and legends name a swept parameter (the one place that says α for ``"alpha"``)."""


@validate_params(name=Instance(str, what="a string"))
def param_label(name: str) -> str:
    """The displayed name of the parameter ``name``: ``"alpha"`` → "α", ``"eps"`` → "ε", others unchanged.

    Parameters
    ----------
    name : str
        A parameter's name (a key of ``History.params``).

    Returns
    -------
    str
        Its name in the figures (:data:`PARAM_LABELS`).

    Raises
    ------
    InvalidParameterError
        ``name`` is not a string.

    Examples
    --------
    >>> from gklib.viz import param_label
    >>> param_label("alpha"), param_label("eps"), param_label("P")
    ('α', 'ε', 'P')
    """
    return PARAM_LABELS.get(name, name)


@validate_params(n=Integer(1), height=Real(0, 100, closed="neither"), width=Real(0, 100, closed="neither"))
def panel_axes(n: int, height: float = 2.9, width: float = TEXT_WIDTH):
    """``n`` axes in the house layout: one row of at most two panels across ``width`` (by default the text
    width :data:`TEXT_WIDTH`); three or more panels wrap onto further rows.

    Parameters
    ----------
    n : int
        >= 1, the number of panels.
    height : float, default 2.9
        Height of a row, in inches (0 < height <= 100).
    width : float, default TEXT_WIDTH
        Width of the figure, in inches (0 < width <= 100).

    Returns
    -------
    numpy.ndarray of matplotlib.axes.Axes, shape (n,)
        In reading order, on one new figure (constrained layout).

    Raises
    ------
    InvalidParameterError
        ``n < 1`` or a size out of range.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, gklib as gk
    >>> axes = gk.viz.panel_axes(3)
    >>> len(axes), axes[0].figure.get_size_inches().tolist()       # two rows of 2.9 inches
    (3, [7.5, 5.8])
    >>> plt.close("all")
    """
    import matplotlib.pyplot as plt

    n = int(n)
    cols = min(n, 2)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width, height * rows), constrained_layout=True, squeeze=False)
    axes = axes.ravel()
    for a in axes[n:]:
        a.remove()
    return axes[:n]
