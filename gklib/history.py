"""Training histories: losses and summary statistics on a logging grid."""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from .params import Integer, Options, validate_params
from .validation import INT_MAX

_SERIES = ("train_loss", "test_loss", "weight_norm", "variance", "misalignment", "linear", "train_acc",
           "test_acc")


@validate_params(steps=Integer(0, INT_MAX), n_log=Integer(1, 10**7), log_every=Integer(1, INT_MAX, none_ok=True))
def log_grid(steps: int, n_log: int = 200, log_every: int | None = None) -> np.ndarray:
    """Steps at which to log: ``0``, then about ``n_log`` log-spaced steps up to ``steps`` (grokking spans
    decades, so a log grid resolves every crossing time to a fixed relative precision), or every
    ``log_every`` steps. Always contains 0 and ``steps``.

    Parameters
    ----------
    steps : int
        The last step, >= 0.
    n_log : int, default 200
        Number of log-spaced points, in [1, 10**7] (fewer after rounding to distinct integers).
    log_every : int or None, default None
        Log every ``log_every`` (>= 1) steps instead; ``None``: the log-spaced grid.

    Returns
    -------
    numpy.ndarray of int, shape (n,)
        Increasing, distinct steps from 0 to ``steps``.

    Examples
    --------
    >>> from gklib import log_grid
    >>> log_grid(100, n_log=5).tolist()
    [0, 1, 3, 10, 32, 100]
    >>> log_grid(10, log_every=4).tolist()
    [0, 4, 8, 10]
    """
    steps = int(steps)
    if log_every is not None:
        log_every = int(log_every)
        grid = np.arange(0, steps + 1, log_every)
    else:
        n_log = int(n_log)
        grid = np.unique(np.round(np.logspace(0, np.log10(max(steps, 1)), n_log)).astype(int))
        grid = np.concatenate([[0], grid])
    return np.unique(np.concatenate([grid[grid <= steps], [steps]])).astype(int)


@dataclass
class History:
    r"""What every trainer records, on the logging grid ``steps`` -- :func:`gklib.train` (committee
    machine), :func:`gklib.toy.linearized.train_linearized` (its linearisation) and
    :func:`gklib.nets.fit` (``torch.nn.Module`` ensembles) all return one, with the same field names.

    Every series is a numpy array ``(T,)`` for a single run or ``(R, T)`` for ``R`` runs (``T`` =
    ``len(steps)``). The population decomposition of the committee machine's test loss (paper eq. 6) is
    ``test_loss = variance + misalignment + linear``. A run that broke the divergence rule has NaN series
    from ``diverged_at`` on; entries past a run's own step count (``steps`` given per run, or a run stopped
    by ``stop_below``) are NaN too.

    Parameters
    ----------
    steps : numpy.ndarray, shape (T,)
        The logging grid (see :func:`log_grid`).
    train_loss, test_loss : numpy.ndarray, shape (T,) or (R, T)
        The loss the trainer minimises on the training / test set (mean squared error without ½, or
        cross-entropy).
    weight_norm : numpy.ndarray, shape (T,) or (R, T)
        :math:`\|W\|_F` (or :math:`\|\theta\|`, see the trainer).
    variance, misalignment, linear : numpy.ndarray or None, shape (T,) or (R, T)
        The terms of the loss decomposition (``None`` when the task has no teacher vector).
    train_acc, test_acc : numpy.ndarray or None, shape (T,) or (R, T)
        Accuracies (``None`` when the trainer has none).
    extra : dict, default {}
        Further series of the trainer, ``{name: array}`` with the run axis first (e.g. ``rel_change``).
    params : dict, default {}
        Per-run hyperparameters (``alpha``, ``eps``, ``lr_scale``, ...).
    diverged_at : numpy.ndarray or float or None, default None
        The step at which each run broke the divergence rule (NaN: it did not; ``None`` when the trainer
        raised instead).
    engine : str, default ""
        Which engine of the trainer ran.
    seconds : float, default 0.0
        Wall-clock time of the run.
    trained : object, default None
        Networks only: the trained modules, rebuilt by :meth:`module`.

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> h = gk.History(steps=np.array([0, 10, 100]), train_loss=np.array([[1.0, 0.05, 0.01], [1.0, 0.5, 0.2]]),
    ...                test_loss=np.array([[1.0, 0.9, 0.05], [1.0, 0.8, 0.6]]), weight_norm=np.ones((2, 3)))
    >>> h.batched, h.R
    (True, 2)
    >>> h.final("test_loss").tolist()
    [0.05, 0.6]
    >>> h.run(1).train_loss.tolist()
    [1.0, 0.5, 0.2]
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
        """``True`` when the series have a run axis, shape ``(R, T)``."""
        return self.train_loss.ndim == 2

    @property
    def R(self) -> int:
        """The number of runs (1 for a single-run history)."""
        return self.train_loss.shape[0] if self.batched else 1

    @validate_params(i=Integer())
    def run(self, i: int) -> "History":
        """The history of run ``i`` alone (every per-run field without its run axis).

        Parameters
        ----------
        i : int
            Run index, ``-R <= i < R`` (0 or -1 for a single-run history).

        Returns
        -------
        History
            A single-run history (the history itself when it is not batched).

        Raises
        ------
        IndexError
            ``i`` is out of range.

        Examples
        --------
        >>> import numpy as np, gklib as gk
        >>> h = gk.History(steps=np.arange(2), train_loss=np.array([[1.0, 0.5], [1.0, 0.1]]),
        ...                test_loss=np.ones((2, 2)), weight_norm=np.ones((2, 2)), params={"alpha": [1.0, 2.0]})
        >>> r = h.run(-1)
        >>> r.batched, r.train_loss.tolist(), float(r.params["alpha"])
        (False, [1.0, 0.1], 2.0)
        """
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
        """Iterate over the single-run histories, ``run(0), ..., run(R - 1)``.

        Returns
        -------
        generator of History
            One single-run history per run.

        Examples
        --------
        >>> import numpy as np, gklib as gk
        >>> h = gk.History(steps=np.arange(2), train_loss=np.array([[1.0, 0.5], [1.0, 0.1]]),
        ...                test_loss=np.ones((2, 2)), weight_norm=np.ones((2, 2)))
        >>> [r.final("train_loss") for r in h.runs()]
        [0.5, 0.1]
        """
        return (self.run(i) for i in range(self.R))

    @validate_params(i=Integer(0))
    def module(self, i: int = 0):
        """A copy of the network holding run ``i``'s trained parameters (histories of :func:`gklib.nets.fit`).

        Parameters
        ----------
        i : int, default 0
            Run index.

        Returns
        -------
        torch.nn.Module
            The trained network of run ``i``.

        Raises
        ------
        ValueError
            The history has no trained modules (only :func:`gklib.nets.fit` records them).

        Examples
        --------
        >>> import numpy as np, gklib as gk
        >>> h = gk.History(steps=np.arange(2), train_loss=np.ones(2), test_loss=np.ones(2), weight_norm=np.ones(2))
        >>> h.module(0)
        Traceback (most recent call last):
        ...
        ValueError: this history has no trained modules (only gklib.nets.fit records them)
        """
        if self.trained is None:
            raise ValueError("this history has no trained modules (only gklib.nets.fit records them)")
        return self.trained.module(i)

    @property
    def diverged(self):
        """``True`` for each run that broke the divergence rule (``(R,)`` bool array, or a bool)."""
        d = np.zeros(self.R, bool) if self.diverged_at is None else np.isfinite(np.atleast_1d(self.diverged_at))
        return d if self.batched else bool(d[0])

    @validate_params(name=Options(*_SERIES))
    def final(self, name: str = "test_loss"):
        """The last logged value of a series, per run, ignoring the NaN tails of runs that stopped early;
        NaN for a run that diverged (its last finite value would be a stale, misleading result).

        Parameters
        ----------
        name : str, default "test_loss"
            One of the series: ``"train_loss"``, ``"test_loss"``, ``"weight_norm"``, ``"variance"``,
            ``"misalignment"``, ``"linear"``, ``"train_acc"``, ``"test_acc"``.

        Returns
        -------
        float or numpy.ndarray, shape (R,)
            The final values.

        Examples
        --------
        >>> import numpy as np, gklib as gk
        >>> h = gk.History(steps=np.arange(3), train_loss=np.array([[1.0, 0.5, np.nan], [1.0, 0.1, 0.05]]),
        ...                test_loss=np.ones((2, 3)), weight_norm=np.ones((2, 3)))
        >>> h.final("train_loss").tolist()      # run 0 stopped early: its last logged value
        [0.5, 0.05]
        """
        a = np.atleast_2d(getattr(self, name))
        out = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan for row in a])
        out[np.atleast_1d(self.diverged)] = np.nan
        return out if self.batched else float(out[0])

    def as_dict(self) -> dict:
        """The steps and every recorded series as a plain dict (e.g. for ``pandas.DataFrame``).

        Returns
        -------
        dict of numpy.ndarray
            ``{"steps": ..., "train_loss": ..., ...}``, without the series that are ``None``.

        Examples
        --------
        >>> import numpy as np, gklib as gk
        >>> h = gk.History(steps=np.arange(2), train_loss=np.ones(2), test_loss=np.ones(2), weight_norm=np.ones(2))
        >>> sorted(h.as_dict())
        ['steps', 'test_loss', 'train_loss', 'weight_norm']
        """
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name in _SERIES + ("steps",) and getattr(self, f.name) is not None}

    def __repr__(self) -> str:
        return (f"History(runs={self.R}, logged={len(self.steps)}, last_step={int(self.steps[-1])}, "
                f"engine={self.engine!r}, seconds={self.seconds:.2f})")
