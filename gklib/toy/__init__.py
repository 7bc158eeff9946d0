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
from .alignment import *  # noqa: F401,F403
from .diagnostics import *  # noqa: F401,F403
from .experiments import *  # noqa: F401,F403
from .linearized import *  # noqa: F401,F403
from .model import CommitteeMachine
from .ntk import *  # noqa: F401,F403
from .tasks import Task, gaussian_inputs, hermite_task, multi_index_task, quadratic_task
from .theory import decomposition_from_stats, loss_decomposition
from .trainer import train

__all__ = (["CommitteeMachine", "Task", "gaussian_inputs", "quadratic_task", "multi_index_task", "hermite_task",
            "decomposition_from_stats", "loss_decomposition", "train"] + ntk.__all__ + linearized.__all__
           + alignment.__all__ + diagnostics.__all__ + experiments.__all__)
