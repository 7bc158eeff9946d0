r"""The paper's toy model: a committee machine learning a quadratic target (chapters 1–3).

- :mod:`gklib.toy.model` — :class:`CommitteeMachine` :math:`f = \frac\alpha N\sum_i\phi(w_i\cdot x)`,
  batched over runs;
- :mod:`gklib.toy.tasks` — the data: :func:`quadratic_task` and its multi-index and Hermite variants;
- :mod:`gklib.toy.theory` — the population decomposition of the test loss (paper eq. 6);
- :mod:`gklib.toy.trainer` — :func:`train`, full-batch GD by the summary-statistics engine or directly on W;
- :mod:`gklib.toy.ntk` — the model's NTK in closed form;
- :mod:`gklib.toy.linearized` — its linearisation trained exactly (kernel GD) and the laziness knobs;
- :mod:`gklib.toy.diagnostics` — lazy or rich? distance to the linearisation, weight and kernel change,
  alignment along one run (:func:`lazy_rich_run`);
- :mod:`gklib.toy.alignment` — eigenvector labels and aligned initialisations;
- :mod:`gklib.toy.experiments` — one explorer run and the α × ε phase diagram.
"""
from . import alignment, diagnostics, experiments, linearized, model, ntk, tasks, theory, trainer
from .alignment import aligned_weights, eigenvector_task, gram_eigenvectors, interpolated_model
from .diagnostics import DIAGNOSTICS, lazy_rich_run, story_times
from .experiments import PhaseDiagram, phase_diagram, run_toy
from .linearized import (KernelGD, check_closed_form, kernel_gd_gain, label_scaled_task, train_linearized,
                         weight_scaled_model)
from .model import CommitteeMachine
from .ntk import committee_ntk, initial_ntk, ntk_from_stats
from .tasks import Task, gaussian_inputs, hermite_task, multi_index_task, quadratic_task
from .theory import decomposition_from_stats, loss_decomposition
from .trainer import train

__all__ = [
    # model and data
    "CommitteeMachine", "Task", "gaussian_inputs", "quadratic_task", "multi_index_task", "hermite_task",
    # theory and training
    "decomposition_from_stats", "loss_decomposition", "train",
    # the NTK in closed form (toy.ntk)
    "ntk_from_stats", "committee_ntk", "initial_ntk",
    # the linearisation (toy.linearized)
    "check_closed_form", "kernel_gd_gain", "KernelGD", "train_linearized", "label_scaled_task",
    "weight_scaled_model",
    # aligned initialisations (toy.alignment)
    "gram_eigenvectors", "eigenvector_task", "aligned_weights", "interpolated_model",
    # lazy or rich (toy.diagnostics)
    "lazy_rich_run", "story_times", "DIAGNOSTICS",
    # experiments (toy.experiments)
    "run_toy", "PhaseDiagram", "phase_diagram",
]
