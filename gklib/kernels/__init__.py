"""Kernels of the course (chapter 2): the NTK, kernel regression and the Mercer theory of the initial NTK.

- :mod:`gklib.kernels.ntk`: :func:`empirical_ntk` by automatic differentiation, for the committee machine
  and any ``torch.nn.Module`` (the committee machine's closed forms :func:`committee_ntk`,
  :func:`ntk_from_stats`, :func:`initial_ntk` live with the model in :mod:`gklib.toy.ntk` and are
  re-exported here);
- :mod:`gklib.kernels.regression`: kernel (ridge) regression, learning curves, kernel–target alignment;
- :mod:`gklib.kernels.dynamics`: how fast kernel GD with :math:`K_0` learns each mode (:func:`mode_learning`);
- :mod:`gklib.kernels.spectrum`: Mercer spectrum of :math:`K_0`, target decomposition, and the
  learning-curve theory built on them.
"""
from ..toy.ntk import committee_ntk, initial_ntk, ntk_from_stats
from . import dynamics, ntk, regression, spectrum
from .ntk import empirical_ntk
from .dynamics import *  # noqa: F401,F403
from .regression import *  # noqa: F401,F403
from .spectrum import *  # noqa: F401,F403

__all__ = (["empirical_ntk", "committee_ntk", "ntk_from_stats", "initial_ntk"] + dynamics.__all__ + regression.__all__
           + spectrum.__all__)
