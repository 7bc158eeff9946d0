"""CPU smoke run of the ``paper`` profile: does every chapter's paper-size code path build its models
and data, run, and stay finite?

For each chapter notebook (``book/intro.ipynb``, ``book/0*.ipynb``) the notebook is read with
nbformat, the cells tagged ``remove-cell`` (the hidden numerical asserts, which need full-length
training) are dropped, and the rest is executed in memory with nbclient (kernel ``python3``, the
interpreter running this script, as under nbmake) with

    GKLIB_PROFILE=paper  GKLIB_SMOKE_STEPS=<--steps, default 20>  GKLIB_PROGRESS=0
    GKLIB_DATA=<repo>/../shared/data/mnist (unless set)  OMP_NUM_THREADS=1   cwd = book/

``GKLIB_SMOKE_STEPS`` caps every training loop (gklib.config.cap_steps), so model and data sizes are
the paper's but training stops after a few steps. After the last cell, every gklib result object in
the kernel's namespace (histories, ensemble histories, DMFT results, ...) is checked for non-finite
losses, accuracies, norms and order parameters. Nothing is written into book/ (no outputs are saved).

Per chapter it prints the wall time and OK, or the failing cell (index and first lines of its
source) and the error; ``--slow S`` also lists the cells that took more than S seconds. Exit status
1 if any chapter failed.

    .venv/bin/python benchmarks/paper_smoke.py [--chapters intro 03 ...] [--steps 20] [--timeout 1800]

``--keep-asserts`` keeps the remove-cell asserts: a full paper-size check where the cap does not cut
anything (chapter 04: ``--chapters 04 --steps 1000 --keep-asserts``, about 2.5 min on one CPU core).
"""
from __future__ import annotations

import argparse
import ast
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Run inside the kernel after the chapter: non-finite values in gklib result objects.
FINITE_CHECK = r'''
def __smoke_finite():
    import dataclasses, numpy as np
    skip = {"steps", "t", "t_train", "t_test", "amount", "alphas", "epsilons", "seconds", "params"}
    bad, seen, n = [], set(), [0]
    def arrays(obj, name, depth):
        if id(obj) in seen or depth > 3:
            return
        seen.add(id(obj))
        if isinstance(obj, dict):
            for k, v in obj.items():
                arrays(v, f"{name}[{k!r}]", depth + 1)
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                arrays(v, f"{name}[{i}]", depth + 1)
        elif dataclasses.is_dataclass(obj) and type(obj).__module__.startswith("gklib"):
            for f in dataclasses.fields(obj):
                if f.name in skip or f.name == "state":
                    continue
                v = getattr(obj, f.name)
                if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                    n[0] += 1
                    k = int((~np.isfinite(v)).sum())
                    if k:
                        bad.append(f"{name}.{f.name}: {k} of {v.size} non-finite")
                elif isinstance(v, (dict, list, tuple)) or dataclasses.is_dataclass(v):
                    arrays(v, f"{name}.{f.name}", depth + 1)
    for k, v in list(globals().items()):
        if not k.startswith("_"):
            arrays(v, k, 0)
    return n[0], bad
print("SMOKE-NONFINITE:", repr(__smoke_finite()))
'''


def chapters(selected):
    """The chapter notebooks in book order, optionally only those whose name starts with one of
    ``selected`` (``intro``, ``01``, ``03_polynomial_grokking``, or a path)."""
    nbs = [BOOK / "intro.ipynb"] + sorted(BOOK.glob("0*.ipynb"))
    if not selected:
        return nbs
    keep = [nb for nb in nbs if any(nb.name.startswith(Path(s).name) for s in selected)]
    missing = [s for s in selected if not any(nb.name.startswith(Path(s).name) for nb in nbs)]
    if missing:
        raise SystemExit(f"--chapters: no chapter notebook matches {missing}; have {[nb.stem for nb in nbs]}")
    return keep


def head(src: str, n: int = 3) -> str:
    lines = src.strip().splitlines()
    return "\n".join("      | " + ln for ln in lines[:n]) + ("\n      | ..." if len(lines) > n else "")


def run_chapter(path: Path, timeout: int, slow: float, keep_asserts: bool = False) -> bool:
    """Execute one chapter without its ``remove-cell`` cells (kept with ``keep_asserts``); print
    the result; True if it passed."""
    nb = nbformat.read(path, as_version=4)
    kept = [(i, c) for i, c in enumerate(nb.cells)
            if keep_asserts or not (c.cell_type == "code" and "remove-cell" in c.metadata.get("tags", []))]
    dropped = sum(1 for c in nb.cells if c.cell_type == "code") - sum(1 for _, c in kept if c.cell_type == "code")
    orig_index = [i for i, _ in kept]
    nb.cells = [c for _, c in kept] + [nbformat.v4.new_code_cell(FINITE_CHECK)]
    client = NotebookClient(nb, kernel_name="python3", timeout=timeout, allow_errors=False,
                            resources={"metadata": {"path": str(BOOK)}})
    t0 = time.perf_counter()
    ok, cell_times, msg, n_checked = True, [], "", 0
    try:
        with client.setup_kernel():
            for j, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                tc = time.perf_counter()
                try:
                    client.execute_cell(cell, j)
                except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
                    where = f"cell {orig_index[j]}" if j < len(orig_index) else "finiteness check"
                    if getattr(err, "ename", None):
                        what = f"{err.ename}: {err.evalue}"
                    else:
                        lines = str(err).strip().splitlines()
                        what = f"{type(err).__name__}: {lines[-1] if lines else err!r}"
                    msg = (f"  FAIL at {where} after {time.perf_counter() - tc:.1f}s:\n{head(cell.source)}\n"
                           f"      -> {ANSI.sub('', what)}")
                    ok = False
                    break
                if j < len(orig_index):
                    cell_times.append((orig_index[j], time.perf_counter() - tc, cell.source))
            if ok:
                out = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("name") == "stdout")
                line = next((ln for ln in out.splitlines() if ln.startswith("SMOKE-NONFINITE:")), None)
                n_checked, bad = ast.literal_eval(line.split(":", 1)[1].strip()) if line else (0, ["finiteness check printed nothing"])
                if bad:
                    ok = False
                    msg = "  FAIL non-finite values:\n" + "\n".join(f"      {b}" for b in bad)
    except Exception as err:  # kernel failed to start, etc.
        ok, msg = False, f"  FAIL ({type(err).__name__}): {err}"
    wall = time.perf_counter() - t0
    print(f"{path.name:32s} {wall:7.1f}s  {'OK' if ok else 'FAILED'}  "
          f"({len(cell_times)} cells run, {dropped} remove-cell dropped, {n_checked} result arrays checked finite)",
          flush=True)
    if msg:
        print(msg, flush=True)
    for i, dt, src in cell_times:
        if dt >= slow:
            print(f"    slow: cell {i} {dt:.1f}s  {src.strip().splitlines()[0][:90] if src.strip() else ''}", flush=True)
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--chapters", nargs="*", default=None,
                    help="chapter name prefixes (intro 01 02 ...); default: all")
    ap.add_argument("--steps", type=int, default=20, help="GKLIB_SMOKE_STEPS: most training steps per loop")
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    ap.add_argument("--keep-asserts", action="store_true",
                    help="keep the remove-cell asserts (meaningful only where --steps does not cut training, "
                         "e.g. chapter 04 with --steps 1000)")
    ap.add_argument("--slow", type=float, default=10.0, help="list cells slower than this many seconds")
    args = ap.parse_args(argv)
    if args.steps < 1:
        ap.error(f"--steps must be a positive integer, got {args.steps}")
    os.environ.update(GKLIB_PROFILE="paper", GKLIB_SMOKE_STEPS=str(args.steps), GKLIB_PROGRESS="0",
                      OMP_NUM_THREADS="1")
    os.environ.setdefault("GKLIB_DATA", str((ROOT / ".." / "shared" / "data" / "mnist").resolve()))
    print(f"paper profile smoke run: GKLIB_SMOKE_STEPS={args.steps}, GKLIB_DATA={os.environ['GKLIB_DATA']}, "
          f"python {sys.executable}", flush=True)
    results = {nb.stem: run_chapter(nb, args.timeout, args.slow, args.keep_asserts) for nb in chapters(args.chapters)}
    failed = [k for k, v in results.items() if not v]
    print(f"{len(results) - len(failed)}/{len(results)} chapters passed" + (f"; failed: {failed}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
