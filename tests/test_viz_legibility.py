"""Issue #28: the house style records each PNG's smallest font size (in the PNG's pixels) in a tEXt chunk,
so that the browser test can check type as displayed; the house style's own sizes pass that check."""
import base64

import matplotlib

matplotlib.use("Agg")
import matplotlib.image as mimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from gklib.viz import slider, style  # noqa: E402


def _fig(label_size=7.0):
    with plt.rc_context(style.HOUSE_STYLE):
        fig, ax = plt.subplots(figsize=(style.TEXT_WIDTH, 3))
        ax.plot([1, 10, 100], [3, 2, 1], label="curve")
        ax.set_xscale("log")
        ax.set_xlabel("step", fontsize=label_size)
        ax.legend()
    return fig


def test_png_text_round_trip_keeps_a_valid_png(tmp_path):
    fig = _fig()
    buf = style.figure_png(fig, 50)
    plt.close(fig)
    extra = style.add_png_text(buf, {"a": "1", "b": "ε = 0.5"})
    meta = style.png_text(extra)
    assert meta["a"] == "1" and meta["b"] == "? = 0.5"       # Latin-1 only: others become "?"
    (tmp_path / "x.png").write_bytes(extra)
    img = mimg.imread(tmp_path / "x.png")                     # still a PNG every reader decodes
    assert img.shape[1] == int(style.TEXT_WIDTH * 50)
    assert style.png_text(base64.b64encode(extra).decode()) == meta  # base64 / data-URI form
    with pytest.raises(ValueError, match="png"):
        style.add_png_text(b"GIF89a", {})
    with pytest.raises(ValueError, match="png"):
        style.png_text(b"not a png at all")


@pytest.mark.parametrize("dpi", [72, 100, 200])
def test_recorded_size_is_the_smallest_text_in_png_pixels(dpi):
    fig = _fig(label_size=7.0)
    meta = style.png_text(style.figure_png(fig, dpi))
    plt.close(fig)
    assert float(meta[style.FONT_KEY]) == pytest.approx(7.0 * dpi / 72, abs=0.01)
    assert meta["gklib:min-font-text"] == "step"


def test_tick_labels_count_after_drawing():
    """Tick labels get their text only when drawn: a tiny tick size must still be the minimum."""
    fig = _fig(label_size=12)
    fig.axes[0].tick_params(labelsize=5)
    size, text = style.min_font_px(fig, 72)
    assert size > 5                                           # not drawn yet: no tick text
    meta = style.png_text(style.figure_png(fig, 72))
    plt.close(fig)
    assert float(meta[style.FONT_KEY]) == pytest.approx(5.0)


def test_hidden_and_empty_texts_do_not_count():
    fig = _fig(label_size=12)
    fig.text(0.5, 0.5, "tiny", fontsize=3).set_visible(False)
    fig.text(0.5, 0.5, "   ", fontsize=2)
    meta = style.png_text(style.figure_png(fig, 72))
    plt.close(fig)
    assert float(meta[style.FONT_KEY]) >= 8


def test_inline_formatter_is_ipythons_retina_plus_the_chunk():
    fig = _fig(label_size=9)
    data, md = style._inline_png(fig)
    png = base64.b64decode(data)
    w = int.from_bytes(png[16:20], "big")
    assert md["width"] == w // 2                              # shown at half its pixels, as IPython's retina
    assert float(style.png_text(png)[style.FONT_KEY]) == pytest.approx(8.5 * 2 * fig.dpi / 72, abs=0.01)  # the legend
    assert style._inline_png(plt.figure()) is None           # empty figure: nothing, as IPython
    plt.close("all")


def test_slider_frames_carry_the_chunk():
    def draw(i, axes):
        axes[0].plot(np.arange(5) * (i + 1))
        axes[0].set_title("frame")

    s = slider.slider_figure(draw, [1, 2], panels=1, note=None)
    for fr in s.frames:
        assert float(style.png_text(fr)[style.FONT_KEY]) > 0
    plt.close("all")


def test_house_sizes_are_legible_in_the_text_column():
    """A text-width figure, tight-cropped (a few % wider), shown in the theme's column at a 1280-px window:
    every house font size is at least MIN_DISPLAY_PX on screen."""
    keys = [k for k in style.HOUSE_STYLE if k.endswith("size") and k != "figure.figsize"]
    smallest = min(float(style.HOUSE_STYLE[k]) for k in keys)
    natural_css = style.TEXT_WIDTH * 100 * 1.03                # CSS px of a retina figure, with tight margins
    shown = min(natural_css, style.THEME_COLUMN_PX)
    assert smallest * 100 / 72 * shown / natural_css >= style.MIN_DISPLAY_PX
