"""gklib — support package of the course *Grokking as the transition from lazy to rich training*.

The toy model of Kumar, Bordelon, Gershman & Pehlevan (ICLR 2024), its fast trainers, kernels,
theory and DMFT, plus the models of the later chapters. Typical use::

    import gklib as gk
    task = gk.quadratic_task(D=100, P=550, P_test=1000, seed=0)
    model = gk.CommitteeMachine(D=100, N=500, alpha=1.0, eps=0.02, seed=0)
    hist = gk.train(model, task, steps=100_000, lr_scale=1.0)

The package, one room per idea:

- ``config`` (run sizes), ``runtime`` (device, threads, seeds), ``frontend`` (progress bars), ``params`` (declared parameter constraints), ``validation``, ``history`` (:class:`History`, what every trainer returns), ``metrics``
  (crossing times and delays);
- :mod:`gklib.toy` — the committee machine, its tasks, theory, trainer, linearisation, experiments;
- :mod:`gklib.kernels` — NTKs, kernel regression, the Mercer spectrum of the initial NTK;
- :mod:`gklib.nets` — networks, wrappers, one ``torch.optim`` trainer, data sets;
- :mod:`gklib.dmft` — the online limit, the finite-ρ DMFT solver, simulations;
- :mod:`gklib.viz` — figures, static sliders, live explorers;
- :mod:`gklib.scorecard` — the chapters' recorded checks, from which the reproduction scorecard is built.

Seeds, devices and dtypes are accepted the same way everywhere; :mod:`gklib.runtime` states the
conventions once. Every public function declares its parameters' constraints (:mod:`gklib.params`)
or checks them first, and refuses invalid input with an error naming the parameter.

The toy-model API and the metrics are re-exported here (``gk.train``, ``gk.first_below``, ...);
everything else is reached through its subpackage (``gk.kernels.cka`` or ``gk.cka``, ...). ``__all__`` below
lists every top-level name.

``import gklib`` loads neither matplotlib nor IPython nor scipy.optimize: :mod:`gklib.viz` (and the plotting
functions re-exported here) and the kernel spectrum and mode dynamics are imported on first access
(PEP 562 ``__getattr__``). ``benchmarks/bench_import.py`` measures the cost of ``import gklib``.
"""
import importlib as _importlib

from . import (config, data, dmft, frontend, history, kernels, metrics, nets, params, runtime, scorecard, toy,
               training, validation)
from .config import PROFILES, by_profile, get_profile, profile, set_profile
from .frontend import progress
from .runtime import generator, get_device
from .dmft import (DMFTAverage, DMFTResult, EscapeScaling, OnlineResult, SimulationResult, cm_test_loss,
                   dmft_matched, escape_rate, escape_scaling, escape_time, first_time_below, gap_from_dmft,
                   gap_leading_order, online_response, order_params, propagator, simulate_dmft_setting, solve_dmft,
                   solve_online, typical_m0, weight_alignment, weight_process_closure)
from .history import History, log_grid
from .kernels import centered_kernel_alignment, cka, empirical_ntk, kernel_learning_curve, kernel_regression
from .metrics import (accuracy_crossings, accuracy_delay, amount_of_grokking, crossing_times, first_below,
                      first_crossing, generalisation_at_fit, grokking_delay, loglog_slope, prediction_distance, spread,
                      sweep_summary, value_at, value_at_fit)
from .nets import (ACTIVATIONS, MLP, MNIST_FILES, MNIST_MIRRORS, Anchored, CommitteeModule, Linearized, OutputScaled,
                   QuadraticMLP, TrainedModules, Transformer1L, feature_kernel_change, find_mnist_dir, fit,
                   kernel_distance, lazy_lr, linearize, load_mnist, mirrored_fraction, modular_addition,
                   modular_mlp_steps, modular_mlp_sweep, net_vs_linear, ntk_change, relative_ntk_change,
                   relative_weight_change, seed_sweep, student_teacher)
from .toy import (DIAGNOSTICS, CommitteeMachine, KernelGD, PhaseDiagram, Task, aligned_weights, check_closed_form,
                  committee_ntk, decomposition_from_stats, eigenvector_task, gaussian_inputs, gram_eigenvectors,
                  hermite_task, initial_ntk, interpolated_model, kernel_gd_gain, label_scaled_task, lazy_rich_run,
                  loss_decomposition, multi_index_task, ntk_from_stats, phase_diagram, quadratic_task, run_toy,
                  story_times, train, train_linearized, weight_scaled_model)

__version__ = "0.1.0"

# Imported on first access (PEP 562): name -> the module that holds it. ``viz`` loads matplotlib.pyplot and
# IPython; the kernel spectrum and mode dynamics load scipy.optimize.
_LAZY = {
    "viz": "gklib",
    **{name: "gklib.viz.figures" for name in (
        "plot_decomposition", "plot_grokking", "plot_losses", "plot_sweep", "plot_weight_norm")},
    **{name: "gklib.kernels" for name in (
        "mode_timescales", "mode_learning", "MercerSpectrum", "mercer_spectrum", "quadratic_features",
        "feature_covariance_spectrum", "spectrum_blocks", "target_decomposition", "target_powers",
        "kernel_theory_curve", "predicted_sample_sizes", "population_alignment", "power_split")},
}

__all__ = [
    # subpackages and modules
    "config", "runtime", "frontend", "params", "validation", "history", "metrics", "toy", "kernels", "nets", "dmft", "viz", "scorecard",
    # config
    "PROFILES", "by_profile", "generator", "get_device", "get_profile", "profile", "progress", "set_profile",
    # history
    "History", "log_grid",
    # metrics
    "first_crossing", "first_below", "crossing_times", "grokking_delay", "amount_of_grokking", "sweep_summary",
    "accuracy_crossings", "accuracy_delay", "generalisation_at_fit", "value_at_fit", "value_at", "spread",
    "prediction_distance", "loglog_slope",
    # toy: model, data, theory, trainer
    "CommitteeMachine", "Task", "gaussian_inputs", "quadratic_task", "multi_index_task", "hermite_task",
    "decomposition_from_stats", "loss_decomposition", "train",
    # toy: NTK in closed form, linearisation, alignment, diagnostics, experiments
    "ntk_from_stats", "committee_ntk", "initial_ntk",
    "check_closed_form", "kernel_gd_gain", "KernelGD", "train_linearized", "label_scaled_task",
    "weight_scaled_model",
    "gram_eigenvectors", "eigenvector_task", "aligned_weights", "interpolated_model",
    "lazy_rich_run", "story_times", "DIAGNOSTICS",
    "run_toy", "PhaseDiagram", "phase_diagram",
    # kernels (committee_ntk, ntk_from_stats, initial_ntk above)
    "empirical_ntk", "kernel_regression", "kernel_learning_curve", "cka", "centered_kernel_alignment",
    "mode_timescales", "mode_learning",
    "MercerSpectrum", "mercer_spectrum", "quadratic_features", "feature_covariance_spectrum", "spectrum_blocks",
    "target_decomposition", "target_powers", "kernel_theory_curve", "predicted_sample_sizes", "population_alignment",
    "power_split",
    # nets
    "QuadraticMLP", "MLP", "Transformer1L", "ACTIVATIONS",
    "Anchored", "OutputScaled", "Linearized", "CommitteeModule", "linearize", "lazy_lr",
    "fit", "TrainedModules",
    "net_vs_linear", "relative_weight_change", "relative_ntk_change", "kernel_distance", "feature_kernel_change",
    "ntk_change",
    "modular_addition", "mirrored_fraction", "student_teacher", "load_mnist", "find_mnist_dir", "MNIST_FILES",
    "MNIST_MIRRORS",
    "modular_mlp_sweep", "modular_mlp_steps", "seed_sweep",
    # dmft
    "cm_test_loss", "online_response", "escape_rate", "escape_time", "OnlineResult", "solve_online",
    "DMFTResult", "solve_dmft", "propagator", "weight_process_closure", "gap_leading_order",
    "gap_from_dmft", "SimulationResult", "order_params", "simulate_dmft_setting", "DMFTAverage", "dmft_matched",
    "EscapeScaling", "escape_scaling", "first_time_below", "weight_alignment", "typical_m0",
    # plotting (gklib.viz.figures, loaded on first use)
    "plot_decomposition", "plot_grokking", "plot_losses", "plot_sweep", "plot_weight_norm",
]


def __getattr__(name):
    try:
        source = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = _importlib.import_module(f"{__name__}.{name}" if source == __name__ else source)
    if source != __name__:
        value = getattr(value, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
