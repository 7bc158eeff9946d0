"""Argument checks shared by every public function (scikit-learn style messages).

The training policy (optimiser names, the divergence rule) is :mod:`gklib.training`; its names``OPTIMIZERS``, ``DIVERGENCE_FACTOR``, ``check_optimizer`` and ``diverged`` can still be imported from here.

The checks of single arguments are in :mod:`gklib.validation.scalars`, those of arrays in
:mod:`gklib.validation.arrays`; every name is importable from ``gklib.validation``.
"""
from __future__ import annotations

from .._forward import forwarding
from .arrays import as_inputs, as_param_array, as_run_array, broadcast_runs, check_data
from .scalars import (INT_MAX, SEED_MAX, check_betas, check_float_dtype, check_positive, check_positive_int,
                      check_seed, check_seeds)

__all__ = ["INT_MAX", "SEED_MAX", "check_positive_int", "check_seeds", "check_seed", "check_positive",
           "as_param_array", "as_run_array", "broadcast_runs", "check_betas", "as_inputs", "check_float_dtype", "check_data"]

_MOVED_TO_TRAINING = ("OPTIMIZERS", "DIVERGENCE_FACTOR", "check_optimizer", "diverged")


__getattr__, __dir__ = forwarding(__name__, globals(), dict.fromkeys(_MOVED_TO_TRAINING, "gklib.training"))
