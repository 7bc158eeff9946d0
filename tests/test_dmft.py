"""Tests of gklib.dmft: online ODEs, the finite-ρ DMFT solver, the gap formula, validation."""
import math

import numpy as np
import pytest
import torch

from gklib import dmft

torch.set_num_threads(1)


def _direct_gd(D, P, N, alpha, eps, dt, steps, seed):
    """Independent float64 reference: plain GD on the uncentred committee machine (paper.md §1.3),
    returning the order parameters (C, m, q*) after every step and the train losses."""
    g = torch.Generator().manual_seed(seed)
    beta = torch.randn(D, generator=g, dtype=torch.float64)
    X = torch.randn(P, D, generator=g, dtype=torch.float64) / math.sqrt(D)
    W = torch.randn(N, D, generator=g, dtype=torch.float64)
    y = 0.5 * (X @ beta) ** 2
    Cs, ms, train = [], [], []
    for _ in range(steps + 1):
        H = X @ W.T
        Delta = y - alpha / N * (H + 0.5 * eps * H**2).sum(1)
        Cs.append((W @ W.T / D).numpy())
        ms.append((W @ beta / D).numpy())
        train.append(float((Delta**2).mean()))
        grad = (Delta[:, None] * (1 + eps * H) / alpha).T @ X        # Σ_μ g_μ x_μ, (N, D)
        W = W + dt * D / P * grad
    return np.array(Cs), np.array(ms), float(beta @ beta) / D, np.array(train)


def test_cm_test_loss_matches_monte_carlo():
    g = torch.Generator().manual_seed(1)
    D, N, alpha, eps = 30, 3, 0.7, 0.4
    W = torch.randn(N, D, generator=g, dtype=torch.float64)
    beta = torch.randn(D, generator=g, dtype=torch.float64)
    X = torch.randn(400_000, D, generator=g, dtype=torch.float64) / math.sqrt(D)
    H = X @ W.T
    mc = float(((0.5 * (X @ beta) ** 2 - alpha / N * (H + 0.5 * eps * H**2).sum(1)) ** 2).mean())
    C, m, q = dmft.order_params(W, beta)
    assert dmft.cm_test_loss(C, m, alpha, eps, q) == pytest.approx(mc, rel=0.01)


def test_online_ode_vs_direct_simulation():
    """Large P/D: GD follows the online map; the RK4 ODE agrees to O(dt)."""
    D, P, N, alpha, eps, dt, steps = 200, 20_000, 2, 1.0, 0.5, 0.2, 40
    C, m, q, _ = _direct_gd(D, P, N, alpha, eps, dt, steps, seed=3)
    on = dmft.solve_online(N, alpha, eps, q_star=q, C0=C[0], m0=m[0], t_max=dt * steps, dt=dt, method="gd")
    test_sim = dmft.cm_test_loss(C, m, alpha, eps, q)
    assert np.max(np.abs(on.test_loss - test_sim) / test_sim) < 0.05
    assert np.max(np.abs(on.m - m)) < 0.2 * np.abs(m).max()     # escape from m0 ~ D^-1/2 is noisy
    ode = dmft.solve_online(N, alpha, eps, q_star=q, C0=C[0], m0=m[0], t_max=dt * steps, dt=0.01)
    assert np.max(np.abs(ode.test_loss[::20] - on.test_loss) / on.test_loss) < 0.1


def test_online_fixed_point_and_escape_rate():
    on = dmft.solve_online(2, 1.0, 0.25, t_max=5, dt=0.05)
    assert np.all(on.m == 0)                                   # m = 0 is a fixed point
    gam = dmft.escape_rate(2, 1.0, 0.25)
    assert gam == pytest.approx(1.5 * 0.25 - 0.25**2 / 2 - 0.25**2 / 2)
    m0 = np.array([-1e-4, 1e-4])                               # ⊥ mode grows at γ⊥ near C = I
    on = dmft.solve_online(2, 1.0, 0.25, m0=m0, t_max=4, dt=0.01)
    rate = np.log(np.abs(on.m[-1, 1] / on.m[len(on.t) // 2, 1])) / (on.t[-1] - on.t[len(on.t) // 2])
    assert rate == pytest.approx(gam, rel=0.1)
    assert dmft.escape_time(2, 1.0, 0.1, D=400) > dmft.escape_time(2, 1.0, 0.25, D=400)   # small ε: slower
    assert dmft.escape_time(2, 1.0, 0.25, m0=m0) == pytest.approx(np.log(1 / np.linalg.norm(m0)) / gam)


def test_weight_process_closure_vs_monte_carlo():
    """Closure formulas for (Φ, C, m) vs sampling the Gaussian weight process directly."""
    g = torch.Generator().manual_seed(0)
    N, T1, dt, rho, q = 2, 5, 0.3, 2.0, 1.3
    Rg = 0.3 * torch.randn(T1, T1, N, N, generator=g, dtype=torch.float64)
    Rg = Rg * torch.tril(torch.ones(T1, T1, dtype=torch.float64))[:, :, None, None]
    Z = torch.randn(T1 * N, T1 * N, generator=g, dtype=torch.float64)
    Gmat = 0.2 * Z @ Z.T / (T1 * N)
    G = Gmat.reshape(T1, N, T1, N).permute(0, 2, 1, 3)
    nu = 0.5 * torch.randn(T1, N, generator=g, dtype=torch.float64)
    C0 = torch.tensor([[1.2, 0.3], [0.3, 0.8]], dtype=torch.float64)
    m0 = torch.tensor([0.4, -0.2], dtype=torch.float64)
    Phi, C, m = dmft.weight_process_closure(Rg, G, nu, C0=C0, m0=m0, q_star=q, rho=rho, dt=dt)
    # independent Monte Carlo of w^{n+1} = w^n + dt (u^n + β ν^n + Σ_{n''≤n} Rg(n,n'') w^{n''})
    K = 400_000
    joint = torch.zeros(N + 1, N + 1, dtype=torch.float64)
    joint[:N, :N], joint[:N, N], joint[N, :N], joint[N, N] = C0, m0, m0, q
    z = torch.randn(K, N + 1, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(joint).T
    u = (torch.randn(K, T1 * N, generator=g, dtype=torch.float64) @ torch.linalg.cholesky(Gmat / rho + 1e-12 * torch.eye(T1 * N)).T).reshape(K, T1, N)
    w = [z[:, :N]]
    beta = z[:, N]
    for n in range(T1 - 1):
        drift = u[:, n] + beta[:, None] * nu[n] + sum(w[k] @ Rg[n, k].T for k in range(n + 1))
        w.append(w[n] + dt * drift)
    w = torch.stack(w, 1)
    C_mc = torch.einsum("kna,kmb->nmab", w, w) / K
    m_mc = (w * beta[:, None, None]).mean(0)
    assert torch.allclose(C, C_mc, atol=0.02 * C.abs().max())
    assert torch.allclose(m, m_mc, atol=0.02 * m.abs().max())
    # Φ is the response of w^n to a kick into w^j
    assert torch.allclose(Phi[2, 2], torch.eye(N, dtype=torch.float64))
    assert torch.allclose(Phi[1, 0], torch.eye(N, dtype=torch.float64) + dt * Rg[0, 0])


def test_dmft_reduces_to_online_as_rho_grows():
    kw = dict(N=2, alpha=1.0, eps=0.25, q_star=1.0, C0=None, m0=[-0.05, 0.05], dt=0.4, steps=30)
    on = dmft.solve_online(kw["N"], kw["alpha"], kw["eps"], m0=kw["m0"], t_max=12, dt=0.4, method="gd")
    r_inf = dmft.solve_dmft(rho=math.inf, samples=2000, progress_bar=False, **kw)
    assert np.max(np.abs(r_inf.test_loss - on.test_loss)) < 1e-6     # control variates make ρ=∞ exact
    errs = []
    for rho in (3.0, 30.0, 300.0):
        r = dmft.solve_dmft(rho=rho, samples=2000, response_samples=200, progress_bar=False, **kw)
        assert r.converged
        errs.append(max(np.abs(r.test_loss - on.test_loss).max(), np.abs(r.train_loss - on.test_loss).max()))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.01


def test_dmft_vs_direct_simulation_short_time():
    """Finite ρ: the DMFT train–test gap (memorisation) matches seed-averaged GD."""
    N, rho, alpha, eps, dt, steps, D = 2, 3.0, 1.0, 0.25, 0.4, 8, 300
    gaps, m0s = [], []
    for seed in range(6):
        C, m, q, train = _direct_gd(D, int(rho * D), N, alpha, eps, dt, steps, seed)
        test = dmft.cm_test_loss(C, m, alpha, eps, q)
        gaps.append((test - train) - (test[0] - train[0]))         # remove the t=0 sampling offset
    r = dmft.solve_dmft(N, rho, alpha, eps, m0=dmft.typical_m0(N, D), dt=dt, steps=steps,
                        samples=4000, response_samples=500, progress_bar=False)
    sim = np.mean(gaps, 0)
    assert np.all(np.abs(r.gap[1:] - sim[1:]) < 0.15 * sim[1:] + 0.02)
    assert np.all(r.gap[1:] > 0.1)


def test_gap_formula_sign_and_scaling():
    kw = dict(N=2, alpha=1.0, eps=0.25, q_star=1.0, C0=None, m0=[-0.035, 0.035], dt=0.4, steps=15, samples=4000)
    t, g10 = dmft.gap_leading_order(rho=10.0, **kw)
    _, g40 = dmft.gap_leading_order(rho=40.0, **kw)
    assert g10[0] == 0 and np.all(g10[1:] > 0)                 # test above train
    np.testing.assert_allclose(g10, 4 * g40, rtol=1e-12)        # exactly ∝ 1/ρ
    r = dmft.solve_dmft(rho=10.0, response_samples=400, progress_bar=False, **kw)
    assert np.all(np.abs(g10[2:] - r.gap[2:]) < 0.15 * r.gap[2:])  # leading order at ρ = 10
    np.testing.assert_allclose(dmft.gap_from_dmft(r)[2:], r.gap[2:], rtol=0.15)


def test_deterministic_given_seed():
    kw = dict(N=2, rho=5.0, alpha=1.0, eps=0.25, m0=[0.05, -0.02], dt=0.4, steps=6, samples=300,
              response_samples=100, progress_bar=False)
    a, b = dmft.solve_dmft(seed=4, **kw), dmft.solve_dmft(seed=4, **kw)
    c = dmft.solve_dmft(seed=5, **kw)
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    np.testing.assert_array_equal(a.C, b.C)
    assert not np.array_equal(a.train_loss, c.train_loss)
    assert a.residuals == b.residuals


@pytest.mark.parametrize("bad, name", [
    (dict(N=0), "N"), (dict(N=1.5), "N"), (dict(rho=0), "rho"), (dict(rho=-1), "rho"),
    (dict(alpha=0), "alpha"), (dict(eps=-0.1), "eps"), (dict(q_star=0), "q_star"), (dict(dt=0), "dt"),
    (dict(steps=0), "steps"), (dict(samples=0), "samples"), (dict(damping=0), "damping"),
    (dict(damping=1.5), "damping"), (dict(iters=0), "iters"), (dict(tol=-1), "tol"),
    (dict(C0=np.eye(3)), "C0"), (dict(C0=[[1, 0.5], [0, 1]]), "C0"), (dict(C0=[[1, 2], [2, 1]]), "C0"),
    (dict(m0=[0.1]), "m0"), (dict(samples=18), "samples"), (dict(samples=True), "samples"),
])
def test_solve_dmft_validates_inputs(bad, name):
    kw = dict(N=2, rho=3.0, alpha=1.0, eps=0.25, dt=0.4, steps=3, samples=20, progress_bar=False)
    kw.update(bad)
    with pytest.raises(ValueError, match=name):
        dmft.solve_dmft(**kw)


def test_solvers_refuse_work_that_cannot_finish_and_warn_when_not_converged():
    with pytest.raises(ValueError, match="t_max"):
        dmft.solve_online(2, 1.0, 0.25, t_max=1e12, dt=0.05)
    with pytest.raises(ValueError, match="dt"):
        dmft.propagator(torch.zeros(3, 3, 2, 2, dtype=torch.float64), 0.0)
    with pytest.raises(ValueError, match="C must have shape"):
        dmft.cm_test_loss(np.eye(2), np.zeros(3), 1.0, 0.25, 1.0)
    with pytest.raises(ValueError, match="no training point"):
        dmft.simulate_dmft_setting(2, 0.01, 1.0, 0.25, D=4, dt=0.4, steps=2)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        dmft.solve_dmft(2, 3.0, 1.0, 0.25, dt=0.4, steps=3, samples=64, iters=1, progress_bar=False)


def test_other_validation():
    with pytest.raises(ValueError, match="dt"):
        dmft.solve_online(2, 1.0, 0.25, dt=-1)
    with pytest.raises(ValueError, match="method"):
        dmft.solve_online(2, 1.0, 0.25, method="euler")
    with pytest.raises(ValueError, match="alpha"):
        dmft.escape_rate(2, 0.0, 0.25)
    with pytest.raises(ValueError, match="rho"):
        dmft.simulate_dmft_setting(2, math.inf, 1.0, 0.25)


def test_settings_after_the_essentials_are_keyword_only():
    """``solve_dmft(2, 10.0, 1.0, 0.25, 1.0, None, m0)`` cannot say which 1.0 is α: past (N, ρ, α, ε)
    every argument must be named."""
    calls = [lambda: dmft.solve_dmft(2, 3.0, 1.0, 0.25, 1.0), lambda: dmft.solve_online(2, 1.0, 0.25, 1.0),
             lambda: dmft.gap_leading_order(2, 3.0, 1.0, 0.25, 1.0),
             lambda: dmft.simulate_dmft_setting(2, 3.0, 1.0, 0.25, 400),
             lambda: dmft.escape_time(2, 1.0, 0.25, 1.0), lambda: dmft.typical_m0(2, 400, 1.0)]
    for call in calls:
        with pytest.raises(TypeError, match="positional"):
            call()


def test_figures_live_in_viz_and_the_theory_never_imports_them():
    import ast
    import pathlib

    import gklib.viz
    for name in ("plot_dmft_vs_simulation", "plot_alignment", "plot_gap_vs_rho", "plot_convergence",
                 "dmft_rho_slider", "dmft_explorer"):
        assert not hasattr(dmft, name)
        assert getattr(gklib.viz, name).__module__ == "gklib.viz.dmft"
    for path in pathlib.Path(dmft.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                assert not any("viz" in m or "widgets" in m for m in mods), (path.name, mods)


def _mp_gd_losses(rho, dt, steps, c_u, sigma2, n=4001):
    r"""Closed form for discrete GD on *linear* regression with Gaussian inputs, averaged over the data
    (Marchenko–Pastur, aspect ratio λ = 1/ρ < 1). Model u·x, u ← u + dt (D/P) Xᵀ(y − X u); labels with
    ⟨y²⟩ = σ², uncorrelated with x; |u₀|²/D = c_u. In the eigenbasis of Σ̂ = (D/P) XᵀX (eigenvalue x,
    density μ_MP), with A = (1 − dt x)ⁿ:
    |u_n|²/D = ∫dμ [A² c_u + (1 − A)² λσ²/x],  train = ∫dμ A² (λσ² + x c_u) + (1 − λ)σ²."""
    lam = 1.0 / rho
    a, b = (1 - math.sqrt(lam)) ** 2, (1 + math.sqrt(lam)) ** 2
    th = (np.arange(n) + 0.5) / n * np.pi                      # x = a + (b-a)(1-cos θ)/2: smooth integrand
    x = a + (b - a) * (1 - np.cos(th)) / 2
    w = np.sqrt((b - x) * (x - a)) / (2 * np.pi * lam * x) * (b - a) / 2 * np.sin(th) * np.pi / n
    A = (1 - dt * x[None]) ** np.arange(steps + 1)[:, None]
    excess = (w * (A**2 * c_u + (1 - A) ** 2 * lam * sigma2 / x)).sum(1)
    train = (w * A**2 * (lam * sigma2 + x * c_u)).sum(1) + (1 - lam) * sigma2
    return excess, train


@pytest.mark.parametrize("rho, samples, seed", [(2.0, 200, 0), (5.0, 2000, 3)])
def test_dmft_at_eps0_is_exact_against_marchenko_pastur(rho, samples, seed):
    """ε = 0: the student is linear, f = α w̄·x, and the quadratic target is label noise with
    ⟨y²⟩ = 3q⋆²/4 uncorrelated with x, so the DMFT must reproduce linear regression by discrete GD:
    test = 3/4 + |u|²/D and the train loss in closed form (Marchenko–Pastur). With the solver's
    moment-matched draws every average is then exact — no Monte Carlo error at any sample count — so
    the match is to rounding, and `converged` must be True although ν ≡ 0 (the residual's floor).
    Before the fix, samples=2000 gave errors of a few per cent that changed with the seed."""
    N, dt, steps = 2, 0.4, 20
    excess, train = _mp_gd_losses(rho, dt, steps, c_u=1.0 / N, sigma2=0.75)
    r = dmft.solve_dmft(N, rho, 1.0, 0.0, dt=dt, steps=steps, samples=samples, response_samples=100,
                        tol=1e-9, iters=100, seed=seed, progress_bar=False)
    assert r.converged, r.residuals[-3:]
    np.testing.assert_allclose(r.test_loss - 0.75, excess, rtol=1e-9)
    np.testing.assert_allclose(r.train_loss, train, rtol=1e-9)
    assert np.abs(r.nu).max() < 1e-12


def test_converged_with_default_tolerance_when_a_kernel_vanishes():
    """ν ≡ 0 (ε = 0, m = 0) at the defaults of the chapter: the relative change of ν compares rounding
    noise with rounding noise; the absolute floor makes the iteration stop once R^g and G have converged."""
    r = dmft.solve_dmft(2, 2.0, 1.0, 0.0, dt=0.4, steps=40, samples=2000, response_samples=250,
                        progress_bar=False)
    assert r.converged and r.iterations < 20, (r.iterations, r.residuals[-3:])
    assert r.residuals[-1] < 1e-3


def test_matched_normals_have_exact_moments():
    from gklib.dmft.draws import _antithetic_normals

    xi = _antithetic_normals(600, 31, 7, "cpu")
    z, X = xi[:, -1], xi[:, :-1]
    assert float((z**2).mean()) == pytest.approx(1, abs=1e-12)
    assert float((z**4).mean()) == pytest.approx(3, abs=1e-12)
    assert float(z.mean()) == pytest.approx(0, abs=1e-12) and float((z**3).mean()) == pytest.approx(0, abs=1e-12)
    torch.testing.assert_close(X.T @ X / 600, torch.eye(30, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close(X.mean(0), torch.zeros(30, dtype=torch.float64), atol=1e-12, rtol=0)
    torch.testing.assert_close((X * (z**2 - 1)[:, None]).mean(0), torch.zeros(30, dtype=torch.float64), atol=1e-12, rtol=0)


def test_planted_overlaps_and_fixed_teacher_norm():
    m0 = np.array([0.35, 0.25])
    s = dmft.simulate_dmft_setting(2, 5.0, 1.0, 0.25, D=120, dt=0.4, steps=2, seeds=[0, 1], m0=m0, q_star=1.0)
    np.testing.assert_allclose(s.m0, np.stack([m0, m0]), atol=1e-12)
    np.testing.assert_allclose(s.q_star, [1.0, 1.0], rtol=1e-12)
    # the rest of the weights stays random: C0 ≈ I + m0 m0ᵀ up to O(D^-1/2)
    assert np.all(np.abs(s.C0 - (np.eye(2) + np.outer(m0, m0))) < 4 / np.sqrt(120))
    free = dmft.simulate_dmft_setting(2, 5.0, 1.0, 0.25, D=120, dt=0.4, steps=2, seeds=[0])
    assert abs(free.q_star[0] - 1) > 1e-6                       # by default q* fluctuates with the draw
    with pytest.raises(ValueError, match="m0"):
        dmft.simulate_dmft_setting(2, 5.0, 1.0, 0.25, D=50, steps=1, seeds=1, m0=[0.1])


def test_first_time_below_interpolates():
    t = np.arange(5.0)
    assert dmft.first_time_below(t, np.array([1.0, 0.8, 0.4, 0.2, 0.1]), 0.6) == pytest.approx(1.5)
    assert dmft.first_time_below(t, np.array([1.0, 0.9, 0.8, 0.7, 0.65]), 0.6) == math.inf


def test_escape_scaling_small():
    """Tiny sizes: every run escapes, later for larger D (start ∝ D^-1/2), and the same run through
    simulate_dmft_setting escapes at the same time; a run that does not escape within the horizon is
    censored at it (finite, flagged)."""
    e = dmft.escape_scaling(2, 20.0, 1.0, 0.5, Ds=(40, 160), seeds=3, dt=0.8, t_max=40.0, t_max_dmft=24.0,
                            samples=400, response_samples=100)
    assert e.t_sim.shape == (2, 3) and e.escaped.all() and e.escaped_dmft.all()
    assert e.t_dmft[1] > e.t_dmft[0] and e.median()[1] > e.median()[0]
    assert e.gamma == pytest.approx(dmft.escape_rate(2, 1.0, 0.5))
    s = dmft.simulate_dmft_setting(2, 20.0, 1.0, 0.5, D=40, dt=0.8, steps=int(e.t_sim[0, 0] / 0.8) + 2, seeds=[0],
                                   m0=dmft.typical_m0(2, 40), q_star=1.0, dtype=torch.float32)
    assert dmft.first_time_below(s.t, s.test_loss[0], 0.35) == pytest.approx(e.t_sim[0, 0], abs=1e-3)
    short = dmft.escape_scaling(2, 20.0, 1.0, 0.5, Ds=(160,), seeds=1, dt=0.8, t_max=4.0, t_max_dmft=4.0,
                                samples=200, response_samples=50)
    assert not short.escaped.any() and not short.escaped_dmft.any()
    assert short.t_sim[0, 0] == pytest.approx(4.0) and short.t_dmft[0] == pytest.approx(4.0)


class _Run:
    """A stand-in DMFT solution: grid ``t`` and overlaps ``m`` (T+1, 2)."""

    def __init__(self, t, m):
        self.t, self.m = t, m


def _scaling(t_sim, D=(10.0, 100.0), t_dmft=(3.0, 5.0), runs=()):
    t_sim = np.asarray(t_sim, float)
    return dmft.EscapeScaling(D=np.asarray(D), t_sim=t_sim, t_dmft=np.asarray(t_dmft),
                              escaped=np.ones(t_sim.shape, bool), escaped_dmft=np.ones(len(D), bool),
                              gamma=1.0, dmft_runs=list(runs))


def test_escape_scaling_slope_uses_the_median_and_ln_D():
    # medians 2 and 4 (means 13/3 and 4): slope (4 - 2) / ln(100/10)
    e = _scaling([[1.0, 2.0, 10.0], [3.0, 4.0, 5.0]])
    np.testing.assert_array_equal(e.median(), [2.0, 4.0])
    assert e.slope() == pytest.approx(2.0 / math.log(10.0), rel=1e-12)
    assert e.slope("dmft") == pytest.approx(2.0 / math.log(10.0), rel=1e-12)      # t_dmft 3 -> 5
    # three points on t = 1 + 0.5 ln D exactly
    e3 = _scaling([[1 + 0.5 * math.log(d)] * 2 for d in (5, 50, 500)], D=(5.0, 50.0, 500.0), t_dmft=(0, 1, 2))
    assert e3.slope() == pytest.approx(0.5, rel=1e-12)
    assert e3.slope("dmft") == pytest.approx(1 / math.log(10.0), rel=1e-12)


def test_escape_scaling_growth_rate_of_the_difference_mode():
    t = np.linspace(0.0, 10.0, 41)
    m = np.stack([0.01 * np.exp(0.7 * t), -0.02 * np.exp(0.7 * t) + 0.01 * np.exp(0.7 * t)], 1)  # m1 - m2 = 0.02 e^{0.7t}
    late = _Run(t, m)
    early = _Run(t, np.stack([np.exp(2.0 * t), np.zeros_like(t)], 1))
    e = _scaling([[1.0], [2.0]], runs=(early, late))                    # the largest D's run counts
    assert e.growth_rate(2.0, 8.0) == pytest.approx(0.7, rel=1e-10)
    # only the window counts: a kink outside [t0, t1] does not change the rate
    kinked = _Run(t, np.where((t > 8.0)[:, None], 1.0, m))
    assert _scaling([[1.0], [2.0]], runs=(early, kinked)).growth_rate(2.0, 8.0) == pytest.approx(0.7, rel=1e-10)


def test_escape_scaling_median_err():
    assert np.all(_scaling([[2.0] * 5, [3.0] * 5]).median_err() == 0)          # no spread, no error
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 401))
    x[1] *= 3.0
    err = _scaling(x).median_err(n_boot=2000)
    # standard error of the median of S normal draws: sqrt(π/2) σ / sqrt(S)
    np.testing.assert_allclose(err, math.sqrt(math.pi / 2) * np.array([1.0, 3.0]) / math.sqrt(401), rtol=0.3)
    np.testing.assert_allclose(_scaling(5.0 * x + 1.0).median_err(), 5.0 * err, rtol=1e-12)  # deterministic, scale-equivariant


def test_weight_alignment_is_the_rms_cosine_with_the_teacher():
    # C = diag(4, 1), m = (1, 0.5), q⋆ = 1: cosines 1/2 and 1/2
    C, m = np.diag([4.0, 1.0]), np.array([1.0, 0.5])
    assert dmft.weight_alignment(C, m) == pytest.approx(0.5)
    assert dmft.weight_alignment(C, m, q_star=4.0) == pytest.approx(0.25)
    # from explicit weights: sqrt(mean_i cos²(w_i, β)), batched over a leading axis
    g = torch.Generator().manual_seed(0)
    D = 7
    W, beta = torch.randn(3, 4, D, generator=g, dtype=torch.float64), torch.randn(D, generator=g, dtype=torch.float64)
    cos = torch.nn.functional.cosine_similarity(W, beta.expand_as(W), dim=-1)
    Cs = (W @ W.transpose(-1, -2) / D).numpy()
    ms = (W @ beta / D).numpy()
    np.testing.assert_allclose(dmft.weight_alignment(Cs, ms, q_star=float(beta @ beta) / D),
                               cos.pow(2).mean(-1).sqrt().numpy(), rtol=1e-12)


def test_dmft_matched_starts_each_solve_from_its_own_seed():
    """One DMFT per simulation seed, from that seed's (C0, m0, q⋆): at t = 0 the matched theory's test
    loss is then exactly the simulations' seed average, and the average is over the per-seed solves."""
    sim = dmft.simulate_dmft_setting(2, 5.0, 1.0, 0.5, D=30, dt=0.4, steps=3, seeds=[4, 7])
    th = dmft.dmft_matched(sim, samples=200, response_samples=50, iters=4, tol=1e-12)
    assert len(th.runs) == 2
    for k, r in enumerate(th.runs):
        np.testing.assert_allclose(r.params["C0"], sim.C0[k], rtol=1e-12)
        np.testing.assert_allclose(r.params["m0"], sim.m0[k], rtol=1e-12)
        assert r.params["q_star"] == pytest.approx(sim.q_star[k], rel=1e-12)
        assert (r.params["rho"], r.params["dt"], r.params["steps"], r.params["samples"]) == (5.0, 0.4, 3, 200)
    np.testing.assert_allclose(th.t, sim.t, rtol=1e-12)
    np.testing.assert_allclose(th.test_loss[0], sim.mean("test_loss")[0], rtol=1e-10)
    np.testing.assert_allclose(th.train_loss, (th.runs[0].train_loss + th.runs[1].train_loss) / 2, rtol=1e-12)
    np.testing.assert_allclose(th.gap, th.test_loss - th.train_loss)
    assert th.seconds == pytest.approx(th.runs[0].seconds + th.runs[1].seconds)
    assert th.converged == (th.runs[0].converged and th.runs[1].converged)
