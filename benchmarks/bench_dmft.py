"""Cost of gklib.dmft.solve_dmft against the horizon T, the width N and the sample counts.

Run:  .venv/bin/python benchmarks/bench_dmft.py [--threads 1] [--full]
      .venv/bin/python benchmarks/bench_dmft.py --accuracy [--seeds 6]
      .venv/bin/python benchmarks/bench_dmft.py --delay [--rho 6] [--seeds 8] [--Ds 400,800,1600,3200]

``--delay`` measures chapter 4's train-test delay from the planted start m0 = (0.35, 0.25), q* = 1,
dt = 0.4, level 0.3: the DMFT's times (train and test loss below the level) and, per D, the single runs'
times (median, quartiles, fraction not within t = 80), where the mean curve crosses, and the rank
correlation of each run's test time with its |m1 - m2| at t = 8 against the DMFT's kick prediction.

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


def delay(rho, seeds, Ds, samples=16000, t_kick=8.0, level=0.3):
    m0 = np.array([0.35, 0.25])
    t0 = time.perf_counter()
    r = dmft.solve_dmft(2, rho, 1.0, 0.25, C0=np.eye(2) + np.outer(m0, m0), m0=m0, dt=0.4, steps=150,
                        samples=samples, response_samples=250, progress_bar=False)
    t_tr, t_te = (dmft.first_time_below(r.t, x, level) for x in (r.train_loss, r.test_loss))
    print(f"rho={rho:g}: DMFT ({samples} draws, {time.perf_counter() - t0:.0f} s): train < {level} at t={t_tr:.1f}, "
          f"test < {level} at t={t_te:.1f}")
    for D in Ds:
        t0 = time.perf_counter()
        sc = dmft.delay_scan(2, rho, 1.0, 0.25, Ds=(D,), seeds=seeds, m0=m0, dt=0.4, steps=200, level=level,
                             t_kick=t_kick, batch=4 if D >= 3200 else None)
        qt, qe = sc.quantiles("train")[:, 0], sc.quantiles("test")[:, 0]
        mean_x = dmft.first_time_below(sc.t, sc.test_mean[0], level)
        fin = np.isfinite(sc.t_test[0])
        err = np.abs(dmft.kick_prediction(r, t_kick, sc.amp[0][fin], level) - sc.t_test[0][fin])
        rk = lambda x: np.argsort(np.argsort(x, kind="stable"), kind="stable")  # noqa: E731
        corr = np.corrcoef(rk(sc.amp[0]), rk(sc.t_test[0]))[0, 1]
        print(f"D={D:5d} ({seeds} runs, {time.perf_counter() - t0:.0f} s): train median {qt[1]:.1f} "
              f"[{qt[0]:.1f}, {qt[2]:.1f}]; test median {qe[1]:.1f} [{qe[0]:.1f}, {qe[2]:.1f}], "
              f"not by t=80: {sc.censored()[0]:.0%}; mean curve crosses at {mean_x:.1f}; "
              f"rank corr(|m1-m2|(t={t_kick:g}), t_test) {corr:.2f}, kick prediction median |error| "
              f"{np.median(err):.1f}")
        print("        runs' test times:", " ".join(f"{x:.1f}" for x in sc.t_test[0]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--full", action="store_true", help="larger sizes")
    ap.add_argument("--accuracy", action="store_true", help="Monte Carlo error at eps = 0 against the closed form")
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--delay", action="store_true", help="chapter 4's train-test delay: runs vs DMFT against D")
    ap.add_argument("--rho", type=float, default=6.0)
    ap.add_argument("--Ds", default="400,800,1600,3200")
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    if a.accuracy:
        return accuracy(a.seeds)
    if a.delay:
        return delay(a.rho, a.seeds, [int(d) for d in a.Ds.split(",")])
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
