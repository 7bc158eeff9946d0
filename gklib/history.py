"""Training histories: losses and summary statistics on a logging grid."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from .validation import check_positive_int

_SERIES = ("train_loss", "test_loss", "weight_norm", "variance", "misalignment", "linear")


def log_grid(steps: int, n_log: int = 200, log_every: int | None = None) -> np.ndarray:
    """Steps at which to log: ``0``, then ~``n_log`` log-spaced steps up to ``steps``
    (grokking spans decades), or every ``log_every`` steps. Always contains 0 and ``steps``."""
    steps = check_positive_int(steps, "steps", allow_zero=True)
    if log_every is not None:
        log_every = check_positive_int(log_every, "log_every")
        grid = np.arange(0, steps + 1, log_every)
    else:
        n_log = check_positive_int(n_log, "n_log")
        grid = np.unique(np.round(np.logspace(0, np.log10(max(steps, 1)), n_log)).astype(int))
        grid = np.concatenate([[0], grid])
    return np.unique(np.concatenate([grid[grid <= steps], [steps]])).astype(int)


@dataclass
class History:
    """What :func:`gklib.train` records, on the logging grid ``steps``.

    Every series is a numpy array ``(n_log,)`` for a single run or ``(R, n_log)`` for ``R`` runs:

    - ``train_loss``, ``test_loss``: mean squared error (no ½) on the training / test set;
    - ``weight_norm``: :math:`\\|W\\|_F`;
    - ``variance``, ``misalignment``, ``linear``: the population decomposition of the test loss
      (paper eq. 6; ``None`` when the task has no teacher vector).

    ``params`` holds the per-run hyperparameters (``alpha``, ``eps``, ``lr_scale``, ...).
    Entries past a run's own step count (``steps`` given per run) are NaN.
    """

    steps: np.ndarray
    train_loss: np.ndarray
    test_loss: np.ndarray
    weight_norm: np.ndarray
    variance: np.ndarray | None = None
    misalignment: np.ndarray | None = None
    linear: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    engine: str = ""
    seconds: float = 0.0

    @property
    def batched(self) -> bool:
        return self.train_loss.ndim == 2

    @property
    def R(self) -> int:
        return self.train_loss.shape[0] if self.batched else 1

    def run(self, i: int) -> "History":
        """The history of run ``i`` alone."""
        if not self.batched:
            if i not in (0, -1):
                raise IndexError(f"single-run history has no run {i}")
            return self
        sub = {f.name: getattr(self, f.name)[i] for f in fields(self)
               if f.name in _SERIES and getattr(self, f.name) is not None}
        params = {k: np.asarray(v)[i] for k, v in self.params.items()}
        return replace(self, params=params, **sub)

    def runs(self):
        """Iterate over single-run histories."""
        return (self.run(i) for i in range(self.R))

    def final(self, name: str = "test_loss"):
        """The last logged value of a series (per run), ignoring NaN tails."""
        a = np.atleast_2d(getattr(self, name))
        out = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan for row in a])
        return out if self.batched else float(out[0])

    def as_dict(self) -> dict:
        """Series and steps as a plain dict (e.g. for ``pandas.DataFrame``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name in _SERIES + ("steps",) and getattr(self, f.name) is not None}

    def __repr__(self) -> str:
        return (f"History(runs={self.R}, logged={len(self.steps)}, last_step={int(self.steps[-1])}, "
                f"engine={self.engine!r}, seconds={self.seconds:.2f})")
