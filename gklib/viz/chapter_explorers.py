"""Each chapter's live explorer at that chapter's sizes, built by one call.

The chapters' explorer cells, the Explorers page (``book/explorers.ipynb``, which ``make lab``
opens) and the explorer benchmark (``benchmarks/bench_explorers.py``) all build the explorers with
:func:`chapter_explorer`, so the three show the same thing. An explorer needs nothing from its
chapter's other cells: it makes its own task and trains its own models, so its cell runs right
after the chapter's imports.

- chapter 1, :func:`~gklib.viz.explorers.lazy_explorer`: the network at one α against its linearisation;
- chapter 2, :func:`~gklib.viz.explorers.eps_explorer`: Mercer spectrum, power split, learning curves;
- chapter 3, :func:`~gklib.viz.explorers.toy_explorer`: losses and decomposition at (α, ε, P);
- chapter 4, :func:`~gklib.viz.dmft.dmft_explorer`: the DMFT at (ρ, α) with the online curve;
- chapter 5, :func:`~gklib.viz.explorers.modular_mlp_explorer`: the modular-addition MLP at scale s.
"""
from __future__ import annotations

from ..config import by_profile
from ..params import Options, validate_params
from ..toy.tasks import quadratic_task
from .dmft import dmft_explorer
from .explorers import eps_explorer, lazy_explorer, modular_mlp_explorer, toy_explorer

__all__ = ["CHAPTER_EXPLORERS", "explorer_settings", "chapter_explorer"]

#: chapter → (the explorer function, what its sliders vary)
CHAPTER_EXPLORERS = {
    1: (lazy_explorer, "α: the committee machine against its linearisation"),
    2: (eps_explorer, "ε, the ridge and D: the initial kernel's spectrum and learning curves"),
    3: (toy_explorer, "α, ε and P: grokking in the committee machine and its test-loss decomposition"),
    4: (dmft_explorer, "ρ = P/D and α: the DMFT's train and test loss"),
    5: (modular_mlp_explorer, "the scale s: grokking of modular addition by a quadratic MLP"),
}


_CHAPTER = Options(*CHAPTER_EXPLORERS)


@validate_params(chapter=_CHAPTER)
def explorer_settings(chapter: int) -> dict:
    """The keyword arguments of chapter ``chapter``'s explorer at the active profile.

    Chapter 1's task (``task``) is described by its sizes here and made by :func:`chapter_explorer`;
    chapter 4's solver sizes are chosen so that a new (ρ, α) is solved in under a second on one
    CPU core at the ``book`` profile.

    Parameters
    ----------
    chapter : {1, 2, 3, 4, 5}
        The chapter.

    Returns
    -------
    dict
        Keyword arguments of ``CHAPTER_EXPLORERS[chapter][0]``.

    Raises
    ------
    InvalidParameterError
        ``chapter`` is not one of the chapters.

    Examples
    --------
    >>> from gklib.config import profile
    >>> from gklib.viz import explorer_settings
    >>> with profile("quick"):
    ...     explorer_settings(1)["task"]
    {'D': 20, 'P': 100, 'P_test': 500, 'seed': 0}
    >>> explorer_settings(2)
    {'D': 40, 'eps': 0.1}
    """
    by = by_profile
    if chapter == 1:
        return dict(task=dict(D=by(quick=20, book=30), P=by(quick=100, book=200), P_test=500, seed=0),
                    N=200, eps=1.0, steps=by(quick=2000, book=5000), lr_scale=0.5, alpha=(0.25, 128),
                    alpha0=1.0)
    if chapter == 2:
        return dict(D=40, eps=0.1)
    if chapter == 3:
        return dict(D=40, N=200, P_max=1000, steps=3000, lr_scale=2.0, alpha0=1.0, eps0=0.05, P0=160)
    if chapter == 4:
        return dict(rhos=(2, 3, 5, 10, 30), alphas=(0.5, 1.0, 2.0), steps=by(quick=15, book=40),
                    samples=by(quick=500, book=2000), response_samples=by(quick=100, book=150))
    return {}


@validate_params(chapter=_CHAPTER)
def chapter_explorer(chapter: int):
    """Build chapter ``chapter``'s live explorer with :func:`explorer_settings` (JupyterLab; in a
    headless execution, a placeholder). Returns the widget to display.

    Parameters
    ----------
    chapter : {1, 2, 3, 4, 5}
        The chapter.

    Returns
    -------
    ipywidgets.VBox or ExplorerPlaceholder
        The explorer (it starts computing its first figure in a background thread).

    Raises
    ------
    InvalidParameterError
        ``chapter`` is not one of the chapters.

    Examples
    --------
    In a headless execution (as in the book build) the explorer is not built; the live ones are shown in
    the examples of the explorers themselves, at small sizes:

    >>> import os
    >>> from gklib.viz import chapter_explorer
    >>> os.environ["GKLIB_HEADLESS"] = "1"
    >>> w = chapter_explorer(3)
    >>> type(w).__name__, w.name
    ('ExplorerPlaceholder', 'toy_explorer')
    >>> del os.environ["GKLIB_HEADLESS"]
    """
    build, _ = CHAPTER_EXPLORERS[chapter]
    kw = explorer_settings(chapter)
    if "task" in kw:
        kw["task"] = quadratic_task(**kw["task"])
    return build(**kw)
