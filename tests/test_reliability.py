"""No silent wrong results: hostile inputs to the public API give a clear error naming the parameter, or a
finite, correct result (property-based, with hypothesis), plus regression tests of specific findings."""
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gklib as gk
from gklib.history import History
from gklib.metrics import amount_of_grokking, first_crossing, sweep_summary
from gklib.nets import MLP, fit
from gklib.validation import check_data, check_seed

F64 = torch.float64
FAST = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

# values a hostile or careless user passes for a size, a rate or a seed
HOSTILE = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([None, "3", True, False, [1, 2], (), 1.5, -0.0, 0, 2**63, 2**64]),
)


def _clear_or_finite(call, name):
    """Run ``call``; it must raise ValueError/TypeError naming ``name`` or return a finite result."""
    try:
        out = call()
    except (ValueError, TypeError) as err:
        assert name in str(err), f"error does not name {name!r}: {err}"
        return None
    return out


def _valid_size(value):
    """A value that passes as a size (a positive integer, or an integer-valued float)."""
    return (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
            and value >= 1 and float(value).is_integer())


def _finite(x):
    arr = np.asarray(x.detach().cpu() if isinstance(x, torch.Tensor) else x, dtype=float)
    return bool(np.isfinite(arr).all())


@FAST
@given(name=st.sampled_from(["D", "P", "P_test", "seed"]), value=HOSTILE)
def test_quadratic_task_inputs(name, value):
    kw = dict(D=4, P=6, P_test=5, seed=0)
    kw[name] = value
    if _valid_size(value) and name != "seed":
        kw[name] = min(int(value), 7)                 # sizes that are valid: keep the test fast
    task = _clear_or_finite(lambda: gk.quadratic_task(**kw), name)
    if task is not None:
        assert all(_finite(t) for t in (task.X, task.y, task.X_test, task.y_test))
        assert task.P == kw["P"] and task.D == kw["D"]


@FAST
@given(name=st.sampled_from(["alpha", "eps", "seed", "N"]), value=HOSTILE)
def test_committee_machine_inputs(name, value):
    kw = dict(D=3, N=4, alpha=1.0, eps=0.1, seed=0)
    kw[name] = value
    if name == "N" and _valid_size(value):
        kw["N"] = min(int(value), 9)
    m = _clear_or_finite(lambda: gk.CommitteeMachine(**kw), name)
    if m is not None:
        assert _finite(m.W) and m.W.shape[-2:] == (kw["N"], 3)


@FAST
@given(name=st.sampled_from(["steps", "lr_scale", "log_every", "n_log"]), value=HOSTILE)
def test_train_inputs(name, value):
    task = gk.quadratic_task(D=3, P=8, P_test=5, seed=0)
    kw = dict(steps=5, lr_scale=0.5, log_every=None, n_log=10)
    kw[name] = value
    if name in ("steps", "log_every", "n_log") and _valid_size(value):
        kw[name] = min(int(value), 12)
    h = _clear_or_finite(lambda: gk.train(gk.CommitteeMachine(3, 4, alpha=1.0, eps=0.1), task,
                                          on_divergence="nan", progress_bar=False, **kw), name)
    if h is not None:
        assert h.steps[-1] == kw["steps"]
        assert (np.isfinite(h.train_loss) | np.isnan(h.train_loss)).all()
        if not h.diverged:
            assert np.isfinite(h.train_loss).all()


@FAST
@given(name=st.sampled_from(["steps", "lr", "alpha", "weight_decay", "batch_size", "warmup", "momentum"]),
       value=HOSTILE)
def test_fit_inputs(name, value):
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(10, 2, generator=gen)
    data = (X, X[:, 0] * X[:, 1])
    kw = dict(steps=4, lr=0.01, alpha=1.0)
    kw[name] = value
    if name in ("steps", "batch_size", "warmup") and _valid_size(value):
        kw[name] = min(int(value), 6)
    h = _clear_or_finite(lambda: fit(MLP([2, 4, 1], "tanh", seed=0), data, on_divergence="nan",
                                     log_every=2, **kw), name)
    if h is not None and not np.any(h.diverged):
        assert np.isfinite(h.train_loss).all()


@FAST
@given(level=HOSTILE)
def test_crossing_level(level):
    out = _clear_or_finite(lambda: first_crossing([0, 1, 2], [1.0, 0.5, 0.1], level), "level")
    if out is not None:
        assert out in (0.0, 1.0, 2.0, math.inf)


@FAST
@given(ridge=HOSTILE)
def test_kernel_regression_ridge(ridge):
    K = torch.eye(3, dtype=F64) + 0.1
    out = _clear_or_finite(lambda: gk.kernel_regression(K, torch.ones(3, dtype=F64), ridge=ridge), "ridge")
    if out is not None:
        assert _finite(out)


# ------------------------------------------------------------------------ regressions of findings
def test_seeds_are_integers_in_range():
    assert check_seed(0) == 0 and check_seed(2**63 - 1) == 2**63 - 1
    for bad in (-1, 2**63, 2**70, 1.5, 2.0, True, "1", None):
        with pytest.raises(ValueError, match="seed"):
            check_seed(bad)
    with pytest.raises(ValueError, match="seed"):
        gk.quadratic_task(D=3, P=4, seed=2**70)
    with pytest.raises(ValueError, match="seed"):
        gk.CommitteeMachine(3, 2, seed=2**63)
    with pytest.raises(ValueError, match="seed"):
        gk.quadratic_task(D=3, P=4, seed=1.5)
    a, b = gk.quadratic_task(D=3, P=4, seed=1), gk.quadratic_task(D=3, P=4, seed=2**62)
    assert not torch.equal(a.X, b.X)


def test_data_are_checked_against_each_other_before_training():
    X, y = torch.randn(8, 3), torch.randn(8)
    with pytest.raises(ValueError, match="X has 8 rows but y has 7"):
        check_data(X, y[:7])
    with pytest.raises(ValueError, match="X_test has samples of shape"):
        check_data(X, y, torch.randn(4, 2), torch.randn(4))
    with pytest.raises(ValueError, match="y contains NaN"):
        check_data(X, torch.full((8,), float("nan")))
    with pytest.raises(ValueError, match="X must have at least one row"):
        check_data(X[:0], y[:0])
    with pytest.raises(TypeError, match="y and y_test"):
        check_data(X, y, X[:2], torch.zeros(2, dtype=torch.long))
    with pytest.raises(TypeError, match="dtype"):
        gk.quadratic_task(D=3, P=4, dtype=torch.int64)
    with pytest.raises(TypeError, match="dtype"):
        gk.CommitteeMachine(3, 2, dtype=torch.int32)
    with pytest.raises(ValueError, match="X_test has samples"):
        fit(MLP([3, 4, 1], "tanh", seed=0), (X, y, torch.randn(4, 2), torch.randn(4)), 2)
    with pytest.raises(ValueError, match="module output has shape"):
        fit(MLP([3, 4, 3], "tanh", seed=0), (X, y), 2)          # 3 outputs, 1 label column
    task = gk.quadratic_task(D=3, P=6, seed=0)
    with pytest.raises(ValueError, match="y contains NaN"):
        type(task)(task.X, task.y * float("nan"), task.X_test, task.y_test)


def _diverging_sweep():
    task = gk.quadratic_task(D=6, P=20, P_test=20, seed=0, dtype=F64)
    with pytest.warns(RuntimeWarning, match="diverged"):
        return gk.train(gk.CommitteeMachine(6, 5, alpha=[1.0, 1.0], eps=0.5, dtype=F64), task, 300,
                        lr_scale=[0.5, 80.0], on_divergence="nan", log_every=20, progress_bar=False)


def test_diverged_runs_never_report_a_stale_value():
    h = _diverging_sweep()
    assert list(h.diverged) == [False, True]
    assert np.isfinite(h.final("test_loss")[0]) and np.isnan(h.final("test_loss")[1])
    s = sweep_summary(h, threshold=0.5)
    assert list(s["diverged"]) == [False, True]
    assert all(np.isnan(v[1]) for k, v in s.items() if k != "diverged")
    assert np.isnan(amount_of_grokking(h, 0.5)[1]) and np.isfinite(amount_of_grokking(h, 0.5)[0])
    one = h.run(1)
    assert one.diverged and np.isnan(one.final())


def test_smoke_step_cap_overflow_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("GKLIB_SMOKE_STEPS", "99999999999999999999")
    with pytest.raises(ValueError, match="GKLIB_SMOKE_STEPS"):
        gk.config.smoke_steps()


def test_history_without_runs_axis_has_no_divergence_flags():
    h = History(np.arange(3), np.ones(3), np.ones(3), np.ones(3))
    assert h.diverged is False and h.final() == 1.0


# ------------------------------------------------------------------------ data files and kernels
def _idx(path, arr, ndim):
    import struct
    path.write_bytes(struct.pack(">I", 0x0800 | ndim) + b"".join(struct.pack(">I", d) for d in arr.shape)
                     + arr.astype(np.uint8).tobytes())


def test_mnist_files_are_checked(tmp_path, monkeypatch):
    from gklib.nets import data

    imgs = np.zeros((5, 28, 28), np.uint8)
    _idx(tmp_path / "t10k-images-idx3-ubyte", imgs, 3)
    _idx(tmp_path / "t10k-labels-idx1-ubyte", np.arange(4), 1)
    monkeypatch.setattr(data, "MNIST_RAW_MD5", {})            # our small files are not the standard ones
    with pytest.raises(RuntimeError, match="5 test images but 4 labels"):
        data.load_mnist(n_train=2, root=tmp_path, download=False)
    _idx(tmp_path / "t10k-labels-idx1-ubyte", np.array([0, 1, 2, 3, 12]), 1)
    with pytest.raises(RuntimeError, match="labels up to 12"):
        data.load_mnist(n_train=2, root=tmp_path, download=False)
    monkeypatch.undo()
    with pytest.raises(RuntimeError, match="MD5 mismatch"):                 # raw t10k files are checksummed
        data.load_mnist(n_train=2, root=tmp_path, download=False)


def test_explicit_data_folder_wins(tmp_path, monkeypatch):
    from gklib.nets import data

    monkeypatch.setenv("GKLIB_DATA", str(tmp_path / "nowhere"))
    assert data.find_mnist_dir() == tmp_path / "nowhere"                   # not the shared folder above
    with pytest.raises(FileNotFoundError, match="nowhere"):
        data.load_mnist(n_train=2, download=False)


def test_kernel_helpers_refuse_degenerate_inputs():
    from gklib.kernels import cka, feature_covariance_spectrum

    with pytest.raises(ValueError, match="chunk"):
        feature_covariance_spectrum(3, 0.1, 10, chunk=0)
    with pytest.raises(ValueError, match="K is constant"):
        cka(torch.zeros(4, 4), torch.arange(4.0))
    with pytest.raises(ValueError, match="W0 must have the shape of W"):
        gk.CommitteeMachine.from_weights(torch.ones(3, 2), W0=torch.ones(2, 2))
    with pytest.raises(ValueError, match="W contains NaN"):
        gk.CommitteeMachine.from_weights(torch.full((3, 2), float("nan")))
    with pytest.raises(ValueError, match="betas"):
        fit(MLP([2, 3, 1], "tanh", seed=0), (torch.randn(4, 2), torch.randn(4)), 2, optimizer="adam",
            betas=(2, 0.999))
