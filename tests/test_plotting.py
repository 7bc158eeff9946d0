"""Plot helpers draw what they claim (line counts, axes scales) and refuse what they cannot draw."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import gklib as gk  # noqa: E402


@pytest.fixture(scope="module")
def sweep():
    task = gk.quadratic_task(D=8, P=20, P_test=30, seed=0)
    m = gk.CommitteeMachine(8, 10, alpha=[0.5, 1.0, 2.0], eps=0.3)
    return gk.train(m, task, 200, n_log=30, progress_bar=False)


def test_plot_sweep_and_losses(sweep):
    fig, ax = plt.subplots()
    gk.plot_sweep(sweep, "alpha", ax=ax)
    assert len(ax.lines) == 2 * sweep.R
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), sweep.test_loss[0])
    np.testing.assert_allclose(ax.lines[0].get_xdata(), sweep.steps + 1)
    fig, ax = plt.subplots()
    gk.plot_losses(sweep.run(2), ax=ax, normalize=True, train=False)
    assert len(ax.lines) == 1 and ax.lines[0].get_ydata()[0] == pytest.approx(1.0)
    plt.close("all")


def test_plot_grokking_and_decomposition(sweep):
    axes = gk.plot_grokking(sweep.run(0))
    assert len(axes) == 2 and axes[1].lines[0].get_ydata()[0] == pytest.approx(1.0)
    fig, ax = plt.subplots()
    gk.plot_decomposition(sweep.run(0), ax=ax)
    assert [ln.get_label() for ln in ax.lines] == ["variance", "misalignment", "linear", "total"]
    hermite = gk.train(gk.CommitteeMachine(8, 4, activation="hermite3"), gk.hermite_task(D=8, P=10),
                       5, progress_bar=False)
    with pytest.raises(ValueError, match="decomposition"):
        gk.plot_decomposition(hermite)
    plt.close("all")
