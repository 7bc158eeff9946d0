"""Cost of gklib.dmft.solve_dmft against the horizon T, the width N and the sample counts.

Run:  .venv/bin/python benchmarks/bench_dmft.py [--threads 1] [--full]

Prints seconds per fixed-point iteration and the total solve time, and the growth exponents
between successive sizes. The dominant cost is the per-sample triangular inverse for R^g,
O(S_R (N(T+1))^3); the forward pass is O(S T^2 N^2).
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from gklib import dmft


def solve(N=2, steps=60, samples=8000, response_samples=1000, rho=10.0):
    t0 = time.perf_counter()
    r = dmft.solve_dmft(N, rho, 1.0, 0.25, m0=dmft.typical_m0(N, 400), dt=0.4, steps=steps,
                        samples=samples, response_samples=response_samples, progress_bar=False)
    wall = time.perf_counter() - t0
    return wall, wall / r.iterations, r.iterations, r.converged


def sweep(name, values, make):
    print(f"\n-- cost vs {name}")
    print(f"{name:>18} {'s/iter':>9} {'iters':>6} {'total s':>8} {'exponent':>9}")
    prev = None
    for v in values:
        wall, per_it, its, conv = make(v)
        x = v if not isinstance(v, tuple) else v[0]
        expo = "" if prev is None else f"{math.log(per_it / prev[1]) / math.log(x / prev[0]):9.2f}"
        print(f"{str(v):>18} {per_it:9.3f} {its:6d} {wall:8.1f} {expo}{'' if conv else '  (not converged)'}")
        prev = (x, per_it)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--full", action="store_true", help="larger sizes")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
    wall, per_it, its, conv = solve()
    print(f"target: N=2, T=60, samples=8000 (R^g from 1000), rho=10: {wall:.1f}s total, {its} iterations, "
          f"converged={conv}  ->  {'OK' if wall <= 60 and conv else 'FAIL'} (<= 60 s)")
    Ts = [15, 30, 60, 120] if a.full else [15, 30, 60]
    sweep("T (steps)", Ts, lambda T: solve(steps=T))
    sweep("N", [1, 2, 4] + ([8] if a.full else []), lambda N: solve(N=N, steps=30))
    sweep("response_samples", [250, 500, 1000, 2000], lambda s: solve(steps=30, samples=max(8000, s), response_samples=s))
    sweep("samples (S_R=250)", [2000, 8000, 32000], lambda s: solve(steps=30, samples=s, response_samples=250))


if __name__ == "__main__":
    main()
