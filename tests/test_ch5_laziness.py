"""Chapter 5's laziness measures along training: fit's ``track`` series, feature/NTK kernel distances,
seed sweeps, and the measures and figures built on them."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

import gklib as gk
from gklib.kernels import centered_kernel_alignment, empirical_ntk
from gklib.metrics import generalisation_at_fit, spread, value_at, value_at_fit
from gklib.nets import (MLP, QuadraticMLP, Transformer1L, feature_kernel_change, fit, kernel_distance,
                        modular_addition, ntk_change, seed_sweep)


def _regression(P=40, D=6, K=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(P, D, generator=g, dtype=torch.float64)
    Y = torch.sin(X[:, :K]) + 0.5 * X[:, 1:K + 1] ** 2
    return X, Y


# ---- features: the readout of the features is the forward pass ----------------------------------

def test_features_are_what_the_readout_reads():
    x = torch.randn(7, 5)
    m = MLP([5, 9, 8, 3], "tanh", seed=1)
    torch.testing.assert_close(m.layers[-1](m.features(x)), m(x))
    m = MLP([5, 9, 3], "relu", init="ntk", mean_field=True, seed=2)
    torch.testing.assert_close(m.features(x) @ m.layers[-1].weight.T / 9 + m.layers[-1].bias, m(x))
    q = QuadraticMLP(5, 11, 3, seed=0)
    torch.testing.assert_close(q.features(x), (x @ q.W1.T) ** 2)
    t = Transformer1L(7, 16, n_heads=2, seed=0)
    tok = modular_addition(7, 0.5, encoding="tokens").X[:10]
    torch.testing.assert_close(t.features(tok) @ t.W_U, t(tok))
    assert t.features(tok).shape == (10, 16)


# ---- kernel distance -----------------------------------------------------------------------------

def test_kernel_distance_is_one_minus_cka_and_scale_free():
    g = torch.Generator().manual_seed(0)
    phi, psi = torch.randn(30, 8, generator=g, dtype=torch.float64), torch.randn(30, 5, generator=g, dtype=torch.float64)
    K, L = phi @ phi.T, psi @ psi.T
    d = float(kernel_distance(K, L))
    assert d == pytest.approx(1 - float(centered_kernel_alignment(K, L)), abs=1e-12)   # independent implementation
    assert 0 < d < 1
    assert float(kernel_distance(K, 3.7 * K)) == pytest.approx(0, abs=1e-12)         # a common factor is no change
    shifted = phi + torch.randn(1, 8, generator=g, dtype=torch.float64)              # so is a constant shift
    assert float(kernel_distance(K, shifted @ shifted.T)) == pytest.approx(0, abs=1e-10)
    # features split in two orthogonal, centred blocks: their kernels do not overlap at all
    A = torch.zeros(4, 2, dtype=torch.float64)
    A[0, 0], A[1, 0], A[2, 1], A[3, 1] = 1, -1, 1, -1
    B = torch.zeros(4, 2, dtype=torch.float64)
    B[0, 0], B[1, 0], B[2, 0], B[3, 0] = 1, 1, -1, -1
    assert float(kernel_distance(A @ A.T, B @ B.T)) == pytest.approx(1.0)
    batched = kernel_distance(torch.stack([K, L]), K)
    assert batched.shape == (2,) and float(batched[0]) == pytest.approx(0, abs=1e-12)
    with pytest.raises(ValueError):
        kernel_distance(K, K[:5, :5])


# ---- fit's track series --------------------------------------------------------------------------

def test_tracked_feature_change_matches_the_trained_modules():
    X, Y = _regression()
    net = MLP([6, 16, 16, 2], "tanh", seed=0).double()
    probe = X[:20]
    h = fit(net, (X, Y), alpha=[0.5, 2.0], steps=30, lr=0.1, n_log=3,
            track={"feat": feature_kernel_change(probe), "ntk": ntk_change(probe[:6])})
    assert h.extra["feat"].shape == h.train_loss.shape == h.extra["ntk"].shape
    np.testing.assert_allclose(h.extra["feat"][:, 0], 0, atol=1e-12)
    with torch.no_grad():
        phi0 = net.features(probe)
        for i in range(2):
            phi = h.module(i).features(probe)
            want = float(kernel_distance(phi @ phi.T, phi0 @ phi0.T))
            assert h.extra["feat"][i, -1] == pytest.approx(want, rel=1e-9, abs=1e-12)
    # the NTK series against the library's empirical NTK (an independent Jacobian code)
    K0 = empirical_ntk(net, probe[:6], trace_outputs=True)
    for i in range(2):
        Kt = empirical_ntk(h.module(i), probe[:6], trace_outputs=True)
        assert h.extra["ntk"][i, -1] == pytest.approx(float(kernel_distance(Kt, K0)), rel=1e-6, abs=1e-10)
    one = h.run(1)
    np.testing.assert_array_equal(one.extra["feat"], h.extra["feat"][1])


def test_lazy_runs_keep_their_features():
    """Centred, output-scaled GD with step ∝ 1/α²: the weights move ∝ 1/α, the kernel distance (second
    order in the change) ∝ 1/α², while the function is fitted alike."""
    X, Y = _regression(P=30)
    net = MLP([6, 64, 2], "tanh", init="ntk", seed=3).double()
    h = fit(net, (X, Y), alpha=[1.0, 10.0], lr=1.0, lr_alpha_power=2, steps=100, n_log=3,
            track={"feat": feature_kernel_change(X)})
    assert np.all(h.train_loss[:, -1] < 0.3 * h.train_loss[:, 0])              # both runs learn
    d = h.extra["feat"][:, -1]
    assert d[0] > 1e-3 and d[1] < 0.05 * d[0], d
    assert h.extra["rel_change"][1, -1] < 0.2 * h.extra["rel_change"][0, -1]


def test_track_is_checked():
    X, Y = _regression()
    net = MLP([6, 8, 2], seed=0).double()
    with pytest.raises(ValueError, match="taken"):
        fit(net, (X, Y), steps=2, track={"train_loss": feature_kernel_change(X)})
    with pytest.raises(ValueError, match="callables"):
        fit(net, (X, Y), steps=2, track={"x": 3})
    with pytest.raises(ValueError, match="values for"):
        fit(net, (X, Y), alpha=[1.0, 2.0], steps=2, track={"x": lambda apply, p, p0: torch.zeros(3)})
    with pytest.raises(ValueError, match="no method"):
        fit(net, (X, Y), steps=2, track={"x": feature_kernel_change(X, method="embed")})


# ---- seed sweeps ---------------------------------------------------------------------------------

def test_seed_sweep_is_the_grid_of_single_fits():
    X, Y = _regression()
    kw = dict(steps=40, lr=0.05, n_log=4)
    h = seed_sweep(lambda s: MLP([6, 12, 2], "tanh", seed=s).double(), (X, Y), seeds=[3, 5], alpha=[0.5, 1.0, 2.0], **kw)
    assert h.R == 6
    np.testing.assert_array_equal(h.params["seed"], [3, 3, 3, 5, 5, 5])
    np.testing.assert_allclose(h.params["alpha"], [0.5, 1.0, 2.0] * 2)
    one = fit(MLP([6, 12, 2], "tanh", seed=5).double(), (X, Y), alpha=2.0, **kw)
    np.testing.assert_allclose(h.train_loss[5], one.train_loss, rtol=1e-10)
    with pytest.raises(ValueError, match="scalar"):
        seed_sweep(lambda s: MLP([6, 4, 2], seed=s), (X, Y), seeds=[0], alpha=[1.0], lr=[0.1, 0.2], steps=1)


def test_value_at_fit_and_spread():
    h = gk.History(steps=np.array([0, 10, 20, 30]), train_loss=np.ones((2, 4)), test_loss=np.ones((2, 4)),
                   weight_norm=np.ones((2, 4)),
                   train_acc=np.array([[0.1, 0.5, 1.0, 1.0], [0.1, 0.2, 0.3, 0.4]]),
                   test_acc=np.array([[0.1, 0.3, 0.6, 0.9], [0.1, 0.1, 0.2, 0.2]]))
    series = np.array([[0, 1, 2, 3], [5, 6, 7, 8]], dtype=float)
    v = value_at_fit(h, series, 0.99)
    assert v[0] == 2 and np.isnan(v[1])
    np.testing.assert_array_equal(value_at_fit(h, h.test_acc, 0.5)[:1], generalisation_at_fit(h, 0.5)[:1])
    with pytest.raises(ValueError):
        value_at_fit(h, series[:, :3])
    np.testing.assert_array_equal(value_at(h, series, [10, np.inf]), [1, np.nan])
    np.testing.assert_array_equal(value_at(h, series[0], 30), [3])
    with pytest.raises(ValueError, match="grid"):
        value_at(h, series, [15, 20])
    s = spread([[1.0, np.inf], [3.0, 2.0], [2.0, np.inf]])
    np.testing.assert_array_equal(s["median"], [2.0, np.inf])
    np.testing.assert_array_equal(s["min"], [1.0, 2.0])
    np.testing.assert_array_equal(s["max"], [3.0, np.inf])
    # a skewed sample: median 2, mean 4 (one late run must not drag the summary)
    s = spread([[1.0, 10.0], [2.0, 20.0], [9.0, 90.0]])
    np.testing.assert_array_equal(s["median"], [2.0, 20.0])
    np.testing.assert_array_equal(spread([[1.0, 2.0, 9.0]], axis=1)["median"], [2.0])


# ---- figures ------------------------------------------------------------------------------------

def test_chapter5_figures_fit_the_column():
    import matplotlib.pyplot as plt
    X, Y = _regression()
    h = fit(MLP([6, 8, 2], "tanh", seed=0).double(), (X, Y), alpha=[0.5, 1.0], steps=20, lr=0.05, n_log=5,
            thresholds=[10.0], track={"feat": feature_kernel_change(X)})
    axes = gk.viz.sweep_figure(h, ["a", "b"], panels=("acc", "norm"))
    assert axes[0].figure.get_size_inches()[0] <= gk.viz.TEXT_WIDTH
    axes = gk.viz.laziness_figure(h, ["a", "b"], "feat", level=0.5)
    assert axes[0].figure.get_size_inches()[0] <= gk.viz.TEXT_WIDTH
    ax = gk.viz.plot_tracked(h, "feat", ["a", "b"], level=0.5)
    assert len(ax.lines) >= 2
    with pytest.raises(ValueError):
        gk.viz.plot_tracked(h, "nope", ["a", "b"])
    hs = seed_sweep(lambda s: MLP([6, 8, 2], "tanh", seed=s).double(), (X, Y), seeds=[0, 1], alpha=[0.5, 1.0],
                    steps=20, lr=0.05, n_log=5, thresholds=[10.0], track={"feat": feature_kernel_change(X)})
    axes = gk.viz.seed_sweep_figure(hs, level=0.5, key="feat", plateau=0.3)
    assert axes.shape == (2, 2) and axes[0, 0].figure.get_size_inches()[0] <= gk.viz.TEXT_WIDTH
    ax = gk.viz.plot_seed_sweep(np.array([[1.0, np.inf], [2.0, 5.0]]), [0.1, 1.0], ylabel="delay")
    assert ax.get_xscale() == "log"
    plt.close("all")
