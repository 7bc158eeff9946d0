"""Grokking metrics, the α × ε phase diagram and sweep summaries for the toy model.

All metrics read a :class:`~gklib.History` (single run or batched) and work on its logging grid:

- :func:`first_below` — first logged step at which a curve is below a threshold;
- :func:`crossing_times` — that step for the train and the test loss;
- :func:`grokking_delay` — :math:`t^{\\rm te}_\\theta - t^{\\rm tr}_\\theta` (signed);
- :func:`amount_of_grokking` — the paper's Fig 3(e) measure
  :math:`\\max(0, t^{\\rm te}_{0.1} - t^{\\rm tr}_{0.1})` (absolute threshold 0.1 on the MSE);
- :func:`phase_diagram` — that amount on an α × ε grid in ONE batched :func:`gklib.train` call
  (stats engine, runs leave the batch once both losses are below the threshold);
- :func:`sweep_summary` — crossing times, delays and final losses of every run of a sweep.

Thresholds are absolute unless ``relative=True`` (then a fraction of each run's initial loss).
Steps are those of the logging grid, so times are resolved to its spacing.
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch

from .history import History
from .models import CommitteeMachine
from .train import train
from .validation import as_param_array, check_positive, check_positive_int

__all__ = ["first_crossing", "first_below", "crossing_times", "grokking_delay", "amount_of_grokking", "sweep_summary",
           "PhaseDiagram", "phase_diagram", "plot_phase_diagram", "plot_fig1"]


def _check_history(history):
    if not isinstance(history, History):
        raise ValueError(f"history must be a gklib History, got {type(history).__name__}")
    return history


def first_crossing(steps, values, level: float, above: bool = False, relative: bool = False):
    """First entry of ``steps`` at which ``values`` is strictly below ``level`` (or, with ``above``,
    at least ``level``, e.g. for accuracies).

    ``values`` is ``(T,)`` or ``(R, T)`` on the grid ``steps`` ``(T,)``; NaN entries (a run that
    stopped early) never count. With ``relative=True`` the level is ``level × values[..., 0]``.
    Returns a float (``np.inf`` if the curve never gets there) or an ``(R,)`` array.
    """
    steps = np.asarray(steps, dtype=float)
    v = np.asarray(values, dtype=float)
    if steps.ndim != 1 or v.shape[-1] != steps.size or v.ndim not in (1, 2):
        raise ValueError(f"values must have shape (T,) or (R, T) with T={steps.size}, got {v.shape}")
    v2 = np.atleast_2d(v)
    thr = level * v2[:, :1] if relative else level
    hit = (np.nan_to_num(v2, nan=-np.inf) >= thr) if above else (np.nan_to_num(v2, nan=np.inf) < thr)
    out = np.where(hit.any(1), steps[np.argmax(hit, 1)], np.inf)
    return out if v.ndim == 2 else float(out[0])


def first_below(steps, values, threshold: float, relative: bool = False):
    """First entry of ``steps`` at which ``values`` (a loss) is strictly below ``threshold`` > 0;
    see :func:`first_crossing`."""
    return first_crossing(steps, values, check_positive(threshold, "threshold"), relative=relative)


def crossing_times(history: History, threshold: float = 0.1, relative: bool = False) -> dict:
    """``{"train": t_tr, "test": t_te}``: first logged steps with train / test loss below ``threshold``
    (``np.inf`` when never; arrays over runs for a batched history)."""
    h = _check_history(history)
    return {k: first_below(h.steps, getattr(h, f"{k}_loss"), threshold, relative) for k in ("train", "test")}


def grokking_delay(history: History, threshold: float = 0.1, relative: bool = False):
    """Signed delay :math:`t^{\\rm te}_\\theta - t^{\\rm tr}_\\theta` between the test and the train loss
    reaching ``threshold``. ``inf`` if the test loss never gets there (while the train loss does),
    ``nan`` if the train loss never does. Float, or ``(R,)`` array for a batched history."""
    t = crossing_times(history, threshold, relative)
    tr, te = np.atleast_1d(t["train"]), np.atleast_1d(t["test"])
    with np.errstate(invalid="ignore"):
        d = np.where(np.isfinite(tr), te - tr, np.nan)
    return d if history.batched else float(d[0])


def amount_of_grokking(history: History, threshold: float = 0.1, censor: bool = True):
    """The paper's "amount of grokking" (Fig 3(e)): :math:`\\max(0, t^{\\rm te}_{0.1} - t^{\\rm tr}_{0.1})`.

    ``threshold`` is absolute (0.1 in the paper). A curve that never crosses within the run counts as
    crossing at the run's last logged step when ``censor`` (so the value is a lower bound, and a run
    where neither loss crosses scores 0); with ``censor=False`` such runs give ``nan``.
    """
    h = _check_history(history)
    t = crossing_times(h, threshold)
    tr, te = np.atleast_1d(t["train"]), np.atleast_1d(t["test"])
    if censor:
        last = _last_logged(h)
        tr, te = np.minimum(tr, last), np.minimum(te, last)
    with np.errstate(invalid="ignore"):
        a = np.maximum(0.0, te - tr)
    a = np.where(np.isfinite(tr) & np.isfinite(te), a, np.nan)
    return a if h.batched else float(a[0])


def _last_logged(h: History) -> np.ndarray:
    """Last logged step of each run (runs stopped early have NaN after)."""
    ok = np.isfinite(np.atleast_2d(h.test_loss))
    idx = ok.shape[1] - 1 - np.argmax(ok[:, ::-1], 1)
    return np.asarray(h.steps, dtype=float)[idx]


def sweep_summary(history: History, threshold: float = 0.1, relative: bool = False) -> dict:
    """Per-run summary of a (batched) history: crossing times ``t_train``, ``t_test``, their
    ``delay`` and ``ratio`` ``t_test / t_train``, ``final_train``, ``final_test``, the peak test loss
    ``max_test`` and the final-to-initial weight-norm ratio ``norm_growth``. Arrays ``(R,)``."""
    h = _check_history(history)
    t = crossing_times(h, threshold, relative)
    tr, te = np.atleast_1d(t["train"]), np.atleast_1d(t["test"])
    wn = np.atleast_2d(h.weight_norm)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"t_train": tr, "t_test": te, "delay": np.where(np.isfinite(tr), te - tr, np.nan),
                "ratio": te / tr, "final_train": np.atleast_1d(h.final("train_loss")),
                "final_test": np.atleast_1d(h.final("test_loss")),
                "max_test": np.nanmax(np.atleast_2d(h.test_loss), 1),
                "norm_growth": np.atleast_1d(h.final("weight_norm")) / wn[:, 0]}


@dataclass
class PhaseDiagram:
    """Result of :func:`phase_diagram`: ``amount``, ``t_train``, ``t_test`` are ``(n_alpha, n_eps)``
    arrays over the grid ``alphas × epsilons``; ``history`` is the batched run (run ``i·n_eps + j``
    is ``(alphas[i], epsilons[j])``); ``seconds`` the wall time."""

    alphas: np.ndarray
    epsilons: np.ndarray
    amount: np.ndarray
    t_train: np.ndarray
    t_test: np.ndarray
    threshold: float
    steps: int
    history: History
    seconds: float


def phase_diagram(task, alphas, epsilons, N: int = 500, steps: int = 20_000, lr_scale: float = 20.0,
                  threshold: float = 0.1, seed: int = 0, center: bool = True, engine: str = "auto",
                  stop: bool = True, n_log: int = 300, device=None, dtype=torch.float32,
                  progress_bar: bool | None = None) -> PhaseDiagram:
    """The amount of grokking over the grid ``alphas × epsilons`` in ONE batched training run.

    Every grid point is a run of the same :class:`~gklib.CommitteeMachine` (same seed, so same
    initial weights) trained by :func:`gklib.train` with :math:`\\eta = \\text{lr\\_scale}\\,N/\\alpha^2`.
    With ``stop=True`` a run leaves the batch as soon as its train and test losses are both below
    ``threshold`` (``train(stop_below=threshold)``), when both crossing times are known; the paper
    instead stops when the losses stall (paper.md §7, Fig 3(e)), which gives the same crossings.
    Runs that do not cross within ``steps`` are censored at ``steps`` (:func:`amount_of_grokking`).
    """
    a = as_param_array(alphas, "alphas")
    e = as_param_array(epsilons, "epsilons", allow_zero=True)
    N = check_positive_int(N, "N")
    steps = check_positive_int(steps, "steps")
    threshold = check_positive(threshold, "threshold")
    A, E = np.meshgrid(a, e, indexing="ij")
    model = CommitteeMachine(task.D, N, alpha=A.ravel(), eps=E.ravel(), seed=[int(seed)] * A.size,
                             center=center, device=device, dtype=dtype)
    hist = train(model, task, steps, lr_scale=lr_scale, engine=engine, n_log=n_log,
                 stop_below=threshold if stop else None, progress_bar=progress_bar)
    t = crossing_times(hist, threshold)
    shape = A.shape
    return PhaseDiagram(alphas=a, epsilons=e, amount=amount_of_grokking(hist, threshold).reshape(shape),
                        t_train=t["train"].reshape(shape), t_test=t["test"].reshape(shape),
                        threshold=threshold, steps=steps, history=hist, seconds=hist.seconds)


def plot_phase_diagram(pd: PhaseDiagram, ax=None, cmap: str = "magma", log: bool = False):
    """Heat map of the amount of grokking, α on the x axis and ε on the y axis (bilinear, as the
    paper's Fig 3(e)). ``log=True`` colours :math:`\\log_{10}(1 + \\text{amount})`."""
    ax = ax or plt.gca()
    z = pd.amount.T
    z = np.log10(1 + z) if log else z
    im = ax.imshow(z, origin="lower", aspect="auto", cmap=cmap, interpolation="bilinear",
                   extent=(pd.alphas[0], pd.alphas[-1], pd.epsilons[0], pd.epsilons[-1]))
    plt.colorbar(im, ax=ax, label=r"$\log_{10}(1+$amount$)$" if log else
                 rf"amount of grokking $t^{{te}}_{{{pd.threshold:g}}}-t^{{tr}}_{{{pd.threshold:g}}}$ (steps)")
    ax.set_xlabel(r"$\alpha$")
    ax.set_ylabel(r"$\epsilon$")
    return ax


def plot_fig1(hist: History, hist_lin: History | None = None, kernel_mse: float | None = None,
              align=None, axes=None, title: str = ""):
    """The paper's Fig 1: (left) train/test loss of the network and of its linearisation with the
    initial-kernel regression baseline; (middle) the NTK alignment over training (``align`` =
    ``(steps, values)``); (right) the weight norm :math:`\\|W_t\\|_F/\\|W_0\\|_F`."""
    n = 2 + (align is not None)
    if axes is None:
        _, axes = plt.subplots(1, n, figsize=(4.6 * n, 3.6), constrained_layout=True)
    ax = axes[0]
    x = hist.steps + 1
    ax.plot(x, hist.train_loss, "--", color="C0", label="train")
    ax.plot(x, hist.test_loss, "-", color="C0", label="test")
    if hist_lin is not None:
        ax.plot(hist_lin.steps + 1, hist_lin.train_loss, "--", color="C1", label="linearised train")
        ax.plot(hist_lin.steps + 1, hist_lin.test_loss, "-", color="C1", label="linearised test")
    if kernel_mse is not None:
        ax.axhline(kernel_mse, color="k", lw=1, label="kernel regression $K_0$")
    ax.set(xscale="log", yscale="log", xlabel="step + 1", ylabel="MSE", title=title or "losses")
    ax.legend(fontsize="small")
    if align is not None:
        s, v = align
        axes[1].plot(np.asarray(s) + 1, v, color="C2")
        axes[1].set(xscale="log", xlabel="step + 1", ylabel="alignment (cka)", title="NTK–target alignment")
    w = np.asarray(hist.weight_norm, dtype=float)
    axes[-1].plot(x, w / w[0], color="C3")
    axes[-1].set(xscale="log", xlabel="step + 1", ylabel=r"$\|W_t\|_F/\|W_0\|_F$", title="weight norm")
    return axes
