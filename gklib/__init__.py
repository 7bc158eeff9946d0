"""gklib — support package of the course *Grokking as the transition from lazy to rich training*.

The toy model of Kumar, Bordelon, Gershman & Pehlevan (ICLR 2024), its fast trainers, kernels,
theory and DMFT, plus the models of the later chapters. Typical use::

    import gklib as gk
    task = gk.quadratic_task(D=100, P=550, P_test=1000, seed=0)
    model = gk.CommitteeMachine(D=100, N=500, alpha=1.0, eps=0.02, seed=0)
    hist = gk.train(model, task, steps=100_000, lr_scale=1.0)
"""
from .config import (PROFILES, by_profile, generator, get_device, get_profile, profile, progress,
                     seed_everything, set_profile)
from .history import History, log_grid
from .models import CommitteeMachine
from .tasks import Task, hermite_task, multi_index_task, quadratic_task
from .plotting import plot_decomposition, plot_grokking, plot_losses, plot_sweep, plot_weight_norm
from .theory import decomposition_from_stats, loss_decomposition
from .train import train

# Chapter modules (each defines __all__)
from .kernels import *  # noqa: E402,F401,F403  — NTK, kernel regression, alignment (Ch. 2)
from .spectrum import *  # noqa: E402,F401,F403  — Mercer theory of the initial NTK (Ch. 2)
from .nets import *  # noqa: E402,F401,F403  — networks, wrappers, the trainer fit, data sets (Ch. 1, 5)
from .lazy import *  # noqa: E402,F401,F403  — network vs linearisation, laziness measures (Ch. 1)
from .grokking import *  # noqa: E402,F401,F403  — grokking metrics, phase diagram (Ch. 3)
from .eigen_labels import *  # noqa: E402,F401,F403  — eigenvector labels, aligned init (Ch. 3)
from .dmft import *  # noqa: E402,F401,F403  — online ODEs, finite-rho DMFT, simulations (Ch. 4)
from . import widgets  # noqa: E402,F401  — JupyterLab explorers and static slider figures

__version__ = "0.1.0"
