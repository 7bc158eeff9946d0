"""Browser test of the chapters' markdown in JupyterLab (run by ``make lab-browser``).

``make lab`` opens the chapters in JupyterLab, where jupyterlab-myst renders their markdown cells.
It knows neither the Python domain nor the bibliography of the Sphinx book, so a cross-reference or
a citation must be written in a form both read (``[`gk.train`](gklib.toy.trainer.train)``, a
markdown link to the bibliography entry: ``[Kumar et al. (2024)](bibliography.md#kumar2024grokking)``;
see ``book/_ext/gklib_labrefs.py``). This test starts ``jupyter lab`` as ``make lab`` does (its
``lab/jupyter_server_config.py``; a random token, the XSRF check on) on a temporary copy of
``book/``, opens every chapter notebook in headless Chromium without running it (its kernel starts, then
is shut down), waits
until every markdown cell is rendered (the notebook's windowing mode is "none", so off-screen cells
render too), and checks, chapter by chapter:

* no raw role syntax in the rendered text (``{py:``, ``{cite``, ``{ref}``, ``{doc}``, ``{numref}``,
  nor a role's ``title <target>`` shown whole, as jupyterlab-myst shows roles it does not know);
* jupyterlab-myst flags no citation or cross-reference as "not found";
* the titles of a few known references and the author–year form of a few citations are shown;
* no SEVERE browser console message (jupyterlab-myst logs unresolved references as errors).
"""
from __future__ import annotations

import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from labserver import start_lab, wait

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(p.name for p in BOOK.glob("*.ipynb"))
RENDER_TIMEOUT = 60          # one chapter's markdown, on a loaded 2-core machine

#: Text each chapter must show: a reference's title and a citation in author–year form.
EXPECTED = {
    "intro.ipynb": ["gk.train", "gk.CommitteeMachine", "Kumar et al., 2024", "Power et al., 2022"],
    "01_lazy_training.ipynb": ["linearize", "Chizat et al. (2019)"],
    "02_kernels.ipynb": ["empirical_ntk", "Jacot et al., 2018"],
    "03_polynomial_grokking.ipynb": ["gk.train", "Kumar et al., 2024"],
    "04_dmft.ipynb": ["dmft.solve_dmft", "Saad and Solla, 1995"],
    "05_beyond_toy.ipynb": ["Transformer1L", "Kumar et al., 2024"],
}

#: What must never show: role syntax, or a titled role shown as ``title <target>``.
RAW = re.compile(r"\{(?:py|cite|ref|doc|numref|eq|term)[:}]|\S+ <gklib\.[\w.]*>")


@pytest.fixture(scope="module")
def lab(chromium_ok):
    """``jupyter lab`` as ``make lab`` starts it, on a temporary copy of book/; stopped afterwards."""
    work = Path(tempfile.mkdtemp(prefix="gk-lab-md-"))
    shutil.copytree(BOOK, work / "book", ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    with start_lab(work, work / "book", settings={("notebook-extension", "tracker"): {"windowingMode": "none"}}) as server:
        yield {**server, "work": work}
    shutil.rmtree(work, ignore_errors=True)


# Open a notebook as a reader does (its kernel starts; no cell is run).
OPEN = """
window.jupyterapp.commands.execute('docmanager:open', {path: arguments[0], factory: 'Notebook'});
"""

# Shut the current notebook's kernel down and close it.
CLOSE = """
const done = arguments[arguments.length - 1];
const w = window.jupyterapp.shell.currentWidget;
// once the kernel has answered (Lab's debugger asks it for its state on start: a shutdown before
// the answer is logged as an error), shut it down
w.sessionContext.ready.then(() => w.sessionContext.session.kernel.info)
  .then(() => new Promise(r => setTimeout(r, 1000))).then(() => w.sessionContext.shutdown())
  .then(() => w.dispose()).then(() => done(true), e => done(String(e)));
"""

# The current notebook's markdown: null until every markdown cell shows its rendered MyST.
RENDERED = """
const w = window.jupyterapp.shell.currentWidget;
if (!w || !w.context || w.context.path !== arguments[0] || !w.content || !w.content.widgets.length) return null;
const md = w.content.widgets.filter(c => c.model.type === 'markdown');
const out = [];
for (const c of md) {
  const r = c.node.querySelector('.jp-Cell-inputArea .myst');
  if (!c.rendered || !r || (c.model.sharedModel.getSource().trim() && !r.innerText.trim())) return null;
  out.push(r.innerText);
}
const flagged = Array.from(w.node.querySelectorAll('.myst [title$="Not Found"]')).map(e => e.title + ': ' + e.innerText);
return {n: md.length, texts: out, flagged: flagged};
"""


def test_chapter_markdown_in_jupyterlab(lab, driver):
    drv, t0 = driver, time.time()
    drv.get(f"{lab['base']}/lab?reset&token={lab['token']}")
    wait(lambda: drv.execute_script("return !!(window.jupyterapp && window.jupyterapp.started "
                                     "&& document.querySelector('.jp-LabShell'))"), "JupyterLab to start", 90)
    problems, summary = [], []
    severe_startup = [e for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
    if severe_startup:
        problems.append(f"on start: SEVERE console messages {[e['message'][:300] for e in severe_startup]}")
    for name in CHAPTERS:
        t1 = time.time()
        drv.execute_script(OPEN, name)
        last = [None]

        def settled():                  # rendered, and unchanged for 0.5 s (MyST renders each cell,
            now = drv.execute_script(RENDERED, name)      # then the notebook again for references)
            same = now is not None and now == last[0]
            last[0] = now
            return now if same else time.sleep(0.3)

        state = wait(settled, f"{name}: every markdown cell to render", RENDER_TIMEOUT)
        text = "\n".join(state["texts"])
        severe = [e["message"][:400] for e in drv.get_log("browser") if e.get("level") == "SEVERE"]
        raw = sorted({m.group(0) for m in RAW.finditer(text)})
        missing = [s for s in EXPECTED.get(name, []) if s not in text]
        summary.append(f"{name}: {state['n']} markdown cells, {len(raw)} raw roles, "
                       f"{len(state['flagged'])} not found, {len(severe)} SEVERE ({time.time() - t1:.1f} s)")
        if raw:
            problems.append(f"{name}: raw role syntax shown: {raw[:10]}")
        if state["flagged"]:
            problems.append(f"{name}: jupyterlab-myst flags: {state['flagged'][:10]}")
        if missing:
            problems.append(f"{name}: expected text not shown: {missing}")
        if severe:
            problems.append(f"{name}: SEVERE console messages: {severe}")
        closed = drv.execute_async_script(CLOSE)
        assert closed is True, f"{name}: closing the notebook: {closed}"
    print("\n" + "\n".join(summary) + f"\nall chapters in {time.time() - t0:.0f} s")
    assert not problems, "\n".join(problems)
