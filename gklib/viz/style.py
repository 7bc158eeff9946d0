"""The course's house style for matplotlib: figures that fit the text column and read at their rendered size.

Every chapter calls :func:`use_style` once, in its first cell. The rules it encodes:

- figures are at most :data:`TEXT_WIDTH` inches wide (the book's text column), so the page theme never
  shrinks them — a figure drawn wider is scaled down with its fonts;
- fonts are at least 9 pt at that size; legends are small and framed;
- inline figures are PNG at twice the screen resolution ("retina", about 200 dpi), sharp on every screen
  while staying small (slider frames choose their own, lower dpi).

Multi-panel figures use ``figsize=(TEXT_WIDTH, h)``; three panels that do not fit the column are
stacked or split.
"""
from __future__ import annotations

import matplotlib as mpl

__all__ = ["TEXT_WIDTH", "HOUSE_STYLE", "use_style"]

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


def use_style(retina: bool = True) -> None:
    """Apply the house style (:data:`HOUSE_STYLE`) to matplotlib; in IPython, also show inline figures as
    high-resolution PNG (``retina``). Safe to call more than once."""
    mpl.rcParams.update(HOUSE_STYLE)
    if not retina:
        return
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover - plain Python
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")
