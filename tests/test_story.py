"""The lazy-to-rich diagnostics (gklib.toy.diagnostics), the mode-learning dynamics (gklib.kernels.dynamics)
and the story figures (gklib.viz.story)."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

import gklib as gk  # noqa: E402
from gklib.kernels import cka, committee_ntk  # noqa: E402
from gklib.kernels.dynamics import mode_learning, mode_timescales  # noqa: E402
from gklib.toy.diagnostics import DIAGNOSTICS, lazy_rich_run, story_times  # noqa: E402
from gklib.toy.linearized import train_linearized  # noqa: E402
from gklib.viz import TEXT_WIDTH, plot_lazy_rich, plot_lazy_rich_schematic, plot_mode_learning  # noqa: E402
from gklib.viz.figures import plot_powerlaw, plot_vs_linear  # noqa: E402

torch.set_num_threads(1)   # small matrices: threads only add overhead


@pytest.fixture(scope="module")
def small_run():
    task = gk.quadratic_task(D=12, P=40, P_test=200, seed=0, dtype=torch.float64)
    model = gk.CommitteeMachine(D=12, N=30, alpha=1.0, eps=0.3, seed=0, dtype=torch.float64)
    lin = train_linearized(model, task, 400, lr_scale=1.0, n_log=20)
    hist = lazy_rich_run(model, task, 400, lr_scale=1.0, n_log=20, n_align=150, n_probe=50)
    return task, model, hist, lin


def test_lazy_rich_run_records_every_diagnostic(small_run):
    task, model, hist, lin = small_run
    for k in DIAGNOSTICS:
        assert hist.extra[k].shape == hist.steps.shape, k
    ex = hist.extra
    for k in ("dist_train", "dist_test", "weight_change", "kernel_change"):
        assert ex[k][0] == pytest.approx(0, abs=1e-12), k            # nothing has moved at step 0
    # the linearised losses are those of train_linearized on the same grid
    np.testing.assert_array_equal(lin.steps, hist.steps)
    np.testing.assert_allclose(ex["lin_train_loss"], lin.train_loss, rtol=1e-10)
    np.testing.assert_allclose(ex["lin_test_loss"], lin.test_loss, rtol=1e-10)
    # the weight change and alignment at the end are those of the trained model
    w = float((model.W - model.W0).norm() / model.W0.norm())
    assert ex["weight_change"][-1] == pytest.approx(w, rel=1e-10)
    a = float(cka(committee_ntk(model, task.X_test[:150]), task.y_test[:150]))
    assert ex["alignment"][-1] == pytest.approx(a, rel=1e-10)


def test_early_steps_are_lazy(small_run):
    _, _, hist, _ = small_run
    ex = hist.extra
    assert ex["dist_train"][1] < 1e-2 and ex["dist_train"][-1] > 10 * ex["dist_train"][1]
    np.testing.assert_allclose(hist.train_loss[:3], ex["lin_train_loss"][:3], rtol=0.05)


def test_story_times(small_run):
    _, _, hist, _ = small_run
    t = story_times(hist)
    assert set(t) == {"train", "test", "leave", "lin_plateau", "test_peak"}
    assert t["leave"] == gk.first_crossing(hist.steps, hist.extra["dist_train"], 0.1, above=True)
    assert t["train"] == gk.first_below(hist.steps, hist.train_loss, 0.1, relative=True)


def test_story_times_on_a_hand_made_history():
    """Every time read off by hand: relative level 0.1, leave 0.1 and 90 % of the linear fall."""
    steps = np.arange(6) * 10
    hist = gk.History(steps=steps, train_loss=np.array([1.0, 0.6, 0.4, 0.09, 0.05, 0.01]),
                      test_loss=np.array([2.0, 2.5, 1.5, 0.9, 0.15, 0.1]), weight_norm=np.ones(6),
                      extra={"dist_train": np.array([0.0, 0.01, 0.05, 0.2, 0.6, 1.0]),
                             "lin_train_loss": np.array([1.0, 0.5, 0.2, 0.12, 0.11, 0.1])})
    t = story_times(hist)
    assert t == {"train": 30,          # 0.09 < 0.1 × 1.0
                 "test": 40,           # 0.15 < 0.1 × 2.0
                 "leave": 30,          # 0.2 >= 0.1
                 "lin_plateau": 30,    # excess over the final 0.1: 0.02 < 10 % of the fall 0.9
                 "test_peak": 10}
    t = story_times(hist, level=0.5, leave=0.5)
    assert (t["train"], t["test"], t["leave"]) == (20, 30, 40)


def test_lazy_rich_run_needs_a_single_run():
    task = gk.quadratic_task(D=6, P=20, P_test=20, seed=0)
    with pytest.raises(ValueError, match="single-run"):
        lazy_rich_run(gk.CommitteeMachine(6, 10, alpha=[1.0, 2.0], eps=0.1), task, 10)


def test_mode_timescales():
    t = mode_timescales(100, 0.02, lr_scale=1.0)
    assert t["linear"] == pytest.approx(50)
    assert t["traceless"] == pytest.approx(100**2 / (4 * 0.02**2))
    assert t["norm"] == pytest.approx(100**2 / (2 * 0.02**2 * 102))
    assert mode_timescales(100, 0.02, lr_scale=2.0)["linear"] == pytest.approx(25)


def test_mode_learning_follows_theory():
    r = mode_learning(D=8, eps=0.5, P=3000, lr_scale=1.0, n_test=2000, seed=1)
    for part in ("linear", "norm", "traceless"):
        th = np.interp(r["steps"], r["t_theory"], r["theory"][part])
        assert np.max(np.abs(r["measured"][part] - th)) < 0.05, part
        assert r["measured"][part][0] < 1.0 and r["measured"][part][-1] < 1e-3
    # the order of learning follows the eigenvalues
    tau = r["timescale"]
    assert tau["linear"] < tau["norm"] < tau["traceless"]


def test_mode_learning_checks_stability():
    with pytest.raises(RuntimeError, match="diverges"):
        mode_learning(D=4, eps=0.5, P=500, lr_scale=100.0)


def test_plot_lazy_rich(small_run):
    _, _, hist, _ = small_run
    axes = plot_lazy_rich(hist, kernel_mse=1.0, step_scale=2.0, title="t")
    assert len(axes) == 3
    fig = axes[0].figure
    assert fig.get_figwidth() <= TEXT_WIDTH + 1e-9
    assert axes[2].get_xlabel().startswith("step (lr_scale = 1)")
    plt.close(fig)
    with pytest.raises(ValueError, match="lazy_rich_run"):
        plot_lazy_rich(gk.train(gk.CommitteeMachine(6, 10, eps=0.1), gk.quadratic_task(6, 20, 20), 5))
    plt.close("all")


def test_schematic_and_mode_figure_fit_the_column():
    ax = plot_lazy_rich_schematic()
    assert ax.figure.get_figwidth() <= TEXT_WIDTH
    ax2 = plot_mode_learning(mode_learning(D=6, eps=0.5, P=500))
    assert ax2.figure.get_figwidth() <= TEXT_WIDTH
    assert len(ax2.get_legend().get_texts()) == 4
    plt.close("all")


def test_plot_powerlaw_slope_and_error():
    x = np.array([1.0, 2, 4, 8, 16, 32])
    y = 3 * x**-1.0
    y_noisy = y * np.array([1.0, 1.05, 0.95, 1.02, 0.98, 1.0])
    _, k, err = plot_powerlaw(x, {"exact": y, "noisy": y_noisy}, fit_from=2, fit_to=16, return_errors=True)
    assert k["exact"] == pytest.approx(-1.0) and err["exact"] == pytest.approx(0, abs=1e-10)
    assert 0 < err["noisy"] < 0.1
    _, k2 = plot_powerlaw(x, {"exact": y})
    assert k2["exact"] == pytest.approx(-1.0)
    with pytest.raises(ValueError):
        plot_powerlaw(x, {"a": y}, fit_from=100)
    plt.close("all")


def test_plot_vs_linear_draws_linearisation_on_top():
    task = gk.quadratic_task(D=6, P=30, P_test=30, seed=0)
    m = gk.CommitteeMachine(6, 20, alpha=[1.0, 4.0], eps=0.3, seed=0)
    lin = train_linearized(m, task, 50, n_log=10)
    h = gk.train(m, task, 50, n_log=10)
    ax = plot_vs_linear(h, lin)
    black = [ln for ln in ax.get_lines() if matplotlib.colors.same_color(ln.get_color(), "k") and len(ln.get_xdata())]
    assert len(black) == 2 and all(ln.get_zorder() > 2 for ln in black)   # drawn once, above the networks
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "network test" in labels and "linearised train" in labels
    plt.close("all")
