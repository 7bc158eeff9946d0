"""gklib.dmft's declared constraints and the step-size limit (issue #29's outside fuzz): invalid input is
refused with a message naming the parameter, never answered with a NaN or a meaningless number; the
limit on dt is where GD (simulated, or in closed form) actually diverges."""
import math

import numpy as np
import pytest
import torch

from gklib import dmft
from gklib.dmft.saad_solla import RK4_FRACTION, max_stable_dt
from gklib.params import InvalidParameterError

torch.set_num_threads(1)


@pytest.mark.parametrize("call, name", [
    (lambda: dmft.typical_m0(N=0, D=10), "N"),
    (lambda: dmft.typical_m0(2, 0), "D"),
    (lambda: dmft.dmft_matched("x"), "sim"),
    (lambda: dmft.weight_alignment(np.eye(2), np.ones(2), q_star=0), "q_star"),
    (lambda: dmft.cm_test_loss(np.eye(2), np.zeros(2), float("nan"), 0.25, 1.0), "alpha"),
    (lambda: dmft.cm_test_loss(np.eye(2), np.zeros(2), 1.0, 0.25, float("inf")), "q_star"),
    (lambda: dmft.escape_rate(2, "a", 0.25), "alpha"),
    (lambda: dmft.solve_dmft(2, float("nan"), 1.0, 0.25), "rho"),
    (lambda: dmft.solve_dmft(2, 3.0, 1.0, 0.25, m0=[0.1, float("nan")]), "m0"),
    (lambda: dmft.simulate_batch(2, 3.0, 1.0, 0.25, seeds=[]), "seeds"),
    (lambda: dmft.delay_scan(2, 3.0, 1.0, 0.25, Ds=[100, 0]), "Ds"),
    (lambda: dmft.gap_from_dmft(None), "result"),
    (lambda: dmft.crossing_times("sim", 0.3), "sim"),
])
def test_invalid_input_names_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must be "):
        call()


def test_rho_accepts_the_online_limit_only_where_it_means_something():
    assert dmft.solve_dmft(1, math.inf, 1.0, 0.5, steps=2, samples=64, progress_bar=False).converged
    with pytest.raises(InvalidParameterError, match="^rho must be "):
        dmft.simulate_dmft_setting(2, math.inf, 1.0, 0.25)


def test_weight_alignment_refuses_a_unit_of_zero_norm():
    with pytest.raises(ValueError, match="positive diagonal"):
        dmft.weight_alignment(np.diag([1.0, 0.0]), np.array([0.5, 0.0]))
    with pytest.raises(ValueError, match="shape"):
        dmft.weight_alignment(np.eye(2), np.ones(3))


def test_a_step_the_scheme_cannot_resolve_is_refused_naming_dt_and_the_limit():
    limit = max_stable_dt(torch.eye(2, dtype=torch.float64), 3.0, 1.0, 0.25, 1.0)
    assert limit == pytest.approx(2 / (0.9375 * (1 + 3**-0.5) ** 2))     # |r(I)|'s mean mode: 1 + ε²/N - a
    for call in (lambda: dmft.solve_dmft(2, 3.0, 1.0, 0.25, dt=100),
                 lambda: dmft.gap_leading_order(2, 3.0, 1.0, 0.25, dt=100),
                 lambda: dmft.solve_online(2, 1.0, 0.25, dt=100, t_max=200, method="gd")):
        with pytest.raises(ValueError, match=r"dt = 100 is above the stability limit [0-9.]+ .* use dt < "):
            call()
    with pytest.raises(ValueError, match=f"limit {limit:.4g}"):
        dmft.solve_dmft(2, 3.0, 1.0, 0.25, dt=1.01 * limit)


def test_the_limit_is_exactly_where_gd_diverges_at_eps0():
    """At ε = 0 GD is linear and its losses are known in closed form (Marchenko–Pastur): every mode decays by
    1 - Δt x per step with x up to (1 + ρ^-1/2)²; the limit is where the fastest flips sign and grows."""
    for rho in (1.5, 4.0):
        limit = max_stable_dt(np.eye(2), rho, 1.0, 0.0, 1.0)
        assert limit == pytest.approx(2 / (1 + rho**-0.5) ** 2)
        train, test = dmft.linear_gd_losses(rho, 0.95 * limit, 400)
        assert train[-1] < 0.5 * train[0] and test[-1] < 3 * test[0]          # converges (to overfitting)
        _, above = dmft.linear_gd_losses(rho, 1.05 * limit, 400)
        assert above[-1] > 1e3 * above[0]


@pytest.mark.parametrize("N, rho, alpha, eps", [(2, 3.0, 1.0, 0.25), (2, 10.0, 1.0, 0.5), (3, 2.0, 0.5, 0.0)])
def test_finite_d_gd_diverges_just_above_the_limit_and_not_below(N, rho, alpha, eps):
    """Independent of the formula: plain GD at D = 400 (simulate_batch) 10 % below the limit trains; 20 % above
    it blows up (at 10 % above some runs already do: the largest eigenvalue of a finite sample covariance
    fluctuates around the Marchenko–Pastur edge)."""
    limit = max_stable_dt(np.eye(N), rho, alpha, eps, 1.0)
    kw = dict(D=400, steps=100, seeds=3, q_star=1.0, dtype=torch.float64)
    below = dmft.simulate_batch(N, rho, alpha, eps, dt=0.9 * limit, **kw).train_loss
    with np.errstate(all="ignore"):
        above = dmft.simulate_batch(N, rho, alpha, eps, dt=1.2 * limit, **kw).train_loss
    assert np.all(np.isfinite(below)) and np.all(below[:, -1] < below[:, 0])
    assert np.all(~np.isfinite(above[:, -1]) | (above[:, -1] > 1e3 * above[:, 0]))


def test_online_limits_gd_map_and_rk4(monkeypatch):
    """With the check lifted, the online GD map diverges 10 % above its limit and RK4 10 % above its own
    (C decays at twice the weights' rate) gives a wrong answer; 10 % below, both learn the teacher."""
    import gklib.dmft.saad_solla as saad_solla

    L = max_stable_dt(np.eye(2), math.inf, 1.0, 0.25, 1.0)
    monkeypatch.setattr(saad_solla, "check_dt", lambda dt, limit: dt)
    kw = dict(m0=[0.01, -0.01])
    for method, lim in (("gd", L), ("rk4", RK4_FRACTION * L)):
        ok = dmft.solve_online(2, 1.0, 0.25, dt=0.9 * lim, t_max=60 * lim, method=method, **kw)
        assert ok.test_loss[-1] < 1e-6
    with pytest.raises(RuntimeError, match="diverged"):
        dmft.solve_online(2, 1.0, 0.25, dt=1.1 * L, t_max=60 * L, method="gd", **kw)
    bad = dmft.solve_online(2, 1.0, 0.25, dt=1.1 * RK4_FRACTION * L, t_max=60 * L * RK4_FRACTION, **kw)
    assert bad.test_loss[-1] > 0.1
    monkeypatch.undo()
    with pytest.raises(ValueError, match="stability limit"):
        dmft.solve_online(2, 1.0, 0.25, dt=1.1 * RK4_FRACTION * L, t_max=10.0)


def test_old_import_paths_of_the_split_module():
    """gklib.dmft.sim was split by concern; every name it had is still importable from it, as the same object."""
    import gklib.dmft.sim as sim

    for name in ("SimulationResult", "DMFTAverage", "dmft_matched", "first_time_below", "EscapeScaling",
                 "escape_scaling", "crossing_times", "censored_quantiles", "DelayScan", "delay_scan",
                 "kick_prediction", "mode_growth_rate", "rank_correlation", "order_params", "simulate_batch",
                 "simulate_dmft_setting"):
        assert getattr(sim, name) is getattr(dmft, name), name
    with pytest.raises(AttributeError):
        sim.no_such_name
