"""Tests of gklib.kernels: NTK (torch.func vs closed form vs finite differences), kernel regression,
alignment measures (invariances, known values, slow reference implementations)."""
import numpy as np
import pytest
import torch

import gklib as gk
from gklib.kernels import (centered_kernel_alignment, cka, committee_ntk, empirical_ntk, initial_ntk,
                           kernel_learning_curve, kernel_regression, ntk_from_stats)

f64 = torch.float64


def _moved_model(batched=False, seed=0):
    kw = dict(alpha=[0.7, 2.0], eps=[0.3, 0.05], seed=[0, 1]) if batched else dict(alpha=1.3, eps=0.4, seed=0)
    m = gk.CommitteeMachine(D=5, N=4, dtype=f64, **kw)
    g = torch.Generator().manual_seed(seed + 7)
    m.W = m.W + 0.5 * torch.randn(m.W.shape, generator=g, dtype=f64)   # w̄ ≠ 0, M ≠ I
    return m


def _fd_ntk(model, X1, X2, h=1e-6):
    """Finite-difference Jacobian of the raw output w.r.t. every W_ij (single run), contracted."""
    W = model.W.clone()
    def jac(X):
        J = torch.zeros(X.shape[0], W.numel(), dtype=f64)
        for p in range(W.numel()):
            Wp, Wm = W.clone().flatten(), W.clone().flatten()
            Wp[p] += h
            Wm[p] -= h
            fp = model.raw_output(X, Wp.view(1, *W.shape))[0]
            fm = model.raw_output(X, Wm.view(1, *W.shape))[0]
            J[:, p] = (fp - fm) / (2 * h)
        return J
    return jac(X1) @ jac(X2).T


def test_committee_ntk_torch_func_equals_closed_form_and_finite_differences():
    m = _moved_model()
    X1 = torch.randn(6, 5, dtype=f64) / 5**0.5
    X2 = torch.randn(3, 5, dtype=f64) / 5**0.5
    K_func = empirical_ntk(m, X1, X2, chunk_size=4)          # chunking across the boundary
    K_closed = committee_ntk(m, X1, X2)
    K_fd = _fd_ntk(m, X1, X2)
    assert K_func.shape == (6, 3)
    torch.testing.assert_close(K_func, K_closed, rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(K_func, K_fd, rtol=1e-6, atol=1e-9)
    # symmetric Gram when X2 is omitted
    K11 = empirical_ntk(m, X1)
    torch.testing.assert_close(K11, K11.T)


def test_committee_ntk_batched_over_runs_matches_single_runs():
    m = _moved_model(batched=True)
    X = torch.randn(7, 5, dtype=f64) / 5**0.5
    K = empirical_ntk(m, X)
    assert K.shape == (2, 7, 7)
    for r in range(2):
        single = gk.CommitteeMachine.from_weights(m.W[r], alpha=float(m.alpha[r]), eps=float(m.eps[r]))
        torch.testing.assert_close(K[r], empirical_ntk(single, X), rtol=1e-12, atol=1e-14)
    torch.testing.assert_close(K, committee_ntk(m, X), rtol=1e-12, atol=1e-14)


def test_initial_ntk_is_wide_limit_of_closed_form():
    X = torch.randn(5, 4, dtype=f64) / 2
    D = 4
    K = ntk_from_stats(X, None, torch.zeros(D, dtype=f64), torch.eye(D, dtype=f64), eps=0.3)
    torch.testing.assert_close(K, initial_ntk(X, None, 0.3))
    # committee NTK at large width approaches (alpha^2/N) K0
    m = gk.CommitteeMachine(D=D, N=200_000, alpha=1.0, eps=0.3, dtype=f64)
    K_wide = committee_ntk(m, X, initial=True) * m.N
    assert torch.allclose(K_wide, initial_ntk(X, None, 0.3), rtol=0.05, atol=0.02)
    Kb = initial_ntk(X, None, [0.1, 0.3])
    torch.testing.assert_close(Kb[1], K)


def test_empirical_ntk_of_module_matches_manual_jacobian():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2)).double()
    X = torch.randn(4, 3, dtype=f64)
    K = empirical_ntk(net, X, chunk_size=3)
    assert K.shape == (4, 4, 2, 2)
    # manual per-sample gradients with autograd
    rows = []
    for a in range(4):
        for k in range(2):
            net.zero_grad()
            net(X[a:a + 1])[0, k].backward()
            rows.append(torch.cat([p.grad.flatten() for p in net.parameters()]))
    J = torch.stack(rows).view(4, 2, -1)
    torch.testing.assert_close(K, torch.einsum("akp,blp->abkl", J, J))
    torch.testing.assert_close(empirical_ntk(net, X, trace_outputs=True), torch.einsum("akp,bkp->ab", J, J))
    # subset of parameters by name: only the last layer
    K_last = empirical_ntk(net, X, params=["2.weight", "2.bias"], trace_outputs=True)
    n_last = net[2].weight.numel() + net[2].bias.numel()
    torch.testing.assert_close(K_last, torch.einsum("akp,bkp->ab", J[..., -n_last:], J[..., -n_last:]))


def test_empirical_ntk_validation():
    m = _moved_model()
    with pytest.raises(ValueError, match="X1"):
        empirical_ntk(m, torch.randn(3, 4, dtype=f64))
    with pytest.raises(ValueError, match="params"):
        empirical_ntk(m, torch.randn(3, 5, dtype=f64), params=torch.randn(3, 5))
    with pytest.raises(ValueError, match="model"):
        empirical_ntk("net", torch.randn(3, 5))
    with pytest.raises(ValueError, match="params"):
        empirical_ntk(torch.nn.Linear(2, 1), torch.randn(3, 2), params=["nope"])
    with pytest.raises(ValueError, match="chunk_size"):
        empirical_ntk(m, torch.randn(3, 5, dtype=f64), chunk_size=0)


# ------------------------------------------------------------------ kernel regression
def test_kernel_regression_interpolates_when_ridgeless_and_P_le_rank():
    task = gk.quadratic_task(D=6, P=27, P_test=50, seed=3, dtype=f64)
    # rank of K0 is D + D(D+1)/2 = 27: P = rank still interpolates
    K = initial_ntk(task.X, None, 0.5)
    assert torch.linalg.matrix_rank(K) == 27
    pred = kernel_regression(K, task.y)
    torch.testing.assert_close(pred, task.y, rtol=1e-7, atol=1e-8)
    # ... and since the target lies in the RKHS, P = rank already generalises exactly
    pred_test = kernel_regression(K, task.y, initial_ntk(task.X_test, task.X, 0.5))
    torch.testing.assert_close(pred_test, task.y_test, rtol=1e-5, atol=1e-6)
    # with a ridge it no longer interpolates; the ridge solution equals the direct solve
    pr = kernel_regression(K, task.y, ridge=0.1)
    direct = K @ torch.linalg.solve(K + 0.1 * torch.eye(27, dtype=f64), task.y)
    torch.testing.assert_close(pr, direct)
    assert (pr - task.y).abs().max() > 1e-3


def test_kernel_regression_min_norm_beyond_rank_and_batching():
    g = torch.Generator().manual_seed(0)
    F = torch.randn(10, 3, generator=g, dtype=f64)      # rank-3 kernel on 10 points
    K = F @ F.T
    y = F @ torch.tensor([1.0, -2.0, 0.5], dtype=f64)     # realisable target
    torch.testing.assert_close(kernel_regression(K, y), y)
    y2 = torch.randn(10, generator=g, dtype=f64)          # not realisable: least-squares fit
    ls = F @ torch.linalg.lstsq(F, y2[:, None]).solution[:, 0]
    torch.testing.assert_close(kernel_regression(K, y2), ls)
    Y = torch.stack([y, y2], 1)
    torch.testing.assert_close(kernel_regression(K, Y), torch.stack([y, ls], 1))
    Kb = torch.stack([K, 2 * K])
    torch.testing.assert_close(kernel_regression(Kb, torch.stack([y, y])), torch.stack([y, y]))


def test_kernel_learning_curve_matches_direct_solves_and_validates():
    task = gk.quadratic_task(D=5, P=30, P_test=40, seed=1, dtype=f64)
    kern = lambda a, b: initial_ntk(a, b, 0.3)
    lc = kernel_learning_curve(kern, task.X, task.y, task.X_test, task.y_test, [5, 12, 30])
    for i, P in enumerate([5, 12, 30]):
        pred = kernel_regression(kern(task.X[:P], task.X[:P]), task.y[:P], kern(task.X_test, task.X[:P]))
        assert lc[i] == pytest.approx(float(((pred - task.y_test) ** 2).mean()), rel=1e-10)
    assert lc[-1] < 1e-12 < lc[0]                          # P=30 > rank 20 learns the target exactly
    with pytest.raises(ValueError, match="Ps"):
        kernel_learning_curve(kern, task.X, task.y, task.X_test, task.y_test, [31])
    with pytest.raises(ValueError, match="ridge"):
        kernel_regression(torch.eye(3), torch.ones(3), ridge=-1)
    with pytest.raises(ValueError, match="y"):
        kernel_regression(torch.eye(3), torch.ones(4))
    with pytest.raises(ValueError, match="K_test"):
        kernel_regression(torch.eye(3), torch.ones(3), torch.ones(2, 4))


# ------------------------------------------------------------------ alignment
def _slow_cka(K, y):
    n = len(y)
    yc = [v - sum(y) / n for v in y]
    colmean = [sum(K[a][b] for a in range(n)) / n for b in range(n)]
    Kc = [[K[a][b] - colmean[b] for b in range(n)] for a in range(n)]
    num = sum(yc[a] * Kc[a][b] * yc[b] for a in range(n) for b in range(n))
    fro = sum(Kc[a][b] ** 2 for a in range(n) for b in range(n)) ** 0.5
    return num / (fro * sum(v * v for v in yc))


def test_cka_matches_slow_reference_and_known_values():
    g = torch.Generator().manual_seed(0)
    X = torch.randn(9, 4, generator=g, dtype=f64)
    y = torch.randn(9, generator=g, dtype=f64)
    K = initial_ntk(X, None, 0.7)
    assert float(cka(K, y)) == pytest.approx(_slow_cka(K.tolist(), y.tolist()), rel=1e-12)
    # K = y_c y_c^T: one-sided and two-sided centring agree and give 1
    yc = y - y.mean()
    assert float(cka(torch.outer(yc, yc), y)) == pytest.approx(1.0, rel=1e-12)
    assert float(centered_kernel_alignment(torch.outer(yc, yc), y)) == pytest.approx(1.0, rel=1e-12)
    # identity kernel: both are 1/sqrt(n) up to centring: cka = 1/||I - 11^T/n||_F = 1/sqrt(n-1)
    assert float(cka(torch.eye(9, dtype=f64), y)) == pytest.approx(1 / 8**0.5, rel=1e-12)
    assert float(centered_kernel_alignment(torch.eye(9, dtype=f64), y)) == pytest.approx(1 / 8**0.5, rel=1e-12)
    # a constant offset in K changes the paper's measure (one-sided centring keeps row means) but
    # not standard CKA (H K H removes it)
    Koff = K + 5.0
    assert float(centered_kernel_alignment(Koff, y)) == pytest.approx(float(centered_kernel_alignment(K, y)), rel=1e-10)
    assert float(cka(Koff, y)) == pytest.approx(float(cka(K, y)), rel=1e-10)   # column centring removes it too
    Krow = K + torch.arange(9, dtype=f64)[:, None]                              # row-dependent offset
    assert abs(float(cka(Krow, y)) - float(cka(K, y))) > 1e-3
    assert float(centered_kernel_alignment(Krow, y)) == pytest.approx(float(centered_kernel_alignment(K, y)), rel=1e-10)


def test_alignment_invariances():
    task = gk.quadratic_task(D=8, P=40, P_test=10, seed=2, dtype=f64)
    K = initial_ntk(task.X, None, 0.5)
    a = float(cka(K, task.y))
    b = float(centered_kernel_alignment(K, task.y))
    # scale of K and of y, shift of y
    assert float(cka(3.7 * K, 0.2 * task.y + 4.0)) == pytest.approx(a, rel=1e-12)
    assert float(centered_kernel_alignment(3.7 * K, -0.2 * task.y + 4.0)) == pytest.approx(b, rel=1e-12)
    # orthogonal rotation of the inputs (kernel is a function of x·x'; rotate beta too)
    Q, _ = torch.linalg.qr(torch.randn(8, 8, generator=torch.Generator().manual_seed(5), dtype=f64))
    XR = task.X @ Q.T
    yR = 0.5 * (XR @ (Q @ task.beta)) ** 2
    torch.testing.assert_close(yR, task.y)
    assert float(cka(initial_ntk(XR, None, 0.5), yR)) == pytest.approx(a, rel=1e-10)
    # permutation of the samples
    p = torch.randperm(40, generator=torch.Generator().manual_seed(1))
    assert float(cka(K[p][:, p], task.y[p])) == pytest.approx(a, rel=1e-12)
    # batched input gives one value per kernel
    vals = cka(torch.stack([K, 2 * K]), task.y)
    assert vals.shape == (2,) and float(vals[1]) == pytest.approx(a, rel=1e-12)
    # CKA against a second kernel is symmetric and in [-1, 1]
    L = initial_ntk(task.X, None, 2.0)
    c = float(centered_kernel_alignment(K, L))
    assert c == pytest.approx(float(centered_kernel_alignment(L, K)), rel=1e-12) and -1 <= c <= 1


def test_alignment_validation():
    with pytest.raises(ValueError, match="constant"):
        cka(torch.eye(3), torch.ones(3))
    with pytest.raises(ValueError, match="K"):
        cka(torch.ones(3, 4), torch.ones(3))
    with pytest.raises(ValueError, match="y"):
        cka(torch.eye(3), torch.ones(4))
    with pytest.raises(ValueError, match="L"):
        centered_kernel_alignment(torch.eye(3), torch.ones(4))


def test_kernel_gd_predictions_matches_the_step_by_step_loop():
    """The closed form equals the explicit kernel-GD recursion (chapter 2's ten-line loop)."""
    import torch

    from gklib.kernels import initial_ntk, kernel_gd_predictions
    g = torch.Generator().manual_seed(0)
    X = torch.randn(40, 6, generator=g, dtype=torch.float64) / 6**0.5
    Xt = torch.randn(15, 6, generator=g, dtype=torch.float64) / 6**0.5
    y = torch.randn(40, generator=g, dtype=torch.float64)
    K, Kt = initial_ntk(X, None, 0.5), initial_ntk(Xt, X, 0.5)
    r, f = -y.clone(), torch.zeros(15, dtype=torch.float64)
    for _ in range(300):
        gr = 2 * 0.7 / 40 * r
        f -= Kt @ gr
        r -= K @ gr
    assert torch.allclose(kernel_gd_predictions(K, Kt, y, lr_scale=0.7, steps=300), f, rtol=1e-9, atol=1e-12)
    # many steps: kernel GD converges to ridgeless kernel regression on the span of K
    from gklib.kernels import kernel_regression
    f_inf = kernel_gd_predictions(K, Kt, y, lr_scale=0.7, steps=10**9)
    assert torch.allclose(f_inf, kernel_regression(K, y, Kt), rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="K_train"):
        kernel_gd_predictions(K[:3], Kt, y)
    with pytest.raises(ValueError, match="lr_scale"):
        kernel_gd_predictions(K, Kt, y, lr_scale=-1)
