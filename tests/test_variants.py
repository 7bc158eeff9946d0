"""Model variants of Chapter 3: trained readouts, Hermite activations, multi-index targets."""
import numpy as np
import pytest
import torch

import gklib as gk

f64 = torch.float64


def autograd_reference(task, model, steps, lr_scale):
    """GD with autograd on W (and a) for a single-run model, float64, independent of gklib's engines."""
    X, y = task.X, task.y
    W = model.W0.clone().requires_grad_(True)
    params = [W]
    a = None
    if model.a0 is not None:
        a = model.a0.clone().requires_grad_(True)
        params.append(a)
    k = model.activation
    alpha, eps, N = model.alpha.item(), model.eps.item(), model.N

    def f(W, a):
        h = X @ W.T
        g = h**2 if k == "quadratic" else gk.toy.tasks.hermite(int(k[7:]), h)
        phi = h + eps / 2 * g
        return alpha / N * (phi.sum(-1) if a is None else phi @ a)

    with torch.no_grad():
        f0 = f(W, a).clone() if model.center else 0
    opt = torch.optim.SGD(params, lr=lr_scale * N / alpha**2)
    losses = []
    for i in range(steps + 1):
        loss = ((f(W, a) - f0 - y) ** 2).mean()
        losses.append(loss.item())
        if i < steps:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return np.array(losses)


@pytest.mark.parametrize("readout,activation,center", [
    (True, "quadratic", False), (True, "quadratic", True), (False, "hermite3", True),
    (False, "hermite4", False), (True, "hermite3", True)])
def test_direct_engine_variants_match_autograd(readout, activation, center):
    task = gk.quadratic_task(D=12, P=40, P_test=30, seed=2, dtype=f64)
    model = gk.CommitteeMachine(12, 6, alpha=0.8, eps=0.25, seed=3, readout=readout,
                                activation=activation, center=center, dtype=f64)
    ref = autograd_reference(task, model, 150, 0.05)
    hist = gk.train(model, task, 150, lr_scale=0.05, log_every=1, progress_bar=False)
    assert hist.engine == "direct"
    np.testing.assert_allclose(hist.train_loss, ref, rtol=1e-9)
    assert ref[-1] < ref[0]
    assert (hist.variance is not None) == (activation == "quadratic")


def test_readout_decomposition_matches_monte_carlo():
    D = 20
    task = gk.quadratic_task(D=D, P=10, seed=1, dtype=f64)
    m = gk.CommitteeMachine(D, 7, alpha=0.9, eps=0.3, seed=0, readout=True, center=False, dtype=f64)
    gen = torch.Generator().manual_seed(3)
    m._W = m._W + 0.3 * torch.randn(m._W.shape, generator=gen, dtype=f64)
    m._a = m._a + 0.3 * torch.randn(m._a.shape, generator=gen, dtype=f64)
    dec = gk.loss_decomposition(m, task)
    X = torch.randn(300_000, D, generator=gen, dtype=f64) / D**0.5
    err = (m(X) - gk.toy.tasks.quadratic_target(X, task.beta)) ** 2
    assert abs(dec["total"] - err.mean().item()) < 4 * err.std().item() / len(err) ** 0.5


def test_multi_index_task_and_its_decomposition():
    task = gk.multi_index_task(D=15, P=50, P_test=20, n_index=3, seed=0, dtype=f64)
    assert task.beta.shape == (3, 15)
    torch.testing.assert_close(task.y, 0.5 * ((task.X @ task.beta.T) ** 2).sum(-1))
    torch.testing.assert_close(task.y, 0.5 * ((task.X @ task.quad_form) * task.X).sum(-1))
    m = gk.CommitteeMachine(15, 9, alpha=1.0, eps=0.3, seed=0, dtype=f64, center=False)
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(300_000, 15, generator=gen, dtype=f64) / 15**0.5
    err = (m(X) - 0.5 * ((X @ task.beta.T) ** 2).sum(-1)) ** 2
    dec = gk.loss_decomposition(m, task)
    assert abs(dec["total"] - err.mean().item()) < 4 * err.std().item() / len(err) ** 0.5


def test_hermite_polynomials_and_task():
    z = torch.linspace(-2, 2, 9, dtype=f64)
    torch.testing.assert_close(gk.toy.tasks.hermite(2, z), z**2 - 1)
    torch.testing.assert_close(gk.toy.tasks.hermite(3, z), z**3 - 3 * z)
    torch.testing.assert_close(gk.toy.tasks.hermite(4, z), z**4 - 6 * z**2 + 3)
    task = gk.hermite_task(D=30, P=50_000, P_test=5, k=3, seed=0, dtype=f64)
    assert (task.beta @ task.beta).item() == pytest.approx(30)
    assert task.quad_form is None
    # He_k(z) has E[He_k^2] = k! for z ~ N(0, 1)
    assert task.y.pow(2).mean().item() == pytest.approx(6, rel=0.15)
    with pytest.raises(ValueError, match="decomposition"):
        gk.loss_decomposition(gk.CommitteeMachine(30, 4), task)


def test_variant_validation():
    with pytest.raises(ValueError, match="activation"):
        gk.CommitteeMachine(5, 3, activation="relu")
    task = gk.quadratic_task(D=5, P=10)
    with pytest.raises(ValueError, match="stats"):
        gk.train(gk.CommitteeMachine(5, 3, readout=True), task, 5, engine="stats")
    with pytest.raises(ValueError, match="stats"):
        gk.train(gk.CommitteeMachine(5, 3, activation="hermite3"), task, 5, engine="stats")
