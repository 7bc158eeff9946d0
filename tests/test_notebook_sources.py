"""The committed chapters are in the form JupyterLab saves them (``make lab``), so running a chapter
in Lab and letting it save leaves ``git status`` clean.

Each notebook goes through jupyter_server's own save path — ``FileContentsManager.save`` with the
pre-save hook of ``lab/jupyter_server_config.py``, loaded from that file as ``make lab`` loads it —
after being "run": outputs, execution counts, widget state, the kernel's full ``language_info`` and
display name, and the cell metadata that Lab and nbclient record are added, as a run in Lab adds
them. The file written must be byte for byte the committed one.
"""
from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
jupyter_server = pytest.importorskip("jupyter_server")   # the book tool chain (make install has it)
# jupyter_server registers a configured pre_save_hook twice (the trait, then its hook list) and warns
pytestmark = pytest.mark.filterwarnings("ignore:Overriding existing pre_save_hook:UserWarning")


@pytest.fixture(scope="module")
def lab_config():
    """The configuration ``make lab`` passes to the server (``--config=lab/jupyter_server_config.py``)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("jupyter_server_config.py", path=str(ROOT / "lab")).load_config()


def _as_run_in_lab(content: dict) -> dict:
    """What a Run All in JupyterLab adds to a notebook model before it is saved."""
    nb = copy.deepcopy(content)
    nb["metadata"]["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python",
                                    "name": "python3"}
    nb["metadata"]["language_info"] = {
        "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
        "mimetype": "text/x-python", "name": "python", "nbconvert_exporter": "python",
        "pygments_lexer": "ipython3", "version": "3.11.7"}
    nb["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "state": {}, "version_major": 2, "version_minor": 0}}
    for i, cell in enumerate(nb["cells"]):
        cell["metadata"].update(scrolled=True, collapsed=False, jupyter={"outputs_hidden": False},
                                execution={"iopub.status.busy": "2026-12-06T00:00:00.000Z"})
        if cell["cell_type"] == "code":
            cell["execution_count"] = i + 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": f"ran cell {i}\n"}]
    return nb


def test_every_chapter_is_found():
    assert len(NOTEBOOKS) >= 6, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_run_and_save_in_lab_writes_the_committed_bytes(path, lab_config, tmp_path):
    from jupyter_server.services.contents.filemanager import FileContentsManager

    shutil.copy(path, tmp_path / path.name)
    cm = FileContentsManager(root_dir=str(tmp_path), config=lab_config)
    assert cm.pre_save_hook is not None, "lab/jupyter_server_config.py sets no pre-save hook"
    model = cm.get(path.name, content=True, type="notebook")
    ran = _as_run_in_lab(model["content"])
    assert any(c.get("outputs") for c in ran["cells"]), "the simulated run added no outputs"
    cm.save({"type": "notebook", "format": "json", "content": ran}, path.name)
    saved = (tmp_path / path.name).read_bytes()
    committed = path.read_bytes()
    assert saved == committed, (
        f"{path.name}: saving it from JupyterLab changes the file (re-save it in the form Jupyter writes: "
        f"read and write it with nbformat and the hook of lab/jupyter_server_config.py)")


def test_the_hook_is_what_keeps_the_sources_clean(tmp_path):
    """Without the hook, the same save writes outputs: the test above can fail."""
    from jupyter_server.services.contents.filemanager import FileContentsManager

    path = NOTEBOOKS[0]
    shutil.copy(path, tmp_path / path.name)
    cm = FileContentsManager(root_dir=str(tmp_path))
    model = cm.get(path.name, content=True, type="notebook")
    cm.save({"type": "notebook", "format": "json", "content": _as_run_in_lab(model["content"])}, path.name)
    assert (tmp_path / path.name).read_bytes() != path.read_bytes()
