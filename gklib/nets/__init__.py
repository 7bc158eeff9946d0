"""Networks beyond the toy model (chapters 1 and 5): modules, wrappers, one trainer, data sets.

- :mod:`gklib.nets.modules`: MLPs, the quadratic MLP and the one-layer Transformer;
- :mod:`gklib.nets.wrappers`: output scale and centring, linearisation, a committee-machine run;
- :mod:`gklib.nets.trainer`: :func:`~gklib.nets.trainer.fit`, one ``torch.optim`` trainer for a
  network or an ensemble of ``R`` runs (an α sweep as one computation), returning a :class:`~gklib.History`;
- :mod:`gklib.nets.laziness`: a network against its linearisation, relative weight and NTK change;
- :mod:`gklib.nets.data`: modular addition, student–teacher regression, MNIST;
- :mod:`gklib.nets.experiments`: the modular-arithmetic MLP sweep (paper Fig 2).
"""
from . import data, experiments, laziness, modules, trainer, wrappers
from .data import *  # noqa: F401,F403
from .experiments import *  # noqa: F401,F403
from .laziness import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from .trainer import *  # noqa: F401,F403
from .wrappers import *  # noqa: F401,F403

__all__ = (modules.__all__ + wrappers.__all__ + trainer.__all__ + laziness.__all__ + data.__all__
           + experiments.__all__)
