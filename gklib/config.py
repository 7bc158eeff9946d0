"""Run-size profiles, device selection, seeded generators, CPU threads, and what the front-end shows
(progress bars, live explorers).

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

Front-ends: progress bars and live (ipywidgets) explorers appear only when a person runs the
notebook. In a headless execution (a book build, nbmake; :func:`headless_execution`) progress bars
are off and every explorer is replaced by a short placeholder (:func:`gklib.viz.explorers.live_explorer`).
"""
from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager

import numpy as np
import torch

from .validation import check_positive_int, check_seed

PROFILES = ("quick", "book", "paper")
_ENV = "GKLIB_PROFILE"
_override: str | None = None
_SMOKE_ENV = "GKLIB_SMOKE_STEPS"
_smoke_warned = False
_HEADLESS_ENV = "GKLIB_HEADLESS"
_SWITCH = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _check_profile(name: str) -> str:
    name = str(name).strip().lower()
    if name not in PROFILES:
        raise ValueError(f"profile must be one of {PROFILES}, got {name!r} (set {_ENV} or call set_profile)")
    return name


def get_profile() -> str:
    """The active profile: ``set_profile`` wins, then ``$GKLIB_PROFILE``, then ``"book"``."""
    if _override is not None:
        return _override
    return _check_profile(os.environ.get(_ENV, "book") or "book")


def set_profile(name: str | None) -> str:
    """Set the profile for this process (``None`` returns to the environment variable)."""
    global _override
    _override = None if name is None else _check_profile(name)
    return get_profile()


@contextmanager
def profile(name: str):
    """Context manager that temporarily switches the profile."""
    global _override
    old = _override
    set_profile(name)
    try:
        yield get_profile()
    finally:
        _override = old


def by_profile(quick, book, paper=None):
    """Pick a value for the active profile (``paper`` defaults to ``book``)."""
    return {"quick": quick, "book": book, "paper": book if paper is None else paper}[get_profile()]


def smoke_steps() -> int | None:
    """The step cap of a smoke run: ``$GKLIB_SMOKE_STEPS`` as a positive ``int``, ``None`` when unset
    or empty. ``ValueError`` naming the variable for anything else (``0``, ``-5``, ``2.5``, ``abc``)."""
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
    """``steps`` (an int, or an array of per-run counts) limited to ``$GKLIB_SMOKE_STEPS``.

    Unset, ``steps`` is returned unchanged (the same object). Set, an int gives
    ``min(steps, cap)`` and an array ``np.minimum(steps, cap)``; the first time a count is actually
    cut, a ``UserWarning`` says so (once per process)."""
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


def get_device(device=None) -> torch.device:
    """``device`` as a :class:`torch.device`; ``None`` means CUDA when available, else CPU."""
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@contextmanager
def torch_threads(n: int | None):
    """Context manager: torch runs the block on ``n`` CPU threads (a positive integer; ``None`` keeps
    the current setting), and the previous thread count is restored afterwards, also on error."""
    old = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(check_positive_int(n, "num_threads"))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def generator(seed: int, stream: str = "") -> torch.Generator:
    """A dedicated, seeded CPU :class:`torch.Generator` (draws are then moved to the device).

    ``seed`` is an integer in ``[0, 2**63 - 1]`` (:func:`gklib.validation.check_seed`; anything else raises).
    ``stream`` names an independent random stream: ``generator(0, "task")`` and
    ``generator(0, "model")`` do not share draws, so a task and a model built with the same seed
    are independent (with one shared stream the first hidden unit would equal the teacher).
    Drawing on the CPU makes results identical on every device for a given seed.
    """
    import zlib

    seq = np.random.SeedSequence([check_seed(seed), zlib.crc32(stream.encode())])
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seq.generate_state(1, np.uint64)[0] >> 1))
    return g


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
    """``True`` while a notebook is executed with nobody at it (jupyter-book, nbmake, nbconvert,
    papermill: all run the kernel through ``nbclient``).

    The signal is the protocol's own: each ``execute_request`` says whether its front-end can answer
    ``input()`` (``allow_stdin``). Executors send ``False``; JupyterLab, Notebook and VS Code send
    ``True``. Outside a kernel this is ``False``. ``GKLIB_HEADLESS=1`` or ``0`` overrides.
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
    """Progress bars show in terminals and in notebooks that a person runs; never in a headless
    execution (:func:`headless_execution`), under CI, or with ``GKLIB_PROGRESS=0``."""
    if os.environ.get("GKLIB_PROGRESS", "").strip().lower() in ("0", "false", "no"):
        return False
    if os.environ.get("CI") or headless_execution():
        return False
    return _in_notebook() or sys.stderr.isatty()


def progress(total: int, desc: str = "", enabled: bool | None = None):
    """A tqdm bar (notebook widget in Jupyter, text in a terminal, disabled when quiet)."""
    if enabled is None:
        enabled = progress_enabled()
    if enabled and _in_notebook():
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm(total=total, desc=desc, disable=not enabled, leave=False, mininterval=0.5)
