"""Browser test of the live explorers in JupyterLab (run by ``make lab-browser``, after ``make browser``).

Starts ``jupyter lab --no-browser`` on a free local port (behind a random token, passed to the
browser in the URL, with the XSRF check on; ``GKLIB_PROFILE=quick``; the settings of ``make lab``:
``lab/jupyter_server_config.py``) in a temporary folder holding one small
notebook written here: a MyST admonition, a static slider, and every live explorer of the course at
tiny sizes. Headless Chromium (Debian ``chromium`` + ``chromium-driver``; Selenium never downloads
one) opens it, runs all cells, and checks:

* the MyST admonition is rendered by jupyterlab-myst (not shown as raw text);
* every explorer shows a figure, and each of its sliders moves by the keyboard (an arrow key on the
  focused handle) and by a click on the track: the figure changes and so does the readout;
* an arrow key on the focused static slider changes its frame, and the notebook's active cell is
  the slider's own cell (Lab activates it on the first key), never a neighbour;
* no SEVERE console message, no "Error displaying widget", no stderr output in the notebook;
* saving the notebook writes no outputs (the ``make lab`` save hook);
* a real chapter (the introduction), run in Lab and saved, is byte for byte its committed source:
  what ``git diff --quiet`` checks, on a copy, so that a failure never dirties the checkout;
* the Explorers page (``book/explorers.ipynb``, what ``make lab`` opens): Run All builds every
  chapter's explorer, each shows a figure and its sliders, and the time until all are ready is printed.

The server is stopped at the end. Without Chromium the test is skipped with a message saying how to
install it. Screenshots go to a temporary folder (printed with ``-s``).
"""
from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import pytest

from labserver import get, start_lab, wait

ROOT = Path(__file__).resolve().parents[1]
NAME = "tiny_explorers.ipynb"      # the test notebook (not the book's Explorers page)
CHAPTER = ROOT / "book" / "intro.ipynb"     # the chapter run and saved in Lab (quick profile: ~10 s)
EXPLORERS = ROOT / "book" / "explorers.ipynb"
MOVE_TIMEOUT = 60          # one slider move, on a loaded 2-core machine
RUN_TIMEOUT = 240          # all cells

MYST = """# Live explorers

```{admonition} Rendered by jupyterlab-myst
:class: tip
If this shows as a box, MyST renders in JupyterLab.
```
"""

CELLS = [
    ("markdown", MYST),
    ("code", "import matplotlib.pyplot as plt\nimport torch\nimport gklib as gk\nfrom gklib.viz import (lazy_explorer, "
             "eps_explorer, toy_explorer, modular_mlp_explorer, dmft_explorer, slider_figure)\n"
             "torch.set_num_threads(1)   # as the chapters\nprint(gk.get_profile())"),
    ("code", "fig, ax = plt.subplots(figsize=(4, 2))\ndef draw(i):\n    ax.clear()\n    ax.plot([0, 1], [0, i + 1])\n"
             "slider_figure(draw, [1, 2, 3], label='k', fig=fig, initial=1)"),
    ("code", "lazy_explorer(gk.quadratic_task(D=8, P=40, P_test=100, seed=0), N=20, steps=200, alpha=(0.25, 16))"),
    ("code", "eps_explorer(D=10)"),
    ("code", "toy_explorer(D=10, N=20, P_max=100, steps=200, P0=40)"),
    ("code", "modular_mlp_explorer(p=11, N=40, steps=400, lr=100.0)"),
    ("code", "dmft_explorer(rhos=(2, 5), alphas=(0.5, 1.0), steps=5, samples=100, response_samples=20)"),
]
N_EXPLORERS = 5


def _notebook() -> dict:
    cells = []
    for i, (kind, src) in enumerate(CELLS):
        cell = {"cell_type": kind, "id": f"cell{i}", "metadata": {}, "source": src}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                         "language_info": {"name": "python"}}}


@pytest.fixture(scope="module")
def lab(chromium_ok):
    work = Path(tempfile.mkdtemp(prefix="gk-lab-"))
    (work / "nb").mkdir()
    (work / "nb" / NAME).write_text(json.dumps(_notebook(), indent=1))
    (work / "nb" / CHAPTER.name).write_bytes(CHAPTER.read_bytes())
    (work / "nb" / EXPLORERS.name).write_bytes(EXPLORERS.read_bytes())
    env = dict(GKLIB_PROFILE="quick", MPLBACKEND="module://matplotlib_inline.backend_inline")
    with start_lab(work, work / "nb", env=env) as server:
        yield {**server, "work": work, "nb": work / "nb" / NAME, "chapter": work / "nb" / CHAPTER.name}
    print(f"\nserver log: {work / 'server.log'}")


# The output area of code cell k (in document order) and what it shows.
CELL_STATE = """
const cells = document.querySelectorAll('.jp-Notebook .jp-Cell');
const cell = cells[arguments[0]];
if (!cell) return null;
const out = cell.querySelector('.jp-Cell-outputArea');
const imgs = out ? Array.from(out.querySelectorAll('img')).map(i => i.src) : [];
const readouts = out ? Array.from(out.querySelectorAll('.widget-readout')).map(r => r.textContent.trim()) : [];
const status = out ? Array.from(out.querySelectorAll('.gk-explorer-status')).map(s => s.textContent) : [];
return {imgs, readouts, status, text: out ? out.innerText : '',
        sliders: out ? out.querySelectorAll('.widget-slider').length : 0};
"""

# Which cells are active, and is the cell holding element arguments[0] one of them? (Lab's windowed
# notebook may not render every cell, so cells are named by their data-windowed-list-index.)
ACTIVE_CELLS = """
const own = arguments[0].closest('.jp-Cell');
const active = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell.jp-mod-active'));
return {own: own.dataset.windowedListIndex ?? null, ownActive: own.classList.contains('jp-mod-active'),
        active: active.map(c => c.dataset.windowedListIndex ?? null)};
"""

BUSY = """
return Array.from(document.querySelectorAll('.jp-Notebook .jp-InputPrompt')).some(p => p.textContent.includes('*'));
"""


def _idle(lab):
    sessions = get(f"{lab['base']}/api/sessions", lab["token"])
    return sessions and all(s["kernel"]["execution_state"] == "idle" for s in sessions)


_SHOTS = []


def _shot(drv, name):
    if not _SHOTS:
        _SHOTS.append(Path(tempfile.mkdtemp(prefix="gk-lab-screenshots-")))
    drv.save_screenshot(str(_SHOTS[0] / f"{name}.png"))
    return _SHOTS[0]


def test_explorers_in_jupyterlab(lab, driver):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    t_start = time.time()
    drv, base = driver, lab["base"]
    drv.get(f"{base}/lab/tree/{NAME}?reset&token={lab['token']}")
    wait(lambda: drv.execute_script("return !!(window.jupyterapp && document.querySelector('.jp-Notebook .jp-Cell'))"),
          "the notebook to open", 90)
    wait(lambda: _idle(lab), "the kernel to start", 90)
    for b in drv.find_elements(By.CSS_SELECTOR, ".jp-toast-button, .Toastify__close-button"):
        try:
            b.click()                                              # the news / update toasts
        except Exception:
            pass

    # MyST: the admonition is a rendered box, not raw text
    md = drv.find_element(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell.jp-MarkdownCell")
    wait(lambda: "If this shows as a box" in md.text, "the markdown cell to render", 30)
    assert "{admonition}" not in md.text, f"MyST not rendered in Lab (jupyterlab-myst missing?): {md.text[:200]}"
    assert md.find_elements(By.CSS_SELECTOR, ".myst aside.myst-admonition, .admonition"), \
        "no admonition box in the rendered markdown (jupyterlab-myst)"

    drv.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    n_cells = len(CELLS)
    first_explorer = 3

    def ready():
        if drv.execute_script(BUSY) or not _idle(lab):
            return False
        states = [drv.execute_script(CELL_STATE, k) for k in range(first_explorer, n_cells)]
        return all(s and s["imgs"] and s["sliders"] and not any("computing" in x for x in s["status"])
                   for s in states)

    wait(ready, "all cells to run and every explorer to show a figure", RUN_TIMEOUT)
    t_run = time.time() - t_start
    shots = _shot(drv, "after-run")
    print(f"\nscreenshots in {shots}; all cells run after {t_run:.0f} s")
    text = drv.find_element(By.CSS_SELECTOR, ".jp-Notebook").text
    assert "Error displaying widget" not in text
    n_err = drv.execute_script("return document.querySelectorAll('.jp-Notebook "
                               "[data-mime-type=\"application/vnd.jupyter.stderr\"]').length")
    assert n_err == 0, "stderr output in the notebook: " + drv.execute_script(
        "return Array.from(document.querySelectorAll('[data-mime-type=\"application/vnd.jupyter.stderr\"]'))"
        ".map(e => e.innerText).join('\\n').slice(0, 2000)")

    # the static slider: an arrow key moves it, and not the notebook's cell selection
    root = drv.find_element(By.CSS_SELECTOR, ".jp-Notebook div.gk-slider")
    inp = root.find_element(By.CSS_SELECTOR, "input.gk-slider-input")
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].focus()", inp)
    time.sleep(0.3)
    for key, expect in ((Keys.ARROW_UP, "2"), (Keys.ARROW_DOWN, "1"), (Keys.ARROW_LEFT, "0")):
        ActionChains(drv).send_keys(key).perform()
        time.sleep(0.3)
        assert root.get_attribute("data-gk-index") == expect, \
            f"static slider: {key!r} gave frame {root.get_attribute('data-gk-index')}, expected {expect}"
        cells = drv.execute_script(ACTIVE_CELLS, root)
        assert cells["ownActive"] and cells["active"] == [cells["own"]], \
            f"after {key!r} the active cell is not the slider's own cell: {cells}"
    print(f"static slider: frames 2, 1, 0 by arrow keys; active cell {cells['active']}, the slider's own "
          f"{cells['own']}")

    # every explorer: each slider by keyboard, then by a click on its track
    for k in range(first_explorer, n_cells):
        cell = drv.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[k]
        drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
        sliders = cell.find_elements(By.CSS_SELECTOR, ".widget-slider")
        assert sliders, f"cell {k}: no slider"
        for j, sl in enumerate(sliders):
            for how in ("key", "click"):
                before = drv.execute_script(CELL_STATE, k)
                handle = sl.find_element(By.CSS_SELECTOR, ".noUi-handle")
                if how == "key":
                    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
                    drv.execute_script("arguments[0].focus()", handle)
                    ActionChains(drv).send_keys(Keys.ARROW_LEFT if at_max else Keys.ARROW_RIGHT).perform()
                else:
                    track = sl.find_element(By.CSS_SELECTOR, ".noUi-base")
                    w = track.size["width"]
                    pos = float(handle.get_attribute("aria-valuenow") or 0)
                    lo, hi = float(handle.get_attribute("aria-valuemin")), float(handle.get_attribute("aria-valuemax"))
                    frac = (pos - lo) / (hi - lo) if hi > lo else 0.0
                    x = 0.15 if frac > 0.5 else 0.85          # far from the handle
                    ActionChains(drv).move_to_element_with_offset(track, int((x - 0.5) * w), 0).click().perform()

                def moved():
                    now = drv.execute_script(CELL_STATE, k)
                    busy = any("computing" in x for x in now["status"])
                    return (now["readouts"] != before["readouts"] and now["imgs"] and now["imgs"] != before["imgs"]
                            and not busy and _idle(lab))

                wait(moved, f"cell {k} slider {j} ({how}): a new figure and readout", MOVE_TIMEOUT)
        after = drv.execute_script(CELL_STATE, k)
        assert not any("Error" in s for s in after["status"]), f"cell {k}: {after['status']}"
        cell.screenshot(str(shots / f"explorer-cell{k}.png"))

    severe = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    assert not severe, f"console errors: {[e['message'][:300] for e in severe]}"
    assert "Error displaying widget" not in drv.find_element(By.CSS_SELECTOR, ".jp-Notebook").text

    # saving writes the sources only (lab/jupyter_server_config.py)
    drv.execute_script("return window.jupyterapp.commands.execute('docmanager:save')")
    wait(lambda: lab["nb"].stat().st_mtime > t_start + 1, "the notebook to be saved", 30)
    saved = json.loads(lab["nb"].read_text())
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in saved["cells"]
               if c["cell_type"] == "code"), "outputs were saved into the notebook"
    assert saved["metadata"] == _notebook()["metadata"], saved["metadata"]
    print(f"JupyterLab browser test: {time.time() - t_start:.0f} s")


def _open_with_kernel(drv, lab, name):
    """Open notebook ``name`` in its own tab and wait until its kernel is idle."""
    drv.get(f"{lab['base']}/lab/tree/{name}?token={lab['token']}")
    wait(lambda: drv.execute_script(
        "const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
        "return !!(w && w.context && w.context.path === arguments[0] && w.sessionContext.session)",
        name), f"{name} to open with a kernel", 90)
    wait(lambda: _idle(lab), "the kernel to start", 90)


def test_a_chapter_run_and_saved_in_lab_is_unchanged(lab, driver):
    """Run All on the introduction, save, and compare the file with the committed source."""
    drv, t0 = driver, time.time()
    _open_with_kernel(drv, lab, CHAPTER.name)
    drv.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    time.sleep(1)

    def done():
        return not drv.execute_script(BUSY) and _idle(lab) and drv.execute_script(
            "return window.jupyterapp.shell.currentWidget.content.widgets"
            ".filter(c => c.model.type === 'code').every(c => c.model.executionCount !== null)")

    wait(done, "the chapter to run", RUN_TIMEOUT)
    n_out = drv.execute_script("return window.jupyterapp.shell.currentWidget.content.widgets"
                               ".filter(c => c.model.type === 'code' && c.model.outputs.length).length")
    assert n_out >= 3, f"the chapter ran but shows outputs in only {n_out} cells"
    drv.execute_script("return window.jupyterapp.commands.execute('docmanager:save')")
    wait(lambda: lab["chapter"].stat().st_mtime > t0, "the chapter to be saved", 30)
    time.sleep(0.5)
    saved, committed = lab["chapter"].read_bytes(), CHAPTER.read_bytes()
    if saved != committed:
        import difflib
        diff = "".join(difflib.unified_diff(committed.decode().splitlines(True), saved.decode().splitlines(True),
                                            "committed", "saved in Lab", n=1))
        raise AssertionError(f"running and saving {CHAPTER.name} in JupyterLab changes it:\n{diff[:3000]}")
    print(f"{CHAPTER.name}: run ({n_out} cells with outputs) and saved in Lab, unchanged; {time.time() - t0:.0f} s")


# Code cells of the notebook in the current tab (not the document: several notebooks are open).
CURRENT_CODE_CELLS = """
const nb = window.jupyterapp.shell.currentWidget.content;
return nb.widgets.filter(c => c.model.type === 'code').map(c => ({
  imgs: c.node.querySelectorAll('.jp-Cell-outputArea img').length,
  sliders: c.node.querySelectorAll('.jp-Cell-outputArea .widget-slider').length,
  busy: Array.from(c.node.querySelectorAll('.gk-explorer-status')).some(s => s.textContent.includes('computing')),
  text: c.node.querySelector('.jp-Cell-outputArea') ? c.node.querySelector('.jp-Cell-outputArea').innerText : '',
  ran: c.model.executionCount !== null}));
"""


def test_the_explorers_page_builds_every_explorer(lab, driver):
    """Run All on the Explorers page: every chapter's explorer shows its figure and sliders."""
    drv = driver
    _open_with_kernel(drv, lab, EXPLORERS.name)
    t0 = time.time()
    drv.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    first = {}

    def ready():
        cells = drv.execute_script(CURRENT_CODE_CELLS)[1:]          # the explorers (after the imports)
        for k, c in enumerate(cells):
            if c["imgs"] and k not in first:
                first[k] = time.time() - t0
        return len(cells) == 5 and all(c["ran"] and c["imgs"] and c["sliders"] and not c["busy"] for c in cells)

    wait(ready, "every explorer on the Explorers page to show its figure", RUN_TIMEOUT)
    total = time.time() - t0
    cells = drv.execute_script(CURRENT_CODE_CELLS)[1:]
    assert not any("Error" in c["text"] for c in cells), [c["text"][:300] for c in cells]
    _shot(drv, "explorers-page")
    print("Explorers page: first figures after " + ", ".join(f"{first[k]:.1f}" for k in sorted(first))
          + f" s (in cell order); all finished after {total:.1f} s")
