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
    sizes; the figures then show smaller runs), or ``None`` at the ``book`` profile."""
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


def min_font_px(fig, dpi: float) -> tuple[float, str]:
    """The smallest font size among the visible, non-empty texts of the drawn figure ``fig`` (tick labels,
    labels, titles, legends, annotations), in pixels of an image rendered at ``dpi``: size in points ×
    ``dpi`` / 72. Returns ``(size, text)``; ``(inf, "")`` for a figure without text. Call it after the
    figure has been drawn (tick labels get their text at draw time)."""
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


def add_png_text(png: bytes, items: dict) -> bytes:
    """``png`` with a ``tEXt`` chunk per ``key: value`` of ``items`` inserted after its header chunk
    (Latin-1 text; characters outside it become ``?``)."""
    if not isinstance(png, (bytes, bytearray)) or png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("png must be the bytes of a PNG image")
    n = struct.unpack(">I", png[8:12])[0]
    end = 8 + 12 + n                                            # after IHDR: signature, length, type, data, crc
    extra = b"".join(_chunk(b"tEXt", str(k).encode("latin-1", "replace") + b"\0"
                            + str(v).encode("latin-1", "replace")) for k, v in items.items())
    return bytes(png[:end]) + extra + bytes(png[end:])


def png_text(png: bytes) -> dict:
    """The ``tEXt`` chunks of the PNG ``png`` as a dict (``{}`` if it has none)."""
    if isinstance(png, str):                                    # base64, as in a data: URI or a notebook
        png = base64.b64decode(png.split(",", 1)[-1])
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("png must be the bytes of a PNG image")
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


def figure_png(fig, dpi: float | None = None, **savefig_kw) -> bytes:
    """The figure ``fig`` as PNG bytes at ``dpi`` (default ``fig.dpi``), with its smallest font size in the
    PNG's pixels recorded in the ``tEXt`` chunk :data:`FONT_KEY` (:func:`min_font_px`). Extra keywords go
    to :meth:`matplotlib.figure.Figure.savefig` (e.g. ``bbox_inches="tight"``)."""
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


def use_style(retina: bool = True) -> None:
    """Apply the house style (:data:`HOUSE_STYLE`) to matplotlib; in IPython, show inline figures as
    high-resolution PNG (``retina``) that record their smallest font size (:func:`figure_png`) and, at a
    profile other than ``book``, display :func:`profile_banner`. Safe to call more than once."""
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


def param_label(name: str) -> str:
    """The displayed name of the parameter ``name``: ``"alpha"`` → "α", ``"eps"`` → "ε", others unchanged."""
    return PARAM_LABELS.get(name, name)


def panel_axes(n: int, height: float = 2.9, width: float = TEXT_WIDTH):
    """``n`` axes in the house layout: one row of at most two panels across ``width`` (by default the text
    width :data:`TEXT_WIDTH`); three or more panels wrap onto further rows."""
    import matplotlib.pyplot as plt

    from ..validation import check_positive_int

    n = check_positive_int(n, "n")
    cols = min(n, 2)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width, height * rows), constrained_layout=True, squeeze=False)
    axes = axes.ravel()
    for a in axes[n:]:
        a.remove()
    return axes[:n]
