"""The course's house style for matplotlib: figures that fit the text column and read at their rendered size.

Every chapter calls :func:`use_style` once, in its first cell; at a profile other than ``book`` it also shows
a banner saying so. The rules it encodes:

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

from ..config import get_profile

__all__ = ["TEXT_WIDTH", "HOUSE_STYLE", "PARAM_LABELS", "param_label", "use_style", "profile_banner", "panel_axes"]

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


def use_style(retina: bool = True) -> None:
    """Apply the house style (:data:`HOUSE_STYLE`) to matplotlib; in IPython, show inline figures as
    high-resolution PNG (``retina``) and, at a profile other than ``book``, display
    :func:`profile_banner`. Safe to call more than once."""
    mpl.rcParams.update(HOUSE_STYLE)
    try:
        from IPython import get_ipython
        from IPython.display import display
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover - plain Python
        return
    if get_ipython() is None:
        return
    if retina:
        set_matplotlib_formats("retina")
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
