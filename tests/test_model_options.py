"""The committee machine's options (``activation``, ``readout``) reach every function derived from its
output: each NTK and linearisation is compared with autograd (``torch.func.jacrev``) of the model's own
``raw_output``, in float64, for {quadratic, hermite3} × {fixed, trained readouts} × {single, batched};
the closed forms that cover only the paper's model refuse the other options (#30)."""
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.func import jacrev

import gklib as gk
from gklib.kernels import committee_ntk, empirical_ntk
from gklib.nets import CommitteeModule, linearize
from gklib.toy.diagnostics import lazy_rich_run
from gklib.toy.linearized import KernelGD, train_linearized, weight_scaled_model

F = torch.float64
D, N = 6, 4
ACTIVATIONS = ("quadratic", "hermite3")
OPTIONS = [(act, ro, b) for act in ACTIVATIONS for ro in (False, True) for b in (False, True)]
IDS = [f"{a}-{'readout' if r else 'fixed'}-{'batched' if b else 'single'}" for a, r, b in OPTIONS]


def inputs(n, seed):
    return torch.randn(n, D, generator=torch.Generator().manual_seed(seed), dtype=F) / D**0.5


def make(activation, readout, batched, center=True, moved=True):
    """A model whose current weights (and readouts) differ from the initial ones."""
    kw = dict(alpha=[1.3, 0.7], eps=[0.4, 0.25], seed=[0, 1]) if batched else dict(alpha=1.3, eps=0.4, seed=0)
    m = gk.CommitteeMachine(D, N, center=center, readout=readout, activation=activation, dtype=F, **kw)
    if moved:
        g = torch.Generator().manual_seed(5)
        m._W = m._W + 0.3 * torch.randn(m._W.shape, generator=g, dtype=F)
        if readout:
            m._a = m._a + 0.3 * torch.randn(m._a.shape, generator=g, dtype=F)
    return m


def jacobian(m, r, X, W=None, a=None):
    """Autograd of the model's own output for run ``r`` w.r.t. W (and a, when trained): ``(n, n_params)``."""
    W = m._W[r] if W is None else W[r]
    a = (m._a if a is None else a) if m._a is not None else None

    def f(W, a):
        return m.raw_output(X, W.expand(m.R, -1, -1), None if a is None else a.expand(m.R, -1))[r]
    if a is None:
        return jacrev(f)(W, None).flatten(1)
    jW, ja = jacrev(f, argnums=(0, 1))(W, a[r])
    return torch.cat([jW.flatten(1), ja], 1)


def reference_ntk(m, X1, X2, W=None, a=None):
    K = torch.stack([jacobian(m, r, X1, W, a) @ jacobian(m, r, X2, W, a).T for r in range(m.R)])
    return K if m.batched else K[0]


def close(x, y):
    torch.testing.assert_close(x, y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation,readout,batched", OPTIONS, ids=IDS)
def test_empirical_ntk_is_autograd_of_the_model_output(activation, readout, batched):
    m = make(activation, readout, batched)
    X1, X2 = inputs(7, 1), inputs(5, 2)
    close(empirical_ntk(m, X1, X2), reference_ntk(m, X1, X2))
    close(empirical_ntk(m, X1, chunk_size=3), reference_ntk(m, X1, X1))
    params = (m._W0, m._a0) if readout else m._W0                 # evaluated at other weights
    close(empirical_ntk(m, X1, X2, params=params), reference_ntk(m, X1, X2, m._W0, m._a0))


@pytest.mark.parametrize("activation,readout,batched", OPTIONS, ids=IDS)
def test_committee_ntk_closed_form_is_autograd_of_the_model_output(activation, readout, batched):
    m = make(activation, readout, batched)
    X1, X2 = inputs(7, 1), inputs(5, 2)
    close(committee_ntk(m, X1, X2), reference_ntk(m, X1, X2))
    close(committee_ntk(m, X1), reference_ntk(m, X1, X1))
    close(committee_ntk(m, X1, X2, initial=True), reference_ntk(m, X1, X2, m._W0, m._a0))
    close(committee_ntk(m, X1, X2, W=m._W0, a=m._a0), reference_ntk(m, X1, X2, m._W0, m._a0))


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("activation,readout,batched", OPTIONS, ids=IDS)
def test_committee_module_output_and_ntk_are_the_models(activation, readout, batched, center):
    m = make(activation, readout, batched, center=center)
    X = inputs(6, 3)
    r = m.R - 1
    mod = CommitteeModule(m, run=r)
    close(mod(X), m(X)[r] if m.batched else m(X))
    assert sum(p.numel() for p in mod.parameters()) == N * D + (N if readout else 0)
    K = reference_ntk(m, X, X)
    close(empirical_ntk(mod, X), K[r] if m.batched else K)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("activation,readout,batched", OPTIONS, ids=IDS)
def test_linearize_trains_the_first_order_taylor_model(activation, readout, batched, center):
    """SGD on ``linearize(model)`` equals GD on f0 + J0 (θ − θ0) with J0 the Jacobian of ``raw_output``."""
    m = make(activation, readout, batched, center=center, moved=False)
    X, Xt = inputs(7, 4), inputs(5, 6)
    y = torch.randn(7, generator=torch.Generator().manual_seed(7), dtype=F)
    r, lr, steps = m.R - 1, 0.2, 6
    lin = linearize(m, run=r)
    opt = torch.optim.SGD(lin.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        ((lin(X) - y) ** 2).mean().backward()
        opt.step()
    J, Jt = jacobian(m, r, X), jacobian(m, r, Xt)
    f0, f0t = (m.raw_output(Z)[r] * (not center) for Z in (X, Xt))    # the centred model starts at 0
    theta = torch.zeros(J.shape[1], dtype=F)
    for _ in range(steps):
        theta = theta - lr * 2 / len(y) * J.T @ (f0 + J @ theta - y)
    close(lin(Xt).detach(), f0t + Jt @ theta)


@pytest.mark.parametrize("center", [True, False])
@pytest.mark.parametrize("batched", [False, True])
def test_kernel_gd_closed_form_is_gd_on_the_autograd_linearisation(batched, center):
    """The paper's model: KernelGD's closed form against GD on the linearisation built from ``raw_output``."""
    m = make("quadratic", False, batched, center=center, moved=False)
    task = gk.quadratic_task(D=D, P=9, P_test=5, seed=2, dtype=F)
    c, steps = 0.3, 7
    kg = KernelGD(m, task, c)
    pred = kg.predict(steps, task.X_test)
    for r in range(m.R):
        eta = c * N / float(m.alpha[r]) ** 2                    # gk.train's learning rate
        J, Jt = jacobian(m, r, task.X), jacobian(m, r, task.X_test)
        f0, f0t = (m.raw_output(Z)[r] * (not center) for Z in (task.X, task.X_test))
        theta = torch.zeros(J.shape[1], dtype=F)
        for _ in range(steps):
            theta = theta - eta * 2 / task.P * J.T @ (f0 + J @ theta - task.y)
        close(pred[r] if m.batched else pred, f0t + Jt @ theta)
        W = kg.weights(steps)[r]
        close(W, m._W0[r] + theta.view(N, D))


@pytest.mark.parametrize("activation,readout", [("quadratic", True), ("hermite3", False), ("hermite3", True)])
def test_closed_form_linearisations_refuse_other_options(activation, readout):
    m = make(activation, readout, False, moved=False)
    task = gk.quadratic_task(D=D, P=9, P_test=5, seed=2, dtype=F)
    match = "readout" if readout else "activation"
    for call in (lambda: train_linearized(m, task, 5), lambda: KernelGD(m, task),
                 lambda: lazy_rich_run(m.copy(), task, 5, n_align=5, n_probe=5),
                 lambda: weight_scaled_model(m, [1.0, 2.0])):
        with pytest.raises(ValueError, match=match):
            call()
    assert torch.equal(m._W, m._W0)                              # nothing was trained before refusing


def test_refusal_names_every_unsupported_option():
    m = make("hermite3", True, False, moved=False)
    task = gk.quadratic_task(D=D, P=9, P_test=5, seed=2, dtype=F)
    with pytest.raises(ValueError, match=r"readout=True, activation='hermite3'"):
        train_linearized(m, task, 5)


def test_readouts_given_to_a_model_without_them_are_refused():
    m = make("quadratic", False, False)
    X = inputs(3, 0)
    with pytest.raises(ValueError, match="readout"):
        committee_ntk(m, X, W=m._W0, a=torch.ones(N, dtype=F))
    with pytest.raises(ValueError, match="readout"):
        empirical_ntk(m, X, params=(m._W0, torch.ones(N, dtype=F)))


@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(activation=st.sampled_from(["quadratic", "hermite1", "hermite2", "hermite3", "hermite4"]),
       readout=st.booleans(), n_units=st.integers(1, 5), alpha=st.floats(0.1, 5.0), eps=st.floats(0.0, 1.0),
       seed=st.integers(0, 100))
def test_closed_form_ntk_equals_autodiff_for_any_model(activation, readout, n_units, alpha, eps, seed):
    m = gk.CommitteeMachine(D, n_units, alpha=alpha, eps=eps, seed=seed, readout=readout, activation=activation,
                            dtype=F)
    X1, X2 = inputs(4, seed), inputs(3, seed + 1)
    K = reference_ntk(m, X1, X2)
    close(committee_ntk(m, X1, X2), K)
    close(empirical_ntk(m, X1, X2), K)
