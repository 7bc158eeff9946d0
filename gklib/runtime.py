"""Where runs execute and how they are seeded: the device, the CPU thread count, seeded generators.

Every model and data generator draws from :func:`generator` on the CPU and then moves its draws to
:func:`get_device`'s device, so a seed gives the same numbers on a CPU and on a GPU.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch

from .validation import check_positive_int, check_seed

__all__ = ["get_device", "torch_threads", "generator"]


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
