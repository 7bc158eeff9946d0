"""Run sizes: the profile switch and the smoke-run step cap.

One switch sets the size of every experiment in the course::

    GKLIB_PROFILE=quick   # tiny sizes for CI / nbmake (minutes for the whole book)
    GKLIB_PROFILE=book    # default: the sizes the rendered book shows
    GKLIB_PROFILE=paper   # the paper's sizes (a GPU helps)

Chapters ask for a size with :func:`by_profile`, e.g. ``steps = gk.by_profile(quick=3_000,
book=100_000, paper=100_000)``.

Smoke runs: ``GKLIB_SMOKE_STEPS=20`` caps every training loop at 20 steps (:func:`cap_steps`, applied
by :func:`gklib.train`, :func:`gklib.nets.trainer.fit`, the
linearised histories and the DMFT solver), so the ``paper`` profile can be checked on a CPU for
shapes, construction and finiteness (``make paper-smoke``); the numbers are then meaningless.
Unset (the default) it changes nothing.

Where runs execute and how they are seeded is :mod:`gklib.runtime` (:func:`~gklib.runtime.get_device`,
:func:`~gklib.runtime.generator`, :func:`~gklib.runtime.torch_threads`); what a front-end shows
(progress bars, headless executions) is :mod:`gklib.frontend`.

**Aliases.** Those six names lived here before and can still be imported from here, for old code
(``from gklib.config import get_device``); they are documented once, in their modules. ``ALIASES`` is
the one list of them (name -> the module that defines it); new code imports from that module:

- ``get_device``, ``generator``, ``torch_threads``: :mod:`gklib.runtime`;
- ``progress``, ``progress_enabled``, ``headless_execution``: :mod:`gklib.frontend`.
"""
from __future__ import annotations

import os
import warnings
from contextlib import contextmanager

import numpy as np

from ._forward import forwarding
from .params import Options, validate_params

__all__ = ["PROFILES", "get_profile", "set_profile", "profile", "by_profile", "smoke_steps", "cap_steps"]

ALIASES = {"get_device": "gklib.runtime", "generator": "gklib.runtime", "torch_threads": "gklib.runtime",
           "progress": "gklib.frontend", "progress_enabled": "gklib.frontend",
           "headless_execution": "gklib.frontend"}
"""Old import paths kept for old code: name -> the module that defines it (not in ``__all__``)."""


__getattr__, __dir__ = forwarding(__name__, globals(), ALIASES)

PROFILES = ("quick", "book", "paper")
_ENV = "GKLIB_PROFILE"
_override: str | None = None
_SMOKE_ENV = "GKLIB_SMOKE_STEPS"
_smoke_warned = False


def _check_profile(name: str) -> str:
    name = str(name).strip().lower()
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {name!r} (set {_ENV} or call set_profile)")
    return name


def get_profile() -> str:
    """The active run-size profile: :func:`set_profile` wins, then ``$GKLIB_PROFILE``, then ``"book"``.

    Returns
    -------
    str
        ``"quick"``, ``"book"`` or ``"paper"``.

    Raises
    ------
    ValueError
        ``$GKLIB_PROFILE`` names no profile.

    Examples
    --------
    >>> import gklib as gk
    >>> with gk.profile("quick"):
    ...     gk.get_profile()
    'quick'
    """
    if _override is not None:
        return _override
    return _check_profile(os.environ.get(_ENV, "book") or "book")


@validate_params(profile=Options("quick", "book", "paper", none_ok=True))
def set_profile(profile: str | None) -> str:
    """Set the run-size profile for this process.

    Parameters
    ----------
    profile : {"quick", "book", "paper"} or None
        The profile; ``None`` returns to ``$GKLIB_PROFILE`` (default ``"book"``).

    Returns
    -------
    str
        The profile now active.

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib import config
    >>> before = config._override
    >>> gk.set_profile("paper")
    'paper'
    >>> gk.by_profile(quick=10, book=100, paper=1000)
    1000
    >>> gk.set_profile(None) in gk.PROFILES        # back to $GKLIB_PROFILE
    True
    >>> config._override = before
    """
    global _override
    _override = None if profile is None else _check_profile(profile)
    return get_profile()


@contextmanager
@validate_params(profile=Options("quick", "book", "paper"))
def profile(profile: str):
    """Context manager that switches the run-size profile for the block, and back afterwards.

    Parameters
    ----------
    profile : {"quick", "book", "paper"}
        The profile inside the block.

    Returns
    -------
    contextlib.AbstractContextManager
        Yields the profile's name.

    Examples
    --------
    >>> import gklib as gk
    >>> with gk.profile("quick") as p:
    ...     p, gk.by_profile(quick=3_000, book=100_000)
    ('quick', 3000)
    """
    global _override
    old = _override
    set_profile(profile)
    try:
        yield get_profile()
    finally:
        _override = old


def by_profile(quick, book, paper=None):
    """Pick a value for the active profile: one switch sets the size of every experiment.

    Parameters
    ----------
    quick : object
        The value under ``GKLIB_PROFILE=quick`` (tiny sizes for CI).
    book : object
        The value under ``book`` (the rendered book's sizes).
    paper : object or None, default None
        The value under ``paper`` (``None``: ``book``'s).

    Returns
    -------
    object
        One of ``quick``, ``book``, ``paper``.

    Examples
    --------
    >>> import gklib as gk
    >>> with gk.profile("book"):
    ...     gk.by_profile(quick=3_000, book=100_000)
    100000
    >>> with gk.profile("paper"):
    ...     gk.by_profile(quick=1, book=2)          # paper defaults to book
    2
    """
    return {"quick": quick, "book": book, "paper": book if paper is None else paper}[get_profile()]


def smoke_steps() -> int | None:
    """The step cap of a smoke run, from ``$GKLIB_SMOKE_STEPS``.

    Returns
    -------
    int or None
        The cap (a positive integer), or ``None`` when the variable is unset or empty.

    Raises
    ------
    ValueError
        Naming the variable, for anything else (``0``, ``-5``, ``2.5``, ``abc``).

    Examples
    --------
    >>> import os
    >>> from gklib.config import smoke_steps
    >>> old = os.environ.pop("GKLIB_SMOKE_STEPS", None)
    >>> smoke_steps() is None
    True
    >>> os.environ["GKLIB_SMOKE_STEPS"] = "20"
    >>> smoke_steps()
    20
    >>> _ = os.environ.pop("GKLIB_SMOKE_STEPS") if old is None else os.environ.update(GKLIB_SMOKE_STEPS=old)
    """
    raw = os.environ.get(_SMOKE_ENV, "").strip()
    if not raw:
        return None
    try:
        cap = int(raw)
    except ValueError:
        cap = 0
    if cap < 1 or cap > 2**62:
        raise ValueError(f"{_SMOKE_ENV} must be a positive integer (the most training steps of a smoke "
                         f"run) or unset, got {raw!r}")
    return cap


def cap_steps(steps):
    """``steps`` limited to ``$GKLIB_SMOKE_STEPS`` (applied by every trainer).

    Unset, ``steps`` is returned unchanged (the same object). Set, an int gives ``min(steps, cap)`` and an
    array ``np.minimum(steps, cap)``; the first time a count is actually cut, a ``UserWarning`` says so
    (once per process).

    Parameters
    ----------
    steps : int or numpy.ndarray of int
        A step count, or one per run.

    Returns
    -------
    int or numpy.ndarray
        The capped count(s).

    Examples
    --------
    >>> import os
    >>> from gklib.config import cap_steps
    >>> old = os.environ.pop("GKLIB_SMOKE_STEPS", None)
    >>> cap_steps(100_000)          # no smoke run: unchanged
    100000
    >>> _ = None if old is None else os.environ.update(GKLIB_SMOKE_STEPS=old)
    """
    global _smoke_warned
    cap = smoke_steps()
    if cap is None:
        return steps
    if np.ndim(steps) == 0:
        capped = min(steps, cap)
    else:
        capped = np.minimum(steps, cap)
    if not _smoke_warned and np.any(np.asarray(steps) > cap):
        _smoke_warned = True
        warnings.warn(f"{_SMOKE_ENV}={cap}: training truncated to at most {cap} steps (asked for "
                      f"{np.max(steps)}); a smoke run, its results are not meaningful", UserWarning,
                      stacklevel=3)
    return capped
