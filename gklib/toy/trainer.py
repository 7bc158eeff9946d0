"""Full-batch training of the committee machine, batched over runs.

Training minimises the mean squared error without ½ of the (centred) predictor,

.. math:: \\mathcal L = \\frac1P\\sum_\\mu (f(x_\\mu) - f_0(x_\\mu) - y_\\mu)^2 ,

by gradient descent with :math:`\\eta = \\text{lr_scale}\\cdot N/\\alpha^2` (paper, App. 8.1).

Two engines give the same trajectory:

``"direct"``
    plain GD on :math:`W` (cost :math:`O(PND)` per step); the reference.
``"stats"``
    the dynamics closes on summary statistics (derived here). With residuals :math:`r_\\mu`,
    :math:`v = \\sum_\\mu r_\\mu x_\\mu`, :math:`B = \\sum_\\mu r_\\mu x_\\mu x_\\mu^\\top` and
    :math:`s = \\eta\\,\\tfrac{2}{P}\\tfrac{\\alpha}{N}`, every hidden unit moves by the *same*
    affine map :math:`w_i \\leftarrow A w_i - s v` with :math:`A = (1-\\eta\\lambda) I - s\\epsilon B`
    (λ the weight decay). We carry the composed map :math:`w_i(t) = \\Phi_t w_i(0) + c_t`, from
    which :math:`\\bar w` and :math:`M` (and, at the end, :math:`W`) follow exactly. The cost per step
    is :math:`O(PD^2 + D^3)`, independent of the width :math:`N`.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from ..config import cap_steps
from ..frontend import progress
from ..history import History, log_grid
from .model import CommitteeMachine
from .theory import decomposition_from_stats
from ..training import OPTIMIZER_ALIASES, DivergenceWatch, RunOptimizer, check_on_divergence, check_optimizer
from ..data import Task
from ..params import Boolean, Instance, Integer, Options, Real, Reals, validate_params
from ..training import OPTIMIZERS
from ..validation import as_param_array, check_betas, check_positive, check_positive_int

ENGINES = ("auto", "stats", "direct")
LEGACY_OPTIMIZERS = OPTIMIZER_ALIASES   # the older spellings train() accepts (gklib.training)


def _steps_per_run(steps, R):
    arr = np.atleast_1d(np.asarray(steps))
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"steps must be an integer or a 1-D sequence, got {steps!r}")
    arr = np.array([check_positive_int(s, "steps", allow_zero=True) for s in arr])
    if arr.size not in (1, R):
        raise ValueError(f"steps has {arr.size} values but the model has {R} runs")
    return np.broadcast_to(arr, (R,)).copy()


def _pick_engine(engine, optimizer, momentum, model, P):
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    stats_ok = (optimizer == "sgd" and momentum == 0 and model.activation == "quadratic"
                and model._a is None and model.dtype in (torch.float32, torch.float64))
    if engine == "stats" and not stats_ok:
        raise ValueError("engine='stats' supports optimizer='sgd' without momentum (with weight_decay), the quadratic "
                         "activation, fixed readouts and float32/float64 weights only (its eigendecompositions have no "
                         "half-precision kernels); use engine='direct' otherwise")
    if engine != "auto":
        return engine
    D, N = model.D, model.N
    return "stats" if stats_ok and 2 * P * D * D + 3 * D**3 < 4 * P * N * D else "direct"


_CHECK_EVERY = 512   # steps between divergence checks at most (and at every logged step)


@validate_params(model=Instance(CommitteeMachine, what='a CommitteeMachine'), task=Instance(Task, what='a gklib Task'),
                 lr_scale=Reals(0, closed='neither'), engine=Options(*ENGINES), log_every=Integer(1, none_ok=True),
                 optimizer=Options(*OPTIMIZERS, *OPTIMIZER_ALIASES), weight_decay=Real(0), momentum=Real(0, 1, closed='left'),
                 n_log=Integer(1, 10**7), on_divergence=Options('raise', 'nan'), stop_below=Real(0, closed='neither', none_ok=True),
                 progress_bar=Boolean(none_ok=True))
def train(model: CommitteeMachine, task, steps, lr_scale=1.0, *, engine: str = "auto",
          log_every: int | None = None, optimizer: str = "sgd", weight_decay: float = 0.0,
          momentum: float = 0.0, betas=(0.9, 0.999), n_log: int = 200,
          on_divergence: str = "raise", callback=None, stop_below: float | None = None,
          progress_bar: bool | None = None) -> History:
    r"""Train ``model`` on ``task`` by full-batch gradient descent on :math:`\mathcal L = \frac1P\sum_\mu
    (f(x_\mu) - f_0(x_\mu) - y_\mu)^2` with :math:`\eta = \text{lr_scale}\cdot N/\alpha^2`; return its
    :class:`History`.

    The history holds train/test MSE, :math:`\|W\|_F` and, for quadratic targets (``task.quad_form``) with
    the quadratic activation, the population decomposition of the test loss
    (:func:`gklib.loss_decomposition`). Readouts, if the model has them, are trained too. Data are checked
    against the model before any step.

    Parameters
    ----------
    model : CommitteeMachine
        Single run or ``R`` runs; its weights are trained in place (nothing else about it changes).
    task : Task
        A regression task with the model's input dimension (float ``X (P, D)``, float ``y (P,)``).
    steps : int or sequence of int
        Number of GD steps (>= 0), or one per run.
    lr_scale : float or sequence of float, default 1.0
        :math:`c > 0` in :math:`\eta = cN/\alpha^2`; a sequence of ``R`` values makes an ``lr`` sweep over
        the model's ``R`` runs (``model.expand(R)`` repeats a single run).
    engine : {"auto", "stats", "direct"}, default "auto"
        ``"stats"`` (exact, width-independent cost), ``"direct"`` (GD on ``W``) or ``"auto"`` (the cheaper
        one that supports the optimiser).
    log_every : int or None, default None
        Log every ``k >= 1`` steps; ``None``: ``n_log`` log-spaced steps (:func:`gklib.log_grid`).
    optimizer : {"sgd", "adam", "adamw"}, default "sgd"
        ``"sgd"`` (gradient descent; with ``momentum > 0`` heavy ball, ``v ← μ v + g``, ``W ← W − η v``),
        ``"adam"`` or ``"adamw"`` (step :math:`\text{lr_scale}/\alpha`, so the function moves at an
        α-independent rate); all but plain ``"sgd"`` use the direct engine. The older spellings ``"gd"``
        (= ``"sgd"``) and ``"momentum"`` (= ``"sgd"`` with momentum) are accepted (the aliases
        :data:`gklib.training.OPTIMIZER_ALIASES`, as in :func:`gklib.nets.fit`).
    weight_decay : float, default 0.0
        λ >= 0, adds :math:`\lambda W` to the gradient (``"adamw"``: decoupled,
        :math:`W \leftarrow (1-\eta\lambda) W` before the Adam step).
    momentum : float, default 0.0
        Heavy-ball coefficient μ in [0, 1).
    betas : tuple of float, default (0.9, 0.999)
        Adam's coefficients, each in [0, 1).
    n_log : int, default 200
        Number of log-spaced logging steps, in [1, 10**7].
    on_divergence : {"raise", "nan"}, default "raise"
        ``"raise"`` (``RuntimeError`` naming the run and step) or ``"nan"`` (warn, freeze the run; its
        history is NaN from the step it diverged). The rule (non-finite, or 10⁶ times the initial loss) is
        applied to every step's loss; the losses are checked on the device in blocks (at each logged step,
        at least every 512 steps), so the step reported is exact and the loop never waits for the device
        between checks.
    callback : callable or None, default None
        ``callback(step, model)`` at every logged step (the model's ``W`` is current).
    stop_below : float or None, default None
        Stop a run at the first logged step where both its train and test loss are below this value (> 0;
        its history ends there, NaN after); with plain ``"sgd"`` finished runs leave the batch, so a sweep
        costs only what its slowest runs need (phase diagrams).
    progress_bar : bool or None, default None
        Show a progress bar (``None``: :func:`gklib.frontend.progress_enabled` decides).

    Returns
    -------
    History
        Series ``(T,)``, or ``(R, T)`` for a batched model; ``params`` holds ``alpha``, ``eps``,
        ``lr_scale``, ``seed`` per run.

    Raises
    ------
    InvalidParameterError
        A parameter breaks its declared constraint (``lr_scale=nan``, ``task=None``, ``engine="fast"``, ...).
    ValueError
        The task does not fit the model (another ``D``, integer labels), or an engine that does not support
        the optimiser.
    RuntimeError
        A run diverged and ``on_divergence="raise"``.

    Examples
    --------
    >>> import gklib as gk
    >>> task = gk.quadratic_task(D=20, P=100, P_test=200, seed=0)
    >>> model = gk.CommitteeMachine(D=20, N=50, alpha=1.0, eps=0.1, seed=0)
    >>> hist = gk.train(model, task, steps=2000)
    >>> hist.engine, hist.train_loss.shape
    ('stats', (141,))
    >>> t = gk.crossing_times(hist, 0.1, relative=True)   # steps to a tenth of the start
    >>> bool(t["test"] > 3 * t["train"])                  # generalisation lags the fit
    True

    A sweep is one batched call: every list-valued argument of the model is one run per entry.

    >>> sweep = gk.train(gk.CommitteeMachine(D=20, N=50, alpha=[0.5, 2.0], eps=0.1), task, steps=2000)
    >>> sweep.train_loss.shape, sweep.params["alpha"].tolist()
    ((2, 141), [0.5, 2.0])
    """
    if not isinstance(model, CommitteeMachine):
        raise ValueError(f"model must be a CommitteeMachine, got {type(model).__name__}")
    if task.D != model.D:
        raise ValueError(f"task has input dimension D={task.D} but model has D={model.D}")
    if task.y.ndim != 1 or not task.y.is_floating_point() or not task.X.is_floating_point():
        raise ValueError("task must be a regression task with float inputs X (P, D) and one float label per "
                         f"sample, got X {tuple(task.X.shape)} {task.X.dtype}, y {tuple(task.y.shape)} {task.y.dtype}")
    check_on_divergence(on_divergence)
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    if stop_below is not None:
        stop_below = check_positive(stop_below, "stop_below")
    optimizer, momentum = check_optimizer(optimizer, OPTIMIZER_ALIASES,
                                          check_positive(momentum, "momentum", allow_zero=True))
    lr = as_param_array(lr_scale, "lr_scale")
    if lr.size > 1 and lr.size != model.R:
        hint = f" (model.expand({lr.size}) repeats a single run)" if model.R == 1 else ""
        raise ValueError(f"lr_scale has {lr.size} values but the model has {model.R} runs{hint}")
    R = model.R
    run_steps = cap_steps(_steps_per_run(steps, R))    # $GKLIB_SMOKE_STEPS (smoke runs only)
    T = int(run_steps.max())
    grid = log_grid(T, n_log, log_every)
    engine = _pick_engine(engine, optimizer, momentum, model, task.P)
    batched = model.batched or lr.size > 1 or np.ndim(steps) > 0

    dev, dt = model.device, model.dtype
    t = task.to(device=dev, dtype=dt)
    lr_t = torch.as_tensor(np.broadcast_to(lr, (R,)).copy(), device=dev, dtype=dt)
    eta = lr_t * model.N / model.alpha**2
    if optimizer in ("adam", "adamw"):
        eta = lr_t / model.alpha
    params = {"alpha": model.alpha.cpu().numpy(), "eps": model.eps.cpu().numpy(),
              "lr_scale": lr_t.cpu().numpy(), "seed": model.seeds}
    watch = DivergenceWatch(params, on_divergence, "lr_scale", loss_scale=1 / t.P)
    opts = dict(optimizer=optimizer, weight_decay=weight_decay, momentum=momentum, betas=check_betas(betas))

    rec = {k: np.full((R, len(grid)), np.nan) for k in
           ("train_loss", "test_loss", "weight_norm", "variance", "misalignment", "linear")}
    runner = _StatsRunner if engine == "stats" else _DirectRunner
    compact = stop_below is not None and optimizer == "sgd" and momentum == 0
    idx = np.arange(R)                      # runs still in the computation
    sub = model.select(idx) if compact else model
    state = runner(sub, t, eta, **opts)
    start = time.perf_counter()
    finished = np.zeros(R, dtype=bool)
    checkpoints = {0} | set(grid.tolist()) | set(run_steps.tolist())   # where the runs' state is looked at
    bar = progress(T, desc=f"train ({engine}, {R} run{'s' * (R > 1)})", enabled=progress_bar)
    li = 0
    try:
        for step in range(T + 1):
            r = state.residual()
            watch.record(torch.linalg.vecdot(r, r))      # P × the train loss, per run
            if step in checkpoints or len(watch.losses) >= _CHECK_EVERY:
                watch.check(step, idx)
                if step == grid[li]:
                    values = state.observe(r)
                    live = (step <= run_steps[idx]) & ~watch.bad[idx] & ~finished[idx]
                    for k, v in values.items():
                        rec[k][idx[live], li] = v.detach().cpu().double().numpy()[live]
                    if callback is not None:
                        state.sync()
                        _write_back(model, sub, idx)
                        callback(step, model)
                    if stop_below is not None:
                        done = ((values["train_loss"] < stop_below) & (values["test_loss"] < stop_below)).cpu().numpy()
                        finished[idx] |= done
                        if compact and done.any():
                            state.sync()
                            _write_back(model, sub, idx)
                            keep = ~done
                            idx = idx[keep]
                            if idx.size == 0:
                                break
                            state.select(np.nonzero(keep)[0])
                            watch.select(keep)
                            sub = state.m
                            r = state.residual()
                    li += 1
                if step == T:
                    break
                active = (step < run_steps[idx]) & ~watch.bad[idx] & ~finished[idx]
                state.set_active(torch.as_tensor(active, device=dev, dtype=dt))
            state.step(r)
            if step % 256 == 0:
                bar.update(min(256, T - step))
    finally:
        bar.close()
        state.sync()
        _write_back(model, sub, idx)
    watch.warn(stacklevel=2)
    diverged_at = watch.diverged_at
    squeeze = (lambda a: a) if batched else (lambda a: a[0])
    series = {k: squeeze(v) for k, v in rec.items()
              if state.decompose or k not in ("variance", "misalignment", "linear")}
    return History(steps=grid, params=params if batched else {k: v[0] for k, v in params.items()},
                   diverged_at=squeeze(diverged_at), engine=engine, seconds=time.perf_counter() - start,
                   **series)


def _write_back(model, sub, idx):
    """Copy the weights of the sub-batch ``sub`` (runs ``idx`` of ``model``) into ``model``."""
    if sub is model:
        return
    ii = torch.as_tensor(idx, device=model.device)
    model._W[ii] = sub._W
    if model._a is not None:
        model._a[ii] = sub._a


class _Runner:
    """Shared set-up: data, centring offsets, observations on the logging grid."""

    def __init__(self, model, task, eta, optimizer, weight_decay, momentum, betas):
        self.m, self.t, self.eta = model, task, eta
        self.wd = weight_decay
        self.alpha, self.eps = model.alpha, model.eps
        self.s = eta * 2 * model.alpha / (task.P * model.N)   # s = η (2/P)(α/N)
        self.ref0 = model.stats(initial=True)
        self.f0 = model.initial_output(task.X) if model.center else 0
        self.f0_test = model.initial_output(task.X_test) if model.center else 0
        self.decompose = task.quad_form is not None and model.activation == "quadratic"

    def set_active(self, active):
        """The runs that move in the next steps (a 0/1 float mask per run)."""
        self.active = active

    def select(self, keep):
        """Keep only the runs ``keep`` (indices into this batch): the model, the per-run constants
        and the state, without recomputing the centring offsets."""
        k = torch.as_tensor(keep, device=self.alpha.device, dtype=torch.long)
        self.m = self.m.select(keep)
        self.alpha, self.eps = self.m.alpha, self.m.eps
        self.eta, self.s = self.eta[k], self.s[k]
        self.ref0 = tuple(v[k] for v in self.ref0)
        self.active = self.active[k]
        if self.m.center:
            self.f0, self.f0_test = self.f0[k], self.f0_test[k]
        for name in self.STATE:
            value = getattr(self, name)
            setattr(self, name, {n: v[k] for n, v in value.items()} if isinstance(value, dict) else value[k])

    def observe(self, r):
        out = {"train_loss": (r**2).mean(-1),
               "test_loss": ((self.output(self.t.X_test) - self.f0_test - self.t.y_test) ** 2).mean(-1),
               "weight_norm": self.weight_norm()}
        if self.decompose:
            wbar, M = self.stats()
            if self.m.center:
                wbar, M = wbar - self.ref0[0], M - self.ref0[1]
            out.update(decomposition_from_stats(wbar, M, self.t.quad_form, self.alpha, self.eps))
            out.pop("total")
        return out


class _StatsRunner(_Runner):
    """Exact GD through the composed affine map :math:`w_i(t) = \\Phi_t w_i(0) + c_t`.

    With the thin QR factorisation :math:`W_s = QR` of the weights at the start, :math:`U = \\Phi R^\\top/\\sqrt N`
    (``D × K``, :math:`K = \\min(N, D)`) and :math:`p = \\Phi\\bar w_s`, the state is the ``D × (K+2)`` matrix
    :math:`Z = [U \\mid \\bar w \\mid p]`. Since :math:`c = \\bar w - p` and
    :math:`M = UU^\\top + pc^\\top + cp^\\top + cc^\\top = UU^\\top + \\bar w\\bar w^\\top - pp^\\top
    = Z\\,\\mathrm{diag}(1,\\dots,1,1,-1)\\,Z^\\top`, the outputs need only :math:`H = XZ`:
    :math:`x_\\mu^\\top M x_\\mu = \\sum_k g_k H_{\\mu k}^2` and :math:`\\bar w\\cdot x_\\mu = H_{\\mu K}`.
    A step multiplies every column by :math:`A = (1-\\eta\\lambda)I - s\\epsilon B` and moves
    :math:`\\bar w` by :math:`-sv`, where :math:`BZ = X^\\top(r\\odot H)` reuses :math:`H`:
    two ``P × D × (K+2)`` products per step, and few enough tensor operations that small problems
    are not dominated by their per-operation overhead. At the end
    :math:`W = \\sqrt N\\,QU^\\top + \\mathbf 1c^\\top`.
    """

    STATE = ("Q", "Z")

    def __init__(self, model, task, eta, **opts):
        super().__init__(model, task, eta, **opts)
        self.init_state()
        K = self.Z.shape[-1] - 2
        self.g = torch.ones(K + 2, dtype=self.Z.dtype, device=self.Z.device)
        self.g[-1] = -1
        self.target = self.f0 + task.y                        # the residual is f - f0 - y
        self.set_active(torch.ones_like(self.eta))

    def init_state(self):
        m = self.m
        Q, Rm = torch.linalg.qr(m._W, mode="reduced")         # (R, N, K), (R, K, D)
        self.Q = Q
        wbar = m._W.mean(-2, keepdim=True).transpose(1, 2)    # (R, D, 1); p = w̄ at the start (Φ = I)
        self.Z = torch.cat([Rm.transpose(1, 2) / m.N**0.5, wbar, wbar], dim=-1)

    def set_active(self, active):
        super().set_active(active)
        self.alpha_col, self.half_eps = self.alpha[:, None], 0.5 * self.eps[:, None]   # per run, for the output
        s = self.s * active
        self.se = (s * self.eps)[:, None, None]               # s ε, per run
        self.sv = s[:, None]
        shrink = 1 - self.eta * self.wd * active
        self.shrink = None if self.wd == 0 else shrink[:, None, None]

    def select(self, keep):
        super().select(keep)
        k = torch.as_tensor(keep, device=self.Z.device, dtype=torch.long)
        self.target = self.target[k] if self.target.ndim == 2 else self.target
        self.set_active(self.active)

    def stats(self):
        Z = self.Z
        return Z[..., -2], (Z * self.g) @ Z.transpose(1, 2)

    def output(self, X):
        """:math:`\\alpha(\\bar w\\cdot x + \\frac\\epsilon2 x^\\top Mx)` for the rows of ``X``, from :math:`H = XZ`."""
        return self._output(X)[0]

    def _output(self, X):
        H = X @ self.Z                                          # (R, n, K+2)
        q = H.square() @ self.g                                 # x^T M x
        return torch.addcmul(H[..., -2], self.half_eps, q).mul_(self.alpha_col), H

    def weight_norm(self):
        return (self.m.N * (self.Z.square().sum(-2) * self.g).sum(-1)).sqrt()

    def residual(self):
        f, self.H = self._output(self.t.X)                      # the step reuses H
        return f.sub_(self.target)

    def step(self, r):
        X = self.t.X
        G = X.T @ (r[..., None] * self.H)                       # B Z = Xᵀ (r ⊙ XZ), (R, D, K+2)
        v = r @ X                                               # Σ_μ r_μ x_μ, (R, D)
        if self.shrink is not None:
            self.Z.mul_(self.shrink)
        self.Z.addcmul_(self.se, G, value=-1)
        self.Z[..., -2].addcmul_(self.sv, v, value=-1)

    def sync(self):
        """Write :math:`W = \\sqrt N QU^\\top + \\mathbf 1 c^\\top` into the model and restart from it."""
        U, c = self.Z[..., :-2], self.Z[..., -2] - self.Z[..., -1]
        self.m._W = self.m.N**0.5 * self.Q @ U.transpose(1, 2) + c[:, None, :]
        self.init_state()
        self.H = self.t.X @ self.Z          # the next step reuses H: keep it in the new basis


class _DirectRunner(_Runner):
    """Gradient descent on ``W`` (and the readouts ``a``, if any) with analytic gradients."""

    STATE = ()

    def __init__(self, model, task, eta, optimizer, weight_decay, momentum, betas):
        super().__init__(model, task, eta, optimizer, weight_decay, momentum, betas)
        self.names = ["_W"] + (["_a"] if model._a is not None else [])
        self.optim = RunOptimizer(optimizer, self.params(), momentum=momentum, betas=betas, weight_decay=weight_decay)

    def params(self):
        return {n: getattr(self.m, n) for n in self.names}

    def select(self, keep):
        super().select(keep)
        self.optim.select(torch.as_tensor(keep, device=self.alpha.device, dtype=torch.long))

    def stats(self):
        return self.m.stats()

    def output(self, X):
        return self.m.raw_output(X)

    def weight_norm(self):
        return self.m._W.flatten(1).norm(dim=1)

    def residual(self):
        return self.m.raw_output(self.t.X) - self.f0 - self.t.y     # the model's one formula (committee_output)

    def gradients(self, r):
        """:math:`\\partial\\mathcal L/\\partial w_i = \\frac{2\\alpha}{PN}\\sum_\\mu r_\\mu a_i\\phi'(h_{i\\mu})x_\\mu`,
        :math:`\\partial\\mathcal L/\\partial a_i = \\frac{2\\alpha}{PN}\\sum_\\mu r_\\mu\\phi(h_{i\\mu})`
        (weight decay is applied by :class:`~gklib.training.RunOptimizer`)."""
        m = self.m
        coef = 2 * self.alpha / (self.t.P * m.N)
        H = torch.einsum("pd,rnd->rpn", self.t.X, m._W)        # pre-activations h_{iμ}
        G = r[:, :, None] * m.dphi(H)                          # (R, P, N)
        if m._a is not None:
            G = G * m._a[:, None, :]
        grads = {"_W": coef[:, None, None] * torch.einsum("rpn,pd->rnd", G, self.t.X)}
        if m._a is not None:
            grads["_a"] = coef[:, None] * torch.einsum("rp,rpn->rn", r, m.phi(H))
        return grads

    def step(self, r):
        for n, p in self.optim.step(self.params(), self.gradients(r), self.eta * self.active).items():
            setattr(self.m, n, p)

    def sync(self):
        pass
