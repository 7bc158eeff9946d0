"""The torch.optim trainer ``gklib.nets.fit`` reproduces the hand-written trainer it replaced.

``old_train_ensemble`` below is a copy of the training loop of the former
``gklib.ensemble.train_ensemble`` (parameters of the ``R`` runs stacked along a run axis, one
``vmap`` forward pass, hand-written SGD and AdamW with linear warm-up, seeded minibatches). This
test module is the only place where that copy lives: it is the independent reference, kept
verbatim in its arithmetic and trimmed to what the comparison needs (the per-step train loss on
the full training set and the final parameters). Float64, 300 steps, full batch and minibatch.
"""
import numpy as np
import pytest
import torch
from torch.func import functional_call, vmap

from gklib.config import generator
from gklib.nets import MLP, QuadraticMLP, fit, linearize, modular_addition

F64 = torch.float64


def old_train_ensemble(model, task, alpha, steps, lr, lr_alpha_power=0.0, optimizer="sgd", weight_decay=0.0,
                       betas=(0.9, 0.999), warmup=0, batch_size=None, center=True, seed=0):
    """Reference copy of the former hand-written trainer (MSE loss, float64, CPU)."""
    dtype, dev = F64, "cpu"
    alpha, lr, wd_ = (np.array(np.broadcast_to(np.asarray(v, float), (len(alpha),))) for v in (alpha, lr, weight_decay))
    R = len(alpha)
    base = model.to(dev, dtype)
    names = [n for n, _ in base.named_parameters()]
    params = {n: torch.stack([dict(base.named_parameters())[n].detach()] * R).clone().requires_grad_(True)
              for n in names}
    theta0 = {n: p.detach().clone() for n, p in params.items()}
    X, y = task.X.to(dev, dtype), task.y.to(dev)
    P = X.shape[0]
    forward = vmap(lambda p, x: functional_call(base, p, (x,)), in_dims=(0, None))
    with torch.no_grad():
        f0 = forward(theta0, X)
    if not center:
        f0 = torch.zeros_like(f0)
    K = f0.shape[-1]
    a = torch.as_tensor(alpha, device=dev, dtype=dtype)
    eta = torch.as_tensor(lr / alpha ** lr_alpha_power, device=dev, dtype=dtype)
    wd = torch.as_tensor(wd_, device=dev, dtype=dtype)
    Y = torch.nn.functional.one_hot(y, K).to(dtype)

    def losses(p, x, f0x, Yx):
        out = a[:, None, None] * (forward(p, x) - f0x)
        return ((out - Yx) ** 2).mean((1, 2)), out

    def bcast(v, like):
        return v.reshape(-1, *([1] * (like.ndim - 1)))

    gen = generator(seed)
    order, pos = torch.randperm(P, generator=gen), 0
    m1 = {n: torch.zeros_like(v) for n, v in params.items()}
    m2 = {n: torch.zeros_like(v) for n, v in params.items()}
    b1, b2 = betas
    active = torch.ones(R, device=dev, dtype=dtype)
    train_loss = []
    for t in range(steps + 1):
        with torch.no_grad():
            train_loss.append(losses(params, X, f0, Y)[0].numpy())
        if t == steps:
            break
        if batch_size is None:
            idx = None
        else:
            if pos + batch_size > P:             # the schedule is also checked on its own, against a
                order, pos = torch.randperm(P, generator=gen), 0    # hand-written list (test_minibatch_schedule_...)
            idx = order[pos: pos + batch_size].to(dev)
            pos += batch_size
        xb, f0b, Yb = (X, f0, Y) if idx is None else (X[idx], f0[:, idx], Y[idx])
        L, _ = losses(params, xb, f0b, Yb)
        grads = torch.autograd.grad(L.sum(), [params[n] for n in names])
        w = min(1.0, (t + 1) / warmup) if warmup else 1.0
        lr_t = eta * w * active
        with torch.no_grad():
            for n, g in zip(names, grads):
                p = params[n]
                lr_b, wd_b = bcast(lr_t, p), bcast(wd, p)
                if optimizer == "sgd":
                    p.sub_(lr_b * (g + wd_b * p))
                else:
                    m1[n].mul_(b1).add_(g, alpha=1 - b1)
                    m2[n].mul_(b2).addcmul_(g, g, value=1 - b2)
                    mhat = m1[n] / (1 - b1 ** (t + 1))
                    vhat = m2[n] / (1 - b2 ** (t + 1))
                    p.mul_(1 - lr_b * wd_b).sub_(lr_b * mhat / (vhat.sqrt() + 1e-8))
    return np.stack(train_loss, 1), {n: v.detach() for n, v in params.items()}


CASES = {
    "sgd-full": dict(optimizer="sgd", lr=[0.5, 0.3, 0.2], weight_decay=[0.0, 1e-3, 1e-2], lr_alpha_power=2),
    "sgd-minibatch": dict(optimizer="sgd", lr=[0.5, 0.3, 0.2], weight_decay=1e-3, lr_alpha_power=2,
                          batch_size=9),
    "adamw-full": dict(optimizer="adamw", lr=[3e-3, 1e-3, 2e-3], weight_decay=[0.5, 0.0, 0.1], warmup=20,
                       lr_alpha_power=1, betas=(0.9, 0.98)),
    "adamw-minibatch": dict(optimizer="adamw", lr=1e-3, weight_decay=[0.5, 0.1, 0.0], batch_size=9, warmup=5),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fit_reproduces_the_former_hand_written_trainer(case):
    kw = CASES[case]
    task = modular_addition(7, 0.6, seed=0)
    alphas = [0.5, 1.0, 3.0]
    steps = 300
    ref_loss, ref_state = old_train_ensemble(MLP([14, 16, 7], "tanh", seed=2), task, alphas, steps, **kw)
    res = fit(MLP([14, 16, 7], "tanh", seed=2), task, steps, alpha=alphas, log_every=10, seed=0,
              dtype=F64, device="cpu", **kw)
    assert ref_loss[:, -1].max() < 0.9 * ref_loss[:, 0].min()            # it did train
    rel = np.abs(res.train_loss - ref_loss[:, ::10]) / np.abs(ref_loss[:, ::10])   # every 10th step
    assert rel.max() <= 1e-10, (case, rel.max())
    for n, p in ref_state.items():
        d = float((res.trained.state[n] - p).norm() / p.norm())
        assert d <= 1e-10, (case, n, d)


def test_quadratic_mlp_uncentred_sgd_matches_reference():
    """The chapter-5 Fig 2 set-up (uncentred, lr/α², no weight decay)."""
    task = modular_addition(7, 0.7, seed=1)
    alphas = [0.25, 1.0, 2.25]
    ref_loss, _ = old_train_ensemble(QuadraticMLP(14, 20, 7, seed=0), task, alphas, 300, lr=10.0,
                                     lr_alpha_power=2, center=False)
    res = fit(QuadraticMLP(14, 20, 7, seed=0), task, 300, alpha=alphas, lr=10.0, lr_alpha_power=2,
              center=False, log_every=10, dtype=F64, device="cpu")
    np.testing.assert_allclose(res.train_loss, ref_loss[:, ::10], rtol=1e-10, atol=0)


def test_linearised_module_in_an_ensemble_matches_single_runs():
    """A Linearized module (jvp inside functional_call) trains under vmap like one run at a time."""
    X = torch.rand(12, 1, generator=torch.Generator().manual_seed(0), dtype=F64) * 2 - 1   # no symmetric
    data = (X, torch.sin(3 * X[:, 0]), X[::2], torch.sin(3 * X[::2, 0]))   # zero gradients for Adam to amplify
    lin = linearize(MLP([1, 16, 1], "tanh", init="ntk", seed=0).double())
    both = fit(lin, data, 50, alpha=[1.0, 2.0], lr=[0.2, 0.1], optimizer="adam", center=False, log_every=5)
    for i, (a, lr) in enumerate([(1.0, 0.2), (2.0, 0.1)]):
        one = fit(lin, data, 50, alpha=a, lr=lr, optimizer="adam", center=False, log_every=5)
        np.testing.assert_allclose(both.test_loss[i], one.test_loss, rtol=1e-12)
        assert torch.allclose(both.module(i)(X), one.module(0)(X), rtol=1e-12, atol=1e-14)
    assert both.train_loss[0, -1] < 0.5 * both.train_loss[0, 0]


def test_divergence_is_checked_every_step_and_frozen_runs_keep_their_weights():
    task = modular_addition(5, 0.6, seed=0)
    net = QuadraticMLP(10, 8, 5, seed=0)
    with pytest.raises(RuntimeError, match=r"diverged at step \d+ in run 1"):
        fit(net, task, 50, alpha=[1.0, 1.0], lr=[1.0, 1e9], n_log=2, device="cpu")
    with pytest.warns(RuntimeWarning, match="diverged at step"):
        res = fit(net, task, 50, alpha=[1.0, 1.0], lr=[1.0, 1e9], n_log=2, device="cpu", on_divergence="nan")
    t = res.diverged_at
    assert np.isnan(t[0]) and 0 < t[1] < 50
    assert np.isfinite(res.train_loss[0]).all() and np.isnan(res.train_loss[1, -1])
    assert all(torch.isfinite(v[1]).all() for v in res.trained.state.values())    # frozen, not updated with NaN


class _Recorder(torch.nn.Module):
    """A linear model that records which training points each forward pass sees (inputs are the indices)."""

    seen = []                                   # class attribute: fit() deep-copies the module

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1, dtype=F64))

    def forward(self, x):
        _Recorder.seen.append(x[:, 0].round().long().tolist())
        return x[:, 0] * self.w


def test_minibatch_schedule_is_seeded_shuffled_epochs_dropping_the_remainder():
    """The schedule that ``old_train_ensemble`` shares with ``fit``, checked on its own: P = 5 points,
    batches of 2, seed 0. Each epoch is one shuffle of the five indices cut into two batches, the odd
    point left over is dropped, and the next epoch reshuffles. The shuffles of ``generator(0)`` are
    [2, 1, 0, 3, 4], [4, 3, 0, 2, 1], [0, 2, 4, 3, 1]."""
    P = 5
    X = torch.arange(P, dtype=F64)[:, None]
    _Recorder.seen.clear()
    fit(_Recorder(), (X, torch.zeros(P, dtype=F64)), 6, alpha=1.0, lr=0.1, batch_size=2, seed=0, log_every=6,
        center=False, dtype=F64, device="cpu")
    batches = [b for b in _Recorder.seen if len(b) == 2]
    assert batches == [[2, 1], [0, 3],
                       [4, 3], [0, 2],
                       [0, 2], [4, 3]]
    assert _Recorder.seen[0] == [0]        # first the one-row trial call that checks the data against the model
    assert all(len(b) in (2, P) for b in _Recorder.seen[1:])      # otherwise only full-set evaluations
