"""Speed-up of one batched (vmap) α sweep over a Python loop of single runs.

Usage: ``.venv/bin/python benchmarks/bench_ensemble.py [--steps 1000] [--threads 1] [--device cpu]``

For each workload it trains the same ``R`` runs twice with :func:`gklib.ensemble.train_ensemble`:
once as one call with ``alpha=[...]`` (stacked parameters, one vmapped forward/backward per step),
once as ``R`` calls with a scalar ``alpha``; it checks that both give the same losses and prints
the wall-clock ratio. Timings on a shared machine are noisy: take the best of ``--repeat``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from gklib.data import modular_addition
from gklib.ensemble import train_ensemble
from gklib.nets import MLP, QuadraticMLP, Transformer1L


def workloads(R):
    alphas = list(np.geomspace(0.25, 4, R))
    mod = modular_addition(23, 0.9, seed=1)
    tok = modular_addition(23, 0.5, seed=0, encoding="tokens")
    return {
        "modular MLP (Fig 2), GD": (QuadraticMLP(46, 100, 23), mod,
                                    dict(alpha=alphas, lr=1500.0, lr_alpha_power=2, center=False)),
        "1-layer Transformer, AdamW, CE": (Transformer1L(23, 32, 4, d_mlp=128), tok,
                                           dict(alpha=[a / 10 for a in alphas], lr=1e-3, lr_alpha_power=1,
                                                loss="ce", optimizer="adamw", weight_decay=1.0)),
        "tanh MLP 46-100-100-23, AdamW": (MLP([46, 100, 100, 23], "tanh"), mod,
                                        dict(alpha=alphas, lr=1e-3, optimizer="adamw")),
    }


def timed(fn, repeat):
    best, out = np.inf, None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"R={a.runs} runs, {a.steps} steps, device={a.device}, threads={a.threads}")
    for name, (net, task, kw) in workloads(a.runs).items():
        common = dict(steps=a.steps, n_log=10, device=a.device, progress_bar=False)
        tb, batched = timed(lambda: train_ensemble(net, task, **kw, **common), a.repeat)

        def loop():
            return [train_ensemble(net, task, **{**kw, "alpha": al}, **common) for al in kw["alpha"]]

        tl, single = timed(loop, a.repeat)
        err = max(np.nanmax(np.abs(batched.train_loss[i] - s.train_loss) / (np.abs(s.train_loss) + 1e-12))
                  for i, s in enumerate(single))
        print(f"{name:34s} batched {tb:7.2f} s   loop {tl:7.2f} s   speed-up x{tl / tb:5.2f}   "
              f"(max rel. loss difference {err:.1e})")


if __name__ == "__main__":
    main()
