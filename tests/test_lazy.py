"""Tests of gklib.toy.linearized and gklib.nets.wrappers: linearisation vs autograd, kernel GD closed form,
output scale, knobs."""
import copy

import numpy as np
import pytest
import torch

import gklib as gk
from gklib.kernels import committee_ntk, empirical_ntk
from gklib.toy.linearized import KernelGD, label_scaled_task, train_linearized, weight_scaled_model
from gklib.metrics import loglog_slope, prediction_distance
from gklib.nets.laziness import relative_ntk_change, relative_weight_change
from gklib.nets import MLP, CommitteeModule, Linearized, OutputScaled, fit, lazy_lr, linearize

f64 = torch.float64


def small_mlp(seed=0):
    return MLP([3, 16, 16, 2], "tanh", init="ntk", seed=seed).double()


def perturb(module, scale, seed=0):
    g = torch.Generator().manual_seed(seed)
    delta = {}
    with torch.no_grad():
        for n, p in module.named_parameters():
            delta[n] = scale * torch.randn(p.shape, generator=g, dtype=p.dtype)
            p.add_(delta[n])
    return delta


# ------------------------------------------------------------------------ linearisation
def test_linearized_equals_autograd_jvp():
    net = small_mlp()
    X = torch.randn(11, 3, generator=torch.Generator().manual_seed(1), dtype=f64)
    ref = copy.deepcopy(net)
    lin = Linearized(net)
    np.testing.assert_allclose(lin(X).detach(), ref(X).detach(), rtol=0, atol=1e-14)   # f_lin(θ0) = f(θ0)
    delta = perturb(net, 0.3)
    names = [n for n, _ in ref.named_parameters()]
    p0 = tuple(p.detach() for p in ref.parameters())

    def f(*ps):
        return torch.func.functional_call(ref, dict(zip(names, ps)), (X,))

    # independent: reverse-over-reverse JVP of torch.autograd.functional
    f0, jv = torch.autograd.functional.jvp(f, p0, tuple(delta[n] for n in names))
    np.testing.assert_allclose(lin(X).detach(), (f0 + jv).detach(), rtol=1e-12, atol=1e-12)
    # and the linear model really is the tangent: a finite difference of the net agrees to O(h²)
    h = 1e-4
    fd = (f(*(a + h * delta[n] for a, n in zip(p0, names)))
          - f(*(a - h * delta[n] for a, n in zip(p0, names)))) / (2 * h)     # central difference
    np.testing.assert_allclose(fd.detach(), jv.detach(), rtol=1e-3, atol=1e-6)
    assert float(jv.abs().max()) > 1e-2                      # the perturbation moved the output


def test_linearized_gradient_is_frozen_jacobian():
    net = small_mlp(seed=2)
    X = torch.randn(5, 3, generator=torch.Generator().manual_seed(3), dtype=f64)
    lin = Linearized(net)
    c = torch.randn(5, 2, generator=torch.Generator().manual_seed(4), dtype=f64)

    def grads():
        lin.zero_grad()
        (lin(X) * c).sum().backward()
        return torch.cat([p.grad.flatten() for p in lin.parameters()])

    g0 = grads()
    perturb(net, 0.5, seed=5)
    g1 = grads()
    np.testing.assert_allclose(g1, g0, rtol=1e-12, atol=1e-12)   # J(θ0)ᵀc at any θ
    # while the network's own gradient does change
    net2 = small_mlp(seed=2)
    net2.zero_grad()
    (net2(X) * c).sum().backward()
    np.testing.assert_allclose(torch.cat([p.grad.flatten() for p in net2.parameters()]), g0, rtol=1e-12)
    assert relative_ntk_change(lin, X) == 0.0


@pytest.mark.parametrize("center", [True, False])
def test_kernel_gd_matches_linearised_module_trained_by_gd(center):
    task = gk.quadratic_task(D=12, P=40, P_test=30, seed=2, dtype=f64)
    model = gk.CommitteeMachine(12, 25, alpha=1.7, eps=0.4, seed=3, center=center, dtype=f64)
    steps, c = 150, 0.5
    h_closed = train_linearized(model, task, steps, lr_scale=c, log_every=10)
    lin = linearize(model)
    h_gd = fit(lin, task, steps, lr=c * 25 / 1.7**2, center=False, log_every=10, progress_bar=False)
    for k in ("train_loss", "test_loss", "weight_norm"):
        np.testing.assert_allclose(getattr(h_closed, k), getattr(h_gd, k), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(KernelGD(model, task, c).weights(steps)[0], h_gd.module(0).module.W.detach(),
                               rtol=1e-9, atol=1e-12)
    assert torch.equal(lin.module.W, lin.theta0()["W"])       # fit trains a copy
    assert h_closed.train_loss[-1] < 0.5 * h_closed.train_loss[0]
    assert torch.equal(model.W, model.W0)                      # model untouched


def test_kernel_gd_matches_explicit_loop_with_empirical_ntk():
    """Closed form vs a plain loop r ← r − η(2/P)K r with the autograd NTK of the module."""
    task = gk.quadratic_task(D=8, P=30, P_test=20, seed=5, dtype=f64)
    model = gk.CommitteeMachine(8, 10, alpha=[0.5, 3.0], eps=[0.3, 0.8], seed=[1, 2], dtype=f64)
    steps, c = 400, 0.7
    kg = KernelGD(model, task, c)
    for r in range(2):
        mod = CommitteeModule(model, run=r)
        K, Kt = empirical_ntk(mod, task.X), empirical_ntk(mod, task.X_test, task.X)
        eta = c * model.N / float(model.alpha[r]) ** 2
        f, ft = torch.zeros(task.P, dtype=f64), torch.zeros(task.P_test, dtype=f64)
        for _ in range(steps):
            res = f - task.y
            f, ft = f - eta * 2 / task.P * K @ res, ft - eta * 2 / task.P * Kt @ res
        np.testing.assert_allclose(kg.predict(steps)[r], f, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(kg.predict(steps, task.X_test)[r], ft, rtol=1e-9, atol=1e-12)
        # population decomposition from the linear model's statistics = its test function
        dw, dM = kg.stats(steps)
        a, e = float(model.alpha[r]), float(model.eps[r])
        Xt = task.X_test
        fq = a * Xt @ dw[r] + 0.5 * a * e * ((Xt @ dM[r]) * Xt).sum(-1)
        np.testing.assert_allclose(fq, ft, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("target", [0.99, 1.0, 1.6, 1.98])
def test_kernel_gd_closed_form_for_steps_that_overshoot(target):
    """For 1 <= c·λ_max < 2 the residual's top mode flips sign every step but still decays: the closed
    form must follow the plain loop there too (it returned NaN for c·λ in (1, 2))."""
    task = gk.quadratic_task(D=6, P=12, P_test=10, seed=0, dtype=f64)
    model = gk.CommitteeMachine(6, 5, alpha=1.0, eps=0.3, dtype=f64)
    cl = float(KernelGD(model, task, 1.0).cl.max())
    kg = KernelGD(model, task, target / cl)
    K = kg._K(task.X)[0] * kg.c[0]
    r = -task.y.clone()
    for t in range(61):
        if t in (0, 1, 7, 60):
            np.testing.assert_allclose(kg.predict(t) - task.y, r, rtol=1e-8, atol=1e-12)
        r = r - K @ r
    assert np.isfinite(kg.history(60, log_every=20).train_loss).all()
    with pytest.raises(RuntimeError, match=">= 2"):
        KernelGD(model, task, 2.0 / cl)


def test_linearised_function_is_alpha_independent_and_weights_scale_as_one_over_alpha():
    task = gk.quadratic_task(D=10, P=50, P_test=40, seed=1, dtype=f64)
    alphas = np.array([0.5, 2.0, 8.0])
    model = gk.CommitteeMachine(10, 30, alpha=alphas, eps=0.5, seed=4, dtype=f64)
    kg = KernelGD(model, task, 0.5)
    h = kg.history(300)
    np.testing.assert_allclose(h.test_loss, h.test_loss[[0]].repeat(3, 0), rtol=1e-12)
    dW = kg.weight_change(300).numpy()
    np.testing.assert_allclose(dW * alphas, dW[0] * alphas[0], rtol=1e-12)


def test_fit_on_committee_module_matches_gk_train():
    task = gk.quadratic_task(D=10, P=30, P_test=20, seed=1, dtype=f64)
    for opt, kw, lr in (("sgd", {}, 0.5 * 20 / 1.5**2), ("sgd", {"momentum": 0.9}, 0.05 * 20 / 1.5**2),
                        ("adam", {}, 0.01 / 1.5), ("adamw", {"weight_decay": 0.5}, 0.01 / 1.5)):
        m = gk.CommitteeMachine(10, 20, alpha=1.5, eps=0.3, seed=0, dtype=f64)
        mod = CommitteeModule(m)
        lr_scale = 0.01 if opt.startswith("adam") else lr * 1.5**2 / 20
        h = gk.train(m, task, 100, lr_scale=lr_scale, optimizer=opt, engine="direct", log_every=1,
                     progress_bar=False, **kw)
        h2 = fit(mod, (task.X, task.y, task.X_test, task.y_test), 100, lr=lr, optimizer=opt, center=False,
                 log_every=1, progress_bar=False, **kw)
        np.testing.assert_allclose(h2.train_loss, h.train_loss, rtol=1e-8, atol=1e-14, err_msg=opt)
        np.testing.assert_allclose(h2.weight_norm, h.weight_norm, rtol=1e-10, err_msg=opt)


# ------------------------------------------------------------------------ output scale
def test_output_scaled_is_zero_at_init_and_scales():
    net = small_mlp(seed=7)
    X = torch.randn(9, 3, generator=torch.Generator().manual_seed(0), dtype=f64)
    f0 = net(X).detach()
    for a in (0.1, 1.0, 37.0):
        w = OutputScaled(copy.deepcopy(net), a)
        assert torch.equal(w(X).detach(), torch.zeros_like(f0))
        perturb(w.module, 0.2, seed=1)
        np.testing.assert_allclose(w(X).detach(), a * (w.module(X) - f0).detach(), rtol=1e-12, atol=1e-14)
        u = OutputScaled(copy.deepcopy(net), a, center=False)
        np.testing.assert_allclose(u(X).detach(), a * f0, rtol=1e-12)
    assert len(list(w.parameters())) == len(list(net.parameters()))   # θ0 is a buffer, not trained


def test_lazy_lr_keeps_initial_function_speed():
    """With η0/α², one small GD step changes α(f − f0) by the same amount to O(1/α)."""
    X = torch.linspace(-1, 1, 7, dtype=f64)[:, None]
    y = torch.sin(3 * X[:, 0])
    moves = []
    for a in (10.0, 100.0, 1000.0):
        w = OutputScaled(MLP([1, 32, 1], "tanh", init="ntk", seed=0).double(), a)
        res = fit(w, (X, y), 1, lr=lazy_lr(0.1, a), center=False, progress_bar=False)
        moves.append(res.module(0)(X).detach())
    d1, d2 = (moves[0] - moves[2]).norm(), (moves[1] - moves[2]).norm()
    assert float(moves[2].norm()) > 1e-3
    assert float(d2) < 0.2 * float(d1)        # converges as α grows, at rate ~1/α
    assert lazy_lr(0.5, 4.0) == 0.5 / 16


# ------------------------------------------------------------------------ knobs
@pytest.mark.parametrize("engine", ["stats", "direct"])
def test_label_scale_is_exactly_output_scale(engine):
    task = gk.quadratic_task(D=15, P=40, P_test=30, seed=3, dtype=f64)
    for a in (0.3, 4.0):
        m1 = gk.CommitteeMachine(15, 12, alpha=a, eps=0.5, seed=1, dtype=f64)
        m2 = gk.CommitteeMachine(15, 12, alpha=1.0, eps=0.5, seed=1, dtype=f64)
        h1 = gk.train(m1, task, 300, lr_scale=0.5, engine=engine, log_every=1, progress_bar=False)
        h2 = gk.train(m2, label_scaled_task(task, a), 300, lr_scale=0.5, engine=engine, log_every=1,
                      progress_bar=False)
        np.testing.assert_allclose(m1.W, m2.W, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(h1.train_loss, a**2 * h2.train_loss, rtol=1e-10)
        np.testing.assert_allclose(h1.test_loss, a**2 * h2.test_loss, rtol=1e-10)
        for term in ("variance", "misalignment", "linear"):
            np.testing.assert_allclose(getattr(h1, term), a**2 * getattr(h2, term), rtol=1e-9, atol=1e-14)
        assert h1.train_loss[-1] < 0.5 * h1.train_loss[0]


def test_weight_scale_is_alpha_and_eps_scale():
    task = gk.quadratic_task(D=12, P=40, P_test=30, seed=2, dtype=f64)
    sig = np.array([0.5, 2.0])
    base = gk.CommitteeMachine(12, 15, alpha=0.8, eps=0.3, seed=6, dtype=f64)
    ms = weight_scaled_model(base, sig)
    ref = gk.CommitteeMachine(12, 15, alpha=0.8 * sig, eps=0.3 * sig, seed=6, dtype=f64)
    hs = gk.train(ms, task, 200, lr_scale=0.5, log_every=1, progress_bar=False)
    hr = gk.train(ref, task, 200, lr_scale=0.5, log_every=1, progress_bar=False)
    np.testing.assert_allclose(hs.train_loss, hr.train_loss, rtol=1e-10)
    np.testing.assert_allclose(ms.W, sig[:, None, None] * ref.W.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(relative_weight_change(ms), relative_weight_change(ref), rtol=1e-9)
    mj = weight_scaled_model(base, sig, alpha=0.8 / sig)       # one output scale per σ
    np.testing.assert_allclose(mj.alpha, 0.8 / sig)
    assert float(base.alpha[0]) == 0.8                          # the model is not modified
    with pytest.raises(ValueError, match="alpha"):
        weight_scaled_model(base, sig, alpha=[1.0, 2.0, 3.0])


# ------------------------------------------------------------------------ measures
def test_measures_against_direct_computation():
    task = gk.quadratic_task(D=10, P=40, P_test=30, seed=0, dtype=f64)
    m = gk.CommitteeMachine(10, 20, alpha=[1.0, 10.0], eps=0.5, seed=2, dtype=f64)
    gk.train(m, task, 200, lr_scale=0.5, progress_bar=False)
    rw = relative_weight_change(m)
    for r in range(2):
        np.testing.assert_allclose(rw[r], float((m.W[r] - m.W0[r]).norm() / m.W0[r].norm()), rtol=1e-12)
        mod = CommitteeModule(m, run=r)
        Kt, K0 = empirical_ntk(mod, task.X_test), empirical_ntk(mod, task.X_test, params={"W": mod.W0})
        np.testing.assert_allclose(relative_ntk_change(m, task.X_test)[r], float((Kt - K0).norm() / K0.norm()),
                                   rtol=1e-9)
    assert rw[1] < rw[0] / 5
    np.testing.assert_allclose(prediction_distance([0.0, 0.0], [3.0, 4.0]), np.sqrt(12.5))
    np.testing.assert_allclose(loglog_slope([1, 2, 4, 8], [5, 2.5, 1.25, 0.625]), -1.0)
    net = OutputScaled(small_mlp(seed=1), 2.0)
    perturb(net.module, 0.1)
    assert 0 < relative_weight_change(net) < 1
    assert relative_ntk_change(net, torch.randn(4, 3, dtype=f64)) > 0


def test_relative_weight_change_scales_as_one_over_alpha_in_lazy_limit():
    task = gk.quadratic_task(D=10, P=40, P_test=20, seed=1)
    alphas = np.array([16.0, 64.0, 256.0])
    m = gk.CommitteeMachine(10, 50, alpha=alphas, eps=1.0, seed=0)
    gk.train(m, task, 500, lr_scale=0.5, progress_bar=False)
    assert abs(loglog_slope(alphas, relative_weight_change(m)) + 1) < 0.1
    assert abs(loglog_slope(alphas, relative_ntk_change(m, task.X_test)) + 1) < 0.1


# ------------------------------------------------------------------------ errors
def test_validation_errors():
    net = small_mlp()
    X, y = torch.randn(4, 3, dtype=f64), torch.randn(4, 2, dtype=f64)
    task = gk.quadratic_task(D=5, P=10, P_test=5, seed=0)
    m = gk.CommitteeMachine(5, 4, seed=0)
    with pytest.raises(ValueError, match="alpha"):
        OutputScaled(net, alpha=0)
    with pytest.raises(ValueError, match="alpha"):
        OutputScaled(net, alpha=-2.0)
    with pytest.raises(ValueError, match="module"):
        OutputScaled("not a module")
    with pytest.raises(ValueError, match="model must be"):      # names its parameter, model
        linearize(3.0)
    with pytest.raises(ValueError, match="alpha"):
        lazy_lr(0.1, 0)
    with pytest.raises(ValueError, match="momentum"):        # the alias "momentum" needs momentum > 0
        fit(net, (X, y), optimizer="momentum")
    with pytest.raises(ValueError, match="optimizer"):
        fit(net, (X, y), optimizer="lbfgs")
    with pytest.raises(ValueError, match="steps"):
        fit(net, (X, y), steps=-1)
    with pytest.raises(ValueError, match="lr"):
        fit(net, (X, y), lr=0)
    with pytest.raises(ValueError, match="X_test"):
        fit(net, (X, y, X, None))
    with pytest.raises(ValueError, match="shape"):
        fit(net, (X, y[:, 0]), steps=1)
    with pytest.raises(ValueError, match="data"):
        fit(net, (X,))
    with pytest.raises(ValueError, match="run"):
        CommitteeModule(m, run=3)
    with pytest.raises(ValueError, match="scale"):
        label_scaled_task(task, 0)
    with pytest.raises(ValueError, match="sigma"):
        weight_scaled_model(m, [1.0, -1.0])
    with pytest.raises(ValueError, match="single-run"):
        weight_scaled_model(gk.CommitteeMachine(5, 4, alpha=[1, 2]), 2.0)
    with pytest.raises(ValueError, match="D="):
        train_linearized(m, gk.quadratic_task(D=6, P=10, P_test=5), 10)
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2], [1, -1])
    with pytest.raises(RuntimeError, match="lr_scale"):
        train_linearized(m, task, 10, lr_scale=1e4)
    with pytest.raises(RuntimeError, match="diverged"):
        fit(net, (X, y), 200, lr=1e4, progress_bar=False)


class _Bilinear(torch.nn.Module):
    """f(x) = v (w·x): NTK K(x, x') = v² x·x' + (w·x)(w·x') in closed form."""

    def __init__(self, w, v):
        super().__init__()
        self.w = torch.nn.Parameter(torch.as_tensor(w, dtype=f64))
        self.v = torch.nn.Parameter(torch.as_tensor([v], dtype=f64))

    def forward(self, x):
        return self.v * (x @ self.w)


def test_relative_ntk_change_of_a_module_against_the_closed_form():
    X = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, -1.0]], dtype=f64)

    def ntk(w, v):
        w = torch.as_tensor(w, dtype=f64)
        return v**2 * X @ X.T + torch.outer(X @ w, X @ w)

    net = OutputScaled(_Bilinear([1.0, 0.5], 1.0), alpha=3.0)
    assert relative_ntk_change(net, X) == 0.0
    with torch.no_grad():
        net.module.w.copy_(torch.tensor([2.0, -1.0], dtype=f64))
        net.module.v.fill_(0.5)
    K0, Kt = ntk([1.0, 0.5], 1.0), ntk([2.0, -1.0], 0.5)
    expect = float((Kt - K0).norm() / K0.norm())             # relative to the initial kernel
    assert abs(float(Kt.norm()) - float(K0.norm())) > 0.5 * float(K0.norm())   # so K_t would give another value
    assert relative_ntk_change(net, X) == pytest.approx(expect, rel=1e-12)
