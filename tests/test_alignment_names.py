"""Issue #30: every alignment / kernel distance goes through `cka` or `centered_kernel_alignment`, with the
numbers the former private copies gave (the copies are kept below as the reference)."""
import numpy as np
import pytest
import torch

import gklib.nets.laziness as laziness
import gklib.toy.diagnostics as diagnostics
from gklib.kernels import centered_kernel_alignment, cka
from gklib.nets import kernel_distance

f64 = torch.float64


def _old_kernel_distance(K, L):          # gklib/nets/laziness.py before #30
    def centre(A):
        return A - A.mean(-1, keepdim=True) - A.mean(-2, keepdim=True) + A.mean((-1, -2), keepdim=True)
    Kc, Lc = centre(K.double()), centre(L.double())
    return 1 - (Kc * Lc).sum((-1, -2)) / (Kc.flatten(-2).norm(dim=-1) * Lc.flatten(-2).norm(dim=-1))


def _old_alignment(K, y):                # gklib/toy/diagnostics.py before #30
    yc = y - y.mean()
    Kc = K - K.mean(-2, keepdim=True)
    return float((yc @ K @ yc) / (Kc.norm() * (yc @ yc)))


def _kernels(seed, n=12, batch=()):
    g = torch.Generator().manual_seed(seed)
    A = torch.randn(*batch, n, 5, generator=g, dtype=f64) + 0.3
    return A @ A.transpose(-1, -2)


@pytest.mark.parametrize("seed", range(4))
def test_kernel_distance_same_numbers_as_before(seed):
    K, L = _kernels(seed), _kernels(seed + 100)
    assert float(kernel_distance(K, L)) == pytest.approx(float(_old_kernel_distance(K, L)), rel=1e-13, abs=1e-15)
    Kb, Lb = _kernels(seed, batch=(3,)), _kernels(seed + 7, batch=(3,))
    for a, b in ((Kb, Lb), (Kb, L), (K, Lb), (Kb.float(), Lb)):       # batched either side, float32 input
        new, old = kernel_distance(a, b), _old_kernel_distance(a, b)
        assert new.shape == old.shape and new.dtype == f64
        assert torch.allclose(new, old, rtol=1e-12, atol=1e-14)


def test_kernel_distance_calls_centered_kernel_alignment(monkeypatch):
    calls = []
    monkeypatch.setattr(laziness, "centered_kernel_alignment",
                        lambda K, L: calls.append((K.dtype, L.dtype)) or torch.tensor(0.25, dtype=f64))
    assert float(kernel_distance(_kernels(0).float(), _kernels(1))) == 0.75
    assert calls == [(f64, f64)]


def test_centered_kernel_alignment_batched_kernels():
    Kb, Lb = _kernels(3, batch=(4,)), _kernels(4, batch=(4,))
    out = centered_kernel_alignment(Kb, Lb)
    assert out.shape == (4,)
    for i in range(4):
        assert float(out[i]) == pytest.approx(float(centered_kernel_alignment(Kb[i], Lb[i])), rel=1e-13)
    with pytest.raises(ValueError, match="constant after centring"):
        centered_kernel_alignment(Kb, torch.stack([Lb[0], torch.ones(12, 12, dtype=f64)]))
    with pytest.raises(ValueError, match="kernel or labels"):
        centered_kernel_alignment(Kb, _kernels(5, n=11, batch=(4,)))


@pytest.mark.parametrize("seed", range(4))
def test_diagnostics_alignment_is_cka_with_the_old_numbers(seed, monkeypatch):
    K = _kernels(seed, n=30)
    y = torch.randn(30, generator=torch.Generator().manual_seed(seed), dtype=f64) + 2.0
    assert diagnostics._alignment(K, y) == pytest.approx(_old_alignment(K, y), rel=1e-13)
    assert diagnostics._alignment(K, y) == pytest.approx(float(cka(K, y)), rel=1e-15)
    assert np.isnan(diagnostics._alignment(K * float("inf"), y))          # a diverged run: NaN, no error
    monkeypatch.setattr(diagnostics, "cka", lambda K, y: torch.tensor(0.125))
    assert diagnostics._alignment(K, y) == 0.125


def test_cka_differs_from_centered_kernel_alignment_as_documented():
    K = _kernels(9, n=15)
    y = torch.randn(15, generator=torch.Generator().manual_seed(9), dtype=f64)
    H = torch.eye(15, dtype=f64) - 1 / 15
    yc = H @ y
    a, c = float(cka(K, y)), float(centered_kernel_alignment(K, y))
    num = float(yc @ K @ yc)
    assert a == pytest.approx(num / (float((H @ K).norm()) * float(yc @ yc)), rel=1e-12)
    assert c == pytest.approx(num / (float((H @ K @ H).norm()) * float(yc @ yc)), rel=1e-12)
    assert abs(a) < abs(c)                                   # ||HKH|| < ||HK|| for this kernel
    shift = torch.outer(torch.randn(15, generator=torch.Generator().manual_seed(1), dtype=f64), torch.ones(15, dtype=f64))
    assert float(cka(K + shift, y)) != pytest.approx(a, rel=1e-6)            # c 1^T changes cka ...
    assert float(centered_kernel_alignment(K + shift, y)) == pytest.approx(c, rel=1e-12)   # ... not the CKA
    assert float(cka(K + shift.T, y)) == pytest.approx(a, rel=1e-12)          # 1 c^T changes neither
    doc = cka.__doc__
    assert "centered_kernel_alignment" in doc and "Not" in doc and r"\|HK\|_F" in doc
