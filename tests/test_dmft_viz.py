"""The figures of chapter 4.5 and of the DMFT derivation page draw what they are given."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from gklib import dmft  # noqa: E402
from gklib.viz.dmft import (plot_cavity_schematic, plot_delay_scatter, plot_delay_window,  # noqa: E402
                            run_colors)

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def small():
    m0 = np.array([0.35, 0.25])
    sims = {rho: dmft.simulate_batch(2, rho, 1.0, 0.25, D=40, steps=6, seeds=3, m0=m0, q_star=1.0)
            for rho in (3.0, 6.0)}
    theory = {rho: dmft.solve_dmft(2, rho, 1.0, 0.25, C0=np.eye(2) + np.outer(m0, m0), m0=m0, steps=4,
                                   samples=100, response_samples=20, iters=3, progress_bar=False)
              for rho in (3.0, 6.0)}
    return sims, theory


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_plot_delay_window_draws_every_run_median_and_theory(small):
    sims, theory = small
    axs = plot_delay_window(theory, sims, level=0.3)
    assert len(axs) == 2
    # per panel: 3 runs x 2 losses + 2 medians + 2 DMFT lines + the level line
    assert [len(a.get_lines()) for a in axs] == [11, 11]
    assert axs[0].get_xlim() == (0.0, float(sims[3.0].t[-1]))
    with pytest.raises(ValueError, match="same rho"):
        plot_delay_window(theory, {3.0: sims[3.0]})
    plt.close("all")


def test_plot_delay_scatter_marks_censored_runs():
    sc = dmft.DelayScan(D=np.array([100, 200]), t_train=np.ones((2, 3)),
                        t_test=np.array([[10.0, np.inf, 20.0], [12.0, 15.0, 18.0]]),
                        amp=np.array([[0.5, 0.1, 0.3], [0.4, 0.35, 0.3]]), t=np.arange(0, 40.1, 0.4),
                        train_median=None, test_median=None, test_mean=None,
                        params=dict(rho=6.0, t_kick=8.0))
    a0, a1 = plot_delay_scatter(sc, 14.0, kick_line=(np.array([0.1, 1.0]), np.array([20.0, 10.0])))
    tri = [ln for ln in a0.get_lines() if ln.get_marker() == "^" and len(ln.get_xdata())]
    assert len(tri) == 1 and tri[0].get_ydata()[0] > 40                 # the censored run, at the top
    assert any(ln.get_label() == "DMFT, one-off kick" for ln in a1.get_lines())
    plt.close("all")


def test_cavity_schematic_and_run_colors():
    axs = plot_cavity_schematic(n_coords=4, n_points=5)
    assert len(axs) == 2 and all(len(a.texts) == 3 for a in axs)
    c = run_colors(["a", "b", "c"])
    assert list(c) == ["a", "b", "c"] and not np.allclose(c["a"], c["c"])
    plt.close("all")
