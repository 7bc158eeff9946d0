"""Tests of gklib.kernels.spectrum: Mercer spectrum of K0 against Monte Carlo and exact Gaussian moments,
target decomposition, kernel-regression theory against simulation, population alignment."""
import itertools

import numpy as np
import pytest
import torch

import gklib as gk
from gklib.kernels import cka, initial_ntk, kernel_learning_curve
from gklib.kernels.spectrum import (feature_covariance_spectrum, kernel_theory_curve, mercer_spectrum, population_alignment, predicted_sample_sizes, quadratic_features, spectrum_blocks, target_decomposition, target_powers)

f64 = torch.float64


def _gauss(n, D, seed):
    return torch.randn(n, D, generator=torch.Generator().manual_seed(seed), dtype=f64) / D**0.5


def test_mercer_table_values_and_rank():
    s = mercer_spectrum(10, 0.3)
    assert s["linear"] == pytest.approx(0.1)
    assert s["offdiag"] == s["diag"] == pytest.approx(2 * 0.09 / 100)
    assert s["norm"] == pytest.approx(0.09 * 12 / 100)
    assert s["constant"] == 0
    assert s.rank == 10 + 55 and s.expanded().size == 65 and s.expanded(include_zero=True).size == 66
    # trace of the operator = E K0(x, x) = E|x|^2 + eps^2 E|x|^4 = 1 + eps^2 (D+2)/D
    assert s.expanded().sum() == pytest.approx(1 + 0.09 * 12 / 10)


def test_mercer_eigenfunctions_by_monte_carlo():
    """<K0(x, x') f(x)>_x = lambda f(x') for each eigenfunction, by direct sampling (no features)."""
    D, eps = 6, 0.5
    X = _gauss(400_000, D, 0)
    Xp = _gauss(3, D, 1)
    K = initial_ntk(X, Xp, eps)                                   # (n, 3)
    s = mercer_spectrum(D, eps)
    x2, xp2 = (X**2).sum(1), (Xp**2).sum(1)
    funcs = {"linear": (X[:, 1], Xp[:, 1]), "offdiag": (X[:, 0] * X[:, 2], Xp[:, 0] * Xp[:, 2]),
             "diag": (X[:, 3] ** 2 - x2 / D, Xp[:, 3] ** 2 - xp2 / D), "norm": (x2, xp2),
             "constant": (1 - D / (D + 2) * x2, 1 - D / (D + 2) * xp2)}
    for name, (f, fp) in funcs.items():
        lhs = (K * f[:, None]).mean(0)
        scale = (K.abs() * f.abs()[:, None]).mean(0) / (len(X) ** 0.5) * 8   # ~8 MC standard errors
        assert torch.all((lhs - s[name] * fp).abs() < scale + 1e-12), name


def _exact_second_moment(D, eps):
    """E[phi phi^T] from Isserlis' theorem, for the features of quadratic_features."""
    pairs = [(i, i, 1.0) for i in range(D)] + [(i, j, 2**0.5) for i, j in itertools.combinations(range(D), 2)]
    F = D + len(pairs)
    C = np.zeros((F, F))
    C[:D, :D] = np.eye(D) / D
    d = lambda a, b: float(a == b)
    for u, (a, b, cu) in enumerate(pairs):
        for v, (c, e, cv) in enumerate(pairs):
            m4 = (d(a, b) * d(c, e) + d(a, c) * d(b, e) + d(a, e) * d(b, c)) / D**2
            C[D + u, D + v] = eps**2 * cu * cv * m4
    return C


def test_features_reproduce_kernel_and_exact_moments_give_mercer_spectrum():
    X = _gauss(7, 5, 3)
    Phi = quadratic_features(X, 0.4)
    torch.testing.assert_close(Phi @ Phi.T, initial_ntk(X, None, 0.4))
    ev = np.sort(np.linalg.eigvalsh(_exact_second_moment(5, 0.4)))[::-1]
    np.testing.assert_allclose(ev, mercer_spectrum(5, 0.4).expanded(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("D,eps", [(6, 0.3), (12, 0.1)])
def test_mercer_blocks_match_monte_carlo_feature_covariance(D, eps):
    ev = feature_covariance_spectrum(D, eps, n_samples=60_000, seed=D, chunk=7_000)
    blocks = spectrum_blocks(ev, D)
    s = mercer_spectrum(D, eps)
    assert blocks["linear"] == pytest.approx(s["linear"], rel=0.02)
    assert blocks["norm"] == pytest.approx(s["norm"], rel=0.05)
    assert blocks["quadratic"] == pytest.approx(s["offdiag"], rel=0.02)
    with pytest.raises(ValueError, match="eigenvalues"):
        spectrum_blocks(ev[:D], D)


def test_target_decomposition_parts_powers_and_orthogonality():
    D = 10
    beta = torch.randn(D, generator=torch.Generator().manual_seed(4), dtype=f64)
    X = _gauss(300_000, D, 5)
    y = 0.5 * (X @ beta) ** 2
    parts = target_decomposition(X, beta)
    torch.testing.assert_close(parts["traceless"] + parts["norm"], y)
    q = float(beta @ beta) / D
    pw = target_powers(D, q)
    for k in ("norm", "traceless"):
        assert float((parts[k] ** 2).mean()) == pytest.approx(pw[k], rel=0.03)
    assert float((parts["norm"] * parts["traceless"]).mean()) == pytest.approx(0, abs=0.02 * pw["traceless"])
    assert pw["norm"] + pw["traceless"] == pytest.approx(0.75 * q**2)
    # the traceless part is a Mercer eigenfunction of K0 with eigenvalue 2 eps^2/D^2
    eps, Xp = 0.5, _gauss(2, D, 6)
    prod = initial_ntk(X, Xp, eps) * parts["traceless"][:, None]
    lhs, se = prod.mean(0), prod.std(0) / len(X) ** 0.5
    rhs = mercer_spectrum(D, eps)["offdiag"] * target_decomposition(Xp, beta)["traceless"]
    assert torch.all((lhs - rhs).abs() < 5 * se), (lhs, rhs, se)
    assert float((lhs - rhs).abs().max()) < 0.2 * float(rhs.abs().max())


def test_kernel_theory_curve_matches_simulated_learning_curves():
    D, eps, Ps = 30, 0.2, [15, 60, 200, 350, 600]
    th = kernel_theory_curve(D, eps, Ps)
    sims = []
    for seed in range(4):
        task = gk.quadratic_task(D=D, P=max(Ps), P_test=1500, seed=seed, dtype=f64)
        pw = target_powers(D, task.meta["q_star"])
        p, pt = target_decomposition(task.X, task.beta), target_decomposition(task.X_test, task.beta)
        lc = kernel_learning_curve(lambda a, b: initial_ntk(a, b, eps), task.X,
                                   torch.stack([p["norm"], p["traceless"]], 1), task.X_test,
                                   torch.stack([pt["norm"], pt["traceless"]], 1), Ps)
        sims.append(lc / np.array([pw["norm"], pw["traceless"]]))
    sim = np.median(sims, 0)
    # unlearned fractions agree where they are O(1); everything is learned past the rank (495)
    assert sim[0, 0] == pytest.approx(th["norm"][0], rel=0.35)
    assert sim[1, 0] == pytest.approx(th["norm"][1], rel=0.5)
    for i in (1, 2, 3):
        assert sim[i, 1] == pytest.approx(th["traceless"][i], rel=0.35)
    assert th["traceless"][-1] == 0 and sim[-1].max() < 1e-10
    assert th["norm"][2] < 0.05 < th["traceless"][2]          # |x|^2 learned long before the rest


def test_predicted_sample_sizes_scalings():
    a = predicted_sample_sizes(40, 0.05)
    assert a["rank"] == 40 + 820
    assert 40 < a["norm"] < 4 * 40                              # |x|^2 part: P ~ D
    assert 0.3 * a["rank"] < a["traceless"] < a["rank"]        # ridgeless: P ~ D^2/2 (counting)
    b = predicted_sample_sizes(40, 0.1)
    assert b["traceless"] == pytest.approx(a["traceless"], rel=0.05)   # ... independent of eps
    assert a["heuristic_traceless"] == pytest.approx(40**2 / (2 * 0.05**2))
    # with a ridge the traceless part needs P ~ ridge * D^2 / (2 eps^2): 4x less for 2x eps
    ra, rb = predicted_sample_sizes(40, 0.05, ridge=1.0), predicted_sample_sizes(40, 0.1, ridge=1.0)
    assert ra["traceless"] / rb["traceless"] == pytest.approx(4, rel=0.15)
    with pytest.raises(ValueError, match="level"):
        predicted_sample_sizes(40, 0.1, level=1.5)
    with pytest.raises(ValueError, match="ridge"):
        kernel_theory_curve(40, 0.1, [10], ridge=-1)


def test_population_alignment_against_monte_carlo():
    D, eps, n = 12, 0.6, 2500
    off = ~torch.eye(n, dtype=torch.bool)
    ratios_num, ratios_unc, ratios_c = [], [], []
    for seed in range(4):
        beta = torch.randn(D, generator=torch.Generator().manual_seed(8 + seed), dtype=f64)
        q, b2 = float(beta @ beta) / D, float(beta @ beta)
        X = _gauss(n, D, 20 + seed)
        y = 0.5 * (X @ beta) ** 2
        K = initial_ntk(X, None, eps)
        # U-statistics (off-diagonal pairs) estimate the population averages
        num = float((y[:, None] * K * y[None])[off].mean())
        unc = num / (float((K**2)[off].mean()) ** 0.5 * float((y**2).mean()))
        yc, Kc = y - q / 2, K - eps**2 * (X**2).sum(1)[None, :] / D    # exact population centring
        cen = float((yc[:, None] * K * yc[None])[off].mean()) / (
            float((Kc**2)[off].mean()) ** 0.5 * q**2 / 2)
        # paper's numerator (corrected 1/4): eps^2/(4 D^4) (|b|^4 Tr M + 8 |b|^2 b^T M b), M = I
        ratios_num.append(num / (eps**2 / (4 * D**4) * (b2**2 * D + 8 * b2**2)))
        ratios_unc.append(unc / float(population_alignment(D, eps, q, centered=False)))
        ratios_c.append(cen / float(population_alignment(D, eps, q, centered=True)))
    for r in (ratios_num, ratios_unc, ratios_c):
        assert np.mean(r) == pytest.approx(1, abs=0.1), r
    # finite-n formula predicts the matrix cka itself (diagonal-dominated at this n)
    ratios = []
    for seed in range(6):
        t = gk.quadratic_task(D=100, P=5, P_test=1000, seed=seed, dtype=f64)
        ratios.append(float(cka(initial_ntk(t.X_test, None, 0.3), t.y_test))
                      / float(population_alignment(100, 0.3, t.meta["q_star"], n=1000)))
    assert np.mean(ratios) == pytest.approx(1, abs=0.12), ratios
    assert population_alignment(40, 0.3) < population_alignment(40, 0.6)
    with pytest.raises(ValueError, match="eps"):
        population_alignment(40, -0.1)
    with pytest.raises(ValueError, match="n"):
        population_alignment(40, 0.1, centered=False, n=10)


@pytest.mark.parametrize("D", [1, 2, 5, 40])
def test_power_split_is_the_trace_of_each_block(D):
    """Kernel power = E[K0(x, x)]: the linear part E|x|² = 1 and the quadratic part ε² E|x|⁴ with
    E|x|⁴ = (D² + 2D)/D² for x ~ N(0, I/D); also the Mercer eigenvalues times multiplicities."""
    from gklib.kernels.spectrum import power_split
    eps = np.array([0.0, 0.5, 2.0])
    ps = power_split(D, eps)
    quad = eps**2 * (D**2 + 2 * D) / D**2
    np.testing.assert_allclose(ps["linear"], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(ps["quadratic"], quad, rtol=1e-14)
    np.testing.assert_allclose(ps["quadratic_fraction"], quad / (1 + quad), rtol=1e-14)
    sp = mercer_spectrum(D, 0.5)
    lin = np.array([lab == "linear" for lab in sp.labels])
    power = sp.eigenvalues * sp.multiplicities
    np.testing.assert_allclose([power[lin].sum(), power[~lin].sum()], [1.0, power_split(D, 0.5)["quadratic"]],
                               rtol=1e-12)


def test_power_split_by_monte_carlo():
    from gklib.kernels.spectrum import power_split
    D, eps = 3, 1.5
    x = torch.randn(400_000, D, generator=torch.Generator().manual_seed(0), dtype=torch.float64) / D**0.5
    r2 = (x**2).sum(1)
    mc = float((eps**2 * r2**2).mean())                      # E[ε²(x·x)²], the quadratic part of K0(x, x)
    assert power_split(D, eps)["quadratic"] == pytest.approx(mc, rel=0.01)   # (D+1) would be 20 % off
