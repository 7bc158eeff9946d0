"""The smoke-run step cap ``$GKLIB_SMOKE_STEPS`` (gklib.config.cap_steps) and the trainers that honour it."""
import warnings

import numpy as np
import pytest
import torch

import gklib as gk
from gklib import config, dmft
from gklib.toy.linearized import train_linearized
from gklib.nets import MLP, fit, student_teacher

ENV = "GKLIB_SMOKE_STEPS"


@pytest.fixture
def cap(monkeypatch):
    """Set the cap (``cap(None)`` unsets it) with a fresh warn-once flag."""
    monkeypatch.setattr(config, "_smoke_warned", False)

    def set_cap(value):
        if value is None:
            monkeypatch.delenv(ENV, raising=False)
        else:
            monkeypatch.setenv(ENV, str(value))
    return set_cap


def test_unset_returns_steps_unchanged_without_warning(cap):
    cap(None)
    arr = np.array([10, 10_000])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert config.smoke_steps() is None
        assert config.cap_steps(100_000) == 100_000
        assert config.cap_steps(arr) is arr
    cap("")                                   # empty counts as unset
    assert config.smoke_steps() is None and config.cap_steps(7) == 7


def test_set_caps_ints_and_arrays_and_warns_once(cap):
    cap(20)
    assert config.smoke_steps() == 20
    with pytest.warns(UserWarning, match=f"{ENV}=20.*100000"):
        assert config.cap_steps(100_000) == 20
    with warnings.catch_warnings():
        warnings.simplefilter("error")         # only once per process
        assert config.cap_steps(50_000) == 20
        assert config.cap_steps(5) == 5 and config.cap_steps(0) == 0
        np.testing.assert_array_equal(config.cap_steps(np.array([5, 20, 300])), [5, 20, 20])
    assert isinstance(config.cap_steps(100), int)


def test_no_warning_when_nothing_is_cut(cap):
    cap(" 50 ")                                # surrounding spaces are fine
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert config.cap_steps(50) == 50 and config.cap_steps(np.array([3, 50])).tolist() == [3, 50]
    assert config._smoke_warned is False


@pytest.mark.parametrize("bad", ["0", "-5", "2.5", "abc", "1e3"])
def test_bad_value_is_a_clear_error(cap, bad):
    cap(bad)
    with pytest.raises(ValueError, match=f"{ENV} must be a positive integer.*{bad}"):
        config.cap_steps(100)
    with pytest.raises(ValueError, match=ENV):
        config.smoke_steps()


def _toy():
    task = gk.quadratic_task(D=8, P=20, P_test=30, seed=0)
    return task, gk.CommitteeMachine(D=8, N=10, alpha=[1.0, 2.0], eps=0.1, seed=0)


@pytest.mark.filterwarnings("ignore:GKLIB_SMOKE_STEPS")
def test_trainers_stop_at_the_cap(cap):
    cap(7)
    task, model = _toy()
    h = gk.train(model, task, 500, lr_scale=0.5)
    assert h.steps[-1] == 7 and np.isfinite(h.test_loss).all()
    h_lin = train_linearized(model, task, 500, lr_scale=0.5)        # same grid as train
    np.testing.assert_array_equal(h_lin.steps, h.steps)
    h_runs = gk.train(_toy()[1], task, [3, 500], lr_scale=0.5)      # per-run counts
    assert h_runs.steps[-1] == 7 and np.isnan(h_runs.test_loss[0, -1]) and np.isfinite(h_runs.test_loss[1, -1])

    teacher = MLP([3, 8, 2], "tanh", seed=1)
    st = student_teacher(teacher, D=3, P=16, P_test=16, seed=0)
    res = fit(MLP([3, 8, 2], "tanh", seed=0), st, 300, alpha=[0.5, 1.0], lr=1e-2)
    assert res.steps[-1] == 7 and np.isfinite(res.test_loss).all()

    X = torch.linspace(-1, 1, 10)[:, None]
    hf = fit(MLP([1, 8, 1], "tanh", seed=0), (X, X[:, 0] ** 2), 300, lr=0.1)
    assert hf.steps[-1] == 7

    r = dmft.solve_dmft(2, 10.0, 1.0, 0.25, m0=dmft.typical_m0(2, 400), dt=0.4, steps=60,
                        samples=200, response_samples=20, iters=2, progress_bar=False)
    assert r.params["steps"] == 7 and r.t.size == 8
    t, gap = dmft.gap_leading_order(2, 10.0, 1.0, 0.25, steps=60, samples=200)
    assert t.size == gap.size == 8


def test_trainers_run_in_full_when_unset(cap):
    cap(None)
    task, model = _toy()
    assert gk.train(model, task, 30, lr_scale=0.5).steps[-1] == 30
    assert train_linearized(model, task, 30, lr_scale=0.5).steps[-1] == 30
