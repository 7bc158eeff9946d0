"""Training histories: losses and summary statistics on a logging grid."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from .params import Integer, validate_params
from .validation import check_positive_int

_SERIES = ("train_loss", "test_loss", "weight_norm", "variance", "misalignment", "linear", "train_acc",
           "test_acc")


@validate_params(steps=Integer(0), n_log=Integer(1, 10**7), log_every=Integer(1, none_ok=True))
def log_grid(steps: int, n_log: int = 200, log_every: int | None = None) -> np.ndarray:
    """Steps at which to log: ``0``, then ~``n_log`` log-spaced steps up to ``steps``
    (grokking spans decades), or every ``log_every`` steps. Always contains 0 and ``steps``.

    Examples
    --------
    >>> from gklib import log_grid
    >>> log_grid(100, n_log=5).tolist()
    [0, 1, 3, 10, 32, 100]
    >>> log_grid(10, log_every=4).tolist()
    [0, 4, 8, 10]
    """
    steps = check_positive_int(steps, "steps", allow_zero=True)
    if log_every is not None:
        log_every = check_positive_int(log_every, "log_every")
        grid = np.arange(0, steps + 1, log_every)
    else:
        n_log = check_positive_int(n_log, "n_log", maximum=10**7)
        grid = np.unique(np.round(np.logspace(0, np.log10(max(steps, 1)), n_log)).astype(int))
        grid = np.concatenate([[0], grid])
    return np.unique(np.concatenate([grid[grid <= steps], [steps]])).astype(int)


@dataclass
class History:
    """What every trainer records, on the logging grid ``steps`` — :func:`gklib.train` (committee
    machine), :func:`gklib.toy.linearized.train_linearized` (its linearisation) and
    :func:`gklib.nets.fit` (``torch.nn.Module`` ensembles).

    Every series is a numpy array ``(n_log,)`` for a single run or ``(R, n_log)`` for ``R`` runs:

    - ``train_loss``, ``test_loss``: the loss the trainer minimises, on the training / test set
      (mean squared error without ½, or cross-entropy);
    - ``weight_norm``: :math:`\\|W\\|_F` (or :math:`\\|\\theta\\|`, see the trainer);
    - ``variance``, ``misalignment``, ``linear``: the population decomposition of the committee
      machine's test loss (paper eq. 6; ``None`` when the task has no teacher vector);
    - ``train_acc``, ``test_acc``: accuracies (``None`` when the trainer has none);
    - ``extra``: further series of the trainer, each with the run axis first (e.g. ``rel_change``).

    ``params`` holds the per-run hyperparameters (``alpha``, ``eps``, ``lr_scale``, ...).
    ``diverged_at`` is the step at which each run broke the divergence rule (NaN: it did not; ``None``
    when the trainer raised instead); its series are NaN from that step on. Entries past a run's own
    step count (``steps`` given per run, or a run stopped by ``stop_below``) are NaN too.
    ``trained`` (networks only) rebuilds the trained modules: :meth:`module`.
    """

    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    weight_norm: np.ndarray
    variance: np.ndarray | None = None
    misalignment: np.ndarray | None = None
    linear: np.ndarray | None = None
    train_acc: np.ndarray | None = None
    test_acc: np.ndarray | None = None
    extra: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    diverged_at: np.ndarray | float | None = None
    engine: str = ""
    seconds: float = 0.0
    trained: object = field(default=None, repr=False)

    @property
    def batched(self) -> bool:
        return self.train_loss.ndim == 2

    @property
    def R(self) -> int:
        return self.train_loss.shape[0] if self.batched else 1

    def run(self, i: int) -> "History":
        """The history of run ``i`` alone (every per-run field without its run axis)."""
        if not self.batched:
            if i not in (0, -1):
                raise IndexError(f"single-run history has no run {i}")
            return self
        if not -self.R <= i < self.R:
            raise IndexError(f"run {i} out of range for {self.R} runs")
        sub = {f.name: getattr(self, f.name)[i] for f in fields(self)
               if f.name in _SERIES and getattr(self, f.name) is not None}
        params = {k: np.asarray(v)[i] for k, v in self.params.items()}
        extra = {k: np.asarray(v)[i] for k, v in self.extra.items()}
        div = None if self.diverged_at is None else float(np.asarray(self.diverged_at)[i])
        trained = None if self.trained is None else self.trained.run(i)
        return replace(self, params=params, extra=extra, diverged_at=div, trained=trained, **sub)

    def runs(self):
        """Iterate over single-run histories."""
        return (self.run(i) for i in range(self.R))

    def module(self, i: int = 0):
        """A copy of the network holding run ``i``'s trained parameters (histories of :func:`gklib.nets.fit`)."""
        if self.trained is None:
            raise ValueError("this history has no trained modules (only gklib.nets.fit records them)")
        return self.trained.module(i)

    @property
    def diverged(self):
        """``True`` for each run that broke the divergence rule (``(R,)`` bool array, or a bool)."""
        d = np.zeros(self.R, bool) if self.diverged_at is None else np.isfinite(np.atleast_1d(self.diverged_at))
        return d if self.batched else bool(d[0])

    def final(self, name: str = "test_loss"):
        """The last logged value of a series (per run), ignoring NaN tails of runs that stopped early;
        NaN for a run that diverged (its last finite value would be a stale, misleading result)."""
        a = np.atleast_2d(getattr(self, name))
        out = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan for row in a])
        out[np.atleast_1d(self.diverged)] = np.nan
        return out if self.batched else float(out[0])

    def as_dict(self) -> dict:
        """Series and steps as a plain dict (e.g. for ``pandas.DataFrame``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name in _SERIES + ("steps",) and getattr(self, f.name) is not None}

    def __repr__(self) -> str:
        return (f"History(runs={self.R}, logged={len(self.steps)}, last_step={int(self.steps[-1])}, "
                f"engine={self.engine!r}, seconds={self.seconds:.2f})")
