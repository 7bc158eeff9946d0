"""Chapter 5's seed-sweep figures: the slider with one α per frame (gklib.viz.sweeps.seed_slider_html), the
"never" band of plot_seed_sweep and the train/test key of seed_sweep_figure's panel (a).

The slider is checked on a synthetic seed sweep whose loss crossings are set by construction, so the medians
in every frame's title are known without gklib (and agree with delay_summary's per-run numbers)."""
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import gklib as gk  # noqa: E402
import gklib.viz.slider as slider_mod  # noqa: E402
from gklib.nets import delay_summary  # noqa: E402
from gklib.viz import plot_seed_sweep, seed_slider_html, seed_sweep_figure  # noqa: E402

STEPS = np.array([0, 1, 3, 10, 30, 100, 300, 1000])
INF = np.inf
# (S = 3 seeds, A = 3 α): the logged step at which each run's train / test loss drops below 0.1
T_TRAIN = np.array([[3, 10, 30], [10, 10, 100], [3, INF, 30]])
T_TEST = np.array([[30, 300, INF], [100, 1000, INF], [30, INF, 1000]])
ALPHAS = [0.1, 0.5, 2.0]


def _drop(t):
    """A loss of 1 until step t, 0.01 from then on (never below 0.1 when t is inf)."""
    return np.where(STEPS >= t, 0.01, 1.0)


def _sweep():
    S, A = T_TRAIN.shape
    tr = np.array([_drop(t) for t in T_TRAIN.ravel()])
    te = np.array([_drop(t) for t in T_TEST.ravel()])
    acc = np.clip(1 - te, 0, 1)
    return gk.History(steps=STEPS.astype(float), train_loss=tr, test_loss=te, weight_norm=np.ones_like(tr),
                      train_acc=np.clip(1 - tr, 0, 1), test_acc=acc,
                      extra={"d": np.tile(STEPS / 1000.0, (S * A, 1))},
                      params={"seed": np.repeat(np.arange(S) + 7, A), "alpha": np.tile(ALPHAS, S)})


def _median_inf_last(col):
    """Median of a short column, inf sorted last (by hand: no gklib)."""
    col = sorted(col, key=lambda v: (v == INF, v))
    n = len(col)
    return col[n // 2] if n % 2 else (col[n // 2 - 1] + col[n // 2]) / 2


@pytest.fixture
def frames(monkeypatch):
    """Every rendered frame's title, axis limits and figure legend texts."""
    seen, png = [], slider_mod._png

    def record(fig, dpi):
        axes = fig.axes
        seen.append({"title": fig._suptitle.get_text(),
                     "limits": [(ax.get_xlim(), ax.get_ylim()) for ax in axes],
                     "legend": [t.get_text() for lg in fig.legends for t in lg.get_texts()],
                     "n_lines": [len(ax.lines) for ax in axes]})
        return png(fig, 20)

    monkeypatch.setattr(slider_mod, "_png", record)
    return seen


def test_seed_slider_one_frame_per_alpha_same_limits(frames):
    h = _sweep()
    s = seed_slider_html(h, "d", 0.1, plateau=0.4)
    assert len(s.frames) == len(ALPHAS) == len(frames)
    assert s.labels == ["0.1", "0.5", "2"] and 'data-gk-slider="α"' in s.html
    assert all(f["limits"] == frames[0]["limits"] for f in frames)          # identical axes in every frame
    (xl, yl), (xr, yr) = frames[0]["limits"]
    assert xl == xr and yr == (-0.03, 1.03) and yl[0] < 0.01 and yl[1] > 1
    for f in frames:                                     # one legend, drawn once, naming seeds and styles
        assert f["legend"][:3] == ["seed 7", "seed 8", "seed 9"]
        assert {"train (dashed)", "test (solid)", "$d_t$ (dotted)", "plateau"} <= set(f["legend"])
        # left: 3 seeds × (train, test) + crossing markers + the level; right: 3 × (train, test, d) + plateau
        assert f["n_lines"][1] >= 3 * 3 + 1


def test_seed_slider_titles_give_the_medians_over_seeds(frames):
    h = _sweep()
    seed_slider_html(h, "d", 0.1)
    ds = delay_summary(h, 0.1, relative=False, key="d")
    S, A = T_TRAIN.shape
    for j, f in enumerate(frames):
        tr, te = T_TRAIN[:, j], T_TEST[:, j]
        # the construction's crossings are what delay_summary measures, run by run
        assert np.array_equal(ds["loss_train"].reshape(S, A)[:, j], tr)
        assert np.array_equal(ds["loss_test"].reshape(S, A)[:, j], te)
        m_tr, m_te = _median_inf_last(tr), _median_inf_last(te)
        fitted = np.isfinite(tr)
        m_ratio = np.median([max(b, 1) / max(a, 1) for a, b in zip(tr[fitted], te[fitted])])
        m_key = np.median(tr[fitted] / 1000.0)                   # d = step / 1000 at the fit
        title = f["title"]
        assert title.startswith(f"α = {ALPHAS[j]:g}, medians over 3 seeds "
                                f"(the train loss crossed in {fitted.sum()}, the test loss in "
                                f"{np.isfinite(te).sum()})")
        assert (f"loss fit at step {m_tr:.0f}," if np.isfinite(m_tr) else "loss fit at step never,") in title
        assert (f"test at {m_te:.0f}" if np.isfinite(m_te) else "test not within the run") in title
        if np.isfinite(m_ratio):
            assert f"(×{m_ratio:.2f})" in title
        else:
            assert "×" not in title
        assert title.endswith(f"$d_t$ at the fit {m_key:.2f}")
    # the worked values of the construction
    assert "loss fit at step 3, test at 30 (×10.00)" in frames[0]["title"]
    assert "loss fit at step 10, test at 1000 (×65.00)" in frames[1]["title"]
    assert "loss fit at step 30, test not within the run; $d_t$ at the fit 0.03" in frames[2]["title"]


def test_seed_slider_rejects_bad_input():
    h = _sweep()
    with pytest.raises(ValueError, match="no 'nope'"):
        seed_slider_html(h, "nope", 0.1)
    with pytest.raises(ValueError, match="loss_level"):
        seed_slider_html(h, "d", 0.0)
    plain = gk.History(steps=STEPS, train_loss=np.ones((2, 8)), test_loss=np.ones((2, 8)), weight_norm=np.ones((2, 8)))
    with pytest.raises(ValueError, match="hist"):
        seed_slider_html(plain, "d", 0.1)
    shuffled = _sweep()
    shuffled.params["seed"] = np.tile([7, 8, 9], 3)                    # alpha-major: not a seed sweep's order
    with pytest.raises(ValueError, match="seed-major"):
        seed_slider_html(shuffled, "d", 0.1)


def _band(ax):
    """(break height, band top, the 'never' tick) of a plot_seed_sweep axis."""
    spans = [p for p in ax.patches if p.get_height() > 0]
    assert len(spans) == 1
    y0 = spans[0].get_y()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    return y0, y0 + spans[0].get_height(), labels


def test_never_band_above_every_finite_value():
    v = np.array([[10.0, 20.0, INF], [12.0, 300.0, 50.0], [11.0, INF, INF]])
    ax = plot_seed_sweep(v, [0.5, 1.0, 2.0], ax=plt.figure().gca(), ylabel="delay")
    brk, band_top, labels = _band(ax)
    ticks = ax.get_yticks()
    assert labels[-1] == "never" and labels.count("never") == 1
    assert np.isfinite(v).any() and v[np.isfinite(v)].max() < brk < ticks[-1] < band_top
    assert all(t < brk for t in ticks[:-1])                      # the numeric ticks stop below the break
    assert ax.get_ylim()[1] == pytest.approx(band_top)
    assert any(np.allclose(line.get_ydata(), brk) for line in ax.lines)           # the thin break line
    tri = [line for line in ax.lines if line.get_marker() == "^" and len(line.get_ydata())]
    assert sum(len(line.get_ydata()) for line in tri) == np.isinf(v).sum()
    assert all(np.allclose(line.get_ydata(), ticks[-1]) for line in tri)          # at the "never" label
    assert all(line.get_markerfacecolor() == "none" for line in tri)
    plt.close("all")


def test_never_band_is_absent_without_nevers_and_ceiling_is_checked():
    ax = plot_seed_sweep(np.array([[1.0, 2.0], [3.0, 4.0]]), [1.0, 2.0], ax=plt.figure().gca())
    assert "never" not in [t.get_text() for t in ax.get_yticklabels()] and not ax.patches
    with pytest.raises(ValueError, match="ceiling"):
        plot_seed_sweep(np.array([[1.0, INF], [3.0, 4.0]]), [1.0, 2.0], ax=plt.figure().gca(), ceiling=3.0)
    ax = plot_seed_sweep(np.array([[1.0, INF], [3.0, 4.0]]), [1.0, 2.0], ax=plt.figure().gca(), ceiling=8.0)
    assert ax.get_yticks()[-1] == 8.0
    plt.close("all")


def test_seeds_at_one_alpha_are_hollow_and_side_by_side():
    v = np.full((5, 3), 7.0)                                     # five seeds with the same value
    ax = plot_seed_sweep(v, [0.1, 0.15, 1.0], ax=plt.figure().gca())
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(dots) == 5 and all(line.get_markerfacecolor() == "none" for line in dots)
    for j in range(3):
        xs = np.log([line.get_xdata()[j] for line in dots])
        assert np.all(np.diff(xs) > 0.02)                        # each seed has its own x
    # the columns stay apart: the spread at 0.1 ends before the one at 0.15 starts
    right_01 = max(line.get_xdata()[0] for line in dots)
    left_015 = min(line.get_xdata()[1] for line in dots)
    assert right_01 < left_015
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.1", "0.15", "1"]
    plt.close("all")


def test_seed_sweep_figure_panel_a_keys_train_and_test():
    h = _sweep()
    axes = seed_sweep_figure(h, level=0.9, key="d", plateau=0.4, title="t")
    fig = axes[0, 0].figure
    (lg,) = fig.legends
    texts = [t.get_text() for t in lg.get_texts()]
    assert texts == ["α = 0.1", "α = 0.5", "α = 2", "train accuracy (dashed)", "test accuracy (solid)"]
    styles = dict(zip(texts, [hd.get_linestyle() for hd in lg.legend_handles]))
    assert styles["train accuracy (dashed)"] == "--" and styles["test accuracy (solid)"] == "-"
    assert all(t.get_fontsize() >= 8.5 for t in lg.get_texts())
    # panel (a) holds a train (dashed) and a test (solid) curve for every run
    assert [line.get_linestyle() for line in axes[0, 0].lines].count("--") == h.R
    assert [line.get_linestyle() for line in axes[0, 0].lines].count("-") == h.R
    fig.canvas.draw()                                            # the key covers no panel
    box = lg.get_window_extent()
    assert not any(box.overlaps(ax.get_window_extent()) for ax in axes.ravel() if ax.axison)
    texts = [t.get_text() for t in seed_sweep_figure(h, train=False)[0, 0].figure.legends[0].get_texts()]
    assert "train accuracy (dashed)" not in texts and "test accuracy (solid)" in texts
    plt.close("all")
