"""gklib — support package of the course *Grokking as the transition from lazy to rich training*.

The toy model of Kumar, Bordelon, Gershman & Pehlevan (ICLR 2024), its fast trainers, kernels,
theory and DMFT, plus the models of the later chapters. Typical use::

    import gklib as gk
    task = gk.quadratic_task(D=100, P=550, P_test=1000, seed=0)
    model = gk.CommitteeMachine(D=100, N=500, alpha=1.0, eps=0.02, seed=0)
    hist = gk.train(model, task, steps=100_000, lr_scale=1.0)

The package, one room per idea:

- ``config``, ``validation``, ``history`` (:class:`History`, what every trainer returns), ``metrics``
  (crossing times and delays);
- :mod:`gklib.toy` — the committee machine, its tasks, theory, trainer, linearisation, experiments;
- :mod:`gklib.kernels` — NTKs, kernel regression, the Mercer spectrum of the initial NTK;
- :mod:`gklib.nets` — networks, wrappers, one ``torch.optim`` trainer, data sets;
- :mod:`gklib.dmft` — the online limit, the finite-ρ DMFT solver, simulations;
- :mod:`gklib.viz` — figures, static sliders, live explorers;
- :mod:`gklib.scorecard` — the chapters' recorded checks, from which the reproduction scorecard is built.

The toy-model API and the metrics are re-exported here (``gk.train``, ``gk.first_below``, ...);
everything else is reached through its subpackage (``gk.kernels.cka`` or ``gk.cka``, ...).
"""
from . import config, dmft, history, kernels, metrics, nets, scorecard, toy, validation, viz
from .config import PROFILES, by_profile, generator, get_device, get_profile, profile, progress, set_profile
from .history import History, log_grid
from .metrics import *  # noqa: F401,F403
from .toy import *  # noqa: F401,F403
from .kernels import *  # noqa: F401,F403
from .nets import *  # noqa: F401,F403
from .dmft import *  # noqa: F401,F403
from .viz.figures import plot_decomposition, plot_grokking, plot_losses, plot_sweep, plot_weight_norm

__version__ = "0.1.0"
