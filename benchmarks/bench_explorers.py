"""How long a live explorer takes to redraw after a slider move, at the chapters' own sizes.

Builds every explorer as its chapter does (:func:`gklib.viz.chapter_explorer`; the profile from
``--profile``, which takes several, or ``GKLIB_PROFILE``, default ``book``),
waits for its first figure, then moves each slider to a few values it has not shown yet (no cached
figure) the way a release in JupyterLab does (setting the widget's ``value``) and prints, per move,

* ``first``: seconds from the release to the first new figure (an explorer that shows its
  computation as it grows — chapter 5's — shows partial curves before it finishes), and
* ``done``: seconds to the finished figure,

each also as CPU seconds of the computing thread (``cpu``: what the wall time would be on an idle
machine, whatever the load while this runs), then the median and the worst per explorer. Targets: at every profile a move shows a first new
figure within 1 s; at the ``book`` profile chapters 1–4 finish within 1 s (chapter 5 trains a
network for 10⁴ steps and shows its run as it grows). On an otherwise idle 2-core machine; the load
average is printed with the results. Torch threads as in the chapters (one, except chapter 4).

    .venv/bin/python benchmarks/bench_explorers.py [--moves 3] [--only ch1 ch3] [--profile quick book paper]

Runs outside a kernel (no browser): the widgets compute and render exactly as in JupyterLab, only
nothing is sent to a front-end. The browser test (tests_browser/test_lab_explorers.py) checks
that the same moves redraw in a real JupyterLab.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np
import torch

import gklib as gk


def chapters():
    """The chapters' explorers (``gklib.viz.chapter_explorer``: the cells of book/*.ipynb and of the
    Explorers page) with the torch threads of their chapters (one, except chapter 4)."""
    for ch, (build, _) in gk.viz.CHAPTER_EXPLORERS.items():
        yield f"ch{ch} {build.__name__}", (None if ch == 4 else 1), (lambda ch=ch: gk.viz.chapter_explorer(ch))


def sliders(box):
    out, stack = [], [box]
    while stack:
        w = stack.pop(0)
        if w.has_trait("continuous_update") and w.has_trait("value"):
            out.append(w)
        stack.extend(getattr(w, "children", ()))
    return out


def targets(sl, n):
    """``n`` values of slider ``sl`` spread over its range, away from its current value."""
    if hasattr(sl, "options") and sl.options:
        vals = [v for _, v in sl.options] if isinstance(sl.options[0], tuple) else list(sl.options)
        idx = [int(round(f * (len(vals) - 1))) for f in np.linspace(0.1, 0.95, n)]
        return [vals[i] for i in idx]
    lo, hi = sl.min, sl.max
    fr = np.linspace(0.15, 0.9, n)
    if type(sl).__name__ == "FloatLogSlider":
        return [float(sl.base ** (lo + f * (hi - lo))) for f in fr]
    vals = [lo + f * (hi - lo) for f in fr]
    if type(sl).__name__ == "IntSlider":
        return [int(round(v / sl.step) * sl.step) for v in vals]
    return [round(v / sl.step) * sl.step for v in vals]


def bench(name, threads, build, moves):
    if threads is not None:
        torch.set_num_threads(threads)
    else:
        torch.set_num_threads(os.cpu_count() or 1)
    t0 = time.perf_counter()
    box = build()
    live = getattr(box, "explorer", None)
    if live is not None:
        box.wait()
    built = time.perf_counter() - t0
    rows = []
    for sl in sliders(box):
        for v in targets(sl, moves):
            if v == sl.value:
                continue
            t, c = time.perf_counter(), time.process_time()
            sl.value = v                        # what a release in JupyterLab sends
            if live is not None:
                box.wait()
                m = live.moves[-1]
                rows.append((sl.description, v, m["first"], m["seconds"], m.get("first_cpu", 0.0),
                             m.get("cpu", 0.0), m["cached"]))
            else:                               # redraws synchronously, in the observer
                dt, dc = time.perf_counter() - t, time.process_time() - c
                rows.append((sl.description, v, dt, dt, dc, dc, False))
    print(f"\n{name}: built and first figure in {built:.2f} s")
    for desc, v, first, done, fcpu, cpu, cached in rows:
        vs = f"{v:.4g}" if isinstance(v, (float, int)) else str(v)
        print(f"  {desc:>8} = {vs:<10} first {first:6.2f} s (cpu {fcpu:5.2f})   done {done:6.2f} s (cpu {cpu:5.2f})"
              + ("  (cached)" if cached else ""))
    fresh = [r for r in rows if not r[6]]
    return (name,) + tuple(f(r[k] for r in fresh) for k in (2, 4, 3, 5) for f in (statistics.median, max))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moves", type=int, default=3, help="moves per slider")
    ap.add_argument("--only", nargs="*", default=None, help="chapters to run, e.g. ch1 ch3")
    ap.add_argument("--profile", nargs="+", default=[os.environ.get("GKLIB_PROFILE", "book")],
                    help="one or more of quick, book, paper (one table each)")
    args = ap.parse_args()
    os.environ.setdefault("GKLIB_HEADLESS", "0")
    import matplotlib
    matplotlib.use("agg")
    gk.viz.use_style(retina=False)
    tables = []
    for profile in args.profile:
        gk.set_profile(profile)
        load0 = os.getloadavg()
        results = []
        for name, threads, build in chapters():
            if args.only and not any(name.startswith(c) for c in args.only):
                continue
            results.append(bench(name, threads, build, args.moves))
        load1 = os.getloadavg()
        tables.append((profile, load0[0], load1[0], results))
    print("\nseconds per move, median / worst (cpu: CPU seconds of the computation)")
    for profile, l0, l1, results in tables:
        print(f"\nprofile {profile}, {os.cpu_count()} cores, load average (1 min) {l0:.2f} before, {l1:.2f} after")
        print("| explorer | first figure | first figure, cpu | finished | finished, cpu |\n|---|---|---|---|---|")
        for name, *v in results:
            print(f"| {name} | " + " | ".join(f"{v[i]:.2f} / {v[i + 1]:.2f}" for i in range(0, 8, 2)) + " |")


if __name__ == "__main__":
    main()
