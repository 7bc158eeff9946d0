"""Networks beyond the toy model (chapters 1 and 5): modules, wrappers, one trainer, data sets.

- :mod:`gklib.nets.modules`: MLPs, the quadratic MLP and the one-layer Transformer;
- :mod:`gklib.nets.wrappers`: output scale and centring, linearisation, a committee-machine run;
- :mod:`gklib.nets.trainer`: :func:`~gklib.nets.trainer.fit`, one ``torch.optim`` trainer for a
  network or an ensemble of ``R`` runs (an α sweep as one computation), returning a :class:`~gklib.History`;
- :mod:`gklib.nets.laziness`: a network against its linearisation, relative weight and NTK change;
- :mod:`gklib.nets.data`: modular addition, student–teacher regression, MNIST;
- :mod:`gklib.nets.experiments`: the modular-arithmetic MLP sweep (paper Fig 2), seed sweeps, and
  :func:`~gklib.nets.experiments.delay_summary` (delays on the losses and accuracies, absolute and relative).
"""
from . import data, experiments, laziness, modules, trainer, wrappers
from .data import (MNIST_FILES, MNIST_MIRRORS, find_mnist_dir, load_mnist, mirrored_fraction, modular_addition,
                   student_teacher)
from .experiments import (delay_summary, modular_mlp_steps, modular_mlp_sweep, seed_sweep,
                          threshold_accuracy_tracks)
from .laziness import (feature_kernel_change, kernel_distance, net_vs_linear, ntk_change, relative_ntk_change,
                       relative_weight_change)
from .modules import ACTIVATIONS, MLP, QuadraticMLP, Transformer1L
from .trainer import TrainedModules, fit
from .wrappers import Anchored, CommitteeModule, Linearized, OutputScaled, lazy_lr, linearize

__all__ = [
    # modules
    "QuadraticMLP", "MLP", "Transformer1L", "ACTIVATIONS",
    # wrappers
    "Anchored", "OutputScaled", "Linearized", "CommitteeModule", "linearize", "lazy_lr",
    # trainer
    "fit", "TrainedModules",
    # laziness
    "net_vs_linear", "relative_weight_change", "relative_ntk_change", "kernel_distance", "feature_kernel_change",
    "ntk_change",
    # data
    "modular_addition", "mirrored_fraction", "student_teacher", "load_mnist", "find_mnist_dir", "MNIST_FILES",
    "MNIST_MIRRORS",
    # experiments
    "modular_mlp_sweep", "modular_mlp_steps", "seed_sweep", "delay_summary", "threshold_accuracy_tracks",
]
