"""Networks beyond the toy model (chapters 1 and 5): modules, wrappers, one trainer, data sets.

- :mod:`gklib.nets.modules`: MLPs, the quadratic MLP and the one-layer Transformer;
- :mod:`gklib.nets.wrappers`: output scale and centring, linearisation, a committee-machine run;
- :mod:`gklib.nets.train`: :func:`~gklib.nets.train.fit`, one ``torch.optim`` trainer for a
  network or an ensemble of ``R`` runs (an α sweep as one computation);
- :mod:`gklib.nets.data`: modular addition, student–teacher regression, MNIST.
"""
from . import data, modules, train, wrappers
from .data import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from .train import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403

__all__ = modules.__all__ + wrappers.__all__ + train.__all__ + data.__all__
