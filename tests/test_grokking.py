"""Tests of the grokking metrics, the phase-diagram helper, the eigenvector-label task, the
aligned-init interpolation and the toy explorer's engine (chapter 3)."""
import numpy as np
import pytest
import torch

import gklib as gk
from gklib.toy.alignment import aligned_weights, eigenvector_task, gram_eigenvectors, interpolated_model
from gklib.metrics import amount_of_grokking, crossing_times, first_below, grokking_delay, sweep_summary
from gklib.toy.experiments import phase_diagram
from gklib.history import History
from gklib.kernels import empirical_ntk
from gklib.toy.experiments import run_toy
from gklib.viz.slider import sweep_animation


def synthetic(train, test, steps=None):
    train, test = np.asarray(train, float), np.asarray(test, float)
    steps = np.arange(train.shape[-1]) * 10 if steps is None else np.asarray(steps)
    return History(steps=steps, train_loss=train, test_loss=test, weight_norm=np.ones_like(train))


# ------------------------------------------------------------------ metrics on known histories
def test_first_below_known_answers():
    steps = np.array([0, 1, 3, 10, 30])
    v = np.array([1.0, 0.5, 0.2, 0.05, 0.01])
    assert first_below(steps, v, 0.1) == 10
    assert first_below(steps, v, 0.3, relative=True) == 3          # below 0.3 × 1.0
    assert first_below(steps, v, 0.2) == 10                        # strictly below
    assert first_below(steps, v, 0.001) == np.inf
    both = first_below(steps, np.stack([v, v[::-1]]), 0.1)
    np.testing.assert_array_equal(both, [10, 0])
    # NaN tail (a run stopped early) never counts
    assert first_below(steps, np.array([1.0, np.nan, np.nan, np.nan, np.nan]), 0.5) == np.inf


def test_delay_and_amount_on_synthetic_grokking_curve():
    steps = np.arange(0, 1001)
    train = np.exp(-steps / 50.0)                     # below 0.1 first at ceil(50 ln 10) = 116
    test = 1 / (1 + np.exp((steps - 600) / 20.0))     # below 0.1 first at 600 + 20 ln 9 = 643.9 -> 644
    h = synthetic(train, test, steps)
    t = crossing_times(h, 0.1)
    assert t["train"] == 116 and t["test"] == 644
    assert grokking_delay(h, 0.1) == 644 - 116
    assert amount_of_grokking(h, 0.1) == 644 - 116
    # a test curve that crosses first gives a negative delay but zero amount
    h2 = synthetic(test, train, steps)
    assert grokking_delay(h2, 0.1) == 116 - 644
    assert amount_of_grokking(h2, 0.1) == 0.0


def test_censoring_and_batched_metrics():
    steps = np.arange(5) * 100
    train = np.array([[1, 0.05, 0.01, 0.01, 0.01],       # groks never: test stays high
                      [1, 0.5, 0.5, 0.5, 0.5],            # memorises never
                      [1, 0.05, 0.01, np.nan, np.nan]])   # stopped early after both crossed
    test = np.array([[1, 0.9, 0.9, 0.9, 0.9],
                     [1, 0.9, 0.9, 0.9, 0.9],
                     [1, 0.5, 0.05, np.nan, np.nan]])
    h = synthetic(train, test, steps)
    np.testing.assert_array_equal(amount_of_grokking(h, 0.1), [400 - 100, 0, 200 - 100])
    a = amount_of_grokking(h, 0.1, censor=False)
    assert np.isnan(a[0]) and np.isnan(a[1]) and a[2] == 100
    d = grokking_delay(h, 0.1)
    assert d[0] == np.inf and np.isnan(d[1]) and d[2] == 100
    s = sweep_summary(h, 0.1)
    np.testing.assert_array_equal(s["final_test"], [0.9, 0.9, 0.05])
    np.testing.assert_array_equal(s["ratio"][[0, 2]], [np.inf, 2.0])


def test_metric_validation():
    h = synthetic([1, 0.1], [1, 0.1])
    with pytest.raises(ValueError, match="threshold"):
        grokking_delay(h, -1)
    with pytest.raises(ValueError, match="history"):
        amount_of_grokking({"train_loss": [1]})
    with pytest.raises(ValueError, match="values"):
        first_below([0, 1, 2], [1.0, 0.5], 0.1)


# ------------------------------------------------------------------ phase diagram
def test_phase_diagram_equals_separate_runs():
    task = gk.quadratic_task(D=12, P=40, P_test=200, seed=1, dtype=torch.float64)
    alphas, epss = [0.5, 1.0], [0.2, 0.5, 1.0]
    pd = phase_diagram(task, alphas, epss, N=30, steps=1500, lr_scale=1.0, threshold=0.2, seed=3,
                       n_log=80, dtype=torch.float64, progress_bar=False)
    assert pd.amount.shape == (2, 3) and np.isfinite(pd.t_train).all()
    assert pd.amount.max() > 0
    for i, a in enumerate(alphas):
        for j, e in enumerate(epss):
            m = gk.CommitteeMachine(12, 30, alpha=a, eps=e, seed=3, dtype=torch.float64)
            h = gk.train(m, task, 1500, lr_scale=1.0, n_log=80, progress_bar=False)
            assert amount_of_grokking(h, 0.2) == pd.amount[i, j], (a, e)
            assert crossing_times(h, 0.2)["train"] == pd.t_train[i, j]
            # the batched run stopped once both losses were below the threshold; until then it
            # follows the separate run to rounding error
            hb = pd.history.run(i * len(epss) + j)
            ok = np.isfinite(hb.test_loss)
            np.testing.assert_allclose(hb.test_loss[ok], h.test_loss[ok], rtol=1e-8)
            assert ok.sum() < ok.size or not np.isfinite(pd.t_test[i, j])


def test_phase_diagram_validation():
    task = gk.quadratic_task(D=5, P=10, P_test=10, seed=0)
    with pytest.raises(ValueError, match="alphas"):
        phase_diagram(task, [-1.0], [0.1], N=4, steps=5)
    with pytest.raises(ValueError, match="threshold"):
        phase_diagram(task, [1.0], [0.1], N=4, steps=5, threshold=0)


# ------------------------------------------------------------------ eigenvector labels
def test_gram_eigenvectors_orthonormal_and_sorted():
    g = gk.generator(0)
    A = torch.randn(30, 30, generator=g, dtype=torch.float64)
    K = A @ A.T
    lam, V = gram_eigenvectors(K, center=True)
    Kc = K - K.mean()
    torch.testing.assert_close(Kc @ V, V * lam, atol=1e-9, rtol=0)
    torch.testing.assert_close(V.T @ V, torch.eye(30, dtype=torch.float64), atol=1e-10, rtol=0)
    assert torch.all(lam[:-1] >= lam[1:])
    assert torch.all(V.abs().argmax(0) == V.argmax(0))          # sign convention: largest entry > 0
    with pytest.raises(ValueError, match="square"):
        gram_eigenvectors(torch.ones(3, 4))


def test_eigenvector_task_labels_are_ntk_eigenvectors():
    model = gk.CommitteeMachine(8, 2, alpha=1.0, eps=0.25, seed=0, dtype=torch.float64)
    P, P_test = 25, 15
    tasks = [eigenvector_task(model, j, P=P, P_test=P_test, seed=4, dtype=torch.float64) for j in (1, 3, 30)]
    t = tasks[0]
    assert t.X.shape == (P, 8) and t.X_test.shape == (P_test, 8) and t.beta is None
    X_all = torch.cat([t.X, t.X_test])
    K = empirical_ntk(model, X_all)                                # autodiff NTK at the initial weights
    Kc = K - K.mean()
    Y = torch.stack([torch.cat([tk.y, tk.y_test]) for tk in tasks], 1)   # split = first P train, rest test
    lam = torch.tensor([tk.meta["eigenvalue"] for tk in tasks], dtype=torch.float64)
    torch.testing.assert_close(Kc @ Y, Y * lam, atol=1e-9, rtol=1e-7)
    torch.testing.assert_close(Y.T @ Y, torch.eye(3, dtype=torch.float64), atol=1e-10, rtol=0)
    assert lam[0] > lam[1] > lam[2]
    # inputs are shared across j and fixed by the seed; label_scale rescales
    torch.testing.assert_close(tasks[1].X, t.X)
    t2 = eigenvector_task(model, 3, P=P, P_test=P_test, seed=4, label_scale=2.0, dtype=torch.float64)
    torch.testing.assert_close(t2.y, 2 * tasks[1].y)


def test_eigenvector_task_validation():
    model = gk.CommitteeMachine(8, 2, seed=0)
    with pytest.raises(ValueError, match="j"):
        eigenvector_task(model, 0, P=5)
    with pytest.raises(ValueError, match="j"):
        eigenvector_task(model, 11, P=5)
    with pytest.raises(ValueError, match="single-run"):
        eigenvector_task(gk.CommitteeMachine(8, 2, alpha=[1.0, 2.0], seed=0), 1, P=5)
    with pytest.raises(ValueError, match="label_scale"):
        eigenvector_task(model, 1, P=5, label_scale=0)


# ------------------------------------------------------------------ aligned-init interpolation
def test_aligned_solution_has_zero_population_loss():
    task = gk.quadratic_task(D=20, P=30, P_test=4000, seed=2, dtype=torch.float64)
    for alpha, eps in ((1.0, 0.25), (2.0, 0.1)):
        m = interpolated_model(task, [0.0, 0.5, 1.0], alpha=alpha, eps=eps, seed=1, dtype=torch.float64)
        dec = gk.loss_decomposition(m, task)
        assert dec["total"][2] < 1e-20                               # λ = 1: exact aligned solution
        assert dec["total"][0] > 0.1 and dec["total"][1] > 1e-3
        err = ((m(task.X_test)[2] - task.y_test) ** 2).mean()        # also on samples
        assert float(err) < 1e-20
    # λ = 0 is the plain random initialisation
    m0 = interpolated_model(task, 0.0, seed=1, dtype=torch.float64)
    torch.testing.assert_close(m0.W, gk.CommitteeMachine(20, 2, seed=1, dtype=torch.float64).W0)
    W = aligned_weights(task.beta, N=4, alpha=1.0, eps=0.5)
    torch.testing.assert_close(W.mean(0), torch.zeros(20, dtype=torch.float64))
    torch.testing.assert_close(0.5 * W.T @ W / 4, torch.outer(task.beta, task.beta))


def test_interpolation_validation():
    task = gk.quadratic_task(D=5, P=10, P_test=10, seed=0)
    with pytest.raises(ValueError, match="lambdas"):
        interpolated_model(task, [0.5, 1.5])
    with pytest.raises(ValueError, match="N"):
        aligned_weights(task.beta, N=3)
    with pytest.raises(ValueError, match="beta"):
        interpolated_model(gk.multi_index_task(D=5, P=10, P_test=10, seed=0), 0.5)


# ------------------------------------------------------------------ explorer engine
def test_run_toy_matches_direct_engine_and_animation_builds():
    task = gk.quadratic_task(D=10, P=60, P_test=100, seed=0)
    h = run_toy(task, alpha=1.0, eps=0.3, P=30, N=20, steps=200, lr_scale=1.0)
    m = gk.CommitteeMachine(10, 20, alpha=1.0, eps=0.3, seed=0)
    hd = gk.train(m, task.subset(30), 200, lr_scale=1.0, engine="direct", n_log=80, progress_bar=False)
    np.testing.assert_allclose(h.test_loss, hd.test_loss, rtol=1e-3)
    assert h.variance is not None
    mb = gk.CommitteeMachine(10, 20, alpha=[0.5, 2.0], eps=0.3, seed=[0, 0])
    html = sweep_animation(gk.train(mb, task, 50, n_log=10, progress_bar=False), "alpha")
    assert "<script" in html.data
    with pytest.raises(ValueError, match="batched"):
        sweep_animation(h)


def test_sweep_summary_peak_test_loss_is_the_largest_logged_value():
    # run 0 rises to 2.5 before falling; run 1 has a NaN after stopping early: NaN never counts
    h = synthetic([[1.0, 0.5, 0.05, 0.01], [1.0, 0.2, 0.01, np.nan]],
                  [[2.0, 2.5, 1.5, 0.4], [1.0, 3.0, 0.7, np.nan]])
    s = sweep_summary(h, 0.1)
    np.testing.assert_array_equal(s["max_test"], [2.5, 3.0])
    np.testing.assert_array_equal(s["t_train"], [20, 20])
    np.testing.assert_array_equal(s["t_test"], [np.inf, np.inf])


def test_first_below_interpolates_between_grid_points():
    steps = np.array([0.0, 2.0, 4.0, 6.0])
    v = np.array([[1.0, 0.8, 0.4, 0.2],        # 0.6 is crossed halfway from step 2 to step 4
                  [1.0, 0.9, 0.8, 0.7],        # never
                  [0.5, 0.4, 0.3, 0.2],        # below from the start
                  [2.0, 1.6, 0.8, 0.4]])       # relative 0.5: below 1.0 three quarters of the way 2 -> 4
    np.testing.assert_array_equal(first_below(steps, v[:3], 0.6, interpolate=True), [3.0, np.inf, 0.0])
    np.testing.assert_array_equal(first_below(steps, v[:3], 0.6), [4.0, np.inf, 0.0])   # the grid point
    assert first_below(steps, v[3], 0.5, relative=True, interpolate=True) == 3.5
    assert first_below(steps, v[0], 0.6, interpolate=True) == 3.0


def test_phase_diagram_censored_runs_are_those_without_a_crossing():
    """A cap too short for some runs: exactly the runs with an infinite crossing time are censored,
    their amount is counted at the cap, and the plot marks them (one cross each)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from gklib.viz import plot_phase_diagram

    task = gk.quadratic_task(D=12, P=40, P_test=200, seed=1, dtype=torch.float64)
    pd = phase_diagram(task, [0.5, 4.0], [0.05, 0.5], N=30, steps=300, lr_scale=1.0, threshold=0.2,
                       seed=3, n_log=40, dtype=torch.float64, progress_bar=False)
    expect = ~(np.isfinite(pd.t_train) & np.isfinite(pd.t_test))
    np.testing.assert_array_equal(pd.censored, expect)
    assert pd.n_censored == int(expect.sum())
    assert 0 < pd.n_censored < 4, pd.t_test                     # the short cap censors some, not all
    cap = pd.steps - pd.t_train[pd.censored]
    np.testing.assert_allclose(pd.amount[pd.censored], np.maximum(cap, 0))
    ax = plt.figure().gca()
    plot_phase_diagram(pd, ax=ax)
    crosses = [ln for ln in ax.get_lines() if ln.get_marker() == "x"]
    assert len(crosses) == 1 and len(crosses[0].get_xdata()) == pd.n_censored
    i, j = np.nonzero(pd.censored)
    np.testing.assert_allclose(sorted(crosses[0].get_xdata()), sorted(pd.alphas[i]))
    ax2 = plt.figure().gca()
    plot_phase_diagram(pd, ax=ax2, mark_censored=False)
    assert not [ln for ln in ax2.get_lines() if ln.get_marker() == "x"]
    plt.close("all")
