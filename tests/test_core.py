"""Tests of the toy-model core: engines vs an independent autograd loop, sweeps, theory, errors."""
import numpy as np
import pytest
import torch

import gklib as gk

f64 = torch.float64


def autograd_gd(task, W0, alpha, eps, steps, lr_scale, center=True, optimizer=None, **opt_kw):
    """Independent reference: autograd on the MSE (no ½) with torch.optim, float64, one run."""
    X, y = task.X.to(f64), task.y.to(f64)
    N = W0.shape[0]
    W = W0.clone().to(f64).requires_grad_(True)

    def f(Wt, Xt):
        h = Xt @ Wt.T
        return alpha / N * (h + eps / 2 * h**2).sum(-1)

    f0 = f(W0.to(f64), X).detach() if center else 0.0
    if optimizer is None:
        opt = torch.optim.SGD([W], lr=lr_scale * N / alpha**2, **opt_kw)
    else:
        opt = optimizer([W], **opt_kw)
    losses = []
    for k in range(steps + 1):
        loss = ((f(W, X) - f0 - y) ** 2).mean()
        losses.append(loss.item())
        if k == steps:
            break
        opt.zero_grad()
        loss.backward()
        opt.step()
    return np.array(losses), W.detach()


CASES = [  # D, N, P, alpha, eps, center
    (10, 7, 30, 1.0, 0.3, True),
    (20, 50, 60, 0.5, 0.1, False),
    (15, 3, 40, 2.0, 0.5, True),
    (25, 40, 35, 1.5, 0.0, True),
]


@pytest.mark.parametrize("D,N,P,alpha,eps,center", CASES)
def test_engines_match_autograd(D, N, P, alpha, eps, center):
    task = gk.quadratic_task(D=D, P=P, P_test=50, seed=3, dtype=f64)
    steps = 300
    ref_loss, ref_W = None, None
    for engine in ("stats", "direct"):
        model = gk.CommitteeMachine(D, N, alpha=alpha, eps=eps, seed=1, center=center, dtype=f64)
        if ref_loss is None:
            ref_loss, ref_W = autograd_gd(task, model.W0, alpha, eps, steps, 0.5, center)
        hist = gk.train(model, task, steps, lr_scale=0.5, engine=engine, log_every=1, progress_bar=False)
        assert hist.steps[-1] == steps and len(hist.steps) == steps + 1
        np.testing.assert_allclose(hist.train_loss, ref_loss, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(model.W.numpy(), ref_W.numpy(), rtol=1e-9, atol=1e-10)
    # the dynamics actually moved (otherwise the comparison would be vacuous)
    assert ref_loss[-1] < 0.9 * ref_loss[0]


def test_test_loss_and_weight_norm_are_what_they_claim():
    task = gk.quadratic_task(D=12, P=30, P_test=40, seed=0, dtype=f64)
    model = gk.CommitteeMachine(12, 9, alpha=1.0, eps=0.2, dtype=f64)
    hist = gk.train(model, task, 50, engine="stats", progress_bar=False)
    f_test = model(task.X_test)
    assert hist.test_loss[-1] == pytest.approx(((f_test - task.y_test) ** 2).mean().item(), rel=1e-10)
    assert hist.weight_norm[-1] == pytest.approx(model.W.norm().item(), rel=1e-10)
    assert hist.weight_norm[0] == pytest.approx(model.W0.norm().item(), rel=1e-10)


def test_weight_decay_stats_equals_direct_equals_autograd():
    task = gk.quadratic_task(D=10, P=25, P_test=20, seed=2, dtype=f64)
    res = {}
    for engine in ("stats", "direct"):
        m = gk.CommitteeMachine(10, 6, alpha=0.8, eps=0.3, seed=4, dtype=f64)
        res[engine] = gk.train(m, task, 200, lr_scale=0.5, engine=engine, weight_decay=0.05,
                               log_every=1, progress_bar=False).train_loss
    m = gk.CommitteeMachine(10, 6, alpha=0.8, eps=0.3, seed=4, dtype=f64)
    ref, _ = autograd_gd(task, m.W0, 0.8, 0.3, 200, 0.5, weight_decay=0.05)
    np.testing.assert_allclose(res["stats"], ref, rtol=1e-10)
    np.testing.assert_allclose(res["direct"], ref, rtol=1e-10)


def test_momentum_and_adam_match_torch_optim():
    task = gk.quadratic_task(D=8, P=20, P_test=10, seed=5, dtype=f64)
    m = gk.CommitteeMachine(8, 5, alpha=0.7, eps=0.4, seed=2, dtype=f64)
    W0 = m.W0.clone()
    h = gk.train(m, task, 150, lr_scale=0.2, optimizer="momentum", momentum=0.9, log_every=1,
                 progress_bar=False)
    ref, _ = autograd_gd(task, W0, 0.7, 0.4, 150, 0.2, momentum=0.9)
    np.testing.assert_allclose(h.train_loss, ref, rtol=1e-9)
    m = gk.CommitteeMachine(8, 5, alpha=0.7, eps=0.4, seed=2, dtype=f64)
    h = gk.train(m, task, 150, lr_scale=0.01, optimizer="adam", log_every=1, progress_bar=False)
    ref, _ = autograd_gd(task, W0, 0.7, 0.4, 150, None, optimizer=torch.optim.Adam, lr=0.01 / 0.7)
    np.testing.assert_allclose(h.train_loss, ref, rtol=1e-8)


def test_one_optimizer_vocabulary_with_the_older_spellings_mapped():
    """"sgd"/"adam"/"adamw" as in gklib.nets.fit; "gd" and "momentum" still mean what they did."""
    task = gk.quadratic_task(D=8, P=20, P_test=10, seed=5, dtype=f64)
    runs = {}
    for opt, kw in (("sgd", {}), ("gd", {}), ("sgd", {"momentum": 0.9}), ("momentum", {"momentum": 0.9})):
        m = gk.CommitteeMachine(8, 5, alpha=0.7, eps=0.4, seed=2, dtype=f64)
        runs[opt, bool(kw)] = gk.train(m, task, 100, lr_scale=0.2, optimizer=opt, engine="direct", log_every=1,
                                       progress_bar=False, **kw).train_loss
    np.testing.assert_array_equal(runs["sgd", False], runs["gd", False])
    np.testing.assert_array_equal(runs["sgd", True], runs["momentum", True])
    m = gk.CommitteeMachine(8, 5, alpha=0.7, eps=0.4, seed=2, dtype=f64)
    W0 = m.W0.clone()
    h = gk.train(m, task, 150, lr_scale=0.01, optimizer="adamw", weight_decay=0.3, log_every=1, progress_bar=False)
    ref, _ = autograd_gd(task, W0, 0.7, 0.4, 150, None, optimizer=torch.optim.AdamW, lr=0.01 / 0.7,
                         weight_decay=0.3)
    np.testing.assert_allclose(h.train_loss, ref, rtol=1e-8)
    with pytest.raises(ValueError, match=r"optimizer must be one of \('sgd', 'adam', 'adamw', 'gd', 'momentum'\)"):
        gk.train(m, task, 10, optimizer="rmsprop")
    with pytest.raises(ValueError, match="momentum"):
        gk.train(m, task, 10, optimizer="adam", momentum=0.5)


def test_divergence_is_detected_at_the_step_it_happens_not_the_next_logged_step():
    task = gk.quadratic_task(D=10, P=30, seed=0)
    m = gk.CommitteeMachine(10, 8, alpha=1.0, eps=0.5)
    with pytest.raises(RuntimeError, match=r"diverged at step (\d+)") as err:
        gk.train(m, task, 300, lr_scale=50.0, engine="direct", n_log=2, progress_bar=False)
    step = int(err.value.args[0].split("step ")[1].split()[0])
    assert 0 < step < 300


def test_batched_sweep_equals_separate_runs():
    task = gk.quadratic_task(D=15, P=40, P_test=30, seed=1, dtype=f64)
    alphas, epss, seeds = [0.5, 1.0, 2.0], [0.1, 0.2, 0.05], [0, 1, 2]
    batch = gk.CommitteeMachine(15, 20, alpha=alphas, eps=epss, seed=seeds, dtype=f64)
    hb = gk.train(batch, task, 120, lr_scale=[0.5, 1.0, 0.25], progress_bar=False, engine="stats")
    assert hb.train_loss.shape == (3, len(hb.steps))
    for i in range(3):
        single = gk.CommitteeMachine(15, 20, alpha=alphas[i], eps=epss[i], seed=seeds[i], dtype=f64)
        hs = gk.train(single, task, 120, lr_scale=[0.5, 1.0, 0.25][i], progress_bar=False)
        assert hs.train_loss.shape == hb.train_loss.shape[1:]
        np.testing.assert_allclose(hb.train_loss[i], hs.train_loss, rtol=1e-12)
        np.testing.assert_allclose(hb.test_loss[i], hs.test_loss, rtol=1e-12)
        np.testing.assert_allclose(batch.W[i].numpy(), single.W.numpy(), rtol=1e-12, atol=1e-13)
    assert hb.run(1).params["alpha"] == 1.0


def test_lr_sweep_needs_one_run_per_value_and_train_changes_only_weights():
    task = gk.quadratic_task(D=10, P=30, P_test=20, seed=1, dtype=f64)
    single = gk.CommitteeMachine(10, 8, alpha=1.0, eps=0.2, dtype=f64)
    with pytest.raises(ValueError, match=r"lr_scale has 2 values .* 1 runs .*expand\(2\)"):
        gk.train(single, task, 50, lr_scale=[0.5, 1.0])
    m = single.expand(2)
    assert single.R == 1 and not single.batched and single.W.shape == (8, 10)     # expand returns a copy
    h = gk.train(m, task, [50, 100], lr_scale=[0.5, 1.0], log_every=10, progress_bar=False)
    assert m.W.shape == (2, 8, 10) and m.R == 2
    one = gk.CommitteeMachine(10, 8, alpha=1.0, eps=0.2, dtype=f64)
    h1 = gk.train(one, task, [20], log_every=10, progress_bar=False)     # a per-run steps list: batched history
    assert h1.batched and not one.batched and one.W.shape == (8, 10)     # ... but the model is left as it was
    assert np.isnan(h.train_loss[0, h.steps > 50]).all()
    assert np.isfinite(h.train_loss[1]).all()
    ref = gk.train(gk.CommitteeMachine(10, 8, alpha=1.0, eps=0.2, dtype=f64), task, 50, lr_scale=0.5,
                   log_every=10, progress_bar=False)
    np.testing.assert_allclose(h.train_loss[0, h.steps <= 50], ref.train_loss, rtol=1e-12)
    assert h.final("train_loss")[0] == pytest.approx(ref.train_loss[-1])


def test_centred_predictor_is_zero_at_init_and_uncentred_is_not():
    task = gk.quadratic_task(D=20, P=10, seed=0)
    m = gk.CommitteeMachine(20, 30, alpha=[1.0, 3.0], eps=0.5)
    assert torch.count_nonzero(m(task.X)) == 0
    u = gk.CommitteeMachine(20, 30, alpha=1.0, eps=0.5, center=False)
    assert u(task.X).abs().max() > 1e-3


def test_loss_decomposition_matches_monte_carlo():
    D = 30
    gen = torch.Generator().manual_seed(0)
    task = gk.quadratic_task(D=D, P=10, seed=7, dtype=f64)
    for center in (False, True):
        m = gk.CommitteeMachine(D, 6, alpha=0.7, eps=0.4, seed=1, center=center, dtype=f64)
        m.W = m.W0 + 0.5 * torch.randn(6, D, generator=gen, dtype=f64)   # away from init
        dec = gk.loss_decomposition(m, task)
        X = torch.randn(400_000, D, generator=gen, dtype=f64) / D**0.5
        err = (m(X) - gk.toy.tasks.quadratic_target(X, task.beta)) ** 2
        mc, se = err.mean().item(), err.std().item() / len(err) ** 0.5
        assert dec["total"] == pytest.approx(dec["variance"] + dec["misalignment"] + dec["linear"])
        assert abs(dec["total"] - mc) < 4 * se + 1e-12
        assert abs(dec["total"] - mc) / mc < 0.01


def test_history_decomposition_sums_to_population_test_loss():
    task = gk.quadratic_task(D=20, P=60, P_test=20_000, seed=0, dtype=f64)
    m = gk.CommitteeMachine(20, 40, alpha=1.0, eps=0.2, dtype=f64)
    h = gk.train(m, task, 400, progress_bar=False)
    total = h.variance + h.misalignment + h.linear
    np.testing.assert_allclose(total[-1], gk.loss_decomposition(m, task)["total"], rtol=1e-10)
    np.testing.assert_allclose(total, h.test_loss, rtol=0.05)


def test_reproducible_with_seed():
    def run(seed):
        task = gk.quadratic_task(D=12, P=30, seed=seed)
        m = gk.CommitteeMachine(12, 10, alpha=1.0, eps=0.2, seed=seed)
        return gk.train(m, task, 200, progress_bar=False)

    a, b, c = run(0), run(0), run(1)
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    np.testing.assert_array_equal(a.test_loss, b.test_loss)
    assert not np.allclose(a.train_loss, c.train_loss)


def test_task_conventions():
    task = gk.quadratic_task(D=50, P=4000, P_test=7, seed=0, dtype=f64)
    assert task.X.shape == (4000, 50) and task.y.shape == (4000,) and task.beta.shape == (50,)
    assert task.X_test.shape == (7, 50)
    assert (task.X**2).sum(1).mean().item() == pytest.approx(1.0, abs=0.02)   # x ~ N(0, I/D)
    torch.testing.assert_close(task.y, 0.5 * (task.X @ task.beta) ** 2)
    assert task.meta["q_star"] == pytest.approx((task.beta @ task.beta).item() / 50)
    assert task.subset(10).P == 10


def test_log_grid():
    g = gk.log_grid(100_000, n_log=50)
    assert g[0] == 0 and g[-1] == 100_000 and np.all(np.diff(g) > 0)
    assert (g < 100).sum() > 5 and (g > 10_000).sum() > 5       # spans decades
    np.testing.assert_array_equal(gk.log_grid(10, log_every=5), [0, 5, 10])
    np.testing.assert_array_equal(gk.log_grid(7, log_every=5), [0, 5, 7])


def test_callback_sees_current_weights_with_stats_engine():
    task = gk.quadratic_task(D=10, P=20, seed=0, dtype=f64)
    m = gk.CommitteeMachine(10, 5, alpha=1.0, eps=0.3, dtype=f64)
    seen = []
    h = gk.train(m, task, 30, engine="stats", log_every=10, progress_bar=False,
                 callback=lambda step, model: seen.append(model.W.norm().item()))
    np.testing.assert_allclose(seen, h.weight_norm, rtol=1e-12)


def test_profiles():
    with gk.profile("quick"):
        assert gk.get_profile() == "quick"
        assert gk.by_profile(quick=1, book=2) == 1
    with gk.profile("paper"):
        assert gk.by_profile(quick=1, book=2) == 2 and gk.by_profile(1, 2, 3) == 3
    with pytest.raises(ValueError, match="profile"):
        gk.set_profile("huge")


@pytest.mark.parametrize("kwargs,match", [
    (dict(D=0, N=5), "D"), (dict(D=5, N=-1), "N"), (dict(D=5, N=5, alpha=0.0), "alpha"),
    (dict(D=5, N=5, alpha=[1.0, -1.0]), "alpha"), (dict(D=5, N=5, eps=-0.1), "eps"),
    (dict(D=5, N=5, alpha=[1, 2], eps=[1, 2, 3]), "eps"), (dict(D=5.5, N=5), "D"),
    (dict(D=5, N=5, alpha=float("nan")), "alpha"),
])
def test_model_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        gk.CommitteeMachine(**kwargs)


def test_task_and_train_validation():
    with pytest.raises(ValueError, match="P_test"):
        gk.quadratic_task(D=5, P=5, P_test=0)
    task = gk.quadratic_task(D=6, P=10, seed=0)
    m = gk.CommitteeMachine(6, 4)
    with pytest.raises(ValueError, match="steps"):
        gk.train(m, task, -1)
    with pytest.raises(ValueError, match="D=5"):
        gk.train(gk.CommitteeMachine(5, 4), task, 10)
    with pytest.raises(ValueError, match="lr_scale"):
        gk.train(m, task, 10, lr_scale=0)
    with pytest.raises(ValueError, match="engine"):
        gk.train(m, task, 10, engine="fast")
    with pytest.raises(ValueError, match="optimizer"):
        gk.train(m, task, 10, optimizer="lbfgs")
    with pytest.raises(ValueError, match="stats"):
        gk.train(m, task, 10, engine="stats", optimizer="adam")
    with pytest.raises(ValueError, match="lr_scale"):
        gk.train(gk.CommitteeMachine(6, 4, alpha=[1, 2, 3]), task, 10, lr_scale=[1, 2])
    with pytest.raises(ValueError, match="weight_decay"):
        gk.train(m, task, 10, weight_decay=-1)
    with pytest.raises(ValueError, match="model"):
        gk.train(torch.nn.Linear(6, 1), task, 10)


@pytest.mark.parametrize("engine", ["stats", "direct"])
def test_divergence_is_reported(engine):
    task = gk.quadratic_task(D=10, P=30, seed=0)
    m = gk.CommitteeMachine(10, 8, alpha=[1.0, 1.0], eps=0.5)
    with pytest.raises(RuntimeError, match=r"run 1 .*lr_scale=50.*smaller lr_scale"):
        gk.train(m, task, 300, lr_scale=[0.5, 50.0], engine=engine, progress_bar=False)
    m = gk.CommitteeMachine(10, 8, alpha=[1.0, 1.0], eps=0.5)
    with pytest.warns(RuntimeWarning, match="diverged"):
        h = gk.train(m, task, 300, lr_scale=[0.5, 50.0], engine=engine, on_divergence="nan",
                     progress_bar=False)
    assert np.isfinite(h.train_loss[0]).all() and h.train_loss[0, -1] < h.train_loss[0, 0]


@pytest.mark.parametrize("engine", ["stats", "direct"])
def test_stop_below_drops_finished_runs_without_changing_the_others(engine):
    task = gk.quadratic_task(D=12, P=60, P_test=200, seed=0, dtype=f64)
    kw = dict(alpha=[0.5, 1.0, 4.0], eps=[0.5, 0.3, 0.05], seed=0, dtype=f64)
    full = gk.train(gk.CommitteeMachine(12, 20, **kw), task, 3000, engine=engine, log_every=50,
                    progress_bar=False)
    model = gk.CommitteeMachine(12, 20, **kw)
    thr = 0.1
    hist = gk.train(model, task, 3000, engine=engine, log_every=50, stop_below=thr, progress_bar=False)
    both = np.maximum(full.train_loss, full.test_loss) < thr
    assert both[:, -1].any() and not both[:, -1].all(), "the case must mix finished and running runs"
    for i in range(3):
        stop = np.argmax(both[i]) if both[i].any() else len(hist.steps) - 1
        np.testing.assert_allclose(hist.train_loss[i, :stop + 1], full.train_loss[i, :stop + 1], rtol=1e-9)
        assert np.isnan(hist.train_loss[i, stop + 1:]).all()
    # a finished run keeps the weights it had when it stopped
    i = int(np.argmax(both[:, -1]))
    stop_step = int(hist.steps[np.argmax(both[i])])
    ref = gk.CommitteeMachine(12, 20, **kw).select([i])
    gk.train(ref, task, stop_step, engine=engine, progress_bar=False)
    np.testing.assert_allclose(model.W[i].numpy(), ref.W[0].numpy(), rtol=1e-9, atol=1e-12)


def test_select_runs():
    m = gk.CommitteeMachine(5, 3, alpha=[1.0, 2.0, 3.0], seed=[0, 1, 2])
    s = m.select([2, 0])
    assert s.alpha.tolist() == [3.0, 1.0] and torch.equal(s.W[0], m.W[2])
    with pytest.raises(ValueError, match="runs"):
        m.select([3])


def test_task_and_model_with_the_same_seed_are_independent():
    """One seed for both must not make a hidden unit equal to the teacher (a shared stream would)."""
    task = gk.quadratic_task(D=400, P=5, seed=0, dtype=f64)
    model = gk.CommitteeMachine(400, 3, seed=0, dtype=f64)
    overlaps = (model.W @ task.beta) / (model.W.norm(dim=1) * task.beta.norm())
    assert overlaps.abs().max() < 0.2, overlaps
    a, b = gk.generator(0, "task"), gk.generator(0, "committee")
    assert not torch.equal(torch.randn(5, generator=a), torch.randn(5, generator=b))
    assert torch.equal(torch.randn(5, generator=gk.generator(3, "x")),
                       torch.randn(5, generator=gk.generator(3, "x")))


def test_torch_threads_sets_and_restores():
    from gklib.config import torch_threads
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with torch_threads(None):
        assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError, match="inside"):
        with torch_threads(1):
            raise RuntimeError("inside")
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="num_threads"):
        with torch_threads(0):
            pass
    assert torch.get_num_threads() == before


def test_check_seeds_count_or_list():
    from gklib.validation import check_seeds
    assert check_seeds(3) == [0, 1, 2]
    assert check_seeds([5, 2]) == [5, 2] and check_seeds(np.array([7])) == [7]
    for bad in (0, -1, 2.5, []):
        with pytest.raises(ValueError, match="seeds"):
            check_seeds(bad)


def test_spare_threads_counts_the_idle_cores():
    from unittest import mock
    from gklib.runtime import spare_threads
    # the calling process counts as one busy core; the rest of the load takes cores away
    assert spare_threads(2, load=0.0, cores=2) == 2
    assert spare_threads(2, load=1.2, cores=2) == 2
    assert spare_threads(2, load=1.6, cores=2) == 1
    assert spare_threads(2, load=7.0, cores=2) == 1
    assert spare_threads(8, load=3.0, cores=16) == 8
    assert spare_threads(8, load=3.0, cores=4) == 2
    assert spare_threads(1, load=0.0, cores=64) == 1
    # defaults read the machine; without a load average the machine counts as idle
    with mock.patch("os.getloadavg", side_effect=OSError), mock.patch("os.cpu_count", return_value=3):
        assert spare_threads(4) == 3
    with mock.patch("os.getloadavg", return_value=(2.4, 0, 0)), mock.patch("os.cpu_count", return_value=4):
        assert spare_threads(4) == 3
    for bad in (dict(max_threads=0), dict(max_threads=2, load=-1.0), dict(max_threads=2, cores=0)):
        with pytest.raises(ValueError, match=list(bad)[-1]):
            spare_threads(**bad)
