"""Chapter 5's delay read-out (:func:`gklib.nets.delay_summary`) against curves whose crossings are known in
closed form, the Markdown table, and the one-run-per-frame static slider."""
import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from gklib import History
from gklib.nets import QuadraticMLP, delay_summary, feature_kernel_change, fit, modular_addition
from gklib.viz import delay_figure, markdown_table, run_slider_html


def _hist(rate_tr=(1.0, 0.5), rate_te=(0.25, 0.05), T=5001):
    """Exponential losses L(t) = L0 exp(-r t) on an integer grid: L < q L0 first at t = ceil(ln(1/q)/r)
    (or the next grid point); accuracies 1 - exp(-r t)."""
    steps = np.arange(0, T, 1)
    tr = np.array([2.0 * np.exp(-r * steps / 100) for r in rate_tr])
    te = np.array([3.0 * np.exp(-r * steps / 100) for r in rate_te])
    acc_tr, acc_te = 1 - np.exp(-np.array(rate_tr)[:, None] * steps / 100), 1 - np.exp(-np.array(rate_te)[:, None] * steps / 100)
    d = np.tile(np.linspace(0, 1, T), (len(rate_tr), 1))
    return History(steps=steps, train_loss=tr, test_loss=te, weight_norm=np.ones_like(tr), train_acc=acc_tr,
                   test_acc=acc_te, extra={"d": d})


def test_delay_summary_closed_form():
    h = _hist()
    ds = delay_summary(h, 0.1, acc_level=0.9, key="d")
    # fall by 10x: t = 100 ln(10) / r, first integer step strictly past it
    t = lambda r: np.floor(100 * np.log(10) / r) + 1
    np.testing.assert_array_equal(ds["loss_train"], [t(1.0), t(0.5)])
    np.testing.assert_array_equal(ds["loss_test"], [t(0.25), t(0.05)])
    np.testing.assert_allclose(ds["loss_ratio"], [t(0.25) / t(1.0), t(0.05) / t(0.5)])
    np.testing.assert_array_equal(ds["loss_delay"], ds["loss_test"] - ds["loss_train"])
    # accuracy 0.9 at the same times (1 - e^{-rt} >= 0.9 <=> e^{-rt} <= 0.1), reached at equality or just after
    assert np.all(np.abs(ds["acc_train"] - ds["loss_train"]) <= 1)
    np.testing.assert_allclose(ds["key_at_fit"], ds["loss_train"] / 5000)
    # an absolute level: 2 e^{-rt} < 0.2 is the same fall by 10x on the train loss
    ab = delay_summary(h, 0.2, relative=False)
    np.testing.assert_array_equal(ab["loss_train"], ds["loss_train"])


def test_delay_summary_never_and_invalid():
    h = _hist(rate_te=(0.25, 0.0001))
    ds = delay_summary(h, 0.1)
    assert np.isinf(ds["loss_test"][1]) and np.isinf(ds["loss_ratio"][1]) and np.isinf(ds["loss_delay"][1])
    h = _hist(rate_tr=(1.0, 0.0001))
    ds = delay_summary(h, 0.1)
    assert np.isnan(ds["loss_ratio"][1]) and np.isnan(ds["loss_delay"][1])
    for bad in (0.0, 1.0, -1, np.nan):
        with pytest.raises(ValueError, match="loss_level"):
            delay_summary(h, bad)
    with pytest.raises(ValueError, match="acc_level"):
        delay_summary(h, 0.1, acc_level=1.5)
    with pytest.raises(ValueError, match="extra"):
        delay_summary(h, 0.1, key="nope")
    with pytest.raises(ValueError, match="hist"):
        delay_summary({"steps": 1}, 0.1)


def test_markdown_table():
    md = markdown_table(["s", "t"], [[0.5, 12.0], ["x", np.inf], [1, np.nan]])
    lines = md.data.splitlines()
    assert lines[0] == "| s | t |" and lines[1] == "|---|---|"
    assert lines[2] == "| 0.5 | 12 |" and lines[3] == "| x | never |" and lines[4] == "| 1 | — |"
    with pytest.raises(ValueError, match="row"):
        markdown_table(["a"], [[1, 2]])


def test_track_through_a_real_sweep_and_figures():
    task = modular_addition(7, 0.8, seed=1)
    h = fit(QuadraticMLP(14, 20, 7, seed=0), task, alpha=[0.5, 2.0], steps=60, lr=20.0, lr_alpha_power=2,
            center=False, n_log=20, track={"d": feature_kernel_change(task.X)})
    ds = delay_summary(h, 0.9, acc_level=0.5, key="d")
    assert set(ds) >= {"loss_train", "loss_ratio", "acc_ratio", "key_at_fit"}
    assert h.extra["d"].shape == h.train_loss.shape and np.all(h.extra["d"][:, 0] < 1e-9)
    axes = delay_figure(h, ["a", "b"], "d", 0.9, acc_level=0.5)
    assert len(axes) == 4
    sl = run_slider_html(h, ["a", "b"], "d", 0.9)
    assert len(sl.frames) == 2 and sl.frames[0] != sl.frames[1]
    with pytest.raises(ValueError, match="labels"):
        run_slider_html(h, ["a"], "d", 0.9)


def test_compare_runs_figure():
    from gklib.viz import compare_runs_figure
    h = _hist()
    axes = compare_runs_figure(h, [1, 0], ["b", "a"], 0.3, relative=True, acc_level=0.8)
    assert len(axes) == 2 and len(axes[0].lines) >= 5
    with pytest.raises(ValueError, match="runs"):
        compare_runs_figure(h, [5], ["x"], 0.3)
    with pytest.raises(ValueError, match="labels"):
        compare_runs_figure(h, [0], ["x", "y"], 0.3)


def test_ratio_counts_step_zero_as_one():
    steps = np.arange(5)
    low = np.full((1, 5), 0.01)
    h = History(steps=steps, train_loss=low, test_loss=low, weight_norm=np.ones((1, 5)))
    ds = delay_summary(h, 0.1, relative=False)
    assert ds["loss_train"][0] == 0 and ds["loss_test"][0] == 0 and ds["loss_ratio"][0] == 1.0


def test_table_html_renders_math_as_subscripts():
    t = markdown_table(["$d_t$", "$t_{\\rm test}/t_{\\rm train}$", "a<b"], [[1, 2, 3]])
    h = t._repr_html_()
    assert "<th>d<sub>t</sub></th>" in h and "t<sub>test</sub>/t<sub>train</sub>" in h and "a&lt;b" in h
    assert h.count("<tr>") == 2 and "<td>1</td>" in h
