"""One History for every trainer, and one divergence rule reported the same way by each."""
import re

import numpy as np
import pytest
import torch

import gklib as gk
from gklib.history import History
from gklib.nets import MLP, fit, net_vs_linear
from gklib.toy.linearized import train_linearized
from gklib.validation import DIVERGENCE_FACTOR

F64 = torch.float64


def _toy():
    return gk.quadratic_task(D=8, P=30, P_test=40, seed=0, dtype=F64)


def _net_data():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(24, 3, generator=gen, dtype=F64)
    y = torch.sin(X[:, 0]) + X[:, 1] * X[:, 2]
    return X, y, X[:12] + 0.1, y[:12]


def _histories():
    task = _toy()
    m = gk.CommitteeMachine(8, 6, alpha=[0.5, 2.0], eps=0.3, dtype=F64)
    yield "train/stats", gk.train(m, task, 40, engine="stats", log_every=10, progress_bar=False)
    m = gk.CommitteeMachine(8, 6, alpha=[0.5, 2.0], eps=0.3, dtype=F64)
    yield "train/direct", gk.train(m, task, 40, engine="direct", log_every=10, progress_bar=False)
    yield "linearized", train_linearized(m, task, 40, log_every=10)
    net = MLP([3, 8, 1], "tanh", seed=0).double()
    yield "fit", fit(net, _net_data(), 40, alpha=[0.5, 2.0], lr=0.05, log_every=10)


@pytest.mark.parametrize("name,h", list(_histories()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_trainer_returns_one_history_with_run_axis(name, h):
    assert type(h) is History and h.batched and h.R == 2
    np.testing.assert_array_equal(h.steps, [0, 10, 20, 30, 40])
    for series in ("train_loss", "test_loss", "weight_norm"):
        assert getattr(h, series).shape == (2, 5), (name, series)
        assert np.isfinite(getattr(h, series)).all()
    one = h.run(1)
    assert not one.batched and one.R == 1
    np.testing.assert_array_equal(one.test_loss, h.test_loss[1])
    assert float(one.params["alpha"]) == 2.0
    for k, v in h.extra.items():                      # per-run extras lose their run axis too
        np.testing.assert_array_equal(one.extra[k], np.asarray(v)[1])
    if h.train_acc is not None:
        np.testing.assert_array_equal(one.train_acc, h.train_acc[1])
    if h.diverged_at is not None:
        assert np.isnan(h.diverged_at).all() and np.isnan(one.diverged_at)
    with pytest.raises(IndexError):
        h.run(2)


def test_fit_history_rebuilds_each_run_also_from_a_single_run_view():
    X, y, Xt, yt = _net_data()
    h = fit(MLP([3, 8, 1], "tanh", seed=0).double(), (X, y, Xt, yt), 30, alpha=[1.0, 1.0], lr=[0.05, 0.1],
            center=False, log_every=10)
    for i in range(2):
        with torch.no_grad():
            loss = float(((h.module(i)(Xt).reshape(-1) - yt) ** 2).mean())
            loss_view = float(((h.run(i).module()(Xt).reshape(-1) - yt) ** 2).mean())
        assert loss == pytest.approx(h.test_loss[i, -1], rel=1e-10) and loss_view == loss
    with pytest.raises(ValueError, match="no trained modules"):
        train_linearized(gk.CommitteeMachine(8, 6, dtype=F64), _toy(), 5).module()


@pytest.mark.parametrize("engine", ["stats", "direct"])
def test_toy_trainer_records_the_divergence_step_it_would_raise_at(engine):
    task = _toy()
    kw = dict(engine=engine, log_every=5, progress_bar=False)
    with pytest.raises(RuntimeError, match=r"diverged at step (\d+) in run 1") as err:
        gk.train(gk.CommitteeMachine(8, 6, alpha=[1.0, 1.0], eps=0.5, dtype=F64), task, 100,
                 lr_scale=[0.5, 60.0], **kw)
    step = int(re.search(r"step (\d+)", str(err.value)).group(1))
    with pytest.warns(RuntimeWarning, match=rf"runs \[1\] diverged at steps \[{step}\]"):
        h = gk.train(gk.CommitteeMachine(8, 6, alpha=[1.0, 1.0], eps=0.5, dtype=F64), task, 100,
                     lr_scale=[0.5, 60.0], on_divergence="nan", **kw)
    assert np.isnan(h.diverged_at[0]) and h.diverged_at[1] == step
    assert np.isnan(h.train_loss[1, h.steps >= step]).all() and np.isfinite(h.train_loss[0]).all()
    # independent check of the rule: plain autograd GD on W for run 1 (eta = lr_scale N / alpha^2)
    m = gk.CommitteeMachine(8, 6, alpha=1.0, eps=0.5, dtype=F64)
    W = m.W0.clone().requires_grad_(True)

    def f(W):
        H = task.X @ W.T
        return (H + 0.25 * H**2).sum(-1) / 6

    f0, ref = f(m.W0).detach(), []
    for _ in range(step + 1):
        loss = ((f(W) - f0 - task.y) ** 2).mean()
        ref.append(float(loss))
        (g,) = torch.autograd.grad(loss, W)
        with torch.no_grad():
            W -= 60.0 * 6 * g
    ref = np.array(ref)
    bad = ~np.isfinite(ref) | (ref > DIVERGENCE_FACTOR * ref[0])
    assert bad[step] and not bad[:step].any(), ref


def test_net_vs_linear_returns_histories_and_measures():
    from gklib.nets import OutputScaled
    X, y, Xt, yt = _net_data()
    out = net_vs_linear(OutputScaled(MLP([3, 16, 1], "tanh", init="ntk", seed=0).double(), alpha=4.0),
                        X, y, Xt, yt, steps=60, lr=0.5 / 16)
    assert isinstance(out["net"], History) and isinstance(out["lin"], History)
    assert out["net"].test_loss.shape == out["lin"].test_loss.shape
    assert 0 < out["relative_weight_change"] < 1 and 0 <= out["relative_ntk_change"] < 1
    assert np.isfinite(out["gap"]) and out["distance"] >= 0
