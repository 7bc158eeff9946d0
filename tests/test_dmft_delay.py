"""Tests of the batched simulations and the crossing-time statistics of chapter 4's delay section."""
import numpy as np
import pytest
import torch

from gklib import dmft
from gklib.dmft.sim import censored_quantiles, crossing_times, delay_scan, simulate_batch

torch.set_num_threads(1)


@pytest.mark.parametrize("m0", [None, (0.35, 0.25)])
def test_simulate_batch_equals_the_per_seed_trainer(m0):
    """The batched loop and gk.train (through simulate_dmft_setting) run the same networks on the same
    data: identical records in float64, with and without planted overlaps, in one batch or several."""
    kw = dict(D=50, dt=0.4, steps=25, seeds=[0, 2, 5], m0=m0, q_star=1.0, dtype=torch.float64)
    a = dmft.simulate_dmft_setting(2, 6.0, 1.0, 0.25, **kw)
    for batch in (None, 2):
        b = simulate_batch(2, 6.0, 1.0, 0.25, batch=batch, **kw)
        for k in ("train_loss", "test_loss", "C", "m", "q_star", "t"):
            np.testing.assert_allclose(getattr(b, k), getattr(a, k), rtol=1e-10, atol=1e-12, err_msg=k)
    if m0 is not None:
        np.testing.assert_allclose(b.m0, np.tile(m0, (3, 1)), atol=1e-12)


def test_simulate_batch_against_an_independent_gd_loop():
    """Against plain float64 GD written out with the model formula (no gklib code), on gklib's draws."""
    sim = simulate_batch(3, 4.0, 0.7, 0.5, D=40, dt=0.3, steps=12, seeds=[1], dtype=torch.float64)
    from gklib.dmft.sim import _seed_problem
    X, y, beta, W = _seed_problem(3, 160, 40, 0.7, 0.5, 1, None, None, 1.0, torch.float64)
    train = []
    for _ in range(13):
        H = X @ W.T
        Delta = y - 0.7 / 3 * (H + 0.25 * H**2).sum(1)
        train.append(float((Delta**2).mean()))
        W = W + 0.3 * 40 / 160 * ((Delta[:, None] * (1 + 0.5 * H) / 0.7).T @ X)
    np.testing.assert_allclose(sim.train_loss[0], train, rtol=1e-10)


def test_simulate_batch_validates():
    with pytest.raises(ValueError, match="m0"):
        simulate_batch(2, 6.0, 1.0, 0.25, D=20, steps=2, seeds=1, m0=[0.1])
    with pytest.raises(ValueError, match="batch"):
        simulate_batch(2, 6.0, 1.0, 0.25, D=20, steps=2, seeds=1, batch=0)
    with pytest.raises(ValueError, match="rho"):
        simulate_batch(2, float("inf"), 1.0, 0.25, D=20, steps=2, seeds=1)


def test_crossing_times_and_censored_quantiles():
    sim = dmft.SimulationResult(t=np.arange(4.0), steps=np.arange(4), train_loss=np.array([[1, .5, .2, .1],
                                [1, 1, 1, 1.]]), test_loss=np.array([[1, 1, .4, .2], [1, .8, .6, .45]]),
                                C=np.zeros((2, 4, 1, 1)), m=np.zeros((2, 4, 1)), q_star=np.ones(2))
    tr, te = crossing_times(sim, 0.3)
    np.testing.assert_allclose(tr, [1 + 2 / 3, np.inf])
    np.testing.assert_allclose(te, [2.5, np.inf])
    with pytest.raises(ValueError, match="level"):
        crossing_times(sim, -1)
    # quantiles: exact below the censoring point, inf among the censored runs
    t = np.array([3.0, np.inf, 1.0, 2.0, np.inf])
    np.testing.assert_array_equal(censored_quantiles(t, (0.0, 0.5, 1.0)), [1.0, 3.0, np.inf])
    np.testing.assert_array_equal(censored_quantiles(np.array([[4., 1, 2, 3]]), (0.5,)), [[2.0]])


def test_delay_scan_small():
    sc = delay_scan(2, 6.0, 1.0, 0.25, Ds=(40, 80), seeds=3, m0=(0.35, 0.25), steps=10, level=0.9,
                    t_kick=0.0)
    assert sc.t_train.shape == sc.t_test.shape == sc.amp.shape == (2, 3)
    np.testing.assert_allclose(sc.amp, 0.1, atol=1e-6)                 # planted m1 - m2 at t = 0
    assert sc.test_median.shape == (2, 11) and sc.quantiles().shape == (3, 2)
    assert np.all(sc.t_train[np.isfinite(sc.t_train)] <= 4.0)
    assert 0 <= sc.censored().min() <= sc.censored().max() <= 1


def test_linear_gd_losses_matches_the_independent_closed_form_and_the_solver():
    """The public ε = 0 solution equals the test module's own closed form (c_u = α²ΣC0/N², σ² = 3q⋆²/4)
    and the DMFT solver at ε = 0 to rounding."""
    from test_dmft import _mp_gd_losses      # tests/ is on sys.path (pytest prepends it)
    train, test = dmft.linear_gd_losses(3.0, 0.4, 20, N=2)
    ex, tr = _mp_gd_losses(3.0, 0.4, 20, c_u=0.5, sigma2=0.75)
    np.testing.assert_allclose(test - 0.75, ex, rtol=1e-12)
    np.testing.assert_allclose(train, tr, rtol=1e-12)
    r = dmft.solve_dmft(2, 3.0, 1.0, 0.0, dt=0.4, steps=20, samples=400, response_samples=100, tol=1e-9,
                        iters=100, progress_bar=False)
    np.testing.assert_allclose(r.test_loss, test, rtol=1e-9)
    np.testing.assert_allclose(r.train_loss, train, rtol=1e-9)


def test_linear_gd_losses_against_monte_carlo_linear_regression():
    """Plain GD on linear regression with label-noise power 3/4 at D = 300, averaged over 6 draws: within
    the finite-D scatter of the closed form (a few per cent)."""
    rho, dt, steps, D = 2.0, 0.4, 15, 300
    P = int(rho * D)
    g = torch.Generator().manual_seed(0)
    tests = []
    for _ in range(6):
        X = torch.randn(P, D, generator=g, dtype=torch.float64) / D**0.5
        beta = torch.randn(D, generator=g, dtype=torch.float64)
        y = 0.5 * (X @ beta) ** 2
        u = torch.randn(D, generator=g, dtype=torch.float64) / 2**0.5     # alpha w̄, |u0|²/D = 1/2
        q = float(beta @ beta) / D
        row = []
        for _ in range(steps + 1):
            row.append(0.75 * q**2 + float(u @ u) / D)                    # test: σ² + |u|²/D
            u = u + dt * D / P * X.T @ (y - X @ u)
        tests.append(row)
    _, test = dmft.linear_gd_losses(rho, dt, steps, N=2)
    np.testing.assert_allclose(np.mean(tests, 0), test, rtol=0.06)


def test_linear_gd_losses_validates():
    with pytest.raises(ValueError, match="rho"):
        dmft.linear_gd_losses(0.5, 0.4, 10)
    with pytest.raises(ValueError, match="C0"):
        dmft.linear_gd_losses(2.0, 0.4, 10, C0=np.eye(3))


def test_mode_growth_rate_recovers_an_exponential():
    t = np.arange(0, 10.01, 0.4)
    a = 0.1 * np.exp(0.3 * t)
    m = np.stack([0.2 + a / 2, 0.2 - a / 2], -1)                   # m1 - m2 = a
    assert dmft.mode_growth_rate(t, m, 2.0, 8.0) == pytest.approx(0.3, abs=1e-12)
    two = np.stack([m, np.stack([m[:, 1], m[:, 0]], -1)])          # sign of the difference does not matter
    np.testing.assert_allclose(dmft.mode_growth_rate(t, two, 0.0, 10.0), [0.3, 0.3], atol=1e-12)
    assert dmft.mode_growth_rate(np.arange(0, 40.01, 0.4), m, 2.0, 8.0) == pytest.approx(0.3)   # longer grid
    with pytest.raises(ValueError, match="m must"):
        dmft.mode_growth_rate(t, np.zeros((len(t), 3)), 0, 1)
    with pytest.raises(ValueError, match="two grid points"):
        dmft.mode_growth_rate(t, m, 50.0, 60.0)


def test_rank_correlation():
    x = np.array([0.1, 0.5, 0.3, 0.9])
    assert dmft.rank_correlation(x, -x) == pytest.approx(-1.0)
    assert dmft.rank_correlation(x, [np.inf, 2.0, 5.0, 1.0]) == pytest.approx(-1.0)   # inf ranks last
    from scipy.stats import spearmanr
    rng = np.random.default_rng(1)
    u, v = rng.normal(size=30), rng.normal(size=30)
    assert dmft.rank_correlation(u, v) == pytest.approx(spearmanr(u, v)[0])
    with pytest.raises(ValueError):
        dmft.rank_correlation([1.0], [2.0])


def test_kick_prediction_is_a_time_shift_along_the_solution():
    """For a solution whose |m1-m2| grows exactly like 0.1 e^{0.2 t} and whose test loss crosses the level
    at t = 20, a run with amplitude a at t_k is ln(a / a(t_k)) / 0.2 ahead."""
    t = np.arange(0, 30.01, 0.5)
    R = dmft.OnlineResult(t=t, C=np.zeros((len(t), 2, 2)), r=np.zeros((len(t), 2, 2)),
                          test_loss=np.clip(1 - t / 25, 0.01, None),                # below 0.2 at t = 20
                          m=np.stack([0.1 * np.exp(0.2 * t), np.zeros_like(t)], -1))
    a_k = 0.1 * np.exp(0.2 * 4.0)
    pred = dmft.kick_prediction(R, 4.0, [a_k, a_k * np.e, a_k / np.e, 1e-4], 0.2)
    np.testing.assert_allclose(pred[:3], [20.0, 15.0, 25.0], atol=1e-9)
    assert pred[3] == pytest.approx(20.0 + np.log(a_k / 1e-4) / 0.2, rel=1e-6)      # extrapolated below a(0)
    with pytest.raises(ValueError, match="amps"):
        dmft.kick_prediction(R, 4.0, [0.0], 0.2)
