"""The trainer gklib.nets.fit (batched runs) against independent single-module PyTorch training."""
import math

import numpy as np
import pytest
import torch

from gklib.metrics import first_crossing
from gklib.nets import MLP, QuadraticMLP, Transformer1L, fit, modular_addition, student_teacher
from gklib.history import History
from gklib.metrics import accuracy_crossings, accuracy_delay, generalisation_at_fit

F64 = torch.float64


def reference_train(net, task, alpha, steps, lr, opt="sgd", wd=0.0, warmup=0, loss="mse",
                    lr_alpha_power=0.0, betas=(0.9, 0.999)):
    """Slow reference: torch.optim on one module, centred α-scaled output, full batch."""
    net = net.to(F64)
    X = task.X.to(F64) if task.X.dtype.is_floating_point else task.X
    with torch.no_grad():
        f0 = net(X).clone()
    eta = lr / alpha**lr_alpha_power
    if opt == "sgd":
        o = torch.optim.SGD(net.parameters(), lr=eta, weight_decay=wd)
    else:
        o = torch.optim.AdamW(net.parameters(), lr=eta, weight_decay=wd, betas=betas)
    sched = torch.optim.lr_scheduler.LambdaLR(o, lambda t: min(1.0, (t + 1) / warmup) if warmup else 1.0)
    for _ in range(steps):
        out = alpha * (net(X) - f0)
        if loss == "mse":
            Y = torch.nn.functional.one_hot(task.y, out.shape[-1]).to(F64) if not task.y.dtype.is_floating_point else task.y
            L = ((out - Y) ** 2).mean()
        else:
            L = torch.nn.functional.cross_entropy(out, task.y)
        o.zero_grad()
        L.backward()
        o.step()
        sched.step()
    return net


@pytest.mark.parametrize("opt,wd,warmup", [("sgd", 0.0, 0), ("sgd", 0.01, 0), ("adamw", 0.5, 5)])
def test_matches_torch_optim_per_run(opt, wd, warmup):
    task = modular_addition(7, 0.6, seed=0)
    net = QuadraticMLP(14, 20, 7, seed=3)
    alphas = [0.5, 1.0, 2.0]
    lr = 20.0 if opt == "sgd" else 1e-2
    res = fit(net, task, alpha=alphas, steps=25, lr=lr, lr_alpha_power=2 if opt == "sgd" else 1,
                         optimizer=opt, weight_decay=wd, warmup=warmup, dtype=F64, device="cpu")
    for i, a in enumerate(alphas):
        ref = reference_train(QuadraticMLP(14, 20, 7, seed=3), task, a, 25, lr, opt, wd, warmup,
                              lr_alpha_power=2 if opt == "sgd" else 1)
        for n, p in ref.named_parameters():
            torch.testing.assert_close(res.trained.state[n][i], p.detach(), rtol=1e-9, atol=1e-11)


def test_cross_entropy_transformer_matches_reference():
    task = modular_addition(5, 0.7, seed=2, encoding="tokens")
    kw = dict(p=5, d_model=8, n_heads=2, d_mlp=16, seed=1)
    res = fit(Transformer1L(**kw), task, alpha=[0.5, 3.0], steps=10, lr=1e-2, loss="ce",
                         optimizer="adamw", weight_decay=1.0, betas=(0.9, 0.98), warmup=3,
                         dtype=F64, device="cpu")
    # centred logits are zero at step 0: the cross-entropy is log p exactly
    np.testing.assert_allclose(res.train_loss[:, 0], math.log(5), rtol=1e-12)
    for i, a in enumerate([0.5, 3.0]):
        ref = reference_train(Transformer1L(**kw), task, a, 10, 1e-2, "adamw", 1.0, 3, loss="ce",
                              betas=(0.9, 0.98))
        for n, p in ref.named_parameters():
            torch.testing.assert_close(res.trained.state[n][i], p.detach(), rtol=1e-8, atol=1e-10)


def test_batched_equals_loop_with_minibatches_and_distinct_models():
    task = modular_addition(7, 0.8, seed=0)
    nets = [MLP([14, 16, 7], "tanh", seed=s) for s in (0, 1)]
    kw = dict(steps=30, lr=[0.05, 0.02], optimizer="adamw", weight_decay=[0.1, 0.0], batch_size=8,
              dtype=F64, device="cpu", seed=4)
    both = fit(nets, task, alpha=[1.0, 4.0], **kw)
    for i in range(2):
        one = fit(nets[i], task, alpha=[1.0, 4.0][i], **{**kw, "lr": kw["lr"][i],
                             "weight_decay": kw["weight_decay"][i]})
        np.testing.assert_allclose(both.test_loss[i], one.test_loss, rtol=1e-10)
        np.testing.assert_allclose(both.train_acc[i], one.train_acc)
        assert one.train_loss.ndim == 1 and both.train_loss.shape[0] == 2


def test_logged_series_against_direct_evaluation():
    task = modular_addition(7, 0.7, seed=1)
    net = QuadraticMLP(14, 30, 7, seed=0)
    res = fit(net, task, alpha=[1.0, 2.0], steps=40, lr=50.0, lr_alpha_power=2, norm="layers",
                         n_log=5, dtype=F64, device="cpu")
    assert res.steps[0] == 0 and res.steps[-1] == 40
    # step 0: centred output zero -> MSE on one-hot targets is exactly 1/p; no weight change
    np.testing.assert_allclose(res.train_loss[:, 0], 1 / 7, rtol=1e-12)
    np.testing.assert_allclose(res.extra["rel_change"][:, 0], 0.0)
    w0 = float(net.W1.detach().norm() + net.W2.detach().norm())
    np.testing.assert_allclose(res.weight_norm[:, 0], w0, rtol=1e-6)
    for i, a in enumerate([1.0, 2.0]):
        m = res.module(i).to(F64)
        Xt = task.X_test.to(F64)
        out = a * (m(Xt) - net.to(F64)(Xt))
        acc = (out.argmax(-1) == task.y_test).double().mean().item()
        mse = ((out - torch.nn.functional.one_hot(task.y_test, 7)) ** 2).mean().item()
        assert res.test_acc[i, -1] == pytest.approx(acc)
        assert res.test_loss[i, -1] == pytest.approx(mse, rel=1e-9)
        assert res.weight_norm[i, -1] == pytest.approx(float(m.W1.detach().norm() + m.W2.detach().norm()), rel=1e-9)
    assert np.all(res.train_loss[:, -1] < res.train_loss[:, 0])


def test_regression_threshold_accuracy():
    teacher = MLP([3, 10, 2], "tanh", seed=9)
    task = student_teacher(teacher, D=3, P=20, P_test=30, seed=0)
    thr = [1e-4, 1e-2, 1.0, 100.0]
    res = fit(MLP([3, 10, 2], "tanh", seed=1), task, alpha=1.0, steps=5, lr=1e-2,
                         optimizer="adamw", thresholds=thr, dtype=F64, device="cpu")
    # at step 0 the centred output is 0: per-sample error = mean(y²) over outputs
    err = (task.y_test.double() ** 2).mean(-1)
    expect = [(err < t).double().mean().item() for t in thr]
    np.testing.assert_allclose(res.extra["test_acc_thresholds"][:, 0], expect)
    assert res.test_acc[0] == expect[0]
    assert np.all(np.diff(res.extra["test_acc_thresholds"], axis=0) >= 0)   # monotone in threshold


def test_uncentred_output():
    task = modular_addition(5, 0.6, seed=0)
    net = QuadraticMLP(10, 8, 5, seed=0)
    res = fit(net, task, alpha=3.0, steps=0, center=False, dtype=F64, device="cpu")
    with torch.no_grad():
        out = 3.0 * net.to(F64)(task.X.to(F64))
    Y = torch.nn.functional.one_hot(task.y, 5)
    assert res.train_loss[0] == pytest.approx(((out - Y) ** 2).mean().item(), rel=1e-12)


@pytest.mark.parametrize("kw,name", [(dict(loss="hinge"), "loss"), (dict(optimizer="lbfgs"), "optimizer"),
                                     (dict(optimizer="momentum"), "momentum"), (dict(momentum=0.5, optimizer="adamw"), "momentum"),
                                     (dict(alpha=-1.0), "alpha"), (dict(alpha=[1, 2], lr=[1, 2, 3]), "equal lengths"),
                                     (dict(steps=-3), "steps"), (dict(batch_size=0), "batch_size"),
                                     (dict(norm="l1"), "norm"), (dict(model="net"), "model")])
def test_bad_input(kw, name):
    task = modular_addition(5, 0.6, seed=0)
    args = dict(model=QuadraticMLP(10, 8, 5), data=task, steps=2)
    args.update(kw)
    with pytest.raises(ValueError, match=name):
        fit(**args)


def test_ce_needs_labels():
    task = student_teacher(MLP([2, 4, 1], seed=0), D=2, P=5, P_test=5)
    with pytest.raises(ValueError, match="loss='ce'"):
        fit(MLP([2, 4, 1]), task, loss="ce", steps=1)


def test_crossings():
    steps = np.array([0, 10, 100, 1000])
    assert first_crossing(steps, [0.1, 0.5, 0.95, 1.0], 0.9, above=True) == 100
    assert first_crossing(steps, [1.0, 0.5, 0.1, 0.01], 0.2, above=False) == 100
    np.testing.assert_array_equal(first_crossing(steps, [[0, 0, 0, 0], [0, 1, 1, 1]], 0.9, above=True), [np.inf, 10])

    def hist(train_acc, test_acc):
        z = np.zeros((len(train_acc), 4))
        return History(steps, z, z, z, train_acc=np.array(train_acc, float), test_acc=np.array(test_acc, float))

    r = hist([[0, 1, 1, 1]], [[0, 0, 0.2, 0.95]])
    np.testing.assert_array_equal(accuracy_delay(r), [990])
    c = accuracy_crossings(r, 0.9)
    np.testing.assert_array_equal(c["train"], [10])
    np.testing.assert_array_equal(c["test"], [1000])
    # test accuracy at the logged step where train first reaches the level; nan: never
    r = hist([[0, 0.5, 1, 1], [0, 0.2, 0.4, 0.6]], [[0, 0.1, 0.3, 0.9], [0, 0, 0, 0]])
    np.testing.assert_allclose(generalisation_at_fit(r, 0.99), [0.3, np.nan])
    with pytest.raises(ValueError, match="no accuracies"):
        accuracy_delay(History(steps, np.zeros(4), np.zeros(4), np.zeros(4)))
    np.testing.assert_allclose(generalisation_at_fit(r, 0.5), [0.1, 0.0])


def test_fit_callback_sees_the_history_so_far_and_can_abandon_the_run():
    task = modular_addition(5, 0.6, seed=0)
    seen = []
    h = fit(QuadraticMLP(10, 8, 5, seed=0), task, 40, alpha=[1.0, 2.0], lr=0.5, log_every=10, device="cpu",
            callback=lambda step, part: seen.append((step, part)))
    assert [s for s, _ in seen] == [0, 10, 20, 30, 40]
    for step, part in seen:
        done = part.steps <= step
        np.testing.assert_array_equal(part.train_loss[:, done], h.train_loss[:, done])
        np.testing.assert_array_equal(part.test_acc[:, done], h.test_acc[:, done])
        assert np.isnan(part.train_loss[:, ~done]).all() and part.trained is None
    with pytest.raises(KeyboardInterrupt):
        fit(QuadraticMLP(10, 8, 5, seed=0), task, 40, log_every=10, device="cpu",
            callback=lambda step, part: (_ for _ in ()).throw(KeyboardInterrupt) if step >= 20 else None)
    with pytest.raises(TypeError, match="callback"):
        fit(QuadraticMLP(10, 8, 5, seed=0), task, 5, device="cpu", callback=3)


@pytest.mark.parametrize("alias,kw,canonical", [("gd", {}, {"optimizer": "sgd"}),
                                                ("momentum", {"momentum": 0.9}, {"optimizer": "sgd", "momentum": 0.9})])
def test_toy_trainer_spellings_are_aliases(alias, kw, canonical):
    """#30: fit takes gklib.train's spellings "gd"/"momentum" (gklib.training.OPTIMIZER_ALIASES) and trains
    exactly as the canonical optimiser; "momentum" without a momentum is refused, as in gklib.train."""
    from gklib.training import OPTIMIZER_ALIASES

    assert OPTIMIZER_ALIASES[alias] == "sgd"
    task = modular_addition(5, 0.6, seed=0)
    net = QuadraticMLP(10, 8, 5, seed=0)
    common = dict(steps=30, lr=5.0, log_every=5, dtype=F64, device="cpu")
    a = fit(net, task, optimizer=alias, **kw, **common)
    b = fit(net, task, **canonical, **common)
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    assert a.train_loss[-1] < 0.9 * a.train_loss[0]           # it trained
    if alias == "momentum":                                    # and the momentum mattered
        c = fit(net, task, optimizer="sgd", **common)
        assert not np.allclose(a.train_loss, c.train_loss)


def _full_causal_last_position(net, tokens):
    """The textbook one-layer pass over every position (full causal attention, the MLP at every position),
    read at the last position: an independent implementation of ``Transformer1L.features``."""
    x = net.W_E[tokens] + net.W_pos[: tokens.shape[-1]]
    heads = []
    for h in range(net.n_heads):
        q, k, v = x @ net.W_Q[h], x @ net.W_K[h], x @ net.W_V[h]
        s = q @ k.transpose(-1, -2) / math.sqrt(net.d_head)
        T = tokens.shape[-1]
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        heads.append(s.softmax(-1) @ v)
    x = x + torch.cat(heads, -1) @ net.W_O
    x = x + torch.relu(x @ net.W_in + net.b_in) @ net.W_out + net.b_out
    return x[:, -1]


@pytest.mark.parametrize("T", [1, 2, 3])
def test_transformer_last_position_matches_full_causal_pass(T):
    net = Transformer1L(p=7, d_model=12, n_heads=3, d_mlp=20, seed=4).double()
    tokens = torch.randint(0, 8, (9, T), generator=torch.Generator().manual_seed(T))
    torch.testing.assert_close(net.features(tokens), _full_causal_last_position(net, tokens),
                               rtol=1e-12, atol=1e-12)
