r"""One trainer for ``torch.nn.Module``\ s: a single network or ``R`` runs as one computation.

Each run ``r`` trains the centred, α-scaled predictor (Chizat et al.; paper, App. 8.1)

.. math:: \tilde f_r(x) = \alpha_r\,\bigl(f(\theta_r, x) - f(\theta_r(0), x)\bigr),

where :math:`f(\theta(0), x)` is computed once under ``no_grad`` (``center=False``:
:math:`\alpha_r f(\theta_r, x)`; a module that centres itself, such as
:class:`~gklib.nets.wrappers.OutputScaled`, is trained with ``center=False`` and ``alpha=1``).
Losses: ``"mse"`` — mean over samples *and* outputs of :math:`(\tilde f - y)^2` (integer labels
are one-hot encoded); ``"ce"`` — cross-entropy of the logits :math:`\tilde f`. Learning rate of
run ``r``: :math:`\eta_r = \text{lr}_r/\alpha_r^{k}` with ``k = lr_alpha_power``.

Every run has its own parameter tensors, one ``torch.optim`` parameter group (its own learning
rate and weight decay) and one optimiser for all: ``"sgd"`` (``momentum`` for heavy ball),
``"adam"`` or ``"adamw"`` (``gklib.training.OPTIMIZERS``; the toy trainer's older spellings ``"gd"`` and
``"momentum"`` are accepted as the aliases ``gklib.training.OPTIMIZER_ALIASES``). In the forward pass the runs'
parameters are stacked along a leading axis and the network is evaluated with
``torch.func.vmap(functional_call(...))``; the per-run losses are summed, so one backward pass
gives every run its own gradient. A linear warm-up :math:`\min(1, t/\text{warmup})` is a
``LambdaLR`` schedule. The divergence rule (:class:`gklib.training.DivergenceWatch`, shared with
:func:`gklib.train`) is checked on the step's loss at every step; a diverged run raises, or
(``on_divergence="nan"``) is frozen — its group's learning rate set to 0 and its gradients dropped —
and reported with its step.
``torch.set_flush_denormal(True)`` is set while training (tiny Adam moments otherwise make CPU
steps many times slower) and reset afterwards.
"""
from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch.func import functional_call, vmap

from ..config import cap_steps
from ..frontend import progress
from ..kernels.ntk import check_fits
from ..params import Boolean, Instance, Integer, Options, Real, Reals, validate_params
from ..runtime import generator, get_device
from ..history import History, log_grid
from ..toy.tasks import Task
from ..training import OPTIMIZER_ALIASES, OPTIMIZERS, DivergenceWatch, check_optimizer
from ..validation import broadcast_runs, check_betas, check_data, check_float_dtype

__all__ = ["fit", "TrainedModules"]


class TrainedModules:
    """The trained parameters of :func:`fit`'s runs, stacked on a leading run axis (``state``), and the
    network they belong to (``base``); :meth:`module` rebuilds run ``i`` as a module of its own.

    Parameters
    ----------
    base : torch.nn.Module
        The network (its architecture; its own weights are not used).
    state : dict
        ``{name: tensor}``, parameters and buffers, with a leading run axis unless ``single``.
    single : bool, default False
        The state holds one run (no run axis).

    Examples
    --------
    >>> import torch
    >>> from gklib.nets import MLP, fit
    >>> X = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
    >>> hist = fit(MLP([2, 3, 1], seed=0), (X, X[:, :1]), steps=2, alpha=[1.0, 2.0], lr=0.1, device="cpu")
    >>> hist.trained.state["layers.0.weight"].shape           # two runs
    torch.Size([2, 3, 2])
    """

    @validate_params(base=Instance(torch.nn.Module, what="a torch.nn.Module"), state=Instance(dict, what="a dict"),
                     single=Boolean())
    def __init__(self, base: torch.nn.Module, state: dict, single: bool = False):
        self.base, self.state, self.single = base, state, single

    def run(self, i: int) -> "TrainedModules":
        """The trained state of run ``i`` alone.

        Parameters
        ----------
        i : int
            The run (``-R <= i < R``).

        Returns
        -------
        TrainedModules
            A single run.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import MLP, fit
        >>> X = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
        >>> hist = fit(MLP([2, 3, 1]), (X, X[:, :1]), steps=2, alpha=[1.0, 2.0], lr=0.1, device="cpu")
        >>> one = hist.trained.run(1)
        >>> one.single, bool(torch.equal(one.state["layers.0.bias"], hist.trained.state["layers.0.bias"][1]))
        (True, True)
        """
        return TrainedModules(self.base, {k: v[i] for k, v in self.state.items()}, single=True)

    def module(self, i: int = 0) -> torch.nn.Module:
        """A copy of the network holding run ``i``'s trained parameters (uncentred, unscaled).

        Parameters
        ----------
        i : int, default 0
            The run (``0`` or ``-1`` for a single run).

        Returns
        -------
        torch.nn.Module
            A new module.

        Raises
        ------
        IndexError
            A run that is not there.

        Examples
        --------
        >>> import torch
        >>> from gklib.nets import MLP, fit
        >>> net = MLP([2, 3, 1], seed=0)
        >>> X = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
        >>> trained = fit(net, (X, X[:, :1]), steps=3, lr=0.1, device="cpu").module(0)
        >>> bool(torch.equal(trained.layers[0].weight, net.layers[0].weight))      # net itself unchanged
        False
        """
        if self.single and i not in (0, -1):
            raise IndexError(f"a single run has no run {i}")
        m = copy.deepcopy(self.base)
        m.load_state_dict({k: v if self.single else v[i] for k, v in self.state.items()}, strict=False)
        return m


class _Method(torch.nn.Module):
    """``net.<method>`` as the forward pass of a module (so that ``functional_call`` can call it)."""

    def __init__(self, net: torch.nn.Module, method: str):
        super().__init__()
        if not callable(getattr(net, method, None)):
            raise ValueError(f"{type(net).__name__} has no method {method!r}")
        self.net, self.method = net, method

    def forward(self, x):
        return getattr(self.net, self.method)(x)


def _split(data):
    """``(X, y, X_test, y_test)`` from a :class:`~gklib.Task` or a tuple ``(X, y[, X_test, y_test])``."""
    if isinstance(data, (tuple, list)):
        if len(data) not in (2, 4):
            raise ValueError("data must be a Task or a tuple (X, y) or (X, y, X_test, y_test)")
        X, y, Xt, yt = (*data, None, None) if len(data) == 2 else data
    else:
        X, y, Xt, yt = data.X, data.y, data.X_test, data.y_test
    check_data(X, y, Xt, yt)
    return X, y, Xt, yt


def _same_architecture(models):
    """Refuse a list of networks whose parameters differ in names or shapes (the runs are stacked)."""
    ref = {n: tuple(p.shape) for n, p in models[0].named_parameters()}
    for i, m in enumerate(models[1:], 1):
        got = {n: tuple(p.shape) for n, p in m.named_parameters()}
        if got != ref:
            diff = next((n for n in sorted(set(ref) | set(got)) if ref.get(n) != got.get(n)), None)
            raise ValueError(f"model: the networks of one call must share an architecture, but network {i} has "
                             f"{diff} of shape {got.get(diff)} where network 0 has {ref.get(diff)}")


def _optimizer(name, groups, momentum, betas):
    if name == "sgd":
        return torch.optim.SGD(groups, lr=groups[0]["lr"], momentum=momentum)
    cls = torch.optim.Adam if name == "adam" else torch.optim.AdamW
    return cls(groups, lr=groups[0]["lr"], betas=betas)


@validate_params(model=Instance(torch.nn.Module, list, tuple, what="a torch.nn.Module or a list of them"),
                 data=Instance(Task, tuple, list, what="a gklib Task or a tuple (X, y) or (X, y, X_test, y_test)"),
                 steps=Integer(0, 10**12), alpha=Reals(0, closed="neither"), lr=Reals(0, closed="neither"),
                 lr_alpha_power=Real(), loss=Options("mse", "ce"), optimizer=Options(*OPTIMIZERS, *OPTIMIZER_ALIASES),
                 momentum=Real(0, 1, closed="left"), weight_decay=Reals(0), warmup=Integer(0),
                 batch_size=Integer(1, none_ok=True), center=Boolean(), norm=Options("total", "layers"),
                 thresholds=Reals(0, closed="neither"), n_log=Integer(1, 10**7), log_every=Integer(1, none_ok=True),
                 track=Instance(dict, what="a dict {name: fn(apply, params, params0)}", none_ok=True),
                 seed=Integer(0, 2**63 - 1), on_divergence=Options("raise", "nan"),
                 progress_bar=Boolean(none_ok=True))
def fit(model, data, steps: int = 1000, *, alpha=1.0, lr=1e-3, lr_alpha_power: float = 0.0,
        loss: str = "mse", optimizer: str = "sgd", momentum: float = 0.0, weight_decay=0.0,
        betas=(0.9, 0.999), warmup: int = 0, batch_size: int | None = None, center: bool = True,
        norm: str = "total", thresholds=(1e-3,), n_log: int = 100, log_every: int | None = None,
        track: dict | None = None, seed: int = 0, on_divergence: str = "raise", device=None, dtype=None,
        callback=None, progress_bar: bool | None = None) -> History:
    """Train ``R`` runs of ``model`` on ``data`` at once (``R = 1``: one network); return an
    :class:`~gklib.History`. ``model`` is not modified: ``hist.module(i)`` is run ``i`` trained.

    The data are checked against the model before any step: inputs of the size the network takes (or,
    for any other module, a trial call on one row), class labels within its outputs, regression targets
    of its output shape, every network of a list of one architecture.

    Parameters
    ----------
    model : torch.nn.Module or list of torch.nn.Module
        A network (every run starts from its weights) or a list of ``R`` networks of one architecture
        (e.g. different seeds or init scales); wrappers such as
        :class:`~gklib.nets.wrappers.OutputScaled` and :class:`~gklib.nets.wrappers.Linearized` too.
    data : Task or tuple
        A :class:`gklib.Task` (integer ``y`` = class labels, float ``y`` = regression) or a tuple
        ``(X, y)`` / ``(X, y, X_test, y_test)`` of tensors (no test set: test series are NaN), finite.
    steps : int, default 1000
        Optimisation steps, >= 0 (shared by all runs).
    alpha : float or sequence of float, default 1.0
        Output scale α > 0, or one per run (broadcast with ``lr`` and ``weight_decay``).
    lr : float or sequence of float, default 1e-3
        Learning rate > 0 (before the α power), or one per run.
    lr_alpha_power : float, default 0.0
        ``k`` in :math:`\\eta = \\text{lr}/\\alpha^k` (finite).
    loss : {"mse", "ce"}, default "mse"
        Mean squared error or cross-entropy (class labels only).
    optimizer : {"sgd", "adam", "adamw", "gd", "momentum"}, default "sgd"
        ``"sgd"`` (``momentum``: heavy ball :math:`v \\leftarrow \\mu v + g`), ``"adam"`` or ``"adamw"``
        (``betas``). ``"gd"`` (= ``"sgd"``) and ``"momentum"`` (= ``"sgd"`` with ``momentum > 0``) are the
        toy trainer's spellings, accepted as the aliases :data:`gklib.training.OPTIMIZER_ALIASES`.
    momentum : float, default 0.0
        Heavy-ball coefficient μ in [0, 1) (``"sgd"`` only; > 0 with ``"momentum"``).
    weight_decay : float or sequence of float, default 0.0
        λ >= 0, or one per run (``"adamw"``: decoupled).
    betas : tuple of float, default (0.9, 0.999)
        Adam's coefficients, each in [0, 1).
    warmup : int, default 0
        Steps (>= 0) of linear learning-rate warm-up.
    batch_size : int or None, default None
        ``None``: full batch; else (>= 1) cycle through seeded shuffles of the training set.
    center : bool, default True
        Train :math:`\\alpha(f-f_0)` or :math:`\\alpha f`.
    norm : {"total", "layers"}, default "total"
        Weight norm logged: :math:`\\|\\theta\\|_2` or :math:`\\sum_\\ell \\|W_\\ell\\|_F` over the
        matrices (paper Fig 2).
    thresholds : float or sequence of float, default (1e-3,)
        Regression "accuracy" thresholds (> 0) on the per-sample MSE (paper App 17).
    n_log : int, default 100
        Log-spaced logging steps (losses on the full sets), as :func:`gklib.log_grid`.
    log_every : int or None, default None
        Log every ``k >= 1`` steps instead.
    track : dict or None, default None
        Further series ``{name: fn}``, logged with the losses: at every logged step
        ``fn(apply, params, params0)`` returns one value per run, where ``params`` / ``params0`` are the
        runs' current / initial parameters stacked on a leading run axis and
        ``apply(params, x, method="forward")`` evaluates ``model`` (or another of its methods, e.g.
        ``"features"``) for every run, ``(R, B, ...)``; e.g.
        :func:`gklib.nets.laziness.feature_kernel_change`. Recorded in ``hist.extra[name]``.
    seed : int, default 0
        Seed of the minibatch order, in [0, 2**63 - 1].
    on_divergence : {"raise", "nan"}, default "raise"
        ``"raise"`` (``RuntimeError`` naming the run and step) or ``"nan"`` (warn, freeze the run; its
        history is NaN from then on, ``hist.diverged_at`` holds the step).
    device : str or torch.device or None, default None
        :func:`gklib.get_device` (``None``: CUDA when available); the meta device is refused.
    dtype : torch.dtype or None, default None
        A floating dtype; ``None``: the dtype of the model's parameters.
    callback : callable or None, default None
        ``callback(step, hist)`` at every logged step, ``hist`` the :class:`~gklib.History` so far (NaN after
        ``step``, no trained modules): to show a run as it grows, or to abandon it by raising.
    progress_bar : bool or None, default None
        Show a progress bar (``None``: :func:`gklib.frontend.progress_enabled` decides).

    Returns
    -------
    History
        Series ``(T,)`` for one run, ``(R, T)`` for a sweep (a list of networks or a sequence-valued
        ``alpha``/``lr``/``weight_decay``); ``extra["rel_change"]`` is
        :math:`\\|\\theta-\\theta_0\\|/\\|\\theta_0\\|`; ``params`` holds ``alpha``, ``lr``, ``weight_decay``
        per run; ``hist.module(i)`` is run ``i`` trained.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (``lr_alpha_power=nan``, ``loss="hinge"``, ...).
    ValueError
        Data that do not fit the model (another input size, labels beyond its outputs, targets of another
        shape), networks of different architectures, a momentum that does not fit the optimiser, sweep
        arguments of unequal lengths.
    RuntimeError
        A run diverged and ``on_divergence="raise"``.

    Examples
    --------
    Gradient descent with a small rate follows the gradient flow of a linear model; the toy trainer's
    spelling ``"gd"`` is the same optimiser:

    >>> import torch
    >>> from gklib.nets import fit
    >>> X = torch.tensor([[1.0], [2.0]], dtype=torch.float64)
    >>> net = torch.nn.Linear(1, 1, bias=False).double()
    >>> with torch.no_grad():
    ...     _ = net.weight.zero_()
    >>> hist = fit(net, (X, 3 * X), steps=200, lr=0.1, log_every=100, device="cpu")
    >>> hist.train_loss.round(6).tolist(), float(hist.module(0).weight.detach())     # w -> 3
    ([22.5, 0.0, 0.0], 3.0)
    >>> g = fit(net, (X, 3 * X), steps=200, lr=0.1, optimizer="gd", log_every=100, device="cpu")
    >>> bool((g.train_loss == hist.train_loss).all())
    True

    A network that does not fit the data is refused before training:

    >>> from gklib.nets import MLP
    >>> fit(MLP([5, 4, 1]), (torch.randn(8, 4), torch.randn(8, 1)), steps=10)
    Traceback (most recent call last):
    ...
    ValueError: X of data must have shape (n, 5) for this MLP (5 inputs), got (8, 4)
    """
    optimizer, momentum = check_optimizer(optimizer, OPTIMIZER_ALIASES, momentum=float(momentum))
    betas = check_betas(betas)
    track = dict(track or {})
    if not all(callable(fn) for fn in track.values()):
        raise ValueError("track must map names to callables fn(apply, params, params0)")
    clash = set(track) & {"train_loss", "test_loss", "weight_norm", "train_acc", "test_acc", "rel_change",
                          "test_acc_thresholds", "thresholds"}
    if clash:
        raise ValueError(f"track names {sorted(clash)} are taken by fit's own series")
    if callback is not None and not callable(callback):
        raise TypeError(f"callback must be callable(step, hist), got {type(callback).__name__}")
    steps = cap_steps(int(steps))   # $GKLIB_SMOKE_STEPS
    warmup = int(warmup)
    models = list(model) if isinstance(model, (list, tuple)) else [model]
    if not models or not all(isinstance(m, torch.nn.Module) for m in models):
        raise ValueError("model must be a torch.nn.Module or a list of them")
    _same_architecture(models)
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float))
              for k, v in dict(alpha=alpha, lr=lr, weight_decay=weight_decay).items()}
    R, hp = broadcast_runs(n_models=np.ones(len(models)), **arrays)
    batched = len(models) > 1 or any(np.ndim(v) > 0 for v in (alpha, lr, weight_decay))
    if len(models) == 1:
        models = models * R
    X, y, Xt, yt = _split(data)
    classify = not y.dtype.is_floating_point
    if loss == "ce" and not classify:
        raise ValueError("loss='ce' needs integer class labels in y")
    thresholds = np.atleast_1d(np.asarray(thresholds, dtype=float))
    P = X.shape[0]
    if batch_size is not None:
        batch_size = min(int(batch_size), P)

    names = [n for n, p in models[0].named_parameters() if p.requires_grad]
    if not names:
        raise ValueError("module has no trainable parameters")
    dev = get_device(device)
    dtype = dict(models[0].named_parameters())[names[0]].dtype if dtype is None else check_float_dtype(dtype)
    base = copy.deepcopy(models[0]).to(dev, dtype)

    def mv(t):
        return t.to(dev, dtype) if t.dtype.is_floating_point else t.to(dev)

    runs = [{n: mv(dict(m.named_parameters())[n].detach()).clone().requires_grad_(True) for n in names}
            for m in models]                                      # the leaves that torch.optim trains
    theta0 = [{n: p.detach().clone() for n, p in run.items()} for run in runs]
    bufs = {n: torch.stack([mv(dict(m.named_buffers())[n]) for m in models]) for n, _ in base.named_buffers()}
    mats = [n for n in names if runs[0][n].ndim >= 2]
    X, y = mv(X), mv(y)
    Xt, yt = (mv(Xt), mv(yt)) if Xt is not None else (None, None)
    check_fits(base, X, "X of data")
    if Xt is not None:
        check_fits(base, Xt, "X_test of data")
    batched_call = vmap(lambda p, b, x: functional_call(base, (p, b), (x,)), in_dims=(0, 0, None))

    def stack(params):
        return {n: torch.stack([q[n] for q in params]) for n in names}

    def apply(params, x, method="forward"):                      # stacked params -> (R, B, ...)
        net = base if method == "forward" else _Method(base, method)
        pre = "" if method == "forward" else "net."
        call = vmap(lambda p, b, x: functional_call(net, ({pre + n: v for n, v in p.items()},
                                                          {pre + n: v for n, v in b.items()}), (x,)),
                    in_dims=(0, 0, None))
        return call(params, bufs, mv(torch.as_tensor(x)))

    def forward(params, x):                                       # -> (R, B, K)
        if R == 1:
            out = functional_call(base, (params[0], {n: b[0] for n, b in bufs.items()}), (x,))[None]
        else:
            out = batched_call(stack(params), bufs, x)
        return out[..., None] if out.ndim == 2 else out

    with torch.no_grad():
        f0 = forward(theta0, X)
        f0t = forward(theta0, Xt) if Xt is not None else None
    if not center:
        f0 = torch.zeros_like(f0)
        f0t = torch.zeros_like(f0t) if f0t is not None else None
    K = f0.shape[-1]
    if classify:
        lo = min(int(y.min()), int(yt.min()) if yt is not None else 0)
        hi = max(int(y.max()), int(yt.max()) if yt is not None else 0)
        if lo < 0 or hi >= K:
            raise ValueError(f"data has class labels from {lo} to {hi} but the model has {K} outputs "
                             f"(classes 0 to {K - 1})")
    a = torch.as_tensor(hp["alpha"], device=dev, dtype=dtype)

    def target(lbl):
        if classify:
            return torch.nn.functional.one_hot(lbl, K).to(dtype) if loss == "mse" else lbl
        Y = lbl.reshape(lbl.shape[0], -1)
        if Y.shape[-1] != K:
            raise ValueError(f"data does not fit the model: module output has shape {tuple(f0.shape[1:])} "
                             f"but y has {tuple(lbl.shape)}")
        return Y

    Y, Yt = target(y), (target(yt) if yt is not None else None)

    def losses(params, x, f0x, Yx):                 # -> per-run loss (R,), outputs (R, B, K)
        out = a[:, None, None] * (forward(params, x) - f0x)
        if loss == "mse":
            return ((out - Yx) ** 2).mean((1, 2)), out
        return torch.nn.functional.cross_entropy(out.transpose(1, 2), Yx.expand(R, -1),
                                                 reduction="none").mean(1), out

    grid = log_grid(steps, n_log, log_every)
    keys = ["train_loss", "test_loss", "weight_norm", "train_acc", "test_acc", "rel_change"]
    keys += [k for k in track if k not in keys]
    rec = {k: np.full((R, len(grid)), np.nan) for k in keys}
    thr_rec = np.full((R, len(thresholds), len(grid)), np.nan)
    thr = torch.as_tensor(thresholds, device=dev, dtype=dtype)
    th0 = stack(theta0)
    norm0 = torch.sqrt(sum((v ** 2).flatten(1).sum(1) for v in th0.values()))
    sets = [(X, f0, Y, y, "train")] + ([(Xt, f0t, Yt, yt, "test")] if Xt is not None else [])

    def observe(li):
        with torch.no_grad():
            for (x, f0x, Yx, lbl, tag) in sets:
                L, out = losses(runs, x, f0x, Yx)
                rec[f"{tag}_loss"][:, li] = L.double().cpu().numpy()
                if classify:
                    acc = (out.argmax(-1) == lbl).to(dtype).mean(1)
                else:
                    err = ((out - Yx) ** 2).mean(-1)                          # (R, B)
                    frac = (err[:, None, :] < thr[None, :, None]).to(dtype).mean(-1)
                    acc = frac[:, 0]
                    if tag == "test":
                        thr_rec[:, :, li] = frac.double().cpu().numpy()
                rec[f"{tag}_acc"][:, li] = acc.double().cpu().numpy()
            now = stack(runs)
            if norm == "total":
                wn = torch.sqrt(sum((v ** 2).flatten(1).sum(1) for v in now.values()))
            else:
                wn = sum(now[n].flatten(1).norm(dim=1) for n in mats)
            dn = torch.sqrt(sum(((now[n] - th0[n]) ** 2).flatten(1).sum(1) for n in names))
            rec["weight_norm"][:, li] = wn.double().cpu().numpy()
            rec["rel_change"][:, li] = (dn / norm0).double().cpu().numpy()
            for name, fn in track.items():
                v = torch.as_tensor(fn(apply, now, th0)).reshape(-1)
                if v.numel() != R:
                    raise ValueError(f"track[{name!r}] returned {v.numel()} values for {R} runs")
                rec[name][:, li] = v.double().cpu().numpy()

    eta = hp["lr"] / hp["alpha"] ** lr_alpha_power
    groups = [{"params": [run[n] for n in names], "lr": float(eta[r]),
               "weight_decay": float(hp["weight_decay"][r])} for r, run in enumerate(runs)]
    opt = _optimizer(optimizer, groups, momentum, betas)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: min(1.0, (t + 1) / warmup)) if warmup else None
    gen = generator(seed)
    order, pos = torch.randperm(P, generator=gen), 0
    hparams = {k: np.asarray(v) for k, v in hp.items() if k != "n_models"}
    watch = DivergenceWatch(hparams, on_divergence, "lr")
    frozen, diverged_at = watch.bad, watch.diverged_at
    start, li = time.perf_counter(), 0

    def check(L, t):
        """Apply the divergence rule to the runs' losses ``L`` at step ``t``; raise or freeze."""
        watch.record(L)
        for r in watch.check(t):
            opt.param_groups[r]["lr"] = 0.0
            if sched is not None:
                sched.base_lrs[r] = 0.0

    sq = (lambda v: v) if batched else (lambda v: v[0])

    def history(trained=None, copy=False):
        """The :class:`History` of what is recorded so far (``copy``: arrays that later steps leave alone)."""
        c = (lambda v: sq(np.array(v))) if copy else sq
        extra = {"rel_change": c(rec["rel_change"]), **{k: c(rec[k]) for k in track}}
        if not classify:
            extra["test_acc_thresholds"] = c(thr_rec)
            extra["thresholds"] = np.broadcast_to(thresholds, (R, len(thresholds))).copy() if batched \
                else thresholds
        return History(steps=grid, train_loss=c(rec["train_loss"]), test_loss=c(rec["test_loss"]),
                       weight_norm=c(rec["weight_norm"]), train_acc=c(rec["train_acc"]),
                       test_acc=c(rec["test_acc"]), extra=extra, params={k: sq(v) for k, v in hparams.items()},
                       diverged_at=c(diverged_at), engine="fit", seconds=time.perf_counter() - start,
                       trained=trained)

    torch.set_flush_denormal(True)   # tiny Adam moments late in training are otherwise very slow on CPU
    bar = progress(steps, desc=f"fit ({R} run{'s' * (R > 1)})", enabled=progress_bar)
    try:
        for t in range(steps + 1):
            if t == grid[li]:
                observe(li)
                for k in keys:
                    rec[k][frozen, li] = np.nan
                li += 1
                if callback is not None:
                    callback(t, history(copy=True))
            if t == steps:
                if watch.ref is not None:             # the final weights, on the full training set
                    check(torch.as_tensor(rec["train_loss"][:, li - 1], device=dev, dtype=watch.ref.dtype), t)
                break
            if batch_size is None:
                idx = None
            else:
                if pos + batch_size > P:
                    order, pos = torch.randperm(P, generator=gen), 0
                idx = order[pos: pos + batch_size].to(dev)
                pos += batch_size
            xb, f0b, Yb = (X, f0, Y) if idx is None else (X[idx], f0[:, idx], Y[idx])
            L, _ = losses(runs, xb, f0b, Yb)
            check(L.detach(), t)
            opt.zero_grad(set_to_none=True)
            L.sum().backward()
            for r in np.flatnonzero(frozen):          # a frozen run is not stepped at all
                for p in runs[r].values():
                    p.grad = None
            opt.step()
            if sched is not None:
                sched.step()
            if t % 256 == 0:
                bar.update(min(256, steps - t))
    finally:
        bar.close()
        torch.set_flush_denormal(False)
    watch.warn(stacklevel=2)
    state = {n: sq(v.detach()) for n, v in {**stack(runs), **bufs}.items()}
    return history(trained=TrainedModules(base, state, single=not batched))
