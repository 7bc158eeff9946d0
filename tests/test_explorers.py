"""The live explorers' trainers, their engine and the save hook of ``make lab``.

* the engine (``gklib.viz.live.LiveFigure``): a figure per request, requests made while it computes
  merged into the latest, cached values instant, errors shown and not raised;
* every explorer's sliders report on release only, the ridge slider starts at "none";
* ``lab/jupyter_server_config.py`` saves notebooks without outputs.

Built outside a kernel, where explorers are live (not headless); the browser test
(``tests_browser/test_lab_explorers.py``) runs them in JupyterLab.
"""
import json
import threading
import time
from pathlib import Path

import pytest

import gklib as gk
from gklib.config import profile
from gklib.viz import explorers as ex
from gklib.viz.live import LiveFigure, figure

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _live(monkeypatch):
    import torch

    monkeypatch.setenv("GKLIB_HEADLESS", "0")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)          # as the chapters: tiny products, and OpenMP spinning on a busy machine
    yield
    torch.set_num_threads(threads)


def _wait(live, timeout=60):
    assert live.widget.wait(timeout), "the explorer did not finish"


def test_engine_merges_requests_and_caches():
    import ipywidgets as W

    calls, gate = [], threading.Event()

    def work(values, show, check):
        calls.append(values["x"])
        gate.wait(5)                              # the first computation waits for the test
        check()
        fig, ax = figure((2, 1))
        ax.plot([0, 1], [0, values["x"]])
        show(fig)

    x = W.IntSlider(value=0, min=0, max=10)
    live = LiveFigure({"x": x}, work, lambda v: f"x = {v['x']}")
    live.request()
    time.sleep(0.2)
    assert "computing x = 0" in live.status.value and "gk-busy" in live.image._dom_classes
    for v in (1, 2, 3, 4):                        # moves while x = 0 computes
        x.value = v
    gate.set()
    _wait(live)
    assert calls == [0, 4], calls                 # 0 abandoned at check(), 1–3 never computed
    assert [m["values"]["x"] for m in live.moves] == [4]
    assert live.image.value[:8] == b"\x89PNG\r\n\x1a\n"
    assert "x = 4" in live.status.value and "computing" not in live.status.value
    assert "gk-busy" not in live.image._dom_classes
    png4 = live.image.value
    x.value = 5
    _wait(live)
    x.value = 4                                   # back to a computed value: from the cache
    _wait(live)
    assert live.moves[-1]["cached"] and live.image.value == png4 and calls == [0, 4, 5]


def test_engine_shows_errors():
    import ipywidgets as W

    def work(values, show, check):
        raise ValueError("no figure for this value")

    x = W.IntSlider(value=0)
    live = LiveFigure({"x": x}, work, lambda v: f"x = {v['x']}")
    live.request()
    _wait(live)
    assert live.error == "ValueError: no figure for this value"
    assert "no figure for this value" in live.status.value


def test_explorers_build_and_move():
    task = gk.quadratic_task(D=8, P=40, P_test=100, seed=0)
    boxes = {
        "lazy": ex.lazy_explorer(task, N=20, steps=60, alpha=(0.25, 16)),
        "eps": ex.eps_explorer(D=10),
        "toy": ex.toy_explorer(D=8, N=20, P_max=60, steps=60, P0=40),
        "mlp": ex.modular_mlp_explorer(p=11, N=40, steps=60, lr=100.0),
        "mlp_values": ex.modular_mlp_explorer(s=(0.5, 1.0, 1.5), p=11, N=40, steps=60, lr=100.0),
        "dmft": gk.viz.dmft_explorer(rhos=(2, 5), alphas=(0.5, 1.0), steps=3, samples=50, response_samples=10),
    }
    sweep = gk.nets.modular_mlp_sweep(s=[0.5, 1.0], p=11, N=40, steps=50, lr=100.0, n_log=10, progress_bar=False)
    boxes["mlp_replay"] = ex.modular_mlp_explorer(res=sweep, labels=["a", "b"])
    for name, box in boxes.items():
        sliders = ex._sliders(box)
        assert sliders and all(s.continuous_update is False for s in sliders), name
        live = getattr(box, "explorer", None)
        assert live is not None, name
        _wait(live, 120)
        assert live.image.value and live.error is None, (name, live.error)
        s = sliders[0]
        opts = getattr(s, "options", None)
        if opts:
            values = [v for _, v in opts] if isinstance(opts[0], tuple) else list(opts)
            s.value = [v for v in values if v != s.value][-1]       # another value than the current one
        else:
            s.value = s.max
        _wait(live, 120)
        assert len(live.moves) == 2 and live.error is None, (name, live.moves, live.error)
    ridge = [s for s in ex._sliders(boxes["eps"]) if s.description == "ridge"][0]
    assert ridge.value == 0.0 and ridge.label == "none"
    assert {"1e-06", "0.001", "10"} <= {lab for lab, _ in ridge.options}


def _hook():
    ns = {"get_config": lambda: type("C", (), {"ContentsManager": type("M", (), {})()})()}
    exec((ROOT / "lab" / "jupyter_server_config.py").read_text(), ns)
    return ns


def test_lab_save_hook_strips_outputs():
    ns = _hook()
    src = json.loads((ROOT / "book" / "intro.ipynb").read_text())
    ran = json.loads(json.dumps(src))
    ran["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    ran["metadata"]["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    ran["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    for i, c in enumerate(ran["cells"]):
        if c["cell_type"] == "code":
            c["execution_count"] = i
            c["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
            c["metadata"].update(scrolled=True, execution={"iopub.status.idle": "now"})
    model = {"type": "notebook", "content": ran}
    ns["strip_outputs"](model=model, path="intro.ipynb", contents_manager=None)
    assert model["content"] == src                            # the committed source, exactly
    assert ns["c"].ContentsManager.pre_save_hook is ns["strip_outputs"]
    other = {"type": "file", "content": "text"}
    ns["strip_outputs"](model=other, path="a.txt", contents_manager=None)
    assert other == {"type": "file", "content": "text"}


def test_chapter_explorers_build_on_their_own_and_show_a_run_as_it_grows(monkeypatch):
    """Each chapter's explorer (what its cell and the Explorers page build) needs only the imports:
    it shows a figure without error; chapter 5's shows its run before the run is finished."""
    monkeypatch.setattr(ex, "FIRST_SHOW", 0.0)
    with profile("quick"):
        for ch in sorted(gk.viz.CHAPTER_EXPLORERS):
            box = gk.viz.chapter_explorer(ch)
            live = box.explorer
            _wait(live, 180)
            assert live.image.value and live.error is None, (ch, live.error)
            first, done = live.moves[-1]["first"], live.moves[-1]["seconds"]
            if ch == 5:
                assert first < done / 3, (first, done)        # partial curves long before the end
    with pytest.raises(ValueError, match="chapter"):
        gk.viz.chapter_explorer(6)
    with pytest.raises(ValueError, match="chapter"):
        gk.viz.explorer_settings("1")


def test_chapter_explorer_settings_follow_the_profile():
    with profile("quick"):
        quick = gk.viz.explorer_settings(4)
    with profile("book"):
        book = gk.viz.explorer_settings(4)
    assert quick["samples"] < book["samples"] and quick["steps"] < book["steps"]
