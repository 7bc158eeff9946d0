"""Headless executions (book builds, nbmake) show no progress bars and build no live explorers.

An explorer's ``Output`` widget makes nbclient send ``comm_msg`` on the shell channel while it waits
for the cell's reply; that send can swallow the reply's wake-up and stall the build (see
:func:`gklib.viz.explorers.live_explorer`). These tests run real kernels: through nbclient as the book
build does, and through a client that declares an interactive front-end (``allow_stdin=True``).
"""
import collections
import textwrap

import nbformat
import pytest

import gklib as gk
from gklib import config

nbclient = pytest.importorskip("nbclient")
jupyter_client = pytest.importorskip("jupyter_client")

PROBE = textwrap.dedent("""
    import gklib as gk
    from gklib.viz.explorers import eps_explorer
    box = eps_explorer(D=6)
    print(gk.config.headless_execution(), gk.config.progress_enabled(), type(box).__name__)
""")


@pytest.fixture(autouse=True)
def _no_overrides(monkeypatch):
    for var in ("GKLIB_HEADLESS", "GKLIB_PROGRESS", "CI"):
        monkeypatch.delenv(var, raising=False)


def test_book_build_execution_is_headless():
    class Counting(nbclient.NotebookClient):
        def process_message(self, msg, cell, cell_index):
            self.msg_types[msg["msg_type"]] += 1
            return super().process_message(msg, cell, cell_index)

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell("box")])
    client = Counting(nb, timeout=120, kernel_name="python3")
    client.msg_types = collections.Counter()
    client.execute()
    out = nb.cells[0].outputs[0]["text"].split()
    assert out == ["True", "False", "ExplorerPlaceholder"], out
    assert client.msg_types["comm_open"] == 0 and client.msg_types["comm_msg"] == 0, client.msg_types
    assert "Live explorer" in nb.cells[1].outputs[0]["data"]["text/html"]


def test_interactive_frontend_builds_the_explorer():
    km, kc = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        lines = []
        kc.execute_interactive(PROBE, allow_stdin=True, timeout=120, stdin_hook=lambda m: None,
                               output_hook=lambda m: lines.append(m["content"].get("text", ""))
                               if m["msg_type"] == "stream" else None)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "".join(lines).split() == ["False", "True", "VBox"], lines   # a person at it: bars on


def test_outside_a_kernel(monkeypatch):
    assert config.headless_execution() is False
    assert type(gk.viz.eps_explorer(D=6)).__name__ == "VBox"
    monkeypatch.setenv("GKLIB_HEADLESS", "1")
    assert config.headless_execution() is True and config.progress_enabled() is False
    placeholder = gk.viz.toy_explorer()
    assert isinstance(placeholder, gk.viz.explorers.ExplorerPlaceholder) and "JupyterLab" in repr(placeholder)
    monkeypatch.setenv("GKLIB_HEADLESS", "maybe")
    with pytest.raises(ValueError, match="GKLIB_HEADLESS"):
        config.headless_execution()
