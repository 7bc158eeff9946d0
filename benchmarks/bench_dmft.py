"""Cost of gklib.dmft.solve_dmft against the horizon T, the width N and the sample counts.

Run:  .venv/bin/python benchmarks/bench_dmft.py [--threads 1] [--full]
      .venv/bin/python benchmarks/bench_dmft.py --accuracy [--seeds 6]

Prints seconds per fixed-point iteration and the total solve time, and the growth exponents
between successive sizes. ``--accuracy`` instead prints the Monte Carlo error of the solver at
ε = 0, where the theory is closed-form linear regression (Marchenko–Pastur GD, as in
tests/test_dmft.py): the worst relative error of the excess test loss over the run, per seed. The dominant cost is the per-sample triangular inverse for R^g,
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


def _mp_excess(rho, dt, steps, c_u=0.5, sigma2=0.75, n=4001):
    """|u_n|^2/D of discrete GD on linear regression, averaged over Marchenko–Pastur (ratio 1/rho)."""
    lam = 1.0 / rho
    a, b = (1 - math.sqrt(lam)) ** 2, (1 + math.sqrt(lam)) ** 2
    th = (np.arange(n) + 0.5) / n * np.pi
    x = a + (b - a) * (1 - np.cos(th)) / 2
    w = np.sqrt((b - x) * (x - a)) / (2 * np.pi * lam * x) * (b - a) / 2 * np.sin(th) * np.pi / n
    A = (1 - dt * x[None]) ** np.arange(steps + 1)[:, None]
    return (w * (A**2 * c_u + (1 - A) ** 2 * lam * sigma2 / x)).sum(1)


def accuracy(seeds, steps=40):
    print(f"eps = 0, N = 2, dt = 0.4, T = {steps}: worst |relative error| of the excess test loss vs closed form")
    for rho in (2.0, 5.0):
        ref = _mp_excess(rho, 0.4, steps)
        for samples, rs in ((2000, 250), (8000, 1000)):
            errs, conv = [], []
            for seed in range(seeds):
                r = dmft.solve_dmft(2, rho, 1.0, 0.0, dt=0.4, steps=steps, samples=samples, response_samples=rs,
                                    seed=seed, progress_bar=False)
                rel = (r.test_loss - 0.75) / ref - 1
                errs.append(rel[np.argmax(np.abs(rel))])
                conv.append(r.converged)
            print(f"rho={rho:g} samples={samples}: per seed {' '.join(f'{e:+.4f}' for e in errs)}; "
                  f"converged {sum(conv)}/{seeds}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--full", action="store_true", help="larger sizes")
    ap.add_argument("--accuracy", action="store_true", help="Monte Carlo error at eps = 0 against the closed form")
    ap.add_argument("--seeds", type=int, default=6)
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.accuracy:
        return accuracy(a.seeds)
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
