"""Issue #30: one static-slider builder (the chapters' sliders are presets of it), one loss plotter, one
label map for the swept parameters."""
import pathlib

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import gklib as gk  # noqa: E402
from gklib.toy.linearized import train_linearized  # noqa: E402
from gklib.viz import dmft as vdmft, figures, kernel_figures, slider, style  # noqa: E402


@pytest.fixture(scope="module")
def sweep():
    task = gk.quadratic_task(D=8, P=30, P_test=50, seed=0)
    m = gk.CommitteeMachine(8, 10, alpha=[0.5, 2.0], eps=0.3, seed=[0, 0])
    return gk.train(m, task, 40, n_log=8, progress_bar=False), train_linearized(m, task, 40, n_log=8)


def test_label_map_defined_once():
    root = pathlib.Path(figures.__file__).parent
    hits = [p.name for p in root.glob("*.py") for line in p.read_text().splitlines() if '"alpha": "α"' in line]
    assert hits == ["style.py"]
    assert style.param_label("alpha") == "α" and style.param_label("eps") == "ε" and style.param_label("P") == "P"


def test_everything_reads_the_one_label_map(sweep, monkeypatch):
    h, hl = sweep
    monkeypatch.setattr(style, "PARAM_LABELS", {"alpha": "A"})
    assert figures.sweep_labels(h, "alpha") == ["A = 0.5", "A = 2"]
    for s in (slider.sweep_animation(h, "alpha", dpi=10), slider.grokking_slider(h, dpi=10),
              slider.alpha_animation(h, hl, dpi=10)):
        assert 'data-gk-slider="A"' in s.html
    ax = figures.plot_vs_linear(h, hl, ax=plt.figure().gca())
    assert "A = 0.5" in [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close("all")


def test_presets_are_slider_figure_with_panels(sweep, monkeypatch):
    h, hl = sweep
    calls = []
    real = slider.slider_figure

    def spy(draw, values, **kw):
        calls.append(kw.get("panels"))
        return real(draw, values, **kw)

    monkeypatch.setattr(slider, "slider_figure", spy)
    monkeypatch.setattr(vdmft, "slider_figure", spy)
    slider.sweep_animation(h, dpi=10)
    slider.grokking_slider(h, dpi=10)
    slider.alpha_animation(h, hl, dpi=10)
    slider.eps_explorer_static(D=6, eps_values=(0.1, 1.0), dpi=10)
    slider.sweep_slider_html(h, "alpha", panels=("loss", "norm"), dpi=10)
    from gklib import dmft
    m0 = dmft.typical_m0(2, 50)
    runs = {r: dmft.solve_dmft(2, r, 1.0, 0.25, m0=m0, dt=0.4, steps=3, samples=50, response_samples=10,
                               progress_bar=False) for r in (5.0, 50.0)}
    vdmft.dmft_rho_slider(runs, dpi=10)
    assert calls == [2, 2, 1, 4, 2, 2]


def test_slider_figure_panels_clears_and_fixes_limits():
    seen = []

    def draw(i, axes):
        axes[0].plot([0, 1], [0, 10 * (i + 1)])
        seen.append((len(axes[0].lines), axes[0].get_ylim()))

    s = slider.slider_figure(draw, [1, 2, 3], panels=2, limits=[{"ylim": (0, 5)}, None], dpi=10, close=False)
    assert len(s.frames) == 3 and [n for n, _ in seen] == [1, 1, 1]            # cleared before each frame
    fig = plt.gcf()
    assert fig.axes[0].get_ylim() == (0, 5) and fig.axes[0].get_ylim() != seen[-1][1]   # limits after draw
    plt.close("all")
    with pytest.raises(ValueError, match="not both"):
        slider.slider_figure(draw, [1], panels=1, fig=plt.figure())
    with pytest.raises(ValueError, match="one dict per panel"):
        slider.slider_figure(draw, [1], panels=2, limits=[{}])
    plt.close("all")


def test_plot_losses_options():
    class R:                       # anything with the two series (here a DMFT-like result)
        t = np.array([0.0, 1.0, 2.0])
        train_loss = np.array([1.0, 0.5, 0.25])
        test_loss = np.array([1.0, 0.8, 0.6])

    ax = plt.figure().gca()
    figures.plot_losses(R, ax, label="DMFT", x=R.t, setup=False, test_first=True,
                        train_kw={"label": None, "lw": 3}, test_kw={"ls": ":"})
    test, train = ax.lines
    assert test.get_linestyle() == ":" and train.get_linestyle() == "--" and train.get_linewidth() == 3
    assert test.get_color() == train.get_color()
    np.testing.assert_array_equal(test.get_xdata(), R.t)
    assert [t.get_text() for t in ax.legend().get_texts()] == ["DMFT test"]
    assert ax.get_xscale() == "linear"
    figures.plot_losses(R, ax, x=R.t, normalize=True, train_kw={"color": "C4"}, test_kw={"color": "C5"})
    assert ax.lines[-2].get_color() == "C4" and ax.lines[-1].get_color() == "C5" and ax.get_yscale() == "log"
    plt.close("all")


def test_loss_figures_draw_through_plot_losses(sweep, monkeypatch):
    h, hl = sweep
    calls = []
    real = figures.plot_losses
    monkeypatch.setattr(figures, "plot_losses", lambda *a, **k: calls.append(k) or real(*a, **k))
    fig, axes = plt.subplots(1, 2)
    figures.draw_toy_panels(h.run(0), axes)
    figures.draw_vs_linear(axes[0], h.run(0), hl.run(0))
    figures.plot_vs_linear(h, hl, ax=axes[1])
    figures.plot_grokking(h.run(0))
    assert len(calls) == 1 + 2 + (2 + 1) + 1
    plt.close("all")


def test_moved_names_are_the_same_objects():
    assert figures.plot_spectrum is kernel_figures.plot_spectrum is gk.viz.plot_spectrum
    assert figures.plot_eps_panel is kernel_figures.plot_eps_panel
    assert figures.panel_axes is style.panel_axes is slider.panel_axes
    assert _code_lines(figures.__file__) <= 400


def _code_lines(path) -> int:
    """Lines of a module outside its docstrings (the numpydoc reference of #29 is not code)."""
    import ast

    text = pathlib.Path(path).read_text()
    doc = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            doc.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for i, _ in enumerate(text.splitlines(), 1) if i not in doc)
