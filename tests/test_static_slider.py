"""The one static-slider helper (gklib.viz.slider.slider_figure) and the chapter wrappers."""
import base64
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import gklib as gk  # noqa: E402
from gklib.viz.slider import StaticSlider, slider_figure  # noqa: E402

PNG = b"\x89PNG\r\n\x1a\n"


def _line_slider(values, **kw):
    fig, ax = plt.subplots(figsize=(3, 2))
    x = np.linspace(0, 1, 50)

    def draw(i):
        ax.clear()
        ax.plot(x, x ** values[i])
        ax.set_ylim(0, 1)

    return slider_figure(draw, values, fig=fig, **kw)


def test_one_frame_per_value_and_frames_differ():
    vals = [0.5, 1.0, 2.0, 4.0]
    s = _line_slider(vals, label="α", dpi=40)
    assert isinstance(s, StaticSlider) and len(s) == len(s.frames) == len(vals)
    raw = [base64.b64decode(f) for f in s.frames]
    assert all(r.startswith(PNG) for r in raw)
    assert len(set(s.frames)) == len(vals)               # every frame is a different picture
    assert s.labels == ["0.5", "1", "2", "4"] and s.values == vals


def test_html_has_hooks_controls_and_all_frames():
    s = _line_slider([1.0, 2.0, 3.0], label="ε", dpi=30, initial=1)
    h = s._repr_html_()
    assert h == s.data == s.html
    assert re.search(r'<div class="gk-slider" id="gk-slider-[0-9a-f]+-\d+" data-gk-slider="ε" data-gk-frames="3"', h)
    assert 'type="range" min="0" max="2" step="1" value="1"' in h
    assert '<output class="gk-slider-value"' in h and ">2</output>" in h     # the initial value
    assert f'src="data:image/png;base64,{s.frames[1]}"' in h                 # the initial frame
    assert all(h.count(f) == 1 for f in s.frames)                            # each PNG stored once
    assert "http://" not in h and "https://" not in h and "<script src" not in h   # self-contained
    assert f'for="{s.id}-input"' in h and 'aria-valuetext="ε = 2"' in h       # labelled control


def test_ids_are_unique_on_a_page():
    a, b = _line_slider([1.0, 2.0], dpi=20), _line_slider([1.0, 2.0], dpi=20)
    assert a.frames == b.frames and a.id != b.id


def test_figure_closed_and_custom_format():
    n0 = len(plt.get_fignums())
    s = _line_slider([1, 2], fmt=lambda v: f"<{v}>", sep=": ", note=None, dpi=20)
    assert len(plt.get_fignums()) == n0
    assert "&lt;1&gt;" in s.html and "gk-slider-note" not in s.html          # escaped in the markup


@pytest.mark.parametrize("kwargs, name", [
    (dict(draw=None), "draw"),
    (dict(values=[]), "values"),
    (dict(values=5), "values"),
    (dict(values="abc"), "values"),
    (dict(values=[[1, 2], [3, 4]]), "values"),
    (dict(label=""), "label"),
    (dict(fmt=3), "fmt"),
    (dict(fmt="{:d}"), "fmt"),          # cannot format floats
    (dict(dpi=0), "dpi"),
    (dict(initial=3), "initial"),
    (dict(initial=-1), "initial"),
    (dict(fig="not a figure"), "fig"),
    (dict(sep=None), "sep"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    args = dict(draw=lambda i: None, values=[1.0, 2.0, 3.0])
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        slider_figure(args.pop("draw"), args.pop("values"), **args)


def test_chapter_wrappers_use_the_helper():
    task = gk.quadratic_task(D=8, P=30, P_test=50, seed=0)
    m = gk.CommitteeMachine(8, 10, alpha=[0.5, 2.0], eps=0.3, seed=[0, 0])
    h = gk.train(m, task, 40, n_log=8, progress_bar=False)
    from gklib.toy.linearized import train_linearized
    hl = train_linearized(m, task, 40, n_log=8)
    for s in (gk.viz.grokking_slider(h, dpi=20), gk.viz.sweep_animation(h, "alpha", dpi=20),
              gk.viz.alpha_animation(h, hl, dpi=20),
              gk.viz.eps_explorer_static(D=6, eps_values=(0.1, 1.0), dpi=20)):
        assert isinstance(s, StaticSlider) and len(s.frames) == 2 and s.frames[0] != s.frames[1]
    with pytest.raises(ValueError, match="hist"):
        gk.viz.grokking_slider(h.run(0))
    with pytest.raises(ValueError, match="eps_values"):
        gk.viz.eps_explorer_static(eps_values=(0.1, -1.0))
    with pytest.raises(ValueError, match="runs"):
        gk.viz.dmft_rho_slider({})


def test_dmft_rho_slider_frames():
    from gklib import dmft
    m0 = dmft.typical_m0(2, 50)
    runs = {rho: dmft.solve_dmft(2, rho, 1.0, 0.25, m0=m0, dt=0.4, steps=4, samples=100,
                                 response_samples=20, progress_bar=False) for rho in (5.0, 50.0)}
    s = gk.viz.dmft_rho_slider(runs, dpi=20)
    assert s.labels == ["5", "50"] and len(set(s.frames)) == 2
