"""How much ``import gklib`` costs against ``import torch`` (#30).

Each import runs in a fresh interpreter (``python -c``), ``--repeats`` times, alternating torch and gklib;
the medians of the wall-clock times are compared. Also says which heavy front-end modules
(matplotlib.pyplot, IPython, ipywidgets, scipy.optimize) ``import gklib`` loaded.

    python benchmarks/bench_import.py [--repeats 7] [--max-ratio 1.5]

Exit status 1 when the median ratio exceeds ``--max-ratio``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib.pyplot", "IPython", "ipywidgets", "scipy.optimize")


def time_import(module: str) -> float:
    """Wall-clock seconds of a fresh ``python -c "import <module>"`` (interpreter start included)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", f"import {module}"], cwd=ROOT, check=True)
    return time.perf_counter() - t0


def loaded_by_gklib() -> dict:
    code = f"import sys, json, gklib; print(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--max-ratio", type=float, default=1.5)
    args = ap.parse_args(argv)
    time_import("gklib")  # warm the file-system cache and the bytecode
    times = {"torch": [], "gklib": []}
    for _ in range(args.repeats):
        for module in times:
            times[module].append(time_import(module))
    med = {m: statistics.median(t) for m, t in times.items()}
    ratio = med["gklib"] / med["torch"]
    for m, t in times.items():
        print(f"import {m:6s} median {med[m]:.3f} s  (min {min(t):.3f}, max {max(t):.3f}, {len(t)} runs)")
    print(f"ratio gklib / torch: {ratio:.2f} (target <= {args.max_ratio})")
    for m, loaded in loaded_by_gklib().items():
        print(f"  {m:18s} {'LOADED' if loaded else 'not loaded'} by import gklib")
    return 0 if ratio <= args.max_ratio else 1


if __name__ == "__main__":
    sys.exit(main())
