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


def test_plot_sweep_labels_panels_and_colour_bar(sweep):
    axes = gk.plot_sweep(sweep, [f"run {i}" for i in range(3)], panels=("loss", "norm", "loss"))
    assert len(axes) == 3 and axes[0].figure.get_size_inches()[0] == pytest.approx(gk.viz.TEXT_WIDTH)
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["run 0", "run 1", "run 2"]
    np.testing.assert_allclose(axes[1].lines[2].get_ydata(), sweep.weight_norm[2])
    with pytest.raises(ValueError, match="by has 2 labels"):
        gk.plot_sweep(sweep, ["a", "b"])
    with pytest.raises(ValueError, match="panels"):
        gk.plot_sweep(sweep, "alpha", panels=("nope",))
    task = gk.quadratic_task(D=6, P=20, P_test=20, seed=0)
    big = gk.train(gk.CommitteeMachine(6, 8, alpha=np.geomspace(0.5, 4, 9), eps=0.3), task, 20,
                   n_log=5, progress_bar=False)
    ax = gk.plot_sweep(big, "alpha")
    fig = ax.figure
    assert len(fig.axes) == 2                                  # the panel and its colour bar
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    ticks = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert ticks[0] == "0.5" and ticks[-1] == f"{big.params['alpha'][-1]:.3g}"
    plt.close("all")


def test_style_and_profile_banner():
    gk.viz.use_style()
    assert matplotlib.rcParams["figure.figsize"][0] == gk.viz.TEXT_WIDTH
    assert matplotlib.rcParams["font.size"] >= 9
    with gk.profile("quick"):
        assert "quick" in gk.viz.style.profile_banner().data
    with gk.profile("book"):
        assert gk.viz.style.profile_banner() is None


def test_plot_sweep_split_puts_train_and_test_on_their_own_axes():
    """Train curves (dashed) on the left, test (solid) on the right, each axis trimmed to its own
    curves: the test axis does not reach down to the training losses."""
    import matplotlib.pyplot as plt
    from gklib.history import History
    from gklib.viz import plot_sweep_split

    steps = np.arange(50) * 10
    tr = np.stack([np.exp(-steps / 20.0), np.exp(-steps / 40.0)])       # down to ~1e-11
    te = np.stack([1 - 0.9 * (steps > 200), 1 - 0.8 * (steps > 300)]) + 0.0
    h = History(steps=steps, train_loss=tr, test_loss=te, weight_norm=np.ones_like(tr),
                params={"alpha": np.array([0.5, 2.0])})
    a_tr, a_te = plot_sweep_split(h, "alpha", axes=plt.subplots(1, 2)[1])
    assert {ln.get_linestyle() for ln in a_tr.get_lines()} == {"--"}
    assert {ln.get_linestyle() for ln in a_te.get_lines()} == {"-"}
    assert a_te.get_ylim()[0] >= 0.1 / 2 - 1e-12                          # the test range only
    assert a_tr.get_ylim()[0] >= 1e-6 * 1.0 - 1e-15                       # floor × the largest
    assert [t.get_text() for t in a_te.get_legend().get_texts()] == ["α = 0.5", "α = 2"]
    with pytest.raises(ValueError, match="batched"):
        plot_sweep_split(h.run(0))
    plt.close("all")


def test_plot_eps_panel_four_panels_time_scales():
    """The fourth panel draws τ = 1/(2λ) of the three blocks against ε (steps at c = 1)."""
    import matplotlib.pyplot as plt
    from gklib.kernels.dynamics import mode_timescales
    from gklib.viz import plot_eps_panel

    axes = plot_eps_panel(20, 0.1, axes=plt.subplots(2, 2)[1].ravel())
    lines = axes[3].get_lines()[:3]
    e = lines[1].get_xdata()
    k = int(np.argmin(np.abs(e - 0.1)))
    tau = mode_timescales(20, float(e[k]))
    for line, part in zip(lines, ("linear", "norm", "traceless")):
        assert np.isclose(line.get_ydata()[k], tau[part], rtol=1e-9), part
    with pytest.raises(ValueError, match="axes"):
        plot_eps_panel(20, 0.1, axes=plt.subplots(1, 2)[1])
    plt.close("all")


def test_invalid_arguments_name_the_parameter():
    """Issue #29: the outside fuzz found ``plot_losses(None)`` ending in AttributeError; every viz entry point
    now refuses None or a string where a History, an array or a callable is expected, naming the parameter."""
    from gklib.viz import dmft as vdmft, nets, slider

    cases = [(lambda: gk.plot_losses(None), "hist"), (lambda: gk.plot_losses("x"), "hist"),
             (lambda: gk.plot_sweep(None), "hist"), (lambda: gk.viz.loss_range("h"), "hist"),
             (lambda: slider.slider_figure(None, [1.0]), "draw"), (lambda: slider.slider_figure(print, "ab"), "values"),
             (lambda: nets.plot_seed_sweep(None, [1.0]), "values"), (lambda: vdmft.plot_grokking_curve(None, None), "res"),
             (lambda: gk.viz.plot_spectrum(4, float("nan")), "eps"), (lambda: gk.viz.chapter_explorer(6), "chapter")]
    for call, name in cases:
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value).startswith(f"{name} must be "), str(info.value)
        assert isinstance(info.value, TypeError)
    plt.close("all")
