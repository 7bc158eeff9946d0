"""Lazy training: linearisation, output scale, laziness measures, and a small module trainer.

The first-order Taylor model of a network around its initial parameters :math:`\\theta_0`,

.. math:: f_{\\rm lin}(\\theta, x) = f(\\theta_0, x) + J(\\theta_0, x)\\,(\\theta - \\theta_0),

trained by gradient descent is kernel gradient descent with the initial NTK
:math:`K_0 = J_0 J_0^\\top`. Chizat's output scale (paper.md §1.2) trains
:math:`\\tilde f = \\alpha\\,[f(\\theta) - f(\\theta_0)]` with :math:`\\eta = \\eta_0/\\alpha^2`: the
function moves at an α-independent rate while the weights move by :math:`O(1/\\alpha)`, so the
network approaches its linearisation as α grows ("lazy training").

- :class:`OutputScaled`, :func:`lazy_lr`: the α-wrapper for any ``nn.Module``.
- :func:`linearize` → :class:`Linearized`: an ``nn.Module`` whose parameters are θ (via
  ``torch.func.jvp``), trainable with :func:`fit` like the network itself.
- :class:`CommitteeModule`: one run of a :class:`~gklib.CommitteeMachine` as an ``nn.Module``.
- :func:`fit`: full-batch trainer for modules (GD / momentum / Adam) returning a :class:`History`.
- Measures: :func:`relative_weight_change`, :func:`relative_ntk_change`,
  :func:`prediction_distance` (NTKs from :mod:`gklib.kernels`); and :func:`loglog_slope`.

- Committee machine: exact linearised GD :class:`KernelGD` /
  :func:`train_linearized`, and the laziness knobs :func:`label_scaled_task`, :func:`weight_scaled_model`.
"""
from __future__ import annotations

import copy
import time

import numpy as np
import torch
from torch import nn
from torch.func import functional_call, jvp

from .config import cap_steps, generator, get_device, progress
from .history import History, log_grid
from .kernels import committee_ntk, empirical_ntk, ntk_from_stats
from .models import CommitteeMachine
from .train import DIVERGENCE_FACTOR, OPTIMIZERS
from .validation import check_positive, check_positive_int

__all__ = ["OutputScaled", "Linearized", "CommitteeModule", "linearize", "lazy_lr", "fit", "net_vs_linear",
           "relative_weight_change", "relative_ntk_change", "prediction_distance", "loglog_slope",
           "KernelGD", "train_linearized", "label_scaled_task", "weight_scaled_model"]



def _trainable(module: nn.Module) -> dict:
    return {n: p for n, p in module.named_parameters() if p.requires_grad}


class _Anchored(nn.Module):
    """A wrapper that keeps a frozen copy of the wrapped module's initial parameters θ₀ as buffers."""

    def __init__(self, module: nn.Module):
        super().__init__()
        if not isinstance(module, nn.Module):
            raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
        self.module = module
        self._names = list(_trainable(module))
        if not self._names:
            raise ValueError("module has no trainable parameters")
        for i, (n, p) in enumerate(_trainable(module).items()):
            self.register_buffer(f"_theta0_{i}", p.detach().clone())

    def theta0(self) -> dict:
        """The initial parameters ``{name: tensor}`` (names as in the wrapped module)."""
        return {n: getattr(self, f"_theta0_{i}") for i, n in enumerate(self._names)}

    def theta(self) -> dict:
        """The current trainable parameters of the wrapped module."""
        return _trainable(self.module)


class OutputScaled(_Anchored):
    """Chizat's output scale: :math:`\\tilde f(x) = \\alpha\\,[f(\\theta, x) - f(\\theta_0, x)]`.

    Train it with :func:`lazy_lr` (:math:`\\eta = \\eta_0/\\alpha^2`) so that
    :math:`\\partial_t\\tilde f` at initialisation does not depend on α. With ``center=False`` the
    output is :math:`\\alpha f(\\theta, x)`. The output is exactly zero at initialisation when
    centred. Parameters are those of ``module`` (so ``fit``/optimisers see θ); θ₀ is a buffer.
    """

    def __init__(self, module: nn.Module, alpha: float = 1.0, center: bool = True):
        super().__init__(module)
        self.alpha = check_positive(alpha, "alpha")
        self.center = bool(center)

    def forward(self, x):
        f = self.module(x)
        if self.center:
            f = f - functional_call(self.module, self.theta0(), (x,)).detach()
        return self.alpha * f

    def extra_repr(self) -> str:
        return f"alpha={self.alpha:g}, center={self.center}"


def lazy_lr(lr0, alpha):
    """The learning rate :math:`\\eta_0/\\alpha^2` that keeps the initial function speed fixed."""
    return check_positive(lr0, "lr0") / check_positive(alpha, "alpha") ** 2


class Linearized(_Anchored):
    """First-order Taylor model :math:`f(\\theta_0, x) + J(\\theta_0, x)(\\theta - \\theta_0)`.

    Its parameters are the wrapped module's θ (initially θ₀), so any optimiser or :func:`fit`
    trains it exactly like the network. The forward pass is one ``torch.func.jvp`` at θ₀ with
    tangent θ − θ₀ (cost ≈ 2–3 forward passes); gradients flow to θ through the tangent.
    """

    def forward(self, x):
        theta, theta0 = self.theta(), self.theta0()
        tangent = {n: theta[n] - theta0[n] for n in self._names}
        f0, df = jvp(lambda p: functional_call(self.module, p, (x,)), (theta0,), (tangent,))
        return f0.detach() + df


def linearize(model, run: int = 0) -> Linearized:
    """The linearisation of ``model`` around its current parameters, as a trainable module.

    ``model`` is an ``nn.Module`` or a :class:`~gklib.CommitteeMachine` (run ``run`` is wrapped
    in a :class:`CommitteeModule`, centred like the model). The wrapped module's parameters become
    the linear model's parameters: pass a copy if the network must be trained as well.
    """
    if isinstance(model, CommitteeMachine):
        model = CommitteeModule(model, run=run)
    return Linearized(model)


class CommitteeModule(nn.Module):
    """One run of a :class:`~gklib.CommitteeMachine` as an ``nn.Module`` (parameter ``W`` (N, D)).

    ``forward(X)`` is :math:`\\frac{\\alpha}{N}\\sum_i\\phi(w_i\\cdot x)` minus its value at the
    model's ``W0`` when the model is centred; shape ``(n,)``. Its weights are a copy: training the
    module leaves ``model`` unchanged.
    """

    def __init__(self, model: CommitteeMachine, run: int = 0):
        super().__init__()
        if not isinstance(model, CommitteeMachine):
            raise ValueError(f"model must be a CommitteeMachine, got {type(model).__name__}")
        if not -model.R <= run < model.R:
            raise ValueError(f"run must index one of the model's {model.R} runs, got {run}")
        self.W = nn.Parameter(model._W[run].detach().clone())
        self.register_buffer("W0", model._W0[run].detach().clone())
        self.alpha, self.eps = float(model.alpha[run]), float(model.eps[run])
        self.center = model.center

    def raw(self, X, W):
        h = X.to(W) @ W.T
        return self.alpha / W.shape[0] * (h + 0.5 * self.eps * h * h).sum(-1)

    def forward(self, X):
        f = self.raw(X, self.W)
        return f - self.raw(X, self.W0) if self.center else f


# ---------------------------------------------------------------------------------- trainer
def _match(out, y):
    if out.ndim == y.ndim + 1 and out.shape[-1] == 1:
        out = out[..., 0]
    if out.shape != y.shape:
        raise ValueError(f"module output has shape {tuple(out.shape)} but y has {tuple(y.shape)}")
    return out


def fit(module: nn.Module, X, y, X_test=None, y_test=None, steps: int = 1000, lr: float = 0.1,
        optimizer: str = "gd", momentum: float = 0.9, betas=(0.9, 0.999), weight_decay: float = 0.0,
        n_log: int = 200, log_every: int | None = None, callback=None,
        progress_bar: bool | None = None) -> History:
    """Train ``module`` full-batch on the MSE (no ½) ``mean((module(X) - y)**2)``; trained in place.

    Parameters
    ----------
    module : any ``nn.Module`` (e.g. :class:`OutputScaled`, :class:`Linearized`).
    X, y : training inputs ``(P, ...)`` and targets ``(P,)`` or ``(P, k)``.
    X_test, y_test : optional test set (``test_loss`` is NaN without one).
    steps, lr : number of steps and learning rate (use :func:`lazy_lr` for output-scaled nets).
    optimizer : ``"gd"``, ``"momentum"`` (heavy ball ``v ← μv + g``, like :func:`gklib.train`) or
        ``"adam"``; ``weight_decay`` adds λθ to the gradient.
    n_log, log_every : logging grid as in :func:`gklib.train` (:func:`gklib.log_grid`).
    callback : ``callback(step, module)`` at each logged step.

    Returns a :class:`~gklib.History` with ``train_loss``, ``test_loss`` and ``weight_norm``
    (:math:`\\|\\theta\\|` over the trainable parameters). Raises ``RuntimeError`` on divergence.
    """
    if not isinstance(module, nn.Module):
        raise ValueError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    steps = cap_steps(check_positive_int(steps, "steps", allow_zero=True))   # $GKLIB_SMOKE_STEPS
    lr = check_positive(lr, "lr")
    weight_decay = check_positive(weight_decay, "weight_decay", allow_zero=True)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if (X_test is None) != (y_test is None):
        raise ValueError("X_test and y_test must be given together")
    if X.shape[0] != y.shape[0]:
        raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]}")
    params = list(_trainable(module).values())
    if not params:
        raise ValueError("module has no trainable parameters")
    dev, dt = params[0].device, params[0].dtype
    X, y = X.to(dev, dt), y.to(dev, dt)
    if X_test is not None:
        X_test, y_test = X_test.to(dev, dt), y_test.to(dev, dt)
    if optimizer == "adam":
        opt = torch.optim.Adam(params, lr=lr, betas=betas, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(params, lr=lr, weight_decay=weight_decay,
                              momentum=momentum if optimizer == "momentum" else 0.0)
    grid = log_grid(steps, n_log, log_every)
    rec = {k: np.full(len(grid), np.nan) for k in ("train_loss", "test_loss", "weight_norm")}
    start, ref, li = time.perf_counter(), None, 0
    bar = progress(steps, desc="fit", enabled=progress_bar)
    try:
        for step in range(steps + 1):
            loss = ((_match(module(X), y) - y) ** 2).mean()
            lv = float(loss.detach())
            ref = lv if ref is None else ref
            if not np.isfinite(lv) or lv > DIVERGENCE_FACTOR * max(ref, 1e-12):
                raise RuntimeError(f"training diverged at step {step}: the train loss became {lv:.3g}. "
                                   "Try a smaller lr.")
            if step == grid[li]:
                rec["train_loss"][li] = lv
                with torch.no_grad():
                    if X_test is not None:
                        rec["test_loss"][li] = float(((_match(module(X_test), y_test) - y_test) ** 2).mean())
                    rec["weight_norm"][li] = float(torch.sqrt(sum((p.detach() ** 2).sum() for p in params)))
                if callback is not None:
                    callback(step, module)
                li += 1
            if step == steps:
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if step % 256 == 0:
                bar.update(min(256, steps - step))
    finally:
        bar.close()
    return History(steps=grid, params={"lr": lr, "optimizer": optimizer}, engine="fit",
                   seconds=time.perf_counter() - start, **rec)


def net_vs_linear(module: nn.Module, X, y, X_test, y_test, steps: int, lr: float, probe=None, **fit_kw) -> dict:
    r"""Train ``module`` and (a copy of) its linearisation identically with :func:`fit`.

    Returns a dict: ``net``, ``lin`` (:class:`~gklib.History`), ``relative_weight_change`` and
    ``relative_ntk_change`` of the trained net (the NTK on ``probe``, default the first 50 test
    points; needs an :class:`OutputScaled` module), ``distance``: RMS distance of the two final
    test predictions divided by the RMS of ``y_test``, and ``gap``: the largest
    :math:`|\log(\mathcal L^{\rm net}_{\rm test}/\mathcal L^{\rm lin}_{\rm test})|` along training.
    """
    lin = linearize(copy.deepcopy(module))
    h_lin = fit(lin, X, y, X_test, y_test, steps=steps, lr=lr, **fit_kw)
    h_net = fit(module, X, y, X_test, y_test, steps=steps, lr=lr, **fit_kw)
    with torch.no_grad():
        fn, fl = _match(module(X_test), y_test), _match(lin(X_test), y_test)
    dist = prediction_distance(fn.flatten(), fl.flatten()) / float(y_test.double().pow(2).mean().sqrt())
    out = {"net": h_net, "lin": h_lin, "distance": dist,
           "gap": float(np.nanmax(np.abs(np.log(h_net.test_loss / h_lin.test_loss)))),
           "relative_weight_change": relative_weight_change(module) if isinstance(module, _Anchored) else np.nan}
    if isinstance(module, _Anchored):
        out["relative_ntk_change"] = relative_ntk_change(module, X_test[:50] if probe is None else probe)
    return out


# ---------------------------------------------------------------------------------- measures
def relative_weight_change(model):
    """:math:`\\|\\theta - \\theta_0\\| / \\|\\theta_0\\|`.

    ``model``: a :class:`~gklib.CommitteeMachine` (per run: a float or an ``(R,)`` array), an
    :class:`OutputScaled` / :class:`Linearized` (θ₀ = their stored initial parameters), or a pair
    ``(params, params0)`` of tensor lists.
    """
    if isinstance(model, CommitteeMachine):
        d = (model._W - model._W0).flatten(1).norm(dim=1) / model._W0.flatten(1).norm(dim=1)
        d = d.detach().cpu().numpy()
        return d if model.batched else float(d[0])
    if isinstance(model, _Anchored):
        now, ref = list(model.theta().values()), list(model.theta0().values())
    elif isinstance(model, (tuple, list)) and len(model) == 2:
        now, ref = list(model[0]), list(model[1])
    else:
        raise ValueError("model must be a CommitteeMachine, OutputScaled/Linearized or (params, params0)")
    num = sum(((a.detach() - b.detach()) ** 2).sum() for a, b in zip(now, ref))
    den = sum((b.detach() ** 2).sum() for b in ref)
    return float(torch.sqrt(num / den))


def relative_ntk_change(model, X):
    """:math:`\\|K_t - K_0\\|_F / \\|K_0\\|_F` for the NTK Gram matrix on the probe set ``X``.

    For a :class:`~gklib.CommitteeMachine` the closed form :func:`gklib.kernels.committee_ntk`
    is used (per run); for :class:`OutputScaled` / :class:`Linearized` the empirical NTK at the
    current θ and at θ₀ (zero for a linearised model, whose NTK is frozen).
    """
    if isinstance(model, CommitteeMachine):
        Kt, K0 = committee_ntk(model, X), committee_ntk(model, X, initial=True)
        if not model.batched:
            Kt, K0 = Kt[None], K0[None]
        d = ((Kt - K0).flatten(1).norm(dim=1) / K0.flatten(1).norm(dim=1)).cpu().numpy()
        return d if model.batched else float(d[0])
    if not isinstance(model, _Anchored):
        raise ValueError("model must be a CommitteeMachine or an OutputScaled/Linearized module")
    Kt = empirical_ntk(model, X, trace_outputs=True)
    p0 = {"module." + n: v for n, v in model.theta0().items()}
    K0 = empirical_ntk(model, X, params=p0, trace_outputs=True)
    return float((Kt - K0).norm() / K0.norm())


def prediction_distance(f, g):
    """Root-mean-square distance :math:`\\sqrt{\\langle (f - g)^2\\rangle}` over the last axis."""
    f, g = torch.as_tensor(f, dtype=torch.float64), torch.as_tensor(g, dtype=torch.float64)
    if f.shape != g.shape:
        raise ValueError(f"predictions have different shapes {tuple(f.shape)} and {tuple(g.shape)}")
    d = ((f - g) ** 2).mean(-1).sqrt().cpu().numpy()
    return float(d) if d.ndim == 0 else d


def loglog_slope(x, y) -> float:
    """Least-squares slope of :math:`\\log y` against :math:`\\log x` (power-law exponent)."""
    x, y = np.asarray(x, dtype=float).ravel(), np.asarray(y, dtype=float).ravel()
    if x.shape != y.shape or x.size < 2:
        raise ValueError(f"x and y need equal sizes >= 2, got {x.size} and {y.size}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive for a log-log fit")
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


# ------------------------------------------------------------ committee machine: exact forms
class KernelGD:
    """Exact GD of the linearised committee machine: kernel GD with the initial NTK, in closed form.

    With :math:`c = \\text{lr\\_scale}\\cdot 2/P` and the NTK without its :math:`\\alpha^2/N`,
    :math:`\\tilde K = U\\Lambda U^\\top` on the training set, the residuals obey
    :math:`r_{t+1} = (I - c\\tilde K) r_t`, so with :math:`a_t = \\sum_{s<t} r_s =
    U\\,\\frac{1-(1-c\\Lambda)^t}{c\\Lambda}\\,U^\\top r_0` any step is one matrix product away:
    :math:`f_t(x) = f_0(x) - c\\,\\tilde K(x, X)\\,a_t`. The weights follow from
    :math:`w_i(t) = w_i(0) - \\frac{c}{\\alpha}(v + \\epsilon B w_i(0))`, :math:`v = X^\\top a_t`,
    :math:`B = X^\\top\\mathrm{diag}(a_t) X`. The centred function does not depend on α (only the
    weight change, ∝ 1/α). Computed in float64; ``model`` is left untouched.
    """

    def __init__(self, model: CommitteeMachine, task, lr_scale=1.0):
        from .validation import as_param_array

        if not isinstance(model, CommitteeMachine):
            raise ValueError(f"model must be a CommitteeMachine, got {type(model).__name__}")
        if task.D != model.D:
            raise ValueError(f"task has input dimension D={task.D} but model has D={model.D}")
        lr = as_param_array(lr_scale, "lr_scale")
        if lr.size not in (1, model.R) and model.R != 1:
            raise ValueError(f"lr_scale has {lr.size} values but the model has {model.R} runs")
        self.R = max(lr.size, model.R)
        self.model, self.batched = model, model.batched or lr.size > 1
        f64, dev = torch.float64, model.device
        ex = lambda t: t.to(dev, f64).expand(self.R, *t.shape[1:])     # noqa: E731
        self.t = task.to(device=dev, dtype=f64)
        self.alpha, self.eps = ex(model.alpha[:, None])[:, 0], ex(model.eps[:, None])[:, 0]
        wbar0, M0 = model.stats(initial=True)
        self.wbar0, self.M0 = ex(wbar0), ex(M0)
        self.N, self.lr = model.N, torch.as_tensor(np.broadcast_to(lr, (self.R,)).copy(), device=dev, dtype=f64)
        self.c = self.lr * 2 / task.P
        X = self.t.X
        self._cache = {}
        lam, self.U = torch.linalg.eigh(self._K(X))
        self.cl = self.c[:, None] * lam.clamp_min(0)
        if float(self.cl.max()) >= 2:
            i = int(self.cl.max(1).values.argmax())
            raise RuntimeError(f"linearised GD diverges in run {i}: lr_scale·(2/P)·λ_max = "
                               f"{float(self.cl[i].max()):.3g} >= 2. Try a smaller lr_scale.")
        self.f0_train = self._f0(X)
        self.Ur0 = torch.einsum("rpk,rp->rk", self.U, self.f0_train - self.t.y)

    def _K(self, X1):
        if X1 is self.t.X or X1 is self.t.X_test:
            key = id(X1)
            if key not in self._cache:
                self._cache[key] = ntk_from_stats(X1, self.t.X, self.wbar0, self.M0, self.eps)
            return self._cache[key]
        return ntk_from_stats(X1, self.t.X, self.wbar0, self.M0, self.eps)

    def _f0(self, X):
        if self.model.center:
            return torch.zeros(self.R, X.shape[0], dtype=X.dtype, device=X.device)
        lin = self.wbar0 @ X.T
        return self.alpha[:, None] * (lin + 0.5 * self.eps[:, None] * ((X @ self.M0) * X).sum(-1))

    def _a(self, t: int):
        """:math:`a_t = \\sum_{s<t} r_s`, shape ``(R, P)``."""
        cl = self.cl
        g = torch.where(cl > 1e-14, -torch.expm1(t * torch.log1p(-cl.clamp_max(1.999))) / cl.clamp_min(1e-14),
                        torch.full_like(cl, float(t)))
        return torch.einsum("rpk,rk->rp", self.U, g * self.Ur0)

    def predict(self, t: int, X=None):
        """Predictions of the linearised model after ``t`` GD steps on ``X`` (default: training set);
        shape ``(R, n)`` (``(n,)`` for a single run)."""
        t = check_positive_int(t, "t", allow_zero=True)
        if X is None:
            X = self.t.X
        elif X is not self.t.X_test:
            X = torch.as_tensor(X).to(self.t.X)
        f = self._f0(X) - self.c[:, None] * torch.einsum("rnp,rp->rn", self._K(X), self._a(t))
        return f if self.batched else f[0]

    def _vB(self, t):
        a, X = self._a(t), self.t.X
        return a @ X, torch.einsum("pd,rp,pe->rde", X, a, X)

    def stats(self, t: int):
        """``(Δw̄, ΔM_lin)``: :math:`f_t - f_0 = \\alpha\\,\\Delta\\bar w\\cdot x +
        \\frac{\\alpha\\epsilon}{2} x^\\top\\Delta M_{\\rm lin} x`; shapes ``(R, D)``, ``(R, D, D)``."""
        v, B = self._vB(check_positive_int(t, "t", allow_zero=True))
        k, e = (self.c / self.alpha)[:, None], self.eps[:, None, None]
        dw = -k * (v + self.eps[:, None] * torch.einsum("rde,re->rd", B, self.wbar0))
        MB = self.M0 @ B
        dM = -k[:, :, None] * (self.wbar0[:, :, None] * v[:, None, :] + v[:, :, None] * self.wbar0[:, None, :]
                               + e * (MB + MB.transpose(1, 2)))
        return dw, dM

    def weight_change(self, t: int):
        """:math:`\\|W_t - W_0\\|_F` of the linearised model, ``(R,)``."""
        v, B = self._vB(check_positive_int(t, "t", allow_zero=True))
        e = self.eps
        sq = ((v**2).sum(-1) + 2 * e * torch.einsum("rd,rde,re->r", v, B, self.wbar0)
              + e**2 * torch.einsum("rde,ref,rfd->r", B, self.M0, B))
        return (self.c / self.alpha) * (self.N * sq.clamp_min(0)).sqrt()

    def weights(self, t: int):
        """The linearised model's weights :math:`W_t` (``(R, N, D)``; the model's dtype)."""
        v, B = self._vB(check_positive_int(t, "t", allow_zero=True))
        W0 = self.model._W0.to(torch.float64).expand(self.R, -1, -1)
        k = (self.c / self.alpha)[:, None, None]
        W = W0 - k * (v[:, None, :] + self.eps[:, None, None] * W0 @ B)
        return W.to(self.model.dtype)

    def history(self, steps: int, n_log: int = 200, log_every: int | None = None) -> History:
        """Train/test loss, :math:`\\|W\\|_F` and (with a teacher) the loss decomposition on the
        :func:`gklib.log_grid` of ``steps`` — the same grid and series as :func:`gklib.train`."""
        from .theory import decomposition_from_stats

        grid = log_grid(cap_steps(check_positive_int(steps, "steps", allow_zero=True)), n_log, log_every)  # as train
        t0 = time.perf_counter()
        keys = ["train_loss", "test_loss", "weight_norm"]
        if self.t.beta is not None:
            keys += ["variance", "misalignment", "linear"]
        rec = {k: np.zeros((self.R, len(grid))) for k in keys}
        norm0 = self.N * torch.diagonal(self.M0, dim1=-2, dim2=-1).sum(-1)
        for j, s in enumerate(grid):
            s = int(s)
            ftr, fte = self.predict(s), self.predict(s, self.t.X_test)
            if not self.batched:
                ftr, fte = ftr[None], fte[None]
            rec["train_loss"][:, j] = ((ftr - self.t.y) ** 2).mean(-1).cpu().numpy()
            rec["test_loss"][:, j] = ((fte - self.t.y_test) ** 2).mean(-1).cpu().numpy()
            dw, dM = self.stats(s)
            dW2 = self.weight_change(s) ** 2
            cross = self.N * torch.diagonal(dM, dim1=-2, dim2=-1).sum(-1)     # 2⟨W0, ΔW⟩
            rec["weight_norm"][:, j] = (norm0 + cross + dW2).clamp_min(0).sqrt().cpu().numpy()
            if self.t.beta is not None:
                if not self.model.center:
                    dw, dM = dw + self.wbar0, dM + self.M0
                terms = decomposition_from_stats(dw, dM, self.t.beta, self.alpha, self.eps)
                for k in ("variance", "misalignment", "linear"):
                    rec[k][:, j] = terms[k].cpu().numpy()
        m = self.model
        params = {"alpha": self.alpha.cpu().numpy(), "eps": self.eps.cpu().numpy(),
                  "lr_scale": self.lr.cpu().numpy(), "seed": np.broadcast_to(m.seeds, (self.R,)).copy()}
        sq = (lambda a: a) if self.batched else (lambda a: a[0])
        return History(steps=grid, params=params if self.batched else {k: v[0] for k, v in params.items()},
                       engine="kernel", seconds=time.perf_counter() - t0, **{k: sq(v) for k, v in rec.items()})


def train_linearized(model: CommitteeMachine, task, steps, lr_scale=1.0, log_every: int | None = None,
                     n_log: int = 200) -> History:
    """GD of the committee machine's linearisation, exactly and cheaply (:class:`KernelGD`).

    Same arguments, logging grid and :class:`~gklib.History` series as :func:`gklib.train`, whose
    network curves it is meant to be plotted against; ``model`` is not modified.
    """
    return KernelGD(model, task, lr_scale).history(steps, n_log=n_log, log_every=log_every)


def label_scaled_task(task, scale: float):
    """The task with labels divided by ``scale``: :math:`y \\to y/s` (and :math:`\\beta\\to\\beta/\\sqrt s`).

    GD with :math:`\\eta_0/\\alpha^2` on :math:`(\\alpha f_c - y)^2` is *exactly* GD with
    :math:`\\eta_0` on :math:`(f_c - y/\\alpha)^2` (paper.md §4.3): label scale is a laziness knob.
    """
    from dataclasses import replace

    s = check_positive(scale, "scale")
    meta = dict(task.meta)
    if "q_star" in meta:
        meta["q_star"] = meta["q_star"] / s
    return replace(task, y=task.y / s, y_test=task.y_test / s, meta=meta,
                   beta=None if task.beta is None else task.beta / s**0.5,
                   quad_form=None if task.quad_form is None else task.quad_form / s)


def weight_scaled_model(model: CommitteeMachine, sigma) -> CommitteeMachine:
    """A copy of a single-run model with initial weights :math:`\\sigma W_0` (one run per σ).

    Since :math:`\\phi_\\epsilon(\\sigma h) = \\sigma\\,\\phi_{\\sigma\\epsilon}(h)`, GD on
    :math:`\\sigma W` with :math:`(\\alpha, \\epsilon)` is exactly GD on :math:`W` with
    :math:`(\\sigma\\alpha, \\sigma\\epsilon)` at the same ``lr_scale`` (paper.md §4.3).
    """
    from .validation import as_param_array

    if not isinstance(model, CommitteeMachine) or model.R != 1:
        raise ValueError("model must be a single-run CommitteeMachine")
    s = as_param_array(sigma, "sigma")
    W0 = model._W0[0]
    W = torch.stack([float(v) * W0 for v in s])
    a, e = [float(model.alpha[0])] * len(s), [float(model.eps[0])] * len(s)
    out = CommitteeMachine.from_weights(W, alpha=a, eps=e, center=model.center)
    out.batched = np.ndim(sigma) > 0
    out.seeds = np.broadcast_to(model.seeds, (len(s),)).copy()
    return out

