"""Execute notebooks again and again as the book build does (nbclient), and catch stalls.

A stall: a cell is pending and the kernel has used no CPU for ``--idle`` seconds (no chapter cell
sleeps). The script then says where the missing message is -- already waiting, unread, in the
client's shell socket (a lost wake-up in the client) or not -- and stops with exit status 1.
Per cell it records the time and the IOPub messages by type, and prints the slowest cells.

    .venv/bin/python benchmarks/exec_soak.py book/*.ipynb --repeat 3 --load 1
    .venv/bin/python benchmarks/exec_soak.py --synthetic raw --load 2      # the stall, in ~1 min
    .venv/bin/python benchmarks/exec_soak.py --synthetic gklib --load 2    # gklib's explorers: none

``--synthetic raw`` runs cells that build an ipywidgets explorer (slider + ``Output`` with a
figure), interleaved with small computations; ``--synthetic gklib`` calls gklib's explorers
instead. ``--load K`` runs K CPU-bound busy loops beside it (a busy laptop). Use
``GKLIB_PROFILE`` to choose the chapters' sizes.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import nbformat
import zmq
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

RAW_EXPLORER = """import numpy as np, matplotlib.pyplot as plt, ipywidgets as widgets
from IPython.display import display
def explorer():
    s = widgets.FloatLogSlider(value=1, base=10, min=-1, max=2, description="a", continuous_update=False)
    out = widgets.Output()
    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(4, 3)); ax.plot(np.arange(50) ** s.value); plt.show()
    s.observe(redraw, names="value"); redraw()
    box = widgets.VBox([s, out]); display(box); return box"""
GKLIB_EXPLORER = "import numpy as np\nfrom gklib.viz.explorers import eps_explorer\nexplorer = lambda: eps_explorer(D=10)"


def synthetic(kind: str, n: int = 150) -> str:
    """Write a notebook of ``n`` cells alternating an explorer and a small computation; its path."""
    setup = RAW_EXPLORER if kind == "raw" else GKLIB_EXPLORER
    cells = [nbformat.v4.new_code_cell(setup)]
    for i in range(n):
        cells.append(nbformat.v4.new_code_cell(
            "b = explorer()" if i % 2 == 0 else "np.linalg.eigvalsh(np.random.rand(200, 200) + np.eye(200)).sum()"))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = os.path.join(tempfile.mkdtemp(), f"synthetic_{kind}.ipynb")
    nbformat.write(nb, path)
    return path


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


class CountingClient(NotebookClient):
    """nbclient's NotebookClient, counting the IOPub messages of each cell."""

    def process_message(self, msg, cell, cell_index):
        self.counts[cell_index][msg["msg_type"]] += 1
        return super().process_message(msg, cell, cell_index)


def run_notebook(path: str, timeout: int, idle: float) -> dict:
    nb = nbformat.read(path, as_version=4)
    client = CountingClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    client.counts = collections.defaultdict(collections.Counter)
    pending, stall, cells = {"cell": None}, {}, []
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        done = threading.Event()

        def watch():
            last, since = cpu_ticks(pid), time.monotonic()
            while not done.wait(1.0):
                now = cpu_ticks(pid)
                if now != last or pending["cell"] is None:
                    last, since = now, time.monotonic()
                elif time.monotonic() - since > idle and not stall:
                    # Read once, after the stall: has the reply arrived, unread, in the client?
                    sock = zmq.Socket.shadow(client.kc.shell_channel.socket.underlying)
                    stall.update(cell=pending["cell"], idle_s=round(time.monotonic() - since),
                                 reply_waiting_in_client=bool(sock.get(zmq.EVENTS) & zmq.POLLIN))
                    os.kill(pid, signal.SIGKILL)   # end the wait now instead of at the cell timeout

        threading.Thread(target=watch, daemon=True).start()
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            pending["cell"], t0 = i, time.monotonic()
            try:
                client.execute_cell(cell, i)
            except DeadKernelError:
                if not stall:
                    raise
            pending["cell"] = None
            cells.append({"cell": i, "s": round(time.monotonic() - t0, 2), "msgs": dict(client.counts[i])})
            if stall:
                break
        done.set()
    return {"notebook": os.path.basename(path), "cells": cells, "stall": stall or None}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--synthetic", choices=("raw", "gklib"), help="add a generated explorer notebook")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--load", type=int, default=0, help="CPU-bound busy loops to run beside")
    ap.add_argument("--idle", type=float, default=20.0, help="seconds of kernel idleness that make a stall")
    ap.add_argument("--timeout", type=int, default=600, help="per-cell timeout of the client")
    ap.add_argument("--log", help="append one JSON line per notebook run here")
    a = ap.parse_args(argv)
    paths = list(a.notebooks) + ([synthetic(a.synthetic)] if a.synthetic else [])
    if not paths:
        ap.error("give notebooks or --synthetic")
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(a.load)]
    slowest = []
    try:
        for r in range(a.repeat):
            for p in paths:
                t0 = time.monotonic()
                res = run_notebook(p, a.timeout, a.idle)
                total = sum(sum(c["msgs"].values()) for c in res["cells"])
                print(f"run {r} {res['notebook']}: {time.monotonic() - t0:.1f} s, {len(res['cells'])} cells, "
                      f"{total} IOPub messages" + (f", STALL {res['stall']}" if res["stall"] else ""), flush=True)
                slowest += [(c["s"], res["notebook"], c["cell"]) for c in res["cells"]]
                if a.log:
                    with open(a.log, "a") as f:
                        f.write(json.dumps(res) + "\n")
                if res["stall"]:
                    return 1
    finally:
        for b in busy:
            b.kill()
        for s, nb, i in sorted(slowest, reverse=True)[:5]:
            print(f"  slowest: {s:7.1f} s  {nb} cell {i}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
