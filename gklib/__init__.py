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

__version__ = "0.1.0"
