"""Where runs execute and how they are seeded: the device, the CPU thread count, seeded generators -- and
the conventions every public gklib function follows for seeds, devices and dtypes.

.. rubric:: Seeds

Every function that draws random numbers takes an integer ``seed`` in ``[0, 2**63 - 1]`` (a Python or
NumPy integer; floats, booleans, ``None`` and integers out of range are refused with an error naming the
parameter). Functions that build a batch of runs also accept a 1-D sequence of such integers, one per
run (``CommitteeMachine(seed=[0, 1, 2])``; broadcast against the other per-run arguments); runs with the
same seed share their random draws, so a sweep compares like with like. Functions that repeat an
experiment over seeds take ``seeds``: a count ``n`` (meaning seeds ``0, ..., n-1``) or a sequence of
seeds (:func:`gklib.validation.check_seeds`).

A ``torch.Generator`` or a ``numpy.random.Generator`` is **not** accepted in place of a seed today; only
low-level helpers that say so take a generator (e.g. :func:`gklib.data.gaussian_inputs`'s ``gen``), and
:func:`generator` makes one from a seed. Each seed is turned into a dedicated CPU generator per named
*stream* (``"task"``, ``"committee"``, ...), so a task and a model built with the same seed are
independent, and the draws are made on the CPU in float64 before being moved and cast: a seed gives the
same numbers on every device and in every dtype. No function touches the global random state
(``torch.manual_seed``).

.. rubric:: Devices

``device=None`` (the default everywhere) means :func:`get_device`: CUDA when available, else the CPU;
otherwise anything :class:`torch.device` accepts (``"cpu"``, ``"cuda:0"``, a ``torch.device``). Tensors
come back on that device; a :class:`~gklib.History` holds NumPy arrays on the CPU. Inputs given as
tensors are moved to the model's device.

.. rubric:: Dtypes

Models and tasks take ``dtype=torch.float32`` by default; it must be a floating torch dtype (an integer
dtype raises ``TypeError`` naming ``dtype``). Closed forms that need precision compute in float64
whatever the model's dtype (the linearisation :class:`gklib.toy.linearized.KernelGD`, Gram
eigenvectors, the data draws) and say so in their docstrings.
"""
from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np
import torch

from .params import Instance, Integer, Real, validate_params
from .validation import check_positive_int, check_seed

__all__ = ["get_device", "torch_threads", "spare_threads", "generator"]


@validate_params(device=Instance(str, torch.device, int, none_ok=True, what="a device name, a torch.device or an index"))
def get_device(device=None) -> torch.device:
    """The device runs use: ``device`` as a :class:`torch.device`, with ``None`` meaning CUDA when available,
    else the CPU (the convention of every ``device=None`` in gklib).

    Parameters
    ----------
    device : str or torch.device or int or None, default None
        A device name (``"cpu"``, ``"cuda"``, ``"cuda:1"``), a ``torch.device``, a CUDA index, or ``None``.

    Returns
    -------
    torch.device
        The device.

    Raises
    ------
    ValueError
        A name torch does not know, or the meta device (tensors without data: nothing could be measured).

    Examples
    --------
    >>> from gklib import get_device
    >>> get_device("cpu")
    device(type='cpu')
    >>> get_device() in (get_device("cpu"), get_device("cuda"))
    True
    """
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as err:
        raise ValueError(f"device must be a device name such as 'cpu' or 'cuda:0', got {device!r} ({err})") from None
    if dev.type == "meta":
        raise ValueError("device must be a device that holds data (such as 'cpu' or 'cuda'), got 'meta'")
    return dev


@contextmanager
@validate_params(num_threads=Integer(1, none_ok=True))
def torch_threads(num_threads: int | None):
    """Context manager: torch runs the block on ``num_threads`` CPU threads, and the previous thread count is
    restored afterwards, also on error.

    Parameters
    ----------
    num_threads : int or None
        A positive number of threads; ``None`` keeps the current setting.

    Returns
    -------
    contextlib.AbstractContextManager
        Use it in a ``with`` statement.

    Examples
    --------
    >>> import torch
    >>> from gklib.runtime import torch_threads
    >>> before = torch.get_num_threads()
    >>> with torch_threads(1):
    ...     print(torch.get_num_threads())
    1
    >>> torch.get_num_threads() == before
    True
    """
    old = torch.get_num_threads()
    if num_threads is not None:
        torch.set_num_threads(check_positive_int(num_threads, "num_threads"))
    try:
        yield
    finally:
        torch.set_num_threads(old)


@validate_params(max_threads=Integer(1), load=Real(0, none_ok=True), cores=Integer(1, none_ok=True))
def spare_threads(max_threads: int, load: float | None = None, cores: int | None = None) -> int:
    """How many CPU threads a computation can use without competing with other work: the cores not
    busy on average, ``cores - round(load)`` (``load``: the 1-minute load average), between 1 and
    ``max_threads``.

    Several torch threads pay off for large batched computations on an idle machine, but they wait on
    each other when another process holds a core, and can then run several times slower than one
    thread; one thread is the safe choice on a busy machine.

    Parameters
    ----------
    max_threads : int
        The most threads to use, >= 1.
    load : float or None, default None
        Busy cores, >= 0 (``None``: the 1-minute average of ``os.getloadavg()``; 0 where unavailable).
    cores : int or None, default None
        CPU cores, >= 1 (``None``: ``os.cpu_count()``).

    Returns
    -------
    int
        Between 1 and ``max_threads``.

    Examples
    --------
    >>> from gklib.runtime import spare_threads
    >>> spare_threads(2, load=0.9, cores=2)     # a 2-core machine running only this kernel
    2
    >>> spare_threads(2, load=2.3, cores=2)     # another job on the second core
    1
    >>> spare_threads(4, load=1.0, cores=16)
    4
    """
    if cores is None:
        cores = os.cpu_count() or 1
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):      # not on every platform
            load = 0.0
    # the calling process itself counts as about one busy core
    free = int(cores) - max(int(round(float(load))), 1) + 1
    return int(min(max(free, 1), int(max_threads)))


@validate_params(seed=Integer(0, 2**63 - 1), stream=Instance(str, what="a string"))
def generator(seed: int, stream: str = "") -> torch.Generator:
    """A dedicated, seeded CPU :class:`torch.Generator` for one named random stream (draws are then moved to
    the device), so that a seed gives the same numbers on every device.

    ``generator(0, "task")`` and ``generator(0, "model")`` do not share draws, so a task and a model built
    with the same seed are independent (with one shared stream the first hidden unit would equal the
    teacher). The generator's seed is derived from ``(seed, crc32(stream))`` by NumPy's ``SeedSequence``.

    Parameters
    ----------
    seed : int
        An integer in ``[0, 2**63 - 1]`` (:func:`gklib.validation.check_seed`; anything else raises).
    stream : str, default ""
        Name of the random stream.

    Returns
    -------
    torch.Generator
        A fresh CPU generator.

    Examples
    --------
    >>> import torch, gklib as gk
    >>> a = torch.randn(3, generator=gk.generator(0, "task"))
    >>> bool(a.equal(torch.randn(3, generator=gk.generator(0, "task"))))       # reproducible
    True
    >>> bool(a.equal(torch.randn(3, generator=gk.generator(0, "committee"))))  # another stream
    False
    """
    import zlib

    seq = np.random.SeedSequence([check_seed(seed), zlib.crc32(stream.encode())])
    g = torch.Generator(device="cpu")
    g.manual_seed(int(seq.generate_state(1, np.uint64)[0] >> 1))
    return g
