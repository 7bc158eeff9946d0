"""Experiments on networks: the paper's modular-arithmetic MLP sweep (Fig 2, chapter 5), seed-averaged
sweeps (:func:`seed_sweep`: every initialisation × every α as one batched :func:`~gklib.nets.trainer.fit`),
and :func:`delay_summary`, which reads a sweep's delays on the losses and the accuracies, absolute and in
units of the fitting time."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..config import by_profile
from ..runtime import get_device
from ..history import History
from ..metrics import first_crossing, value_at
from ..params import Array, Boolean, Instance, Integer, Real, Reals, validate_params
from ..toy.tasks import Task
from .data import modular_addition
from .modules import QuadraticMLP
from .trainer import fit

__all__ = ["modular_mlp_sweep", "modular_mlp_steps", "seed_sweep", "delay_summary",
           "threshold_accuracy_tracks"]


def modular_mlp_steps() -> int:
    """The number of GD steps of :func:`modular_mlp_sweep` at the active profile.

    Returns
    -------
    int
        6000 (quick), 10 000 (book) or 100 000 (paper).

    Examples
    --------
    >>> from gklib.nets import modular_mlp_steps
    >>> modular_mlp_steps() in (6000, 10_000, 100_000)
    True
    """
    return by_profile(quick=6000, book=10_000, paper=100_000)


@validate_params(s=Reals(0, closed="neither"), p=Integer(2, 10**4), N=Integer(1), steps=Integer(0, none_ok=True),
                 lr=Real(0, closed="neither"), train_frac=Real(0, 1, closed="neither"), seed=Integer(0, 2**63 - 1),
                 n_log=Integer(1, 10**7), track=Instance(dict, what="a dict {name: fn}", none_ok=True),
                 progress_bar=Boolean(none_ok=True))
def modular_mlp_sweep(s=(0.5, 1.0, 1.5, 2.0), p: int = 23, N: int = 100, steps: int | None = None,
                      lr: float = 1500.0, train_frac: float = 0.9, seed: int = 0, n_log: int = 80,
                      track: dict | None = None, device=None, callback=None, progress_bar=None) -> History:
    """Paper Fig 2: :math:`f = s^2 W_2 (W_1 x)^2/(DN)`, full-batch GD on the MSE with step
    :math:`\\text{lr}/s^4` (the paper's loss :math:`/s^2` with step :math:`100/s^2`, i.e. ``lr=100``;
    the default ``lr=1500`` runs the same gradient flow 15× faster). Uncentred, as in the paper
    (:math:`f_0` is :math:`O(s^2/\\sqrt{DN})`). Weight norm :math:`\\|W_1\\|_F+\\|W_2\\|_F`.
    ``hist.params["alpha"]`` holds :math:`s^2`; ``track`` (e.g. the feature-kernel change,
    :func:`~gklib.nets.laziness.feature_kernel_change`) and ``callback`` go to
    :func:`~gklib.nets.trainer.fit`.

    Parameters
    ----------
    s : float or sequence of float, default (0.5, 1.0, 1.5, 2.0)
        Output scales > 0, one run each.
    p : int, default 23
        The modulus, in [2, 10**4].
    N : int, default 100
        Hidden width, >= 1.
    steps : int or None, default None
        GD steps, >= 0 (``None``: :func:`modular_mlp_steps`).
    lr : float, default 1500.0
        :math:`\\text{lr} > 0` in the step :math:`\\text{lr}/s^4`.
    train_frac : float, default 0.9
        Training fraction of the pairs, in (0, 1).
    seed : int, default 0
        Seed of the network, in [0, 2**63 - 1].
    n_log : int, default 80
        Logged steps.
    track : dict or None, default None
        Further series for :func:`~gklib.nets.trainer.fit`.
    device : str or torch.device or None, default None
        :func:`gklib.get_device`.
    callback : callable or None, default None
        :func:`~gklib.nets.trainer.fit`'s callback.
    progress_bar : bool or None, default None
        Show a progress bar.

    Returns
    -------
    History
        One run per ``s``, ``(len(s), T)`` series.

    Examples
    --------
    >>> from gklib.nets import modular_mlp_sweep
    >>> h = modular_mlp_sweep(s=[1.0, 2.0], p=5, N=8, steps=20, lr=100.0, n_log=5, device="cpu",
    ...                       progress_bar=False)
    >>> h.train_loss.shape, h.params["alpha"].tolist()
    ((2, 6), [1.0, 4.0])
    >>> bool((h.train_loss[:, -1] < h.train_loss[:, 0]).all())
    True
    """
    s = np.atleast_1d(np.asarray(s, dtype=float))
    steps = steps if steps is not None else modular_mlp_steps()
    task = modular_addition(p, train_frac, seed=1, device=device)
    net = QuadraticMLP(2 * p, N, p, seed=seed)
    return fit(net, task, alpha=s**2, steps=steps, lr=lr, lr_alpha_power=2, loss="mse", optimizer="sgd",
               center=False, norm="layers", n_log=n_log, track=track, device=get_device(device),
               callback=callback, progress_bar=progress_bar)


@validate_params(make_module=Instance(Callable, what="a callable make_module(seed)"),
                 data=Instance(Task, tuple, list, what="a gklib Task or a tuple (X, y) or (X, y, X_test, y_test)"),
                 seeds=Array((0, 1)), alpha=Reals(0, closed="neither"))
def seed_sweep(make_module, data, *, seeds, alpha, **fit_kw) -> History:
    """Train every network ``make_module(seed)`` at every ``alpha`` as one batched
    :func:`~gklib.nets.trainer.fit` (``len(seeds) × len(alpha)`` runs, one computation).

    Run ``i·len(alpha) + j`` is seed ``seeds[i]`` at ``alpha[j]``, so any per-run measure reshapes to
    ``(len(seeds), len(alpha))``; ``hist.params`` gains ``"seed"``. Other keywords go to ``fit`` (``lr``
    and ``weight_decay`` must be scalars here).

    Parameters
    ----------
    make_module : callable
        ``make_module(seed)`` returns a network; all of one architecture.
    data : Task or tuple
        As :func:`~gklib.nets.trainer.fit`.
    seeds : int or sequence of int
        Seeds, integers >= 0.
    alpha : float or sequence of float
        Output scales > 0.
    **fit_kw : keyword arguments
        Further arguments of :func:`~gklib.nets.trainer.fit`.

    Returns
    -------
    History
        ``len(seeds) * len(alpha)`` runs; ``params["seed"]`` per run.

    Raises
    ------
    ValueError
        Seeds that are not integers >= 0, or a sequence-valued ``lr``/``weight_decay``.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import MLP, seed_sweep
    >>> X = torch.randn(8, 2, generator=torch.Generator().manual_seed(0))
    >>> h = seed_sweep(lambda s: MLP([2, 4, 1], seed=s), (X, X[:, :1]), seeds=[0, 1], alpha=[1.0, 2.0, 4.0],
    ...                steps=3, lr=0.1, device="cpu")
    >>> h.train_loss.shape[0], h.params["seed"].tolist()
    (6, [0, 0, 0, 1, 1, 1])
    """
    raw = np.atleast_1d(np.asarray(seeds, dtype=float))
    if not all(v.is_integer() and v >= 0 for v in raw.tolist()):
        raise ValueError(f"seeds must be integers >= 0, got {seeds!r}")
    seeds = [int(v) for v in raw]
    alphas = [float(a) for a in np.atleast_1d(np.asarray(alpha, dtype=float))]
    for k in ("lr", "weight_decay"):
        if np.ndim(fit_kw.get(k, 0.0)) > 0:
            raise ValueError(f"{k} must be a scalar in a seed sweep")
    nets = [make_module(s) for s in seeds for _ in alphas]
    hist = fit(nets, data, alpha=alphas * len(seeds), **fit_kw)
    hist.params["seed"] = np.repeat(seeds, len(alphas))
    return hist


@validate_params(hist=Instance(History, what="a gklib History"), loss_level=Real(0, closed="neither"),
                 relative=Boolean(), acc_level=Real(0, 1, closed="right", none_ok=True),
                 key=Instance(str, what="a string", none_ok=True))
def delay_summary(hist: History, loss_level: float, *, relative: bool = True, acc_level: float | None = None,
                  key: str | None = None) -> dict:
    r"""The delay of every run of a sweep, read on the losses first and on the accuracies beside them.

    Loss crossings: :math:`t_{\rm tr}` and :math:`t_{\rm te}`, the first logged steps at which the train and
    the test loss fall below ``loss_level`` — times each run's initial loss when ``relative`` (a fall by the
    factor ``1/loss_level``), an absolute level otherwise. The delay is reported twice: absolute,
    :math:`t_{\rm te} - t_{\rm tr}` (``loss_delay``), and in units of the fitting time,
    :math:`t_{\rm te}/t_{\rm tr}` (``loss_ratio``). When a larger output scale also slows the fit (a step
    :math:`\propto 1/\alpha^k`), the absolute delay grows even if the curves only stretch in time; the ratio
    does not. ``acc_level`` adds the same four numbers for the accuracies (``acc_train``, ``acc_test``,
    ``acc_delay``, ``acc_ratio``); ``key`` adds ``hist.extra[key]`` (e.g. the feature-kernel change) at the
    loss fit and at the loss generalisation (``key_at_fit``, ``key_at_test``; NaN where never reached).

    Never reached within the run: ``inf`` (a delay or ratio with an unfitted training set is NaN). The ratio
    counts a crossing at step 0 as step 1 (both curves below the level from the start: ratio 1).

    Parameters
    ----------
    hist : History
        A sweep (or one run) with train and test losses (and accuracies for ``acc_level``).
    loss_level : float
        The loss level, > 0 (< 1 when ``relative``).
    relative : bool, default True
        ``loss_level`` relative to each run's initial loss.
    acc_level : float or None, default None
        Accuracy level in (0, 1] (``None``: no accuracy crossings).
    key : str or None, default None
        A series of ``hist.extra`` to read at the crossings.

    Returns
    -------
    dict
        ``(R,)`` arrays (length 1 for a single run): ``loss_train``, ``loss_test``, ``loss_delay``,
        ``loss_ratio`` and, as asked, the ``acc_*`` and ``key_*`` entries.

    Raises
    ------
    ValueError
        ``loss_level >= 1`` with ``relative``, or a ``key`` that ``hist.extra`` lacks.

    Examples
    --------
    >>> import numpy as np, gklib as gk
    >>> from gklib.nets import delay_summary
    >>> steps = np.array([0, 10, 100, 1000])
    >>> h = gk.History(steps=steps, train_loss=np.array([1.0, 0.05, 0.01, 0.01]),
    ...                test_loss=np.array([1.0, 0.8, 0.5, 0.05]), weight_norm=np.ones(4))
    >>> d = delay_summary(h, 0.1)                     # a fall by 10x: step 10 on train, 1000 on test
    >>> d["loss_train"].tolist(), d["loss_test"].tolist(), d["loss_ratio"].tolist()
    ([10.0], [1000.0], [100.0])
    """
    lv = float(loss_level)
    if relative and lv >= 1:
        raise ValueError(f"loss_level must be in (0, 1) when relative, positive otherwise; got {loss_level!r}")

    def pair(tr, te):
        tr, te = np.atleast_1d(np.asarray(tr, float)), np.atleast_1d(np.asarray(te, float))
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = np.isfinite(tr)
            return tr, te, np.where(ok, te - tr, np.nan), np.where(ok, np.maximum(te, 1) / np.maximum(tr, 1), np.nan)

    out = {}
    tr = first_crossing(hist.steps, hist.train_loss, lv, relative=relative)
    te = first_crossing(hist.steps, hist.test_loss, lv, relative=relative)
    out["loss_train"], out["loss_test"], out["loss_delay"], out["loss_ratio"] = pair(tr, te)
    if acc_level is not None:
        a = float(acc_level)
        tr = first_crossing(hist.steps, hist.train_acc, a, above=True)
        te = first_crossing(hist.steps, hist.test_acc, a, above=True)
        out["acc_train"], out["acc_test"], out["acc_delay"], out["acc_ratio"] = pair(tr, te)
    if key is not None:
        if key not in hist.extra:
            raise ValueError(f"hist.extra has no {key!r}; log it with fit(..., track={{{key!r}: ...}})")
        out["key_at_fit"] = value_at(hist, hist.extra[key], out["loss_train"])
        out["key_at_test"] = value_at(hist, hist.extra[key], out["loss_test"])
    return out


@validate_params(X=Array(), y=Array(), alpha=Reals(0, closed="neither"), thresholds=Reals(0, closed="neither"),
                 prefix=Instance(str, what="a string"))
def threshold_accuracy_tracks(X, y, alpha, thresholds, *, prefix: str = "train_acc") -> dict:
    r"""Series for :func:`~gklib.nets.trainer.fit`'s ``track``: the *threshold accuracy* of every run on
    ``(X, y)`` at each threshold θ (paper App 17),

    .. math:: A_\theta = \frac1n \sum_{i=1}^n \mathbb 1\Big[\tfrac1K \lVert \alpha f(\theta, x_i) - y_i
              \rVert^2 < \theta\Big],

    the fraction of the points whose squared error, averaged over the K outputs, is below θ. ``fit`` logs
    this fraction on the test set for all its ``thresholds``, and on the training set for the first only;
    these tracks add the training set at every θ, so that a delay :math:`t_{\rm test}/t_{\rm train}` can be
    read at each θ. The prediction is the uncentred :math:`\alpha f(\theta, x)` (``center=False``).

    Parameters
    ----------
    X : torch.Tensor, shape (n, ...)
        The inputs (usually the training set).
    y : torch.Tensor, shape (n,) or (n, K)
        Their targets.
    alpha : float or sequence of float
        Output scale > 0: one for every run, or one per run (in ``fit``'s run order).
    thresholds : float or sequence of float
        The thresholds θ > 0.
    prefix : str, default "train_acc"
        The tracks' names are ``f"{prefix}@{θ:g}"``.

    Returns
    -------
    dict
        ``{name: fn}``, one entry per θ, to merge into ``fit``'s ``track``; each ``fn(apply, params,
        params0)`` returns the threshold accuracy of every run, shape (R,).

    Raises
    ------
    InvalidParameterError
        A threshold or α that is not a finite number > 0, a non-tensor ``X`` or ``y``.

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import threshold_accuracy_tracks
    >>> X, y = torch.zeros(4, 1), torch.tensor([0.0, 0.05, 0.2, 1.0])
    >>> tracks = threshold_accuracy_tracks(X, y, 1.0, [0.01, 0.1])
    >>> sorted(tracks)
    ['train_acc@0.01', 'train_acc@0.1']
    >>> apply = lambda params, X: torch.zeros(1, X.shape[0], 1)     # one run that predicts 0
    >>> tracks["train_acc@0.01"](apply, None, None).tolist()       # errors 0, .0025, .04, 1
    [0.5]
    >>> tracks["train_acc@0.1"](apply, None, None).tolist()
    [0.75]
    """
    th = [float(t) for t in np.atleast_1d(np.asarray(thresholds, dtype=float))]
    a = np.atleast_1d(np.asarray(alpha, dtype=float))

    def track(theta):
        def fn(apply, params, params0):
            import torch
            with torch.no_grad():
                out = apply(params, X)                                        # (R, B, K)
                al = torch.as_tensor(a, dtype=out.dtype, device=out.device)
                al = al.expand(out.shape[0]) if al.numel() == 1 else al
                pred = al[:, None, None] * out.reshape(out.shape[0], out.shape[1], -1)
                err = ((pred - y.reshape(1, y.shape[0], -1).to(out.dtype)) ** 2).mean(-1)
                return (err < theta).to(out.dtype).mean(1)
        return fn
    return {f"{prefix}@{t:g}": track(t) for t in th}
