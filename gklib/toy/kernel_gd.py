"""Kernel gradient descent with the committee machine's initial NTK, in closed form.

The first-order Taylor model of the committee machine around its initial weights, trained by gradient
descent, is kernel gradient descent with the initial NTK (:mod:`gklib.toy.ntk`). Its residuals evolve
linearly, so any step is available in closed form: :class:`KernelGD` (predictions, summary statistics,
weights and a :class:`~gklib.History` at any step), :func:`kernel_gd_gain` (the accumulated gain of one
eigenmode), :func:`check_closed_form` (the models it solves). :func:`gklib.toy.linearized.train_linearized`
is its one-call front end; all three names are also importable from :mod:`gklib.toy.linearized`.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from ..config import cap_steps
from ..history import History, log_grid
from ..data import Task
from ..params import Array, Instance, Integer, Reals, validate_params
from ..validation import INT_MAX, as_run_array
from .formula import committee_output
from .model import CommitteeMachine
from .ntk import ntk_from_stats
from .theory import decomposition_from_stats

__all__ = ["check_closed_form", "kernel_gd_gain", "KernelGD"]



@validate_params(model=Instance(CommitteeMachine, what='a CommitteeMachine'), what=Instance(str, what='a string'))
def check_closed_form(model: CommitteeMachine, what: str):
    r"""Refuse a model whose linearisation has no closed form here: :class:`KernelGD` solves the paper's model
    only (quadratic activation, fixed readouts), whose NTK and weight updates close on the summary
    statistics :math:`(\bar w, M)`.

    Parameters
    ----------
    model : CommitteeMachine
        The model to check.
    what : str
        The caller's name, for the message.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        Naming the unsupported option (``readout=True`` or another ``activation``).

    Examples
    --------
    >>> import gklib as gk
    >>> from gklib.toy.linearized import check_closed_form
    >>> check_closed_form(gk.CommitteeMachine(D=3, N=2), "KernelGD")      # the paper's model: fine
    >>> check_closed_form(gk.CommitteeMachine(D=3, N=2, readout=True), "KernelGD")
    Traceback (most recent call last):
    ...
    ValueError: KernelGD trains the linearisation in closed form for activation='quadratic' with fixed readouts (readout=False) only, got readout=True; train gk.linearize(model) with gk.nets.fit instead (exact for every option)
    """
    bad = ([] if model._a is None else ["readout=True"]) + (
        [] if model.activation == "quadratic" else [f"activation={model.activation!r}"])
    if bad:
        raise ValueError(f"{what} trains the linearisation in closed form for activation='quadratic' with fixed "
                         f"readouts (readout=False) only, got {', '.join(bad)}; train gk.linearize(model) with "
                         "gk.nets.fit instead (exact for every option)")


@validate_params(cl=Array(), t=Integer(0))
def kernel_gd_gain(cl: torch.Tensor, t: int) -> torch.Tensor:
    r""":math:`\sum_{s<t}(1 - c\lambda)^s = \frac{1 - (1 - c\lambda)^t}{c\lambda}` elementwise, for
    :math:`c\lambda\in[0, 2)`: how much of a kernel eigenmode's initial residual :math:`t` steps of kernel
    GD, :math:`r \leftarrow (1 - c\lambda) r`, have accumulated (chapter 2, "Gradient descent learns mode
    k"). No cancellation for small :math:`c\lambda`; :math:`t` at :math:`c\lambda = 0`.

    Parameters
    ----------
    cl : torch.Tensor
        The products :math:`c\lambda` (any shape), finite, in [0, 2).
    t : int
        Number of steps, >= 0.

    Returns
    -------
    torch.Tensor
        The gains, the shape of ``cl``.

    Examples
    --------
    >>> import torch
    >>> from gklib.toy.linearized import kernel_gd_gain
    >>> kernel_gd_gain(torch.tensor([0.0, 0.5, 1.0], dtype=torch.float64), 3).tolist()  # 3, 1+.5+.25, 1
    [3.0, 1.75, 1.0]
    """
    small = cl < 0.5                               # 1 - (1 - cλ)^t without cancellation when cλ is small
    g_small = -torch.expm1(t * torch.log1p(-cl.clamp_max(0.5))) / cl.clamp_min(1e-300)
    g_large = (1 - torch.pow(1 - cl, t)) / cl.clamp_min(0.5)      # integer t: a negative base is fine
    g = torch.where(small, g_small, g_large)
    return torch.where(cl > 1e-14, g, torch.full_like(cl, float(t)))


class KernelGD:
    r"""Exact GD of the linearised committee machine: kernel GD with the initial NTK, in closed form.

    With :math:`c = \text{lr_scale}\cdot 2/P` and the NTK without its :math:`\alpha^2/N`,
    :math:`\tilde K = U\Lambda U^\top` on the training set, the residuals obey
    :math:`r_{t+1} = (I - c\tilde K) r_t`, so with :math:`a_t = \sum_{s<t} r_s =
    U\,\frac{1-(1-c\Lambda)^t}{c\Lambda}\,U^\top r_0` any step is one matrix product away:
    :math:`f_t(x) = f_0(x) - c\,\tilde K(x, X)\,a_t`. The weights follow from
    :math:`w_i(t) = w_i(0) - \frac{c}{\alpha}(v + \epsilon B w_i(0))`, :math:`v = X^\top a_t`,
    :math:`B = X^\top\mathrm{diag}(a_t) X`. The centred function does not depend on α (only the
    weight change, ∝ 1/α). Computed in float64; ``model`` is left untouched.

    Parameters
    ----------
    model : CommitteeMachine
        The paper's model (quadratic activation, fixed readouts; :func:`check_closed_form`), single run or
        ``R`` runs; :func:`gklib.linearize` trains the others exactly.
    task : Task
        A task with the model's input dimension.
    lr_scale : float or sequence of float, default 1.0
        :math:`c P/2 > 0`, as in :func:`gklib.train`; one value per run for a sweep.

    Raises
    ------
    ValueError
        An unsupported model, or a task of another ``D``.
    RuntimeError
        :math:`c\lambda_{\max} \ge 2`: linearised GD diverges (try a smaller ``lr_scale``).

    Examples
    --------
    >>> import gklib as gk
    >>> task = gk.quadratic_task(D=10, P=40, P_test=50, seed=0)
    >>> kgd = gk.KernelGD(gk.CommitteeMachine(D=10, N=20, alpha=[1.0, 4.0], eps=0.2), task)
    >>> kgd.R, tuple(kgd.predict(100).shape)
    (2, (2, 40))
    >>> bool(kgd.predict(100)[0].allclose(kgd.predict(100)[1]))       # the centred function ignores alpha
    True
    """

    @validate_params(model=Instance(CommitteeMachine, what='a CommitteeMachine'), task=Instance(Task, what='a gklib Task'), lr_scale=Reals(0, closed='neither'))
    def __init__(self, model: CommitteeMachine, task, lr_scale=1.0):
        check_closed_form(model, "KernelGD")
        if task.D != model.D:
            raise ValueError(f"task has input dimension D={task.D} but model has D={model.D}")
        lr = as_run_array(lr_scale)
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
        W0 = self.model._W0.to(X).expand(self.R, -1, -1)
        return committee_output(W0, None, X, self.alpha, self.eps, self.model.activation)

    def _a(self, t: int):
        """:math:`a_t = \\sum_{s<t} r_s`, shape ``(R, P)``."""
        return torch.einsum("rpk,rk->rp", self.U, kernel_gd_gain(self.cl, t) * self.Ur0)

    @validate_params(t=Integer(0, INT_MAX), X=Array(2, none_ok=True))
    def predict(self, t: int, X=None):
        r"""Predictions of the linearised model after ``t`` GD steps, :math:`f_t(x) = f_0(x) - c\,\tilde K(x, X)\,a_t`.

        Parameters
        ----------
        t : int
            Number of GD steps, >= 0.
        X : torch.Tensor or None, shape (n, D), default None
            Inputs (``None``: the training set).

        Returns
        -------
        torch.Tensor, shape (R, n) or (n,)
            Predictions (``(n,)`` for a single run), float64.

        Examples
        --------
        >>> import gklib as gk
        >>> task = gk.quadratic_task(D=10, P=40, P_test=50, seed=0)
        >>> kgd = gk.KernelGD(gk.CommitteeMachine(D=10, N=20, alpha=[1.0, 4.0], eps=0.2), task)
        >>> float(kgd.predict(0).abs().max())        # centred: zero at t = 0
        0.0
        """
        t = int(t)
        if X is None:
            X = self.t.X
        elif X is not self.t.X_test:
            X = torch.as_tensor(X).to(self.t.X)
        f = self._f0(X) - self.c[:, None] * torch.einsum("rnp,rp->rn", self._K(X), self._a(t))
        return f if self.batched else f[0]

    def _vB(self, t):
        a, X = self._a(t), self.t.X
        return a @ X, torch.einsum("pd,rp,pe->rde", X, a, X)

    @validate_params(t=Integer(0, INT_MAX))
    def stats(self, t: int):
        r"""The change of the summary statistics after ``t`` steps, ``(Δw̄, ΔM_lin)``, with
        :math:`f_t - f_0 = \alpha\,\Delta\bar w\cdot x + \frac{\alpha\epsilon}{2} x^\top\Delta M_{\rm lin} x`.

        Parameters
        ----------
        t : int
            Number of GD steps, >= 0.

        Returns
        -------
        dw : torch.Tensor, shape (R, D)
        dM : torch.Tensor, shape (R, D, D)

        Examples
        --------
        >>> import gklib as gk
        >>> task = gk.quadratic_task(D=10, P=40, P_test=50, seed=0)
        >>> kgd = gk.KernelGD(gk.CommitteeMachine(D=10, N=20, alpha=[1.0, 4.0], eps=0.2), task)
        >>> dw, dM = kgd.stats(10)
        >>> tuple(dw.shape), tuple(dM.shape)
        ((2, 10), (2, 10, 10))
        """
        v, B = self._vB(int(t))
        k, e = (self.c / self.alpha)[:, None], self.eps[:, None, None]
        dw = -k * (v + self.eps[:, None] * torch.einsum("rde,re->rd", B, self.wbar0))
        MB = self.M0 @ B
        dM = -k[:, :, None] * (self.wbar0[:, :, None] * v[:, None, :] + v[:, :, None] * self.wbar0[:, None, :]
                               + e * (MB + MB.transpose(1, 2)))
        return dw, dM

    @validate_params(t=Integer(0, INT_MAX))
    def weight_change(self, t: int):
        r"""The distance :math:`\|W_t - W_0\|_F` the linearised model's weights have moved after ``t`` steps
        (∝ 1/α).

        Parameters
        ----------
        t : int
            Number of GD steps, >= 0.

        Returns
        -------
        torch.Tensor, shape (R,)
            One distance per run.

        Examples
        --------
        >>> import gklib as gk
        >>> task = gk.quadratic_task(D=10, P=40, P_test=50, seed=0)
        >>> kgd = gk.KernelGD(gk.CommitteeMachine(D=10, N=20, alpha=[1.0, 4.0], eps=0.2), task)
        >>> d = kgd.weight_change(50)
        >>> round(float(d[0] / d[1]), 6)       # alpha 4x larger: the weights move 4x less
        4.0
        """
        v, B = self._vB(int(t))
        e = self.eps
        sq = ((v**2).sum(-1) + 2 * e * torch.einsum("rd,rde,re->r", v, B, self.wbar0)
              + e**2 * torch.einsum("rde,ref,rfd->r", B, self.M0, B))
        return (self.c / self.alpha) * (self.N * sq.clamp_min(0)).sqrt()

    @validate_params(t=Integer(0, INT_MAX))
    def weights(self, t: int):
        r"""The linearised model's weights :math:`W_t = W_0 - \frac{c}{\alpha}(v + \epsilon W_0 B)` after ``t`` steps.

        Parameters
        ----------
        t : int
            Number of GD steps, >= 0.

        Returns
        -------
        torch.Tensor, shape (R, N, D)
            The weights, in the model's dtype.

        Examples
        --------
        >>> import gklib as gk
        >>> task = gk.quadratic_task(D=10, P=40, P_test=50, seed=0)
        >>> kgd = gk.KernelGD(gk.CommitteeMachine(D=10, N=20, alpha=[1.0, 4.0], eps=0.2), task)
        >>> W = kgd.weights(50)
        >>> tuple(W.shape), round(float((W - kgd.model.W0).flatten(1).norm(dim=1)[0] / kgd.weight_change(50)[0]), 4)
        ((2, 20, 10), 1.0)
        """
        v, B = self._vB(int(t))
        W0 = self.model._W0.to(torch.float64).expand(self.R, -1, -1)
        k = (self.c / self.alpha)[:, None, None]
        W = W0 - k * (v[:, None, :] + self.eps[:, None, None] * W0 @ B)
        return W.to(self.model.dtype)

    @validate_params(steps=Integer(0, INT_MAX), n_log=Integer(1, 10**7), log_every=Integer(1, none_ok=True))
    def history(self, steps: int, n_log: int = 200, log_every: int | None = None) -> History:
        r"""Train/test loss, :math:`\|W\|_F` and (with a teacher) the loss decomposition on the
        :func:`gklib.log_grid` of ``steps`` -- the same grid and series as :func:`gklib.train`.

        Parameters
        ----------
        steps : int
            The last step, >= 0 (capped by ``$GKLIB_SMOKE_STEPS``).
        n_log : int, default 200
            Number of log-spaced logging steps, in [1, 10**7].
        log_every : int or None, default None
            Log every ``k >= 1`` steps instead.

        Returns
        -------
        History
            ``engine="kernel"``; series ``(T,)`` or ``(R, T)``.

        Examples
        --------
        >>> import gklib as gk
        >>> task = gk.quadratic_task(D=10, P=40, P_test=50, seed=0)
        >>> kgd = gk.KernelGD(gk.CommitteeMachine(D=10, N=20, alpha=[1.0, 4.0], eps=0.2), task)
        >>> h = kgd.history(100, n_log=10)
        >>> h.engine, h.train_loss.shape, bool(h.train_loss[0, -1] < h.train_loss[0, 0])
        ('kernel', (2, 11), True)
        """
        grid = log_grid(cap_steps(int(steps)), n_log, log_every)  # as train
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
