"""What a front-end shows: progress bars and live explorers appear only when a person runs the notebook.

In a headless execution (a book build, nbmake, nbconvert; :func:`headless_execution`) progress bars
are off and every explorer is replaced by a short placeholder (:func:`gklib.viz.explorers.live_explorer`).
``GKLIB_HEADLESS=1`` (or ``0``) forces the headless (or the interactive) behaviour;
``GKLIB_PROGRESS=0`` turns progress bars off.
"""
from __future__ import annotations

import os
import sys

from .params import Boolean, Instance, Integer, validate_params

__all__ = ["headless_execution", "progress_enabled", "progress"]

_HEADLESS_ENV = "GKLIB_HEADLESS"
_SWITCH = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _kernel():
    """The running ipykernel, or ``None`` (plain Python, terminal IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython missing
        return None
    return getattr(get_ipython(), "kernel", None)


def _in_notebook() -> bool:
    return _kernel() is not None


def headless_execution() -> bool:
    """``True`` while a notebook is executed with nobody at it (jupyter-book, nbmake, nbconvert, papermill: all
    run the kernel through ``nbclient``).

    The signal is the protocol's own: each ``execute_request`` says whether its front-end can answer
    ``input()`` (``allow_stdin``). Executors send ``False``; JupyterLab, Notebook and VS Code send ``True``.
    Outside a kernel this is ``False``. ``GKLIB_HEADLESS=1`` or ``0`` overrides.

    Returns
    -------
    bool
        Whether the execution is headless.

    Raises
    ------
    ValueError
        ``$GKLIB_HEADLESS`` is set to something other than 1/0/true/false/yes/no.

    Examples
    --------
    >>> import os
    >>> from gklib.frontend import headless_execution
    >>> old = os.environ.get("GKLIB_HEADLESS")
    >>> os.environ["GKLIB_HEADLESS"] = "1"
    >>> headless_execution()
    True
    >>> _ = os.environ.pop("GKLIB_HEADLESS") if old is None else os.environ.update(GKLIB_HEADLESS=old)
    """
    env = os.environ.get(_HEADLESS_ENV, "").strip().lower()
    if env:
        if env not in _SWITCH:
            raise ValueError(f"{_HEADLESS_ENV} must be one of {sorted(_SWITCH)} or unset, got {env!r}")
        return _SWITCH[env]
    kernel = _kernel()
    if kernel is None:
        return False
    try:
        content = (kernel.get_parent() or {}).get("content", {})
    except Exception:  # pragma: no cover - a kernel without get_parent (ipykernel < 6)
        return False
    return content.get("allow_stdin", True) is False


def progress_enabled() -> bool:
    """Whether progress bars show: in terminals and in notebooks that a person runs; never in a headless
    execution (:func:`headless_execution`), under CI, or with ``GKLIB_PROGRESS=0``.

    Returns
    -------
    bool
        Whether to show progress bars.

    Examples
    --------
    >>> import os
    >>> from gklib.frontend import progress_enabled
    >>> old = os.environ.get("GKLIB_PROGRESS"); os.environ["GKLIB_PROGRESS"] = "0"
    >>> progress_enabled()
    False
    >>> _ = os.environ.pop("GKLIB_PROGRESS") if old is None else os.environ.update(GKLIB_PROGRESS=old)
    """
    if os.environ.get("GKLIB_PROGRESS", "").strip().lower() in ("0", "false", "no"):
        return False
    if os.environ.get("CI") or headless_execution():
        return False
    return _in_notebook() or sys.stderr.isatty()


@validate_params(total=Integer(0), desc=Instance(str, what="a string"), enabled=Boolean(none_ok=True))
def progress(total: int, desc: str = "", enabled: bool | None = None):
    """A tqdm progress bar: a notebook widget in Jupyter, text in a terminal, disabled when quiet.

    Parameters
    ----------
    total : int
        Number of units of work, >= 0.
    desc : str, default ""
        Label shown before the bar.
    enabled : bool or None, default None
        Show it (``None``: :func:`progress_enabled` decides).

    Returns
    -------
    tqdm.tqdm
        The bar; call ``update(n)`` and ``close()``.

    Examples
    --------
    >>> from gklib import progress
    >>> bar = progress(10, "training", enabled=False)     # quiet: a disabled bar, same interface
    >>> bar.total, bar.disable
    (10, True)
    >>> bar.update(10); bar.close()
    """
    if enabled is None:
        enabled = progress_enabled()
    if enabled and _in_notebook():
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, disable=not enabled, leave=False, mininterval=0.5)
