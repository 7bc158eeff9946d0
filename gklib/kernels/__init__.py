"""Kernels of the course (chapter 2): the NTK, kernel regression and the Mercer theory of the initial NTK.

- :mod:`gklib.kernels.ntk`: :func:`empirical_ntk` by automatic differentiation, for the committee machine
  and any ``torch.nn.Module`` (the committee machine's closed forms :func:`committee_ntk`,
  :func:`ntk_from_stats`, :func:`initial_ntk` live with the model in :mod:`gklib.toy.ntk` and are
  re-exported here);
- :mod:`gklib.kernels.regression`: kernel (ridge) regression, learning curves, kernel–target alignment;
- :mod:`gklib.kernels.dynamics`: how fast kernel GD with :math:`K_0` learns each mode (:func:`mode_learning`);
- :mod:`gklib.kernels.spectrum`: Mercer spectrum of :math:`K_0`, target decomposition, and the
  learning-curve theory built on them.

:mod:`~gklib.kernels.dynamics` and :mod:`~gklib.kernels.spectrum` (which need ``scipy.optimize``) are
imported on first use of one of their names (PEP 562), so that ``import gklib`` stays fast.
"""
import importlib as _importlib

from ..toy.ntk import committee_ntk, initial_ntk, ntk_from_stats
from . import ntk, regression
from .ntk import empirical_ntk
from .regression import centered_kernel_alignment, cka, kernel_learning_curve, kernel_regression

# name -> submodule, imported on first access
_LAZY = {
    "dynamics": "dynamics", "spectrum": "spectrum",
    "mode_timescales": "dynamics", "mode_learning": "dynamics", "kernel_gd_predictions": "dynamics",
    **{name: "spectrum" for name in (
        "MercerSpectrum", "mercer_spectrum", "quadratic_features", "feature_covariance_spectrum", "spectrum_blocks",
        "target_decomposition", "target_powers", "kernel_theory_curve", "predicted_sample_sizes",
        "population_alignment", "power_split")},
}

__all__ = [
    # the NTK (kernels.ntk; the committee machine's closed forms from toy.ntk)
    "empirical_ntk", "committee_ntk", "ntk_from_stats", "initial_ntk",
    # kernels.dynamics
    "mode_timescales", "mode_learning", "kernel_gd_predictions",
    # kernels.regression
    "kernel_regression", "kernel_learning_curve", "cka", "centered_kernel_alignment",
    # kernels.spectrum
    "MercerSpectrum", "mercer_spectrum", "quadratic_features", "feature_covariance_spectrum", "spectrum_blocks",
    "target_decomposition", "target_powers", "kernel_theory_curve", "predicted_sample_sizes", "population_alignment",
    "power_split",
]


def __getattr__(name):
    try:
        sub = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    module = _importlib.import_module(f"{__name__}.{sub}")
    value = module if name == sub else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
