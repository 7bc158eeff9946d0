"""Inputs that do not fit the model are refused before any work, naming the parameter (issue #29's outside
fuzz), and net_vs_linear measures a plain nn.Module (no NaN)."""
import copy

import numpy as np
import pytest
import torch

import gklib as gk
from gklib.kernels import centered_kernel_alignment, cka, empirical_ntk, kernel_regression
from gklib.nets import (MLP, OutputScaled, QuadraticMLP, Transformer1L, fit, kernel_distance, modular_addition,
                        net_vs_linear, student_teacher)
from gklib.params import InvalidParameterError

F64 = torch.float64
NAN = float("nan")


class _Counting(torch.nn.Module):
    """A linear model that counts the rows of its forward passes (a class attribute: fit deep-copies it)."""

    rows = []

    def __init__(self, D):
        super().__init__()
        self.lin = torch.nn.Linear(D, 1)

    def forward(self, x):
        _Counting.rows.append(x.shape[0])
        return self.lin(x)


def _regression(D=4, P=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(P, D, generator=g)
    return X, X[:, :1] * X[:, 1:2]


def test_fit_refuses_a_network_of_another_input_size_before_training():
    X, y = _regression(D=4)
    with pytest.raises(ValueError, match=r"X of data must have shape \(n, 5\) for this MLP \(5 inputs\), got \(8, 4\)"):
        fit(MLP([5, 4, 1]), (X, y), steps=5, lr=0.1, device="cpu")
    with pytest.raises(ValueError, match=r"X_test has samples of shape \(3,\) but X has \(4,\)"):
        fit(QuadraticMLP(4, 3, 1), (X, y, X[:, :3], y), steps=5, lr=0.1, device="cpu")
    _Counting.rows.clear()
    fit(_Counting(4), (X, y), steps=2, lr=0.1, log_every=1, device="cpu")
    assert _Counting.rows[0] == 1 and 8 in _Counting.rows           # the trial row, then the steps
    _Counting.rows.clear()
    with pytest.raises(ValueError, match=r"X of data does not fit the model: _Counting on X of data\[:1\]"):
        fit(_Counting(5), (X, y), steps=5, lr=0.1, device="cpu")  # any module: tried on one row first
    assert _Counting.rows == [1]                       # only the one-row trial call ran: no training step


def test_fit_refuses_labels_beyond_the_outputs_and_mixed_architectures():
    task = modular_addition(5, 0.6, seed=0, device="cpu")           # labels 0..4
    with pytest.raises(ValueError, match=r"class labels from 0 to 4 but the model has 3 outputs"):
        fit(MLP([10, 8, 3]), task, steps=2, lr=0.1, device="cpu")
    with pytest.raises(ValueError, match=r"class labels from 0 to 4 but the model has 3 outputs"):
        fit(MLP([10, 8, 3]), task, steps=2, lr=0.1, loss="ce", device="cpu")
    with pytest.raises(ValueError, match=r"model: the networks of one call must share an architecture.*network 1"):
        fit([MLP([10, 8, 5]), MLP([10, 6, 5])], task, steps=2, lr=0.1, device="cpu")


@pytest.mark.parametrize("kw,name", [(dict(lr_alpha_power=NAN), "lr_alpha_power"),
                                     (dict(lr_alpha_power=float("inf")), "lr_alpha_power"),
                                     (dict(device="meta"), "device"), (dict(dtype=torch.int64), "dtype"),
                                     (dict(optimizer="Adam"), "optimizer"), (dict(data=None), "data")])
def test_fit_refuses_what_it_used_to_accept_silently(kw, name):
    X, y = _regression(D=2)
    args = dict(model=MLP([2, 3, 1]), data=(X, y), steps=2, lr=0.1)
    args.update(kw)
    with pytest.raises((ValueError, TypeError), match=f"^{name} must"):
        fit(**args)


def test_transformer_tokens_are_checked():
    net = Transformer1L(p=5, d_model=8, n_heads=2, seed=0)
    ok = net(torch.tensor([[0, 4, 5]]))                               # 5 is the "=" token
    assert ok.shape == (1, 5) and torch.isfinite(ok).all()
    for bad, msg in (([[0, 6, 5]], "up to 6"), ([[-1, 2, 5]], "down to -1")):
        with pytest.raises(ValueError, match=rf"tokens must be integers in \[0, 5\].*{msg}"):
            net(torch.tensor(bad))
    with pytest.raises(ValueError, match=r"n_ctx = 3"):
        net(torch.tensor([[0, 1, 2, 5]]))
    task = modular_addition(7, 0.6, encoding="tokens", seed=0, device="cpu")      # tokens up to 7 > 5
    with pytest.raises(ValueError, match=r"X of data must be integers in \[0, 5\]"):
        fit(net, task, steps=1, lr=1e-3, loss="ce", device="cpu")


def test_empirical_ntk_and_student_teacher_check_the_input_size():
    with pytest.raises(ValueError, match=r"X1 must have shape \(n, 3\)"):
        empirical_ntk(MLP([3, 4, 1]), torch.randn(5, 2))
    with pytest.raises(ValueError, match=r"X2 must have shape \(n, 3\)"):
        empirical_ntk(MLP([3, 4, 1]), torch.randn(5, 3), torch.randn(4, 2))
    with pytest.raises(ValueError, match=r"X1 must have shape \(n, 4\)"):
        empirical_ntk(gk.CommitteeMachine(4, 3), torch.randn(5, 3))
    with pytest.raises(ValueError, match=r"teacher's inputs X \(D\) must have shape \(n, 5\)"):
        student_teacher(MLP([5, 8, 2]), D=4, P=6, P_test=6)
    with pytest.raises(ValueError, match="device must be a device that holds data"):
        modular_addition(5, 0.5, device="meta")


def test_mlp_widths_and_nan_kernels_are_refused_naming_the_parameter():
    with pytest.raises(InvalidParameterError, match="^widths must be a 1-D array"):
        MLP(widths=5)
    with pytest.raises(ValueError, match=r"^widths must be integers >= 1"):
        MLP([3, 2.5, 1])
    K, y = torch.eye(3, dtype=F64), torch.tensor([1.0, 2.0, 0.0], dtype=F64)
    Kn, yn = K.clone(), y.clone()
    Kn[0, 1], yn[2] = NAN, NAN
    cases = [(lambda: kernel_regression(Kn, y), "K_train"), (lambda: kernel_regression(K, yn), "y"),
             (lambda: kernel_regression(K, y, K_test=Kn), "K_test"), (lambda: cka(Kn, y), "K"),
             (lambda: cka(K, yn), "y"), (lambda: centered_kernel_alignment(K, Kn), "L"),
             (lambda: kernel_distance(Kn, K), "K"), (lambda: kernel_regression(K, y, ridge=NAN), "ridge")]
    for call, name in cases:
        with pytest.raises(InvalidParameterError, match=f"^{name} must be"):
            call()


def test_net_vs_linear_measures_a_plain_module():
    """#29: a plain nn.Module used to give relative_weight_change = NaN and no NTK change. Its θ₀ is the
    module it was given; the values must equal those of the same network wrapped in OutputScaled(α = 1,
    uncentred), which trains identically and carries θ₀ in buffers, and an independent computation."""
    g = torch.Generator().manual_seed(1)
    X, Xt = torch.randn(24, 3, generator=g, dtype=F64), torch.randn(16, 3, generator=g, dtype=F64)
    y, yt = torch.tanh(X[:, :1] - X[:, 1:2]), torch.tanh(Xt[:, :1] - Xt[:, 1:2])
    net = MLP([3, 16, 1], "tanh", init="ntk", seed=0).double()
    kw = dict(steps=60, lr=0.5, device="cpu")
    plain = net_vs_linear(net, X, y, Xt, yt, **kw)
    wrapped = net_vs_linear(OutputScaled(copy.deepcopy(net), alpha=1.0, center=False), X, y, Xt, yt, **kw)
    rw, rk = plain["relative_weight_change"], plain["relative_ntk_change"]
    assert np.isfinite(rw) and 0 < rw < 1 and np.isfinite(rk) and 0 < rk < 1
    assert rw == pytest.approx(wrapped["relative_weight_change"], rel=1e-10)
    assert rk == pytest.approx(wrapped["relative_ntk_change"], rel=1e-8)
    trained = plain["net"].module(0)
    num = sum(((a - b) ** 2).sum() for a, b in zip(trained.parameters(), net.parameters()))
    den = sum((b ** 2).sum() for b in net.parameters())
    assert rw == pytest.approx(float(torch.sqrt(num / den)), rel=1e-12)

    def ntk(m):                              # an independent NTK: autograd row by row, tanh MLP, one output
        rows = []
        for x in Xt[:16]:
            m.zero_grad()
            m(x[None]).sum().backward()
            rows.append(torch.cat([p.grad.flatten() for p in m.parameters()]))
        J = torch.stack(rows)
        return J @ J.T

    K0, Kt = ntk(copy.deepcopy(net)), ntk(copy.deepcopy(trained))
    assert rk == pytest.approx(float((Kt - K0).norm() / K0.norm()), rel=1e-8)
    assert np.array_equal(plain["net"].train_loss, wrapped["net"].train_loss)
