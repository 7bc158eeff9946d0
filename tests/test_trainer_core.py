"""The shared trainer core (gklib.training): optimiser steps against torch.optim, the divergence watcher,
the optimiser vocabulary, and that both trainers report a divergence with the one message."""
import re

import numpy as np
import pytest
import torch

import gklib as gk
from gklib.nets import QuadraticMLP, fit, modular_addition
from gklib.training import (OPTIMIZER_ALIASES, DivergenceWatch, RunOptimizer, check_optimizer, divergence_message)

F64 = torch.float64
MESSAGE = (r"training diverged at step (\d+) in run (\d+) \((\w+=[-+.\de]+(, )?)+\): the train loss became \S+"
           r"{runs}\. Try a smaller {lr}\.")


def _problem(seed=0):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(2, 5, 4, generator=g, dtype=F64)
    b = torch.randn(2, 5, 3, generator=g, dtype=F64)
    W0 = torch.randn(2, 4, 3, generator=g, dtype=F64)
    return A, b, W0


def _grad(A, b, W):                              # per run: loss ||A W - b||² + sum(sin W)
    W = W.detach().requires_grad_(True)
    (((A @ W - b) ** 2).sum() + torch.sin(W).sum()).backward()
    return W.grad


@pytest.mark.parametrize("name, kw, cls, torch_kw", [
    ("sgd", dict(weight_decay=0.1), torch.optim.SGD, dict(weight_decay=0.1)),
    ("sgd", dict(momentum=0.9, weight_decay=0.05), torch.optim.SGD, dict(momentum=0.9, weight_decay=0.05)),
    ("adam", dict(betas=(0.8, 0.99), weight_decay=0.1), torch.optim.Adam, dict(betas=(0.8, 0.99), weight_decay=0.1)),
    ("adamw", dict(weight_decay=0.3), torch.optim.AdamW, dict(weight_decay=0.3)),
])
def test_run_optimizer_matches_torch_optim_run_by_run(name, kw, cls, torch_kw):
    A, b, W0 = _problem()
    lr = torch.tensor([0.01, 0.03], dtype=F64)
    opt = RunOptimizer(name, {"W": W0}, **kw)
    W = W0.clone()
    refs = [W0[r].clone().requires_grad_(True) for r in range(2)]
    topts = [cls([refs[r]], lr=float(lr[r]), **torch_kw) for r in range(2)]
    for _ in range(60):
        W = opt.step({"W": W}, {"W": _grad(A, b, W)}, lr)["W"]
        for r in range(2):
            topts[r].zero_grad()
            (((A[r] @ refs[r] - b[r]) ** 2).sum() + torch.sin(refs[r]).sum()).backward()
            topts[r].step()
    moved = (W - W0).abs().max()
    assert moved > 0.1
    for r in range(2):
        np.testing.assert_allclose(W[r].numpy(), refs[r].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_run_optimizer_zero_lr_freezes_a_run_and_select_keeps_its_state():
    A, b, W0 = _problem(1)
    opt = RunOptimizer("adam", {"W": W0})
    W = opt.step({"W": W0}, {"W": _grad(A, b, W0)}, torch.tensor([0.1, 0.0], dtype=F64))["W"]
    assert torch.equal(W[1], W0[1]) and not torch.equal(W[0], W0[0])
    opt.select(torch.tensor([0]))
    assert opt.buf["W"].shape == (1, 4, 3)


def _losses(blowup_at, R=3, bad_run=1, T=40):
    L = torch.ones(T, R, dtype=F64)
    L[blowup_at:, bad_run] = torch.inf if blowup_at % 2 else 1e7
    return L


@pytest.mark.parametrize("block", [1, 4, 7, 50])
def test_watch_reports_the_first_bad_step_whatever_the_check_blocks(block):
    params = {"alpha": [1.0, 2.0, 3.0], "lr": [0.1, 0.2, 0.3]}
    for at in (5, 12):
        L = _losses(at)
        for mode in ("raise", "nan"):
            watch = DivergenceWatch(params, mode, "lr", loss_scale=0.5)
            try:
                for t in range(len(L)):
                    watch.record(L[t])
                    if (t + 1) % block == 0 or t == len(L) - 1:
                        watch.check(t)
            except RuntimeError as err:
                assert mode == "raise"
                assert re.fullmatch(MESSAGE.format(runs="", lr="lr"), str(err))
                assert f"step {at} in run 1 (alpha=2, lr=0.2)" in str(err)
                continue
            assert mode == "nan"
            assert list(watch.bad) == [False, True, False] and watch.diverged_at[1] == at
            with pytest.warns(RuntimeWarning, match=re.escape(f"runs [1] diverged at steps [{at}]")):
                watch.warn()


def test_watch_a_loss_just_below_the_rule_is_not_divergence():
    watch = DivergenceWatch({"lr": [1.0]}, "raise", "lr")
    for v in (2.0, 2.0 * 1e6 * 0.999, 1.0):
        watch.record(torch.tensor([v], dtype=F64))
    assert watch.check(2).size == 0 and not watch.bad.any()
    watch.record(torch.tensor([2.0 * 1e6 * 1.001], dtype=F64))
    with pytest.raises(RuntimeError, match=r"step 3 in run 0 \(lr=1\): the train loss became 2e\+06"):
        watch.check(3)


def test_message_format():
    msg = divergence_message(7, 2, {"alpha": 0.5, "lr_scale": 3.0}, 1.5e9, "lr_scale", runs=[2], steps=[7])
    assert msg == ("training diverged at step 7 in run 2 (alpha=0.5, lr_scale=3): the train loss became 1.5e+09; "
                   "runs [2] diverged at steps [7], their history is NaN from then on (History.diverged_at). "
                   "Try a smaller lr_scale.")


def _toy_run(engine, on_divergence):
    task = gk.quadratic_task(D=8, P=24, P_test=20, seed=0, dtype=F64)
    m = gk.CommitteeMachine(8, 6, alpha=[1.0, 1.0], eps=0.5, dtype=F64)
    return gk.train(m, task, 100, lr_scale=[0.5, 60.0], engine=engine, log_every=5, progress_bar=False,
                    on_divergence=on_divergence)


def _nets_run(on_divergence):
    return fit(QuadraticMLP(10, 8, 5, seed=0), modular_addition(5, 0.6, seed=0), 50, alpha=[1.0, 1.0],
               lr=[1.0, 1e9], n_log=2, device="cpu", on_divergence=on_divergence)


@pytest.mark.parametrize("trainer", ["stats", "direct", "nets"])
def test_both_trainers_report_divergence_with_one_message_and_its_step(trainer):
    run, lr = ((lambda mode: _toy_run(trainer, mode)), "lr_scale") if trainer != "nets" else (_nets_run, "lr")
    with pytest.raises(RuntimeError) as err:
        run("raise")
    found = re.fullmatch(MESSAGE.format(runs="", lr=lr), str(err.value))
    assert found and found.group(2) == "1"
    step = int(found.group(1))
    assert step > 0
    with pytest.warns(RuntimeWarning) as rec:
        h = run("nan")
    msgs = [str(w.message) for w in rec if "diverged" in str(w.message)]
    assert len(msgs) == 1
    assert re.fullmatch(MESSAGE.format(runs=re.escape(f"; runs [1] diverged at steps [{step}], their history is NaN "
                                                      "from then on (History.diverged_at)"), lr=lr), msgs[0])
    assert np.isnan(h.diverged_at[0]) and h.diverged_at[1] == step


def test_optimizer_vocabulary_and_its_aliases():
    assert check_optimizer("gd", OPTIMIZER_ALIASES) == "sgd"
    assert check_optimizer("momentum", OPTIMIZER_ALIASES, momentum=0.9) == ("sgd", 0.9)
    with pytest.raises(ValueError, match="momentum"):
        check_optimizer("momentum", OPTIMIZER_ALIASES, momentum=0.0)
    with pytest.raises(ValueError, match="momentum"):
        check_optimizer("adamw", momentum=0.5)
    with pytest.raises(ValueError, match=r"optimizer must be one of \('sgd', 'adam', 'adamw'\)"):
        check_optimizer("gd")                      # nets.fit: no aliases
    from gklib.validation import DIVERGENCE_FACTOR, OPTIMIZERS, diverged   # the old import path
    assert OPTIMIZERS == ("sgd", "adam", "adamw") and DIVERGENCE_FACTOR == 1e6 and callable(diverged)


def test_half_precision_uses_the_direct_engine_and_stats_refuses_it_by_name():
    """float16 weights: the stats engine's eigendecompositions have no half kernels, so 'auto' takes the direct
    engine (whose result agrees with a float32 run to half precision) and engine='stats' is refused clearly."""
    import pytest
    import torch
    import gklib as gk
    task = gk.quadratic_task(D=4, P=8, P_test=8, seed=0)
    h16 = gk.train(gk.CommitteeMachine(4, 2, seed=0, dtype=torch.float16), task, steps=5)
    h32 = gk.train(gk.CommitteeMachine(4, 2, seed=0, dtype=torch.float32), task, steps=5, engine="direct")
    assert h16.engine == "direct"
    assert abs(h16.train_loss[-1] - h32.train_loss[-1]) <= 2e-2 * abs(h32.train_loss[-1])
    with pytest.raises(ValueError, match="float32/float64"):
        gk.train(gk.CommitteeMachine(4, 2, seed=0, dtype=torch.float16), task, steps=5, engine="stats")
